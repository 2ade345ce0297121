"""The JSON API under /api/: every report (and its exports), ingest, the directory, health.

Every report route goes through `run_report`, which goes through `labelpulse.access`: no route
computes a figure without the asker's scope.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from labelpulse.access import Viewer, check_batch
from labelpulse.access.policy import visible_projects, visible_workspaces
from labelpulse.errors import TooLargeError, UsageError
from labelpulse.exports import (
    Question,
    csv_chunks,
    file_name,
    is_multi_table,
    json_chunks,
    report_xlsx,
    zip_chunks,
)
from labelpulse.ingest import IngestSummary, ingest_lines, ingest_records
from labelpulse.ingest.files import BOM, json_array_lines
from labelpulse.metrics import Directory
from labelpulse.metrics.paging import make_paging
from labelpulse.metrics.registry import SPECS, Paging, ReportSpec
from labelpulse.store.base import Store
from labelpulse.web.auth import ingest_viewer, read_viewer
from labelpulse.web.bodies import read_body
from labelpulse.web.openapi import (
    INGEST_ERRORS,
    REPORT_ERRORS,
    REPORT_FORMATS,
    directory_body,
    errors,
    events_body,
)
from labelpulse.web.priority import WritesFirst
from labelpulse.web.query import ReportQuery, report_query, run_report

router = APIRouter(prefix="/api")

Format = Literal["json", "csv", "xlsx", "zip"]
MEDIA = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}
# The POST route of each kind of directory record: /api/members stores members.
DIRECTORY_ROUTES = {"members": "member", "workspaces": "workspace", "projects": "project",
                   "memberships": "membership", "rates": "rate"}  # fmt: skip


PAGING_PARAMS = ("search", "sort", "offset", "limit")


def export_question(
    request: Request, name: str, query: ReportQuery, data: dict[str, Any], member: str | None
) -> Question:
    """What a download answers: the window the report covers and every filter asked for."""
    window = data["window"]
    paging = [(key, request.query_params[key]) for key in PAGING_PARAMS
              if request.query_params.get(key)]  # fmt: skip
    return Question(
        report=name,
        start=window["from"],
        end=window["to"],
        tz=window["tz"],
        member=member,
        workspaces=query.workspaces,
        projects=query.projects,
        members=query.members,
        paging=paging,
    )


def render(
    request: Request,
    name: str,
    query: ReportQuery,
    data: dict[str, Any],
    fmt: Format | None,
    member: str | None,
) -> Response:
    """JSON inline, or (with `format`) a download in that format.

    A CSV holds one table: a report of several tables (the member report) downloads as a ZIP of
    one CSV per table plus about.csv, as `format=zip` does for any report. The file name says
    what the file holds (`labelpulse.exports.names`).

    Downloads of a paged report read its rows from the store in batches (`Paging.stream`):
    JSON, CSV and ZIP are written as they are sent, Excel into a write-only workbook, so a
    download of millions of rows holds a batch at a time.
    """
    if fmt is None:
        return JSONResponse(data)
    if fmt == "csv" and is_multi_table(name, data):
        fmt = "zip"
    question = export_question(request, name, query, data, member)
    headers = {"Content-Disposition": f'attachment; filename="{file_name(question, fmt)}"'}
    if fmt == "xlsx":
        return Response(report_xlsx(name, data), media_type=MEDIA[fmt], headers=headers)
    if fmt == "zip":
        return StreamingResponse(
            zip_chunks(name, data, extra=_about_extra(question)), media_type=MEDIA[fmt],
            headers=headers,
        )  # fmt: skip
    chunks = json_chunks(data) if fmt == "json" else csv_chunks(name, data)
    return StreamingResponse(
        (chunk.encode() for chunk in chunks), media_type=MEDIA[fmt], headers=headers
    )


def _about_extra(question: Question) -> list[tuple[str, str]]:
    """The paged report's own parameters, for about.csv beside the filters it already names."""
    return list(question.paging)


FormatQuery = Annotated[
    Format | None,
    Query(
        alias="format",
        description="Download as json, csv, xlsx or zip (one CSV per table plus about.csv) "
        "instead of JSON inline; csv of a report of several tables is a zip.",
    ),
]


@router.get("/health", tags=["server"], responses=errors(500))
def health(request: Request) -> dict[str, Any]:
    """Is the server up, and which schema version is its database on."""
    store: Store = request.app.state.store
    return {"status": "ok", "schema_version": store.schema_version()}


@router.get("/me", tags=["directory"], responses=errors(401, 403, 500))
def me(request: Request, viewer: Annotated[Viewer, Depends(read_viewer)]) -> dict[str, Any]:
    """Who is asking, and the workspaces, projects and members they may filter by."""
    directory = Directory.load(request.app.state.store)
    projects = visible_projects(viewer, directory)
    workspaces = visible_workspaces(viewer, directory)
    members = (
        directory.members if viewer.sees_every_member else {viewer.id: directory.members[viewer.id]}
    )
    return {
        "member": {
            "id": viewer.id,
            "name": viewer.name,
            "role": viewer.role,
            "email": viewer.email,
        },
        "workspaces": [
            {"id": w, "name": row["name"]}
            for w, row in sorted(directory.workspaces.items())
            if workspaces is None or w in workspaces
        ],
        "projects": [
            {"id": p, "name": row["name"], "workspace": row["workspace"]}
            for p, row in sorted(directory.projects.items())
            if projects is None or p in projects
        ],
        "members": [
            {"id": m, "name": row["name"], "role": row["role"]}
            for m, row in sorted(members.items())
        ],
    }


