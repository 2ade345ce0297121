"""CVAT: its analytics events export (the CSV of `/api/events`) as labelpulse events.

A CVAT job is the unit of work: it is the `task` and the `annotation` (`cvat-job-{id}`), in
the project `cvat-project-{id}` (or `cvat-task-{id}` for a task outside any project). Working
time (`send:working_time`) and saves (`create|update|delete:shapes|tags|tracks`) are drafts;
finishing a job (`update:job` state `completed`) is a submission in the annotation stage and an
acceptance in the validation or acceptance stage, where `rejected` is a rejection; comments are
comments. Every event's id is a hash of its CSV row, so a re-import stores nothing new.
docs/connectors/cvat.md has the whole mapping, what CVAT cannot tell, and the sources read.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import json
import logging
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from labelpulse.connectors.people import People
from labelpulse.connectors.registry import ImportOptions, SyncOptions, SyncOutcome, SyncProgress
from labelpulse.errors import (
    InvalidRecordsError,
    LabelpulseError,
    NotFoundError,
    RecordError,
    UsageError,
)
from labelpulse.ingest import (
    IngestSummary,
    Rejected,
    as_source_error,
    default_rejects,
    ingest_records,
    record_problems,
    write_rejects,
)
from labelpulse.ingest.files import Progress
from labelpulse.store.base import Store

SOURCE = "cvat"
# The columns of ClickHouse's `events` table, which the export writes with `SELECT *`
# (components/analytics/clickhouse/000-initial.cmf); later columns (access_token_id) are ignored.
HEADER = (
    "scope,obj_name,obj_id,obj_val,source,timestamp,count,duration,project_id,task_id,job_id,"
    "user_id,user_name,user_email,org_id,org_slug,payload"
)
COLUMNS: tuple[str, ...] = tuple(HEADER.split(","))
_INTEGERS = ("obj_id", "count", "duration", "project_id", "task_id", "job_id", "user_id", "org_id")
_REGIONS = {"create": "regions_added", "update": "regions_updated", "delete": "regions_removed"}
_ANNOTATION_OBJECTS = ("shapes", "tags", "tracks")
_REVIEW_STAGES = ("validation", "acceptance")
_VERDICTS = ("completed", "rejected")
ERRORS_SHOWN = 50
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Stages = dict[int, tuple[list[datetime], list[str]]]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Row:
    """One checked row of the export: its position, a stable id, and its typed cells."""

    where: str
    id: str
    scope: str
    obj_name: str
    obj_val: str
    time: datetime
    ints: dict[str, int | None]
    text: dict[str, str]
    payload: dict[str, Any]


def _problem(where: str, column: str, rule: str) -> dict[str, Any]:
    return dict(position=where, column=column, rule=rule, message=f"{where}, {column}: {rule}")


def _parse(
    cells: Mapping[str, str | None], where: str, problems: list[dict[str, Any]]
) -> Row | None:
    """A row checked cell by cell; each broken cell adds a problem naming its column."""
    text = {c: (cells.get(c) or "").strip() for c in COLUMNS}
    found = len(problems)
    if not text["scope"]:
        problems.append(_problem(where, "scope", "is empty; every CVAT event has a scope"))
    ints: dict[str, int | None] = {}
    for column in _INTEGERS:
        raw = text[column]
        whole = raw.isascii() and raw.isdigit()
        ints[column] = int(raw) if whole else None
        if raw and not whole:
            problems.append(_problem(where, column, f"{raw!r} is not a whole number ≥ 0"))
    try:
        time = datetime.fromisoformat(text["timestamp"].replace("Z", "+00:00"))
        # The column is DateTime64(3, 'Etc/UTC'): a time written without an offset is UTC.
        time = time.replace(tzinfo=UTC) if time.tzinfo is None else time.astimezone(UTC)
    except ValueError:
        problems.append(_problem(where, "timestamp", f"{text['timestamp']!r} is not a date-time"))
        time = EPOCH
    payload: Any = {}
    if text["payload"]:
        try:
            payload = json.loads(text["payload"])
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            problems.append(_problem(where, "payload", "is not a JSON object"))
            payload = {}
    working = payload.get("working_time")
    if working is not None and (type(working) is not int or working < 0):
        problems.append(_problem(where, "payload", "working_time is not a whole number ≥ 0"))
    if len(problems) > found:
        return None
    key = [text[c] for c in COLUMNS if c not in _INTEGERS and c not in ("timestamp", "payload")]
    micros = (time - EPOCH) // timedelta(microseconds=1)
    canonical = [key, [ints[c] for c in _INTEGERS], micros, payload]
    digest = hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()[:32]
    scope, name, value = text["scope"], text["obj_name"], text["obj_val"]
    return Row(where, f"cvat-{digest}", scope, name, value, time, ints, text, payload)


def _raise_problems(name: str, problems: list[dict[str, Any]]) -> None:
    if problems:
        rows = len({p["position"] for p in problems})
        raise InvalidRecordsError(
            f"{name}: {rows} malformed row(s), nothing was stored; first: {problems[0]['message']}",
            details=problems[:ERRORS_SHOWN],
        )


def cvat_records(
    rows: Iterable[Mapping[str, str | None]], *, people: People
) -> list[dict[str, Any]]:
    """Records (directory first, then events) from export rows keyed by column name."""
    problems: list[dict[str, Any]] = []
    parsed = [r for i, cells in enumerate(rows, 1) if (r := _parse(cells, f"row {i}", problems))]
    _raise_problems("CVAT events", problems)
    return _records(parsed, people)


def _project_key(row: Row) -> str | None:
    if row.ints["project_id"] is not None:
        return f"cvat-project-{row.ints['project_id']}"
    return None if row.ints["task_id"] is None else f"cvat-task-{row.ints['task_id']}"


def _stages(rows: Sequence[Row]) -> Stages:
    """Each job's stage changes in time order: its `create:job` and `update:job` stage rows."""
    changes: dict[int, list[tuple[datetime, str]]] = {}
    for row in rows:
        job = row.ints["job_id"]
        if job is not None and row.scope == "create:job":
            stage = str(row.payload.get("stage") or "annotation")
            changes.setdefault(job, []).append((row.time, stage))
        elif job is not None and row.scope == "update:job" and row.obj_name == "stage":
            changes.setdefault(job, []).append((row.time, row.obj_val))
    ordered = {job: sorted(c) for job, c in changes.items()}
    return {job: ([t for t, _ in c], [s for _, s in c]) for job, c in ordered.items()}


