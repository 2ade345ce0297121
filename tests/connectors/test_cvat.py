"""CVAT's events export → events, directory records, and report figures by hand arithmetic.

The rows are written the way CVAT writes its export (cvat/apps/events/export.py, `_create_csv`):
`csv.writer` over ClickHouse's result rows, the header being the `events` table's columns in
order (components/analytics/clickhouse/000-initial.cmf), NULL cells empty, timestamps the
`str()` of ClickHouse's timezone-aware DateTime64(3, 'Etc/UTC') values. Each row's cells are
the ones cvat/apps/events/handlers.py records: `handle_create` (obj_id, obj_name = the object's
name, the serializer's payload), `handle_update` (one row per changed field: obj_name = the
field, obj_val = its new value, payload `{"old_value": ...}`), `handle_annotations_change`
(count, obj_name = the shape type, payload `{"shapes": [{"id": ...}]}`) and the server-computed
`send:working_time` (duration = payload working_time, in ms, count 1). Every server payload
carries `{"request": {"id": ...}}` (cvat/apps/events/event.py, tests/python/rest_api/
test_analytics.py reads it back).
"""

from __future__ import annotations

import csv
import io
import json
import threading
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest

from labelpulse.connectors.cvat import HEADER, cvat_records, import_events_csv, sync_events
from labelpulse.connectors.people import People
from labelpulse.errors import InvalidRecordsError, LabelpulseError
from labelpulse.metrics import report
from labelpulse.store import Store

MAX = (1, "max", "max@studio.test")
ANNA = (5, "anna", "anna@studio.test")
RITA = (9, "rita", "Rita@Studio.test")
User = tuple[int, str, str]
Cell = str | int | datetime | None


def at(clock: str) -> datetime:
    """A time on 2025-03-03 UTC, as clickhouse_connect returns DateTime64(3, 'Etc/UTC')."""
    return datetime.fromisoformat(f"2025-03-03T{clock}+00:00")