def _member_route(spec: ReportSpec) -> None:
    name = spec.name

    def member_report(
        request: Request,
        viewer: Annotated[Viewer, Depends(read_viewer)],
        member_id: Annotated[str, Path(alias="member_id", description="The member's id.")],
        query: Annotated[ReportQuery, Depends(report_query)],
        fmt: FormatQuery = None,
    ) -> Response:
        q, data = run_report(request, viewer, name, query, member=member_id)
        return render(request, name, q, data, fmt, member_id)

    router.add_api_route(
        f"/members/{{member_id}}/{spec.path}",
        member_report,
        methods=["GET"],
        summary=spec.title,
        tags=["reports"],
        name=f"api_{name}",
        responses={**REPORT_FORMATS, **REPORT_ERRORS},
    )


# The most rows one page of a paged report holds; without `limit`, every row (as before paging).
MAX_LIMIT = 10_000


def paging_query(spec: ReportSpec) -> Callable[..., Paging]:
    """The query parameters of a paged report's page, checked so that a bad one is a 400
    naming the field."""

    def paging(
        sort: Annotated[
            str | None,
            Query(description="Sort by a column (or total_time): `COLUMN` or `COLUMN:desc`."),
        ] = None,
        limit: Annotated[
            int | None,
            Query(description=f"At most this many rows, up to {MAX_LIMIT} (default: all)."),
        ] = None,
        offset: Annotated[int, Query(description="Skip this many rows first.")] = 0,
        search: Annotated[
            str | None, Query(description="Only items whose task id holds this text (any case).")
        ] = None,
        fmt: FormatQuery = None,
    ) -> Paging:
        if limit is not None and limit > MAX_LIMIT:
            message = f"limit must be at most {MAX_LIMIT}, got {limit}"
            raise UsageError(message, details=[{"field": "limit", "message": message}])
        # Downloads are written as the rows are read from the store, a batch at a time.
        return make_paging(
            spec, sort=sort, limit=limit, offset=offset, search=search or None, stream=bool(fmt)
        )

    return paging


def _paged_route(spec: ReportSpec) -> None:
    name = spec.name

    def paged_report(
        request: Request,
        viewer: Annotated[Viewer, Depends(read_viewer)],
        query: Annotated[ReportQuery, Depends(report_query)],
        paging: Paging,
        fmt: FormatQuery = None,
    ) -> Response:
        q, data = run_report(request, viewer, name, query, paging=paging)
        return render(request, name, q, data, fmt, None)

    # Set as an object: a string annotation naming this function's `spec` would not resolve.
    paged_report.__annotations__["paging"] = Annotated[Paging, Depends(paging_query(spec))]

    router.add_api_route(
        f"/reports/{name}", paged_report, methods=["GET"], summary=spec.title, tags=["reports"],
        name=f"api_{name}", responses={**REPORT_FORMATS, **REPORT_ERRORS},
    )  # fmt: skip


def _table_route(spec: ReportSpec) -> None:
    name = spec.name

    def table_report(
        request: Request,
        viewer: Annotated[Viewer, Depends(read_viewer)],
        query: Annotated[ReportQuery, Depends(report_query)],
        fmt: FormatQuery = None,
    ) -> Response:
        q, data = run_report(request, viewer, name, query)
        return render(request, name, q, data, fmt, None)

    router.add_api_route(
        f"/reports/{name}", table_report, methods=["GET"], summary=spec.title, tags=["reports"],
        name=f"api_{name}", responses={**REPORT_FORMATS, **REPORT_ERRORS},
    )  # fmt: skip


def _member_query_route(name: str) -> None:
    def member_report_by_query(
        request: Request,
        viewer: Annotated[Viewer, Depends(read_viewer)],
        query: Annotated[ReportQuery, Depends(report_query)],
        fmt: FormatQuery = None,
    ) -> Response:
        if len(query.members) > 1:
            raise UsageError(f"the {name} report takes one member")
        member = query.members[0] if query.members else viewer.id
        q, data = run_report(request, viewer, name, query, member=member)
        return render(request, name, q, data, fmt, member)

    router.add_api_route(
        f"/reports/{name}",
        member_report_by_query,
        methods=["GET"],
        summary=f"The {name} report of `member` (default: the asker)",
        tags=["reports"],
        name=f"api_{name}_by_query",
        responses={**REPORT_FORMATS, **REPORT_ERRORS},
    )