def _name(row: Row) -> str | None:
    """A project's (or a project-less task's) name this row gives, if it gives one."""
    if row.scope == "create:task" and row.ints["project_id"] is not None:
        return None
    if row.scope in ("create:project", "create:task"):
        return row.obj_name or None
    if row.scope in ("update:project", "update:task") and row.obj_name == "name":
        return row.obj_val or None
    return None


def _event(row: Row, stage_at: Stages) -> dict[str, Any] | None:
    """The event one row becomes, without actor and place; None when it maps to nothing."""
    action, _, obj = row.scope.partition(":")
    meta: dict[str, Any] = {}
    if row.scope == "send:working_time" or "working_time" in row.payload:
        ms = row.payload.get("working_time", row.ints["duration"]) or 0
        if not ms:
            return None
        end = row.time + timedelta(milliseconds=ms)
        start = row.time
        return {"type": "annotation.draft", "time": end, "started_at": start, "duration": ms / 1000}
    if action in _REGIONS and obj in _ANNOTATION_OBJECTS:
        count = row.ints["count"]
        if count is None:
            count = len(row.payload.get(obj, []))
        if row.obj_name:
            meta["cvat_shape_type"] = row.obj_name
        return {"type": "annotation.draft", "time": row.time, _REGIONS[action]: count, "meta": meta}
    if row.scope == "create:comment" and row.obj_name:
        return {"type": "comment.created", "time": row.time, "text": row.obj_name[:10_000]}
    stage = _stage(row, stage_at) if _is_verdict(row) else None
    if stage is None:
        return None
    meta["cvat_stage"] = stage
    kind = {
        ("completed", False): "annotation.submitted",
        ("completed", True): "review.accepted",
        ("rejected", True): "review.rejected",
    }.get((row.obj_val, stage in _REVIEW_STAGES))
    return None if kind is None else {"type": kind, "time": row.time, "meta": meta}


def _is_verdict(row: Row) -> bool:
    """A job set to completed or rejected: what it means depends on the job's stage."""
    return row.scope == "update:job" and row.obj_name == "state" and row.obj_val in _VERDICTS