def row(
    scope: str,
    clock: str,
    user: User | None,
    *,
    obj_name: str | None = None,
    obj_id: int | None = None,
    obj_val: str | None = None,
    source: str = "server",
    count: int | None = None,
    duration: int = 0,
    project: int | None = 3,
    task: int | None = 7,
    job: int | None = 12,
    payload: dict[str, Any] | None = None,
) -> list[Cell]:
    body = dict(payload or {})
    if source == "server":
        body["request"] = {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{scope}{clock}{obj_name}"))}
    uid, name, email = user if user else (None, None, None)
    return [
        scope, obj_name, obj_id, obj_val, source, at(clock), count, duration, project, task, job,
        uid, name, email, 2, "acme", json.dumps(body, separators=(",", ":")),
    ]  # fmt: skip


def working(clock: str, user: User, ms: int, *, job: int | None = 12) -> list[Cell]:
    """`send:working_time` as handle_client_events_push records it."""
    payload = {"working_time": ms}
    return row("send:working_time", clock, user, count=1, duration=ms, job=job, payload=payload)


def shapes(scope: str, clock: str, user: User, shape: str, n: int) -> list[Cell]:
    ids = [{"id": 100 + i} for i in range(n)]
    return row(scope, clock, user, obj_name=shape, count=n, payload={"shapes": ids})


def job_change(clock: str, user: User, field: str, old: str, new: str) -> list[Cell]:
    return row("update:job", clock, user, obj_name=field, obj_val=new, payload={"old_value": old})


def stage_change(clock: str, user: User, stage: str, old: str) -> list[list[Cell]]:
    """A stage change as CVAT records one PATCH: status, stage, and the state reset to new."""
    status = "annotation" if stage == "annotation" else "validation"
    return [
        job_change(f"{clock}.010", user, "status", old, status),
        job_change(f"{clock}.011", user, "stage", old, stage),
        job_change(f"{clock}.012", user, "state", "completed", "new"),
    ]


def created_job(clock: str, job: int) -> list[Cell]:
    payload = {
        "task_id": 7,
        "project_id": 3,
        "assignee": None,
        "stage": "annotation",
        "state": "new",
        "status": "annotation",
        "type": "annotation",
    }
    return row("create:job", clock, MAX, obj_id=job, job=job, payload=payload)


ROWS: list[list[Cell]] = [
    row("create:project", "08:59:00.250", MAX, obj_name="Street scenes", obj_id=3, task=None,
        job=None, payload={"status": "annotation", "bug_tracker": ""}),
    row("create:task", "08:59:30.500", MAX, obj_name="Batch 1", obj_id=7, job=None,
        payload={"mode": "annotation", "segment_size": 50}),
    created_job("08:59:31.100", 12),
    created_job("08:59:31.140", 13),
    row("update:job", "09:01:00", MAX, obj_name="assignee", obj_id=5,
        obj_val="{'id': 5, 'username': 'anna', 'first_name': 'Anna', 'last_name': 'Berg'}",
        payload={"old_value": None}),
    job_change("09:05:12.400", ANNA, "state", "new", "in progress"),
    working("09:10:00", ANNA, 754_321),
    row("change:frame", "09:11:03.120", ANNA, source="client", count=1, duration=1500,
        payload={"from": 0, "to": 1, "step": 1}),
    shapes("create:shapes", "09:22:40.500", ANNA, "rectangle", 12),
    row("create:tags", "09:22:40.510", ANNA, count=2, payload={"tags": [{"id": 7}, {"id": 8}]}),
    working("09:40:00", ANNA, 300_000),
    shapes("update:shapes", "09:45:00", ANNA, "rectangle", 3),
    shapes("delete:shapes", "09:45:00.500", ANNA, "polygon", 1),
    job_change("09:46:00", ANNA, "state", "in progress", "completed"),
    *stage_change("10:00:00", MAX, "validation", "annotation"),
    working("10:10:00", RITA, 120_500),
    row("create:comment", "10:12:00", RITA, obj_name="Box 4 is a bus, not a car", obj_id=31,
        payload={"issue": 4, "owner": {"id": 9, "username": "rita"}}),
    job_change("10:13:00", RITA, "state", "in progress", "rejected"),
    *stage_change("10:30:00", MAX, "annotation", "validation"),
    working("11:00:00", ANNA, 90_000),
    shapes("update:shapes", "11:01:00", ANNA, "rectangle", 1),
    job_change("11:02:00", ANNA, "state", "in progress", "completed"),
    *stage_change("11:10:00", MAX, "validation", "annotation"),
    working("11:20:00", RITA, 60_000),
    job_change("11:21:00", RITA, "state", "in progress", "completed"),
    working("12:00:00", ANNA, 200_000, job=13),
    # working time outside any job (the tasks page): CVAT records it without ids
    row("send:working_time", "12:30:00", ANNA, count=1, duration=5_000, project=None,
        task=None, job=None, payload={"working_time": 5_000}),
]  # fmt: skip


def export_csv(rows: Sequence[Sequence[Cell]], header: Sequence[str] | None = None) -> str:
    """The file as CVAT's `_create_csv` writes it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header or HEADER.split(","))
    writer.writerows(rows)
    return out.getvalue()


def write(tmp_path: Path, rows: Sequence[Sequence[Cell]], name: str = "events.csv") -> Path:
    path = tmp_path / name
    path.write_text(export_csv(rows), encoding="utf-8")
    return path


def events(store: Store) -> list[dict[str, Any]]:
    return store.rows("SELECT * FROM events ORDER BY time_us, id")


def day(store: Store, name: str, **kwargs: Any) -> dict[str, Any]:
    return report(store, name, start="2025-03-03", end="2025-03-03", tz="UTC", **kwargs)


def test_the_header_is_cvats_export_header() -> None:
    # components/analytics/clickhouse/000-initial.cmf, in column order
    assert HEADER == (
        "scope,obj_name,obj_id,obj_val,source,timestamp,count,duration,project_id,task_id,"
        "job_id,user_id,user_name,user_email,org_id,org_slug,payload"
    )
    line = export_csv([working("09:10:00", ANNA, 754_321)]).splitlines()[1]
    assert line.startswith(
        "send:working_time,,,,server,2025-03-03 09:10:00+00:00,1,754321,3,7,12,5,anna,"
        'anna@studio.test,2,acme,"{""working_time"":754321,""request"":{""id"":'
    )


def test_import_maps_each_row(store: Store, tmp_path: Path) -> None:
    summary = import_events_csv(store, write(tmp_path, ROWS))
    # 6 working times in jobs, 5 saves, 1 comment, 4 verdicts; 2 members, workspace, project
    assert (summary.stored, summary.directory_stored, summary.rejected) == (16, 4, 0)
    stored = events(store)
    by_type: dict[str, int] = {}
    for e in stored:
        by_type[e["type"]] = by_type.get(e["type"], 0) + 1
        assert e["id"].startswith("cvat-") and len(e["id"]) == 37
        assert e["project"] == "cvat-project-3"
        assert e["task"] == e["annotation"] and e["task"] in ("cvat-job-12", "cvat-job-13")
    assert by_type == {
        "annotation.draft": 11,
        "annotation.submitted": 2,
        "review.rejected": 1,
        "review.accepted": 1,
        "comment.created": 1,
    }
    first = stored[0]  # anna's first working time: 754 321 ms from 09:10:00
    assert (first["actor"], first["duration_us"]) == ("anna@studio.test", 754_321_000)
    assert first["started_us"] == int(at("09:10:00").timestamp() * 1e6)
    assert first["time_us"] == int(at("09:22:34.321").timestamp() * 1e6)
    assert json.loads(first["meta"]) == {"cvat_scope": "send:working_time"}
    regions = [(e["regions_added"], e["regions_updated"], e["regions_removed"]) for e in stored]
    saves = [r for r in regions if any(r)]
    assert saves == [(12, 0, 0), (2, 0, 0), (0, 3, 0), (0, 0, 1), (0, 1, 0)]
    verdicts = [
        (e["type"], e["actor"], json.loads(e["meta"])["cvat_stage"])
        for e in stored
        if "cvat_stage" in json.loads(e["meta"])
    ]
    assert verdicts == [
        ("annotation.submitted", "anna@studio.test", "annotation"),
        ("review.rejected", "rita@studio.test", "validation"),
        ("annotation.submitted", "anna@studio.test", "annotation"),
        ("review.accepted", "rita@studio.test", "validation"),
    ]
    members = {m["id"]: (m["name"], m["email"]) for m in store.get("members")}
    assert members == {
        "anna@studio.test": ("anna", "anna@studio.test"),
        "rita@studio.test": ("rita", "Rita@Studio.test"),
    }
    assert store.get("projects") == [
        {
            "id": "cvat-project-3",
            "name": "Street scenes",
            "workspace": "cvat-org-2",
            "tasks": None,
            "deadline": None,
        }
    ]
    assert store.get("workspaces") == [{"id": "cvat-org-2", "name": "acme"}]
    assert People(store, "cvat").aliases() == {"5": "anna@studio.test", "9": "rita@studio.test"}


def test_reimport_stores_nothing_new_and_figures_stay(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, ROWS)
    import_events_csv(store, path)
    before = day(store, "member", member="anna@studio.test")
    again = import_events_csv(store, path)
    assert (again.stored, again.duplicates, again.conflicts) == (0, 16, 0)
    # the members are known by their aliases now: only workspace and project come again
    assert (again.directory_stored, again.directory_unchanged) == (0, 2)
    assert day(store, "member", member="anna@studio.test") == before


def test_member_report_by_hand(store: Store, tmp_path: Path) -> None:
    import_events_csv(store, write(tmp_path, ROWS))
    anna = day(store, "member", member="anna@studio.test")["annotations"]
    # job 12 is anna's (her working time comes first); its last action is rita's acceptance.
    # Lead time: anna's working time on it, 754.321 + 300 + 90 = 1144.321 s. Job 13 has only
    # working time, never finished: not submitted.
    assert anna["submitted"] == 1
    assert (anna["accepted"], anna["rejected"], anna["updated"]) == (1, 0, 0)
    assert anna["total_time"] == pytest.approx(1144.321)
    assert anna["median_time"] == pytest.approx(1144.321)
    # review actions on her annotation: rejected (0) then accepted (1) -> 1/2
    assert anna["performance_score"] == 0.5
    assert anna["acceptance_score"] == 1.0
    reviews = day(store, "member", member="rita@studio.test")["reviews"]
    assert (reviews["total"], reviews["accepted"], reviews["rejected"]) == (2, 1, 1)
    # CVAT's working time does not say labeling from reviewing: no review time
    assert reviews["review_time"] == 0


def test_work_report_by_hand(store: Store, tmp_path: Path) -> None:
    import_events_csv(store, write(tmp_path, ROWS))
    rows = {r["member"]: r for r in day(store, "work")["rows"]}
    anna, rita = rows["anna@studio.test"], rows["rita@studio.test"]
    # anna labels: job 12 finished (1 task); her time on jobs 12 and 13,
    # 754.321 + 300 + 90 + 200 = 1344.321 s
    assert anna["labeled"] == 1
    assert anna["label_time"] == pytest.approx(1344.321)
    # rita reviewed job 12 (2 actions, 1 annotation); her working time in it is edit work
    # on anna's annotation: 120.5 + 60 = 180.5 s
    assert (rita["reviewed"], rita["edited"]) == (1, 1)
    assert rita["edit_time"] == pytest.approx(180.5)
    assert rita["labeled"] == 0


def test_timeline_regions_and_comments_by_hand(store: Store, tmp_path: Path) -> None:
    import_events_csv(store, write(tmp_path, ROWS))
    timeline = day(store, "timeline", member="anna@studio.test")["rows"]
    # saves: +12 rectangles, +2 tags, 3 rectangles changed, 1 polygon deleted, 1 changed
    assert sum(r["regions_added"] for r in timeline) == 14
    assert sum(r["regions_updated"] for r in timeline) == 4
    assert sum(r["regions_removed"] for r in timeline) == 1
    assert sum(r["duration"] for r in timeline) == pytest.approx(1344.321)
    comments = day(store, "comments", member="anna@studio.test")["rows"]
    assert [(c["from"], c["text"]) for c in comments] == [
        ("rita@studio.test", "Box 4 is a bus, not a car")
    ]


def test_a_job_stage_not_in_the_rows_skips_its_verdicts_without_conflict(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # an export from 10:05 on lacks the 10:00 move to validation: rita's 10:13 rejection cannot
    # be told from an annotator's, so it is left out; later stage changes are in the rows
    late = [r for r in ROWS if isinstance(r[5], datetime) and r[5] >= at("10:05:00")]
    partial = import_events_csv(store, write(tmp_path, late, "late.csv"))
    kinds = [e["type"] for e in events(store) if not e["type"].endswith("draft")]
    assert "review.rejected" not in kinds
    assert "CVAT: 1 job state change(s) skipped" in caplog.text
    assert kinds.count("review.accepted") == 1 and kinds.count("annotation.submitted") == 1
    full = import_events_csv(store, write(tmp_path, ROWS))
    assert (full.conflicts, full.duplicates, full.stored) == (
        0,
        partial.stored,
        16 - partial.stored,
    )
    assert len(events(store)) == 16


def test_row_order_and_extra_columns_do_not_change_ids(store: Store, tmp_path: Path) -> None:
    # newer CVAT adds access_token_id after payload (clickhouse/001-add_api_token.cmf)
    header = [*HEADER.split(","), "access_token_id"]
    path = tmp_path / "new.csv"
    path.write_text(export_csv([[*r, None] for r in reversed(ROWS)], header), encoding="utf-8")
    first = import_events_csv(store, path)
    again = import_events_csv(store, write(tmp_path, ROWS))
    assert (first.stored, again.stored, again.duplicates) == (16, 0, 16)


def test_cvat_records_from_rows(store: Store) -> None:
    header = HEADER.split(",")
    lines = export_csv(ROWS).splitlines()[1:]
    cells = [dict(zip(header, values, strict=True)) for values in csv.reader(lines)]
    people = People(store, "cvat")
    records = cvat_records(cells, people=people)
    kinds = [r.get("kind", "event") for r in records]
    assert kinds.count("event") == 16 and kinds[:4] == ["member", "member", "workspace", "project"]
    cells[2]["job_id"] = "twelve"
    with pytest.raises(InvalidRecordsError, match=r"row 3, job_id: .twelve. is not a whole"):
        cvat_records(cells, people=people)


def rejects(path: Path) -> list[dict[str, Any]]:
    """The rejects file written beside an imported file."""
    text = path.with_name(path.name + ".rejects.ndjson").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def drafted_seconds(store: Store) -> float:
    return float(store.rows("SELECT sum(duration_us) AS us FROM events")[0]["us"]) / 1e6


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("timestamp", "03/03/2025 09:10", "is not a date-time"),
        ("duration", "-5", "is not a whole number"),
        ("payload", "{working_time: 5}", "is not a JSON object"),
        ("payload", '{"working_time": "5 min"}', "working_time is not a whole number"),
        ("scope", "", "is empty"),
    ],
)
def test_a_malformed_row_is_rejected_by_line_and_column_and_the_rest_stored(
    store: Store, tmp_path: Path, column: str, value: str, rule: str
) -> None:
    rows = [list(r) for r in ROWS]
    rows[6][HEADER.split(",").index(column)] = value  # line 8: anna's first working time
    path = write(tmp_path, rows)
    summary = import_events_csv(store, path)
    assert (summary.stored, summary.rejected) == (15, 1)
    assert summary.rejects_path == str(path) + ".rejects.ndjson"
    (entry,) = rejects(path)
    assert entry["position"] == 8 and json.loads(entry["record"])[column] == value
    assert entry["errors"][0].startswith(f'record 8: field "{column}": ')
    assert rule in entry["errors"][0] and rule in str(summary.errors[0])
    # every working time but line 8's 754.321 s: 300 + 120.5 + 90 + 60 + 200 s
    assert drafted_seconds(store) == 770.5


def test_lines_are_counted_through_multiline_cells_and_blank_lines(
    store: Store, tmp_path: Path
) -> None:
    comment = row("create:comment", "09:50:00", RITA, obj_name="Box 4:\nbus, not car", obj_id=32)
    rows = [list(r) for r in ROWS[:3]] + [comment] + [list(r) for r in ROWS[3:]]
    rows[4][HEADER.split(",").index("timestamp")] = "yesterday"
    path = write(tmp_path, rows)
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n", 1)  # a blank line 2
    path.write_text(text[: text.index("\n") + 1] + "\n" + text[text.index("\n") + 1 :])
    # header 1, blank 2, rows on 3, 4, 5, the comment on 6-7, the broken row on 8 (job 13's
    # creation, which makes no event): every event is stored
    summary = import_events_csv(store, path)
    assert (summary.stored, summary.rejected) == (17, 1)
    assert [(e["position"], e["errors"]) for e in rejects(path)] == [
        (8, ["record 8: field \"timestamp\": 'yesterday' is not a date-time"])
    ]


def test_a_short_row_is_rejected_and_a_foreign_file_refused(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, ROWS)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[4] = "create:job,,12"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = import_events_csv(store, path)
    assert (summary.stored, summary.rejected) == (16, 1)
    (entry,) = rejects(path)
    assert json.loads(entry["record"]) == ["create:job", "", "12"]
    assert entry["errors"] == ['record 5: field "(row)": has 3 cells where the header has 17']
    other = tmp_path / "tasks.csv"
    other.write_text("id,name\n1,Batch 1\n", encoding="utf-8")
    with pytest.raises(InvalidRecordsError, match="line 1: not a CVAT events export"):
        import_events_csv(store, other)
    assert len(events(store)) == 16 and not (tmp_path / "tasks.csv.rejects.ndjson").exists()


def test_a_row_whose_event_is_refused_is_rejected_alone(store: Store, tmp_path: Path) -> None:
    # a save dated in 2999 breaks the 24-hour future rule: that row only is rejected
    future = shapes("create:shapes", "09:00:00", ANNA, "rectangle", 1)
    future[5] = datetime(2999, 1, 1, tzinfo=UTC)
    path = write(tmp_path, [*ROWS, future])
    summary = import_events_csv(store, path)
    assert (summary.stored, summary.rejected) == (16, 1)
    (entry,) = rejects(path)
    assert entry["position"] == 35 and entry["id"].startswith("cvat-")
    assert entry["errors"][0].startswith(f'record 35 (id "{entry["id"]}"): field "event.time": ')
    assert sum(e["regions_added"] for e in events(store)) == 14  # 12 + 2, not the 2999 one
    again = import_events_csv(store, path)
    assert (again.stored, again.duplicates, again.rejected) == (0, 16, 1)


def test_sync_still_refuses_a_malformed_export_whole(store: Store, tmp_path: Path) -> None:
    from labelpulse.connectors.cvat import _raise_problems, _read_rows

    rows = [list(r) for r in ROWS]
    rows[6][HEADER.split(",").index("duration")] = "-5"
    _, problems, _ = _read_rows(write(tmp_path, rows))
    with pytest.raises(InvalidRecordsError, match="line 8, duration: '-5' is not a whole"):
        _raise_problems("events.csv", problems)


# --- sync: cvat-sdk against a local server answering the requests it makes ---------------

RQ_ID = "action=export&target=events&id=0f6c9e8e-3c1a-4e62-9a55-2b7c1f0f4d11&user_id=1"
ABOUT = {
    "name": "Computer Vision Annotation Tool",
    "description": "CVAT is completely re-designed and re-implemented version of Video "
    "Annotation Tool from Irvine, California, USA.",
    "version": "2.80.0",
    "logo_url": "/static/logo.svg",
    "subtitle": "Open Data Annotation Platform",
}


def request_status(done: bool, host: str) -> dict[str, Any]:
    """GET /api/requests/{rq_id} while the export runs, and once it has finished."""
    download = f"{host}/api/events/download?rq_id={quote(RQ_ID)}"  # the events-download-file route
    operation = {"type": "export:events", "target": "events", "project_id": None, "task_id": None}
    return {
        "status": "finished" if done else "started",
        "message": "",
        "id": RQ_ID,
        "operation": {**operation, "job_id": None, "format": None, "function_id": None},
        "progress": 1.0 if done else 0.0,
        "created_date": "2025-03-04T08:00:00Z",
        "started_date": "2025-03-04T08:00:01Z",
        "finished_date": "2025-03-04T08:00:02Z" if done else None,
        "expiry_date": "2025-03-05T08:00:02Z" if done else None,
        "owner": {"id": 1, "username": "max"},
        "result_url": download if done else None,
        "result_id": None,
    }


class FakeCvat(BaseHTTPRequestHandler):
    """The endpoints of cvat-sdk's export flow, recording every request."""

    seen: list[tuple[str, str, dict[str, str], bytes]]
    polls: int

    def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _request(self) -> tuple[str, dict[str, list[str]]]:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        type(self).seen.append((self.command, self.path, dict(self.headers), body))
        parts = urlsplit(self.path)
        return unquote(parts.path), parse_qs(parts.query)

    def do_GET(self) -> None:
        path, query = self._request()
        host = f"http://{self.headers['Host']}"
        if path == "/api/server/about":
            self._answer(200, ABOUT)
        elif path == f"/api/requests/{RQ_ID}":
            type(self).polls += 1
            done = type(self).polls > 1
            self._answer(200, request_status(done, host))
        elif path == "/api/events/download" and query.get("rq_id") == [RQ_ID]:
            csv_body = export_csv(ROWS).encode()
            disposition = 'attachment; filename="logs_2025_03_04_08_00_02.csv"'
            headers = {"Content-Type": "text/csv", "Content-Disposition": disposition}
            self._answer(200, csv_body, headers)
        else:
            self._answer(404, {"detail": "Not found."})

    def do_POST(self) -> None:
        path, _ = self._request()
        if path == "/api/auth/login":
            # as Django sets them (urllib3 joins the two headers with ", " for the SDK)
            cookies = [
                "csrftoken=csrf70k3n; expires=Wed, 03 Mar 2026 08:00:00 GMT; Max-Age=31449600; "
                "Path=/; SameSite=Lax",
                "sessionid=s3ss10n; expires=Mon, 17 Mar 2025 08:00:00 GMT; HttpOnly; "
                "Max-Age=1209600; Path=/; SameSite=Lax",
            ]
            self.send_response(200)
            for cookie in cookies:
                self.send_header("Set-Cookie", cookie)
            body = json.dumps({"key": "legacy-token"}).encode()
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif path == "/api/auth/logout":
            self._answer(200, {"detail": "Successfully logged out."})
        elif path == "/api/events/export":
            self._answer(202, {"rq_id": RQ_ID})
        else:
            self._answer(404, {"detail": "Not found."})

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def cvat() -> Iterator[tuple[str, type[FakeCvat]]]:
    handler = type("Handler", (FakeCvat,), {"seen": [], "polls": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_sync_with_a_token(store: Store, cvat: tuple[str, type[FakeCvat]]) -> None:
    url, handler = cvat
    read: list[int] = []
    since = datetime(2025, 3, 1, tzinfo=UTC)
    summary = sync_events(
        store, url=url, token="pat-123", since=since, progress=read.append, poll_seconds=0.01
    )
    assert (summary.stored, summary.directory_stored) == (16, 4)
    assert sum(read) == len(export_csv(ROWS).encode())
    calls = [(method, unquote(path)) for method, path, _, _ in handler.seen]
    assert calls == [
        ("GET", "/api/server/about"),
        ("POST", "/api/events/export?from=2025-03-01T00:00:00+00:00"),
        ("GET", f"/api/requests/{RQ_ID}"),
        ("GET", f"/api/requests/{RQ_ID}"),
        ("GET", f"/api/events/download?rq_id={RQ_ID}"),
    ]
    for _, _, headers, _ in handler.seen[1:]:
        assert headers["Authorization"] == "Bearer pat-123"
    again = sync_events(store, url=url, token="pat-123", since=since, poll_seconds=0.01)
    assert (again.stored, again.duplicates) == (0, 16)


def test_sync_with_a_password_and_everything(
    store: Store, cvat: tuple[str, type[FakeCvat]]
) -> None:
    url, handler = cvat
    summary = sync_events(store, url=url, username="max", password="s3cret", poll_seconds=0.01)
    assert summary.stored == 16
    calls = [(method, unquote(path)) for method, path, _, _ in handler.seen]
    assert calls[1] == ("POST", "/api/auth/login")
    assert json.loads(handler.seen[1][3]) == {"username": "max", "password": "s3cret"}
    # no `since`: everything since the epoch, not the server's default of 30 days
    assert calls[2] == ("POST", "/api/events/export?from=1970-01-01T00:00:00+00:00")
    assert calls[-1] == ("POST", "/api/auth/logout")
    export_headers = handler.seen[2][2]
    assert "sessionid=s3ss10n" in export_headers["Cookie"]
    assert export_headers["X-CSRFToken"] == "csrf70k3n"


def test_sync_errors_are_labelpulse_errors(store: Store, cvat: tuple[str, type[FakeCvat]]) -> None:
    url, _ = cvat
    with pytest.raises(LabelpulseError, match=r"CVAT at .*/nowhere: HTTP 404 Not Found"):
        sync_events(store, url=url + "/nowhere", token="pat-123", poll_seconds=0.01)
    with pytest.raises(LabelpulseError, match="a token, or a username and a password"):
        sync_events(store, url=url, username="max")
    assert events(store) == []