for _spec in SPECS.values():
    if _spec.kind == "member":
        _member_route(_spec)
        _member_query_route(_spec.name)
    elif _spec.paged:
        _paged_route(_spec)
    else:
        _table_route(_spec)


def _records(body: bytes, content_type: str, max_records: int) -> list[str]:
    """The JSON text of each record: NDJSON lines, or the elements of a JSON array (or one
    JSON object), each as it was sent so that validation sees a repeated key or deep nesting.

    Past the record limit (`max_request_records`), a 413 before any record is decoded.
    """
    body = body.removeprefix(BOM)  # a byte order mark is not part of the first record
    if "ndjson" in content_type or "jsonlines" in content_type:
        # Counting newlines costs nothing; only when there are too many are blank lines told
        # apart from records.
        if body.count(b"\n") >= max_records:
            records = sum(1 for line in body.splitlines() if line.strip())
            if records > max_records:
                raise TooLargeError(
                    f"the body holds {records} records, more than the limit of "
                    f"{max_records} (max_request_records); send them in several requests"
                )
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = body[: exc.start].count(b"\n") + 1
            raise UsageError(f"the body is not UTF-8: line {line} (byte {exc.start})") from exc
        return [line for line in text.splitlines() if line.strip()]
    try:
        lines = json_array_lines(body, "the body", max_records)
    except UsageError as exc:
        exc.message += "; send a JSON array, or NDJSON with Content-Type: application/x-ndjson"
        raise
    return list(lines.to_pylist())


def _decoded(line: str) -> Any:
    """A record from an NDJSON line; a broken line stays text, which validation then names.

    A repeated key would be lost in a dict (the last value wins): the record gets a field
    naming it, which validation rejects as an unknown field. Nesting too deep for Python's
    parser leaves the line as text too.
    """
    try:
        return json.loads(line, object_pairs_hook=_no_repeats)
    except (json.JSONDecodeError, RecursionError):
        return line


# Batches are parsed, validated and stored in threads of their own (a store writes one batch at
# a time anyway): a POST waits neither for the event loop nor behind the report requests that
# fill the shared threadpool (40 threads) under load.
_INGEST_THREADS = anyio.CapacityLimiter(4)


async def _ingest(
    request: Request, ingest: Callable[[Store, list[str]], IngestSummary]
) -> dict[str, Any]:
    """Read a POST's body, then parse it into records' JSON texts and `ingest` them in a thread:
    parsing, validating and storing a batch take the CPU for a while (seconds for a large one),
    and the event loop serves other requests meanwhile."""
    body = await read_body(request)
    content_type = request.headers.get("content-type", "")
    settings = request.app.state.settings
    store: Store = request.app.state.store
    priority: WritesFirst = request.app.state.priority

    def write() -> IngestSummary:
        with priority.writing():
            return ingest(store, _records(body, content_type, settings.max_request_records))

    return _summary(await anyio.to_thread.run_sync(write, limiter=_INGEST_THREADS))


REPEATED = "(field given more than once)"


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record = dict(pairs)
    if len(record) < len(pairs):
        keys = [key for key, _ in pairs]
        record[REPEATED] = sorted({key for key in keys if keys.count(key) > 1})
    return record


def _summary(summary: IngestSummary) -> dict[str, Any]:
    out = summary.as_dict()
    for key in ("rejects_path", "errors", "rejected", "conflicts"):
        out.pop(key, None)
    return out


@router.post(
    "/events",
    tags=["ingest"],
    status_code=200,
    responses=INGEST_ERRORS,
    openapi_extra=events_body(),
)
async def post_events(
    request: Request, viewer: Annotated[Viewer, Depends(ingest_viewer)]
) -> dict[str, Any]:
    """Store a batch of events (and directory records with `kind`) whole, or none of it.

    A JSON array, or NDJSON with `Content-Type: application/x-ndjson`. One bad record and
    nothing is stored: the 422 response lists every bad record with its position, id and field.
    """

    def ingest(store: Store, lines: list[str]) -> IngestSummary:
        check_batch(store, viewer, lines)
        return ingest_lines(store, lines)

    return await _ingest(request, ingest)


def _directory_route(path: str, kind: str) -> None:
    async def post_directory(
        request: Request, viewer: Annotated[Viewer, Depends(ingest_viewer)]
    ) -> dict[str, Any]:
        def ingest(store: Store, lines: list[str]) -> IngestSummary:
            # The endpoint decides the kind: /api/members stores members, never events or
            # projects.
            records = [_decoded(line) for line in lines]
            tagged = [{**r, "kind": kind} if isinstance(r, dict) else r for r in records]
            check_batch(store, viewer, tagged)
            return ingest_records(store, tagged)

        return await _ingest(request, ingest)

    router.add_api_route(
        f"/{path}",
        post_directory,
        methods=["POST"],
        summary=f"Store {path} (directory records of kind {kind}) whole, or none of them",
        tags=["ingest"],
        name=f"api_post_{path}",
        responses=INGEST_ERRORS,
        openapi_extra=directory_body(kind),
    )


for _path, _kind in DIRECTORY_ROUTES.items():
    _directory_route(_path, _kind)