def _stage(row: Row, stage_at: Stages) -> str | None:
    """The stage of the row's job at the row's time; None when these rows do not show it."""
    times, stages = stage_at.get(row.ints["job_id"] or 0, ([], []))
    known = bisect.bisect_right(times, row.time)
    return stages[known - 1] if known else None


def _records(rows: Sequence[Row], people: People) -> list[dict[str, Any]]:
    stage_at = _stages(rows)
    names: dict[str, tuple[datetime, str]] = {}
    orgs: dict[str, tuple[int, str]] = {}
    events: list[dict[str, Any]] = []
    for row in rows:
        place = _project_key(row)
        if place is None:
            continue
        if row.ints["org_id"] is not None:
            orgs[place] = (row.ints["org_id"], row.text["org_slug"])
        name = _name(row)
        if name and (place not in names or names[place][0] <= row.time):
            names[place] = (row.time, name[:500])
        job, user = row.ints["job_id"], row.ints["user_id"]
        if job is None or user is None or (event := _event(row, stage_at)) is None:
            continue
        actor = people.resolve(
            user, email=row.text["user_email"] or None, name=row.text["user_name"] or None
        )
        task = f"cvat-job-{job}"
        event.update(id=row.id, actor=actor, project=place, task=task, annotation=task)
        event["meta"] = {"cvat_scope": row.scope, **event.get("meta", {})}
        for field in ("time", "started_at"):
            if field in event:
                event[field] = event[field].isoformat()
        events.append(event)
    unknown = sum(1 for r in rows if _is_verdict(r) and _stage(r, stage_at) is None)
    if unknown:
        log.warning("CVAT: %d job state change(s) skipped: the job's stage is not in the rows "
                    "(see docs/connectors/cvat.md, 'Job stage')", unknown)  # fmt: skip
    directory: list[dict[str, Any]] = list(people.new_members)
    for place, (_, name) in sorted(names.items()):
        project: dict[str, Any] = {"kind": "project", "id": place, "name": name}
        if place in orgs:
            org_id, slug = orgs[place]
            project["workspace"] = f"cvat-org-{org_id}"
            org_name = slug or f"CVAT organization {org_id}"
            directory.append({"kind": "workspace", "id": project["workspace"], "name": org_name})
        directory.append(project)
    unique = {json.dumps(r, sort_keys=True): r for r in directory}
    return [*unique.values(), *events]


def import_events_csv(store: Store, path: Path, *, rejects: Path | None = None) -> IngestSummary:
    """Import a CVAT events export (CSV): the good rows are stored, and each bad one is written
    with its reasons to `rejects` (default: FILE.rejects.ndjson beside the file). A row is bad
    when a cell is (`_parse`), or when the event made of it breaks one of labelpulse's rules
    (checked before anything is stored). A file without CVAT's header is refused whole."""
    rows, problems, cells = _read_rows(path)
    rejected: dict[int, list[RecordError]] = {}
    for p in problems:
        line = int(str(p["position"]).removeprefix("line "))
        rejected.setdefault(line, []).append(RecordError(line, None, p["column"], p["rule"]))
    people = People(store, SOURCE)
    records = _records(rows, people)
    events = [r for r in records if "kind" not in r]
    # Checked before any is stored: an event the rules refuse rejects its row alone.
    refused = {str(events[at - 1]["id"]): e for at, e in record_problems(events).items()}
    for row in rows:
        if row.id in refused:
            line = int(row.where.removeprefix("line "))
            rejected[line] = [as_source_error(e, line, row.id) for e in refused[row.id]]
    summary = ingest_records(store, [r for r in records if "kind" in r or r["id"] not in refused])
    people.save()
    bad = [Rejected(rejected[line], cells[line]) for line in sorted(rejected)]
    write_rejects(summary, bad, rejects or default_rejects(path))
    return summary


def _read_rows(path: Path) -> tuple[list[Row], list[dict[str, Any]], dict[int, Any]]:
    """The export's good rows, the problems of its bad ones, and every row's cells by line
    (as the rejects file shows them: by column, or as a list when they do not fit the header).
    A file without CVAT's header is refused whole."""
    if not path.is_file():
        raise NotFoundError(f"no such file: {path}")
    problems: list[dict[str, Any]] = []
    rows: list[Row] = []
    cells: dict[int, Any] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [h.strip() for h in next(reader, [])]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise InvalidRecordsError(
                f"{path.name} line 1: not a CVAT events export; the header lacks "
                f"{', '.join(missing)} (expected {','.join(COLUMNS)})"
            )
        last = reader.line_num  # a record starts on the line after the one before it ended
        for values in reader:
            line, last = last + 1, reader.line_num
            where = f"line {line}"
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                cells[line] = values
                rule = f"has {len(values)} cells where the header has {len(header)}"
                problems.append(_problem(where, "(row)", rule))
            else:
                cells[line] = dict(zip(header, values, strict=True))
                if row := _parse(cells[line], where, problems):
                    rows.append(row)
    return rows, problems, cells


def import_file(store: Store, path: Path, options: ImportOptions) -> IngestSummary:
    """`labelpulse import cvat`: `import_events_csv` (the export needs no other option)."""
    return import_events_csv(store, path, rejects=options.rejects)


def sync(store: Store, options: SyncOptions, progress: SyncProgress | None) -> SyncOutcome:
    """`labelpulse sync cvat`: `sync_events` (CVAT says nothing of its progress while it
    prepares the export, which is most of the wait)."""
    if options.url is None:
        raise UsageError("syncing CVAT needs its --url")
    summary = sync_events(
        store,
        url=options.url,
        token=options.token,
        username=options.username,
        password=options.password,
        since=options.since,
    )
    return SyncOutcome(f"CVAT · {options.url}", summary)


def _ingest(store: Store, rows: Sequence[Row]) -> IngestSummary:
    """Map and store whole; the user aliases are saved only once the batch is stored."""
    people = People(store, SOURCE)
    summary = ingest_records(store, _records(rows, people))
    people.save()
    return summary


def _reporter(progress: Progress) -> Any:
    """cvat-sdk's ProgressReporter protocol as the downloader uses it: bytes to `progress`."""
    return SimpleNamespace(task=lambda **_: nullcontext(), advance=progress)


def sync_events(
    store: Store,
    *,
    url: str,
    token: str | None = None,
    username: str | None = None,
    password: str | None = None,
    since: datetime | None = None,
    progress: Progress | None = None,
    poll_seconds: float = 2.0,
) -> IngestSummary:
    """Export CVAT's events since `since` (all of them when None) through cvat-sdk; import them.

    The SDK's own export flow: POST /api/events/export, poll GET /api/requests/{rq_id}, download
    its result_url. A personal access token (Bearer) or a username and password (session).
    """
    try:
        from cvat_sdk.api_client.exceptions import OpenApiException
        from cvat_sdk.core.client import AccessTokenCredentials, Client, Config
        from cvat_sdk.core.client import PasswordCredentials as Password
        from cvat_sdk.core.downloading import Downloader
        from cvat_sdk.core.exceptions import CvatSdkException
        from urllib3.exceptions import HTTPError
    except ImportError as exc:  # pragma: no cover - the extra is part of `dev`
        raise UsageError("syncing CVAT needs cvat-sdk: pip install 'labelpulse[cvat]'") from exc
    if since is not None and since.tzinfo is None:
        raise UsageError("since: give a time with a UTC offset")
    if token:
        credentials: Any = AccessTokenCredentials(token)
    elif username and password:
        credentials = Password(username, password)
    else:
        raise UsageError("CVAT sync needs a token, or a username and a password")
    start = (since or EPOCH).astimezone(UTC).isoformat()
    try:
        with tempfile.TemporaryDirectory() as folder:
            with Client(url, config=Config(status_check_period=poll_seconds)) as client:
                client.login(credentials)
                try:
                    path = Downloader(client).prepare_and_download_file_from_endpoint(
                        client.api_client.events_api.create_export_endpoint,
                        Path(folder) / "events.csv",
                        query_params={"from": start},
                        pbar=_reporter(progress) if progress else None,
                    )
                finally:
                    client.logout()
            rows, problems, _ = _read_rows(path)
            _raise_problems(path.name, problems)
            return _ingest(store, rows)
    except (OpenApiException, CvatSdkException, HTTPError, OSError) as exc:
        status = getattr(exc, "status", None)  # an ApiException: its status, not its headers
        detail = f"HTTP {status} {getattr(exc, 'reason', '')}" if status else str(exc)
        raise LabelpulseError(f"CVAT at {url}: {detail}".strip(), code="cvat_error") from exc
