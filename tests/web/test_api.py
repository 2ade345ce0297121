"""The JSON API through the real app and a real DuckDB file: reports, exports, ingest, directory.

Read-only tests share one app per module (`shared`); tests that write get the per-test copy of
the organisation from conftest (`org_store`, `app`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from labelpulse.access import create_token, revoke_token
from labelpulse.config import Settings
from labelpulse.exports import report_csv, report_json
from labelpulse.exports.tabular import report_tables
from labelpulse.ingest import ingest_records
from labelpulse.metrics import MEMBER_REPORTS, REPORTS, TABLE_REPORTS, report
from labelpulse.store import Store, connect
from labelpulse.web.app import create_app
from tests.web.conftest import NAMES, PROJECTS, WINDOW, organisation_records

SETTINGS = Settings(timezone="UTC")
Params = dict[str, Any]


# ---------------------------------------------------------------- a shared read-only app


@pytest.fixture(scope="module")
def shared_store(org_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = tmp_path_factory.mktemp("api") / "org.duckdb"
    shutil.copy(org_template, path)
    store = connect(str(path))
    yield store
    store.close()


@pytest.fixture(scope="module")
def shared(shared_store: Store) -> Iterator[TestClient]:
    """A client of the shared app; each request brings its own token."""
    app = create_app(shared_store, Settings(db=shared_store.url, timezone="UTC"))
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def owner(shared: TestClient, shared_store: Store) -> Callable[..., Any]:
    """`owner(path, **params)`: GET as the owner (read token) on the shared app."""
    token = create_token(shared_store, "own", name="api tests", scope="read")[1]

    def get(path: str, params: Params | list[tuple[str, Any]] | None = None) -> Any:
        return shared.get(path, params=params, headers={"Authorization": f"Bearer {token}"})

    return get


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def library(store: Store, name: str, params: Params) -> dict[str, Any]:
    """`labelpulse.metrics.report` called directly, for the same question."""

    def many(key: str) -> list[str] | None:
        value = params.get(key)
        if value is None:
            return None
        return list(value) if isinstance(value, list | tuple) else [value]

    member = params.get("member") if name in MEMBER_REPORTS else None
    return report(
        store,
        name,
        start=params["from"],
        end=params["to"],
        tz=params.get("tz"),
        member=member,
        projects=many("project"),
        workspaces=many("workspace"),
        members=None if name in MEMBER_REPORTS else many("member"),
        settings=SETTINGS,
    )


def route(name: str, style: str, member: str = "ann") -> tuple[str, Params]:
    """The path and extra params of a report: member reports by path or by `member=`."""
    if name in TABLE_REPORTS:
        return f"/api/reports/{name}", {}
    if style == "path":
        return f"/api/members/{member}/{'report' if name == 'member' else name}", {}
    return f"/api/reports/{name}", {"member": member}


ROUTES = [(name, "path") for name in MEMBER_REPORTS] + [(name, "query") for name in REPORTS]
ROUTE_IDS = [f"{name}-by-{style}" if name in MEMBER_REPORTS else name for name, style in ROUTES]


# ---------------------------------------------------------------- reports


def test_health_needs_no_sign_in(anonymous: TestClient) -> None:
    response = anonymous.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert isinstance(body["schema_version"], int) and body["schema_version"] >= 1


@pytest.mark.parametrize(("name", "style"), ROUTES, ids=ROUTE_IDS)
def test_every_report_route_is_the_library_report(
    owner: Callable[..., Any], shared_store: Store, name: str, style: str
) -> None:
    for member in ("ann", "ann2", "rev"):
        path, extra = route(name, style, member)
        params = {**WINDOW, **extra}
        response = owner(path, params)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/json")
        assert "content-disposition" not in response.headers  # inline, not a download
        if name in TABLE_REPORTS:
            assert response.json() == library(shared_store, name, params)
            break
        assert response.json() == library(shared_store, name, {**params, "member": member})


def test_owner_figures_are_the_known_ones(owner: Callable[..., Any]) -> None:
    """A few figures by hand, so that 'same as the library' is not 'same mistake twice'."""
    rows = {r["member"]: r for r in owner("/api/reports/members", WINDOW).json()["rows"]}
    assert set(rows) == {"ann", "ann2", "rev"}
    assert (rows["ann"]["submitted"], rows["ann"]["rejected"]) == (2, 1)  # a1, a3; a2 rejected
    assert rows["ann2"]["performance_score"] == pytest.approx(0.8)
    reviewers = owner("/api/reports/reviewers", WINDOW).json()["rows"]
    assert [(r["member"], r["total"]) for r in reviewers] == [("rev", 3)]
    comments = owner("/api/members/ann2/comments", WINDOW).json()["rows"]
    assert [(c["from"], c["text"]) for c in comments] == [("rev", "Totals are off")]


@pytest.mark.parametrize(
    ("params", "members"),
    [
        ({"from": "2026-03-04", "to": "2026-03-04", "tz": "UTC"}, {"ann2"}),
        ({"from": "2026-03-03", "to": "2026-03-03", "tz": "UTC"}, {"ann", "rev"}),
        # 03-03 at UTC+14 is 03-02 10:00Z .. 03-03 10:00Z: a2 and a3, not rev's reviews at 11:00Z
        ({"from": "2026-03-03", "to": "2026-03-03", "tz": "Pacific/Kiritimati"}, {"ann"}),
        ({**WINDOW, "project": "p-inv"}, {"ann2", "rev"}),
        ({**WINDOW, "project": ["p-signs", "p-inv"]}, {"ann", "ann2", "rev"}),
        ({**WINDOW, "workspace": "ws-vis"}, {"ann", "rev"}),
        ({**WINDOW, "workspace": "ws-doc", "project": "p-cars"}, set()),
        ({**WINDOW, "member": "ann"}, {"ann"}),
        ({**WINDOW, "member": ["ann", "ann2"]}, {"ann", "ann2"}),
    ],
)
def test_query_parameters(
    owner: Callable[..., Any], shared_store: Store, params: Params, members: set[str]
) -> None:
    body = owner("/api/reports/members", params).json()
    assert {row["member"] for row in body["rows"]} == members
    assert body == library(shared_store, "members", params)
    assert body["window"] == {"from": params["from"], "to": params["to"], "tz": params["tz"]}


def test_query_parameters_of_a_member_report(
    owner: Callable[..., Any], shared_store: Store
) -> None:
    params = {**WINDOW, "project": "p-signs"}
    body = owner("/api/members/ann/report", params).json()
    assert body["annotations"]["submitted"] == 1  # a3 only
    assert body["scope"]["projects"] == ["p-signs"]
    assert body == library(shared_store, "member", {**params, "member": "ann"})
    tokyo = owner("/api/members/ann/timeline", {**WINDOW, "tz": "Asia/Tokyo"}).json()
    assert tokyo["window"]["tz"] == "Asia/Tokyo"
    assert tokyo == library(
        shared_store, "timeline", {**WINDOW, "tz": "Asia/Tokyo", "member": "ann"}
    )
    daily = owner("/api/members/ann/report", WINDOW).json()["daily"]
    assert [d["date"] for d in daily] == [f"2026-03-0{d}" for d in range(2, 7)]


def test_member_report_by_query_takes_one_member(owner: Callable[..., Any]) -> None:
    response = owner("/api/reports/member", [*WINDOW.items(), ("member", "ann"), ("member", "rev")])
    assert response.status_code == 400
    # Without `member`, it is the asker's own report.
    assert owner("/api/reports/member", WINDOW).json()["member"]["id"] == "own"


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def test_default_window_is_the_last_30_days(owner: Callable[..., Any]) -> None:
    before = today_utc()
    body = owner("/api/members/ann/report").json()
    after = today_utc()
    end = dt.date.fromisoformat(body["window"]["to"])
    assert end in (before, after)
    assert dt.date.fromisoformat(body["window"]["from"]) == end - dt.timedelta(days=29)
    assert body["window"]["tz"] == "UTC"  # the server's setting
    assert len(body["daily"]) == 30
    assert body["daily"][-1]["date"] == end.isoformat()

    only_to = owner("/api/reports/members", {"to": "2026-03-06"}).json()["window"]
    assert only_to == {"from": "2026-02-05", "to": "2026-03-06", "tz": "UTC"}
    only_from = owner("/api/reports/members", {"from": "2026-03-02"}).json()["window"]
    assert only_from["from"] == "2026-03-02"
    assert dt.date.fromisoformat(only_from["to"]) in (before, after, today_utc())
    blank = owner("/api/reports/work", {"from": "", "to": "", "tz": ""}).json()["window"]
    assert dt.date.fromisoformat(blank["to"]) - dt.date.fromisoformat(blank["from"]) == (
        dt.timedelta(days=29)
    )


# ---------------------------------------------------------------- downloads

MEDIA = {
    "json": "application/json",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


def attachment_name(response: httpx2.Response) -> str:
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;"), disposition
    return disposition.split('filename="', 1)[1].rstrip('"')


def zip_files(content: bytes) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {
            name: list(csv.reader(io.StringIO(archive.read(name).decode())))
            for name in archive.namelist()
        }


def xlsx_sheets(content: bytes) -> dict[str, list[tuple[Any, ...]]]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}
    finally:
        book.close()


@pytest.mark.parametrize(("name", "style"), ROUTES, ids=ROUTE_IDS)
def test_downloads_in_every_format(
    owner: Callable[..., Any], shared_store: Store, name: str, style: str
) -> None:
    member = "ann2"
    path, extra = route(name, style, member)
    params = {**WINDOW, **extra}
    subject = {"member": member} if name in MEMBER_REPORTS else {}
    want = library(shared_store, name, {**params, **subject})
    stem = f"labelpulse-{name}" + (f"-{member}" if name in MEMBER_REPORTS else "")
    several = len(report_tables(name, want)) > 1
    for fmt in MEDIA:
        response = owner(path, {**params, "format": fmt})
        assert response.status_code == 200, response.text
        # a CSV holds one table: a report of several downloads as a ZIP of CSVs
        sent = "zip" if fmt == "csv" and several else fmt
        assert response.headers["content-type"].startswith(MEDIA[sent]), fmt
        assert attachment_name(response) == f"{stem}-2026-03-02_2026-03-06-UTC.{sent}"
        if fmt == "json":
            assert json.loads(response.content) == want
            assert response.text == report_json(want)
        elif sent == "zip":
            files = zip_files(response.content)
            tables = report_tables(name, want)
            assert list(files) == ["about.csv", *(f"{title}.csv" for title, _, _ in tables)]
            for title, columns, rows in tables:
                assert files[f"{title}.csv"][0] == columns, title
                assert len(files[f"{title}.csv"]) == len(rows) + 1, title
        elif fmt == "csv":
            assert response.text == report_csv(name, want)
        else:
            sheets = xlsx_sheets(response.content)
            tables = report_tables(name, want)
            assert list(sheets) == ["about", *(title for title, _, _ in tables)]
            for title, columns, rows in tables:
                assert list(sheets[title][0]) == columns, title
                assert len(sheets[title]) == len(rows) + 1, title
            about = {row[0]: row[1] for row in sheets["about"][1:]}
            assert about["report"] == name
            assert about["time_zone"] == "UTC"


def test_download_names_say_what_and_when(owner: Callable[..., Any]) -> None:
    when = "2026-03-02_2026-03-06-UTC"
    cases = [
        ("/api/reports/items", "csv", f"labelpulse-items-{when}.csv"),
        ("/api/members/rev/timeline", "xlsx", f"labelpulse-timeline-rev-{when}.xlsx"),
        ("/api/reports/comments", "json", f"labelpulse-comments-own-{when}.json"),
    ]
    for path, fmt, name in cases:
        assert attachment_name(owner(path, {**WINDOW, "format": fmt})) == name
    before = today_utc()
    response = owner("/api/reports/members", {"format": "csv"})
    start = before - dt.timedelta(days=29)
    assert attachment_name(response) in {
        f"labelpulse-members-{s}_{e}-UTC.csv"
        for s, e in ((start, before), (start + dt.timedelta(days=1), today_utc()))
    }


def test_download_of_a_member_with_a_non_ascii_id(
    anonymous: TestClient, org_store: Store, token_for: Any
) -> None:
    records = [
        {"kind": "member", "id": "zoë", "name": "Zoë", "role": "annotator"},
        {"kind": "member", "id": "李", "name": "Li", "role": "annotator"},
    ]
    ingest_records(org_store, records)
    headers = bearer(token_for("own", "read"))
    shown_as: dict[str, str] = {}
    for member in ("zoë", "李"):
        for fmt in MEDIA:
            response = anonymous.get(
                f"/api/members/{member}/report", params={**WINDOW, "format": fmt}, headers=headers
            )
            assert response.status_code == 200, (member, fmt, response.text[:200])
            name = attachment_name(response)
            sent = "zip" if fmt == "csv" else fmt
            shown = name.removeprefix("labelpulse-member-").split("-2026-03-02_")[0]
            assert name == f"labelpulse-member-{shown}-2026-03-02_2026-03-06-UTC.{sent}"
            assert name.isascii()
            shown_as.setdefault(member, shown)
    # spelled safe, plus a hash of the id: the two never share a name
    assert shown_as["zoë"].startswith("zo_~") and shown_as["李"].startswith("_~")
    assert shown_as["zoë"] != shown_as["李"]


def test_export_of_an_empty_table_still_has_its_header(owner: Callable[..., Any]) -> None:
    params = {"from": "2025-01-01", "to": "2025-01-02", "tz": "UTC", "format": "csv"}
    text = owner("/api/reports/members", params).text
    assert text.splitlines()[0].startswith("member,member_name,submitted")


# ---------------------------------------------------------------- ingest


def event(n: int | str, day: str = "06", **more: Any) -> dict[str, Any]:
    return {
        "id": f"new-{n}",
        "type": "annotation.submitted",
        "time": f"2026-03-{day}T08:00:00Z",
        "actor": "ann",
        "project": "p-cars",
        "task": f"t-new-{n}",
        "annotation": f"new-{n}",
        "duration": 50,
        **more,
    }


def count_events(store: Store) -> int:
    return int(store.rows("SELECT count(*) AS n FROM events")[0]["n"])


def anna_submitted(client: TestClient, token: str) -> int:
    body = client.get("/api/members/ann/report", params=WINDOW, headers=bearer(token)).json()
    return int(body["annotations"]["submitted"])


@pytest.fixture
def ingest(token_for: Callable[[str, str], str]) -> dict[str, str]:
    return bearer(token_for("own", "ingest"))


def test_post_json_array_is_stored_and_reported(
    anonymous: TestClient, org_store: Store, ingest: dict[str, str], token_for: Any
) -> None:
    reader = token_for("own", "read")
    before = count_events(org_store)
    assert anna_submitted(anonymous, reader) == 2
    response = anonymous.post("/api/events", json=[event(1), event(2)], headers=ingest)
    assert response.status_code == 200, response.text
    assert response.json()["stored"] == 2
    assert count_events(org_store) == before + 2
    assert anna_submitted(anonymous, reader) == 4


def test_post_ndjson_is_stored(
    anonymous: TestClient, org_store: Store, ingest: dict[str, str], token_for: Any
) -> None:
    before = count_events(org_store)
    body = "\n".join(json.dumps(e) for e in (event(1), event(2), event(3))) + "\n\n"
    headers = {**ingest, "Content-Type": "application/x-ndjson"}
    response = anonymous.post("/api/events", content=body.encode(), headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["stored"] == 3
    assert count_events(org_store) == before + 3
    assert anna_submitted(anonymous, token_for("own", "read")) == 5


def test_post_twice_counts_duplicates_and_changes_nothing(
    anonymous: TestClient, org_store: Store, ingest: dict[str, str], token_for: Any
) -> None:
    reader = bearer(token_for("own", "read"))
    batch = [event(1), event(2)]
    first = anonymous.post("/api/events", json=batch, headers=ingest).json()
    figures = anonymous.get("/api/reports/members", params=WINDOW, headers=reader).json()
    count = count_events(org_store)
    second = anonymous.post("/api/events", json=batch, headers=ingest)
    assert second.status_code == 200
    assert (first["stored"], first["duplicates"]) == (2, 0)
    assert (second.json()["stored"], second.json()["duplicates"]) == (0, 2)
    assert count_events(org_store) == count
    assert anonymous.get("/api/reports/members", params=WINDOW, headers=reader).json() == figures
    # The organisation's own events again: all duplicates.
    own = [r for r in organisation_records() if "kind" not in r]
    again = anonymous.post("/api/events", json=own, headers=ingest).json()
    assert (again["stored"], again["duplicates"]) == (0, len(own))
    assert count_events(org_store) == count


def test_bad_record_rejects_the_whole_batch(
    anonymous: TestClient, org_store: Store, ingest: dict[str, str]
) -> None:
    before = count_events(org_store)
    no_offset = event(2, time="2026-03-06T08:00:00")  # a time without an offset
    typo = {**event(4), "durration": 5}  # an unknown field
    no_id = {k: v for k, v in event(5).items() if k != "id"}
    batch = [event(1), no_offset, event(3), typo, no_id]
    response = anonymous.post("/api/events", json=batch, headers=ingest)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_records"
    named = {(d["position"], d["id"], d["field"]) for d in error["details"]}
    assert (2, "new-2", "time") in named
    assert (4, "new-4", "durration") in named
    assert (5, None, "id") in named
    assert {d["position"] for d in error["details"]} == {2, 4, 5}  # the good ones are not named
    assert all(d["message"] and d["rule"] for d in error["details"])
    assert count_events(org_store) == before  # nothing of the batch


def test_one_bad_ndjson_line_rejects_the_batch(
    anonymous: TestClient, org_store: Store, ingest: dict[str, str]
) -> None:
    before = count_events(org_store)
    body = f"{json.dumps(event(1))}\n{{not json\n{json.dumps(event(3))}\n"
    headers = {**ingest, "Content-Type": "application/x-ndjson"}
    response = anonymous.post("/api/events", content=body.encode(), headers=headers)
    assert response.status_code == 422
    assert [d["position"] for d in response.json()["error"]["details"]] == [2]
    assert count_events(org_store) == before


def test_conflict_is_rejected_and_the_stored_event_kept(
    anonymous: TestClient, org_store: Store, ingest: dict[str, str], token_for: Any
) -> None:
    reader = bearer(token_for("own", "read"))
    timeline = anonymous.get("/api/members/ann/timeline", params=WINDOW, headers=reader).json()
    before = count_events(org_store)
    # e1 is stored with duration 120: the same id with another duration is a conflict.
    changed = {
        "id": "e1",
        "type": "annotation.submitted",
        "time": "2026-03-02T09:00:00Z",
        "actor": "ann",
        "project": "p-cars",
        "task": "t-a1",
        "annotation": "a1",
        "duration": 999,
    }
    response = anonymous.post("/api/events", json=[event(1), changed], headers=ingest)
    assert response.status_code == 422, response.text
    details = response.json()["error"]["details"]
    assert [(d["position"], d["id"]) for d in details] == [(2, "e1")]
    assert count_events(org_store) == before  # not even the good new one
    stored = org_store.rows("SELECT duration_us FROM events WHERE id = 'e1'")
    assert stored == [{"duration_us": 120_000_000}]
    after = anonymous.get("/api/members/ann/timeline", params=WINDOW, headers=reader).json()
    assert after == timeline


def test_body_over_the_limit_is_413(org_store: Store, token_for: Any) -> None:
    small = create_app(org_store, Settings(db=org_store.url, max_request_mb=0.001))  # ~1 KB
    headers = bearer(token_for("own", "ingest"))
    before = count_events(org_store)
    big = [event(n) for n in range(20)]
    assert len(json.dumps(big)) > 1100
    with TestClient(small) as client:
        response = client.post("/api/events", json=big, headers=headers)
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "too_large"

        # A streamed body (no Content-Length) is cut off as it arrives.
        def chunks() -> Iterator[bytes]:
            text = json.dumps(big).encode()
            for i in range(0, len(text), 256):
                yield text[i : i + 256]

        streamed = client.post("/api/events", content=chunks(), headers=headers)
        assert streamed.status_code == 413
        # Under the limit is fine.
        assert client.post("/api/events", json=big[:2], headers=headers).status_code == 200
    assert count_events(org_store) == before + 2


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"not json", "application/json"),
        (b"[{]", "application/json"),
        (b"42", "application/json"),
        (b'"a string"', "application/json"),
        (b"\xff\xfe[]", "application/json"),
        (b"", "application/json"),
    ],
)
def test_not_json_is_400(
    anonymous: TestClient, org_store: Store, ingest: dict[str, str], body: bytes, content_type: str
) -> None:
    before = count_events(org_store)
    response = anonymous.post(
        "/api/events", content=body, headers={**ingest, "Content-Type": content_type}
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "bad_request"
    assert count_events(org_store) == before


def test_who_may_ingest(
    anonymous: TestClient, org_store: Store, token_for: Callable[[str, str], str]
) -> None:
    batch = [event(1)]

    def post(headers: dict[str, str]) -> int:
        return int(anonymous.post("/api/events", json=batch, headers=headers).status_code)

    revoked_id, revoked = create_token(org_store, "own", name="old", scope="ingest")
    revoke_token(org_store, revoked_id)
    token = token_for("own", "ingest")
    cases = {
        "read token of the owner": (bearer(token_for("own", "read")), 403),
        "ingest token of a manager": (bearer(token_for("mgr", "ingest")), 403),
        "ingest token of a reviewer": (bearer(token_for("rev", "ingest")), 403),
        "ingest token of an annotator": (bearer(token_for("ann", "ingest")), 403),
        "no token": ({}, 401),
        "unknown token": (bearer("lp_0123456789ab_" + "x" * 43), 401),
        "not a token": (bearer("hello"), 401),
        "wrong secret": (bearer(token[:-2] + ("AA" if token[-2:] != "AA" else "BB")), 401),
        "revoked token": (bearer(revoked), 401),
        "basic auth": ({"Authorization": "Basic b3duOnB3"}, 401),
    }
    before = count_events(org_store)
    got = {case: post(headers) for case, (headers, _) in cases.items()}
    assert got == {case: status for case, (_, status) in cases.items()}
    assert count_events(org_store) == before
    assert post(bearer(token_for("adm", "ingest"))) == 200  # an admin may


def test_signed_in_session_cannot_ingest_without_a_token(
    signed_in: Callable[[str], TestClient], org_store: Store
) -> None:
    client = signed_in("owner")
    assert client.get("/api/me").status_code == 200  # the session reads
    assert client.post("/api/events", json=[event(1)]).status_code == 401
    assert client.post("/api/members", json=[]).status_code == 401


def test_ingest_token_cannot_read(anonymous: TestClient, token_for: Any) -> None:
    headers = bearer(token_for("own", "ingest"))
    for path in ("/api/me", "/api/reports/members", "/api/members/ann/report"):
        response = anonymous.get(path, params={**WINDOW, "format": "csv"}, headers=headers)
        assert response.status_code == 403, path
    assert anonymous.get("/api/health", headers=headers).status_code == 200


def test_removed_member_is_signed_out(
    signed_in: Callable[[str], TestClient], org_store: Store, token_for: Any
) -> None:
    client = signed_in("annotator")
    token = token_for("ann", "read")
    assert client.get("/api/me").status_code == 200
    org_store.remove("members", id="ann")
    assert client.get("/api/me").status_code == 401
    assert client.get("/api/me", headers=bearer(token)).status_code == 401


# ---------------------------------------------------------------- directory endpoints


def test_directory_endpoints_store_members_projects_memberships(
    anonymous: TestClient, org_store: Store, ingest: dict[str, str], token_for: Any
) -> None:
    posts = [
        ("/api/workspaces", [{"id": "ws-new", "name": "Newsroom"}]),
        ("/api/projects", [{"id": "p-new", "name": "Headlines", "workspace": "ws-new"}]),
        (
            "/api/members",
            [{"id": "cat", "name": "Cat Curator", "email": "cat@acme.test", "role": "manager"}],
        ),
        (
            "/api/memberships",
            [{"member": "cat", "workspace": "ws-new"}, {"member": "ann", "project": "p-new"}],
        ),
    ]
    for path, records in posts:
        response = anonymous.post(path, json=records, headers=ingest)
        assert response.status_code == 200, (path, response.text)
        assert response.json()["directory_stored"] == len(records)
        assert response.json()["stored"] == 0
    # The same again: unchanged, not stored twice.
    again = anonymous.post("/api/members", json=posts[2][1], headers=ingest).json()
    assert (again["directory_stored"], again["directory_unchanged"]) == (0, 1)

    cat = anonymous.get("/api/me", headers=bearer(token_for("cat", "read"))).json()
    assert cat["member"]["role"] == "manager"
    assert [w["id"] for w in cat["workspaces"]] == ["ws-new"]
    assert [p["id"] for p in cat["projects"]] == ["p-new"]
    ann = anonymous.get("/api/me", headers=bearer(token_for("ann", "read"))).json()
    assert [p["id"] for p in ann["projects"]] == ["p-cars", "p-new"]
    own = anonymous.get("/api/me", headers=bearer(token_for("own", "read"))).json()
    assert "cat" in {m["id"] for m in own["members"]}
    assert "p-new" in {p["id"] for p in own["projects"]}


def test_directory_ndjson_and_bad_records(
    anonymous: TestClient, org_store: Store, ingest: dict[str, str]
) -> None:
    lines = (
        '{"id": "dan", "name": "Dan", "role": "reviewer"}\n'
        '{"id": "eve", "name": "Eve", "role": "boss"}\n'
    )
    headers = {**ingest, "Content-Type": "application/x-ndjson"}
    response = anonymous.post("/api/members", content=lines.encode(), headers=headers)
    assert response.status_code == 422
    assert [(d["position"], d["id"], d["field"]) for d in response.json()["error"]["details"]] == [
        (2, "eve", "role")
    ]
    assert org_store.get("members", id="dan") == []  # whole or nothing
    ok = anonymous.post("/api/members", content=lines.split("\n")[0].encode(), headers=headers)
    assert ok.status_code == 200
    assert org_store.get("members", id="dan")[0]["role"] == "reviewer"


def test_directory_endpoint_stores_only_its_own_kind(
    anonymous: TestClient, org_store: Store, ingest: dict[str, str]
) -> None:
    before = count_events(org_store)
    smuggled = {"kind": "event", **event(1)}
    response = anonymous.post("/api/members", json=[smuggled], headers=ingest)
    assert response.status_code == 422
    project = {"kind": "project", "id": "p-x", "name": "X"}
    assert anonymous.post("/api/workspaces", json=[project], headers=ingest).status_code == 200
    assert org_store.get("projects", id="p-x") == []
    assert org_store.get("workspaces", id="p-x")[0]["name"] == "X"
    assert count_events(org_store) == before


# ---------------------------------------------------------------- /api/me


@pytest.mark.parametrize(
    ("who", "workspaces", "projects", "members"),
    [
        ("own", ["ws-doc", "ws-vis"], sorted(PROJECTS), sorted(NAMES)),
        ("adm", ["ws-doc", "ws-vis"], sorted(PROJECTS), sorted(NAMES)),
        ("mgr", ["ws-vis"], ["p-cars", "p-signs"], sorted(NAMES)),
        ("rev", [], ["p-cars", "p-inv"], ["rev"]),
        ("ann", [], ["p-cars"], ["ann"]),
        ("ann2", [], ["p-inv"], ["ann2"]),
    ],
)
def test_me_lists_only_what_one_may_filter_by(
    shared: TestClient,
    shared_store: Store,
    who: str,
    workspaces: list[str],
    projects: list[str],
    members: list[str],
) -> None:
    token = create_token(shared_store, who, name="me", scope="read")[1]
    body = shared.get("/api/me", headers=bearer(token)).json()
    assert body["member"]["id"] == who
    assert body["member"]["name"] == NAMES[who]
    assert [w["id"] for w in body["workspaces"]] == workspaces
    assert [p["id"] for p in body["projects"]] == projects
    assert [m["id"] for m in body["members"]] == members
    names = {p["id"]: p["name"] for p in body["projects"]}
    assert names == {p: PROJECTS[p][0] for p in projects}


def test_me_signed_in_by_session(signed_in: Callable[[str], TestClient]) -> None:
    body = signed_in("manager").get("/api/me").json()
    assert body["member"] == {
        "id": "mgr",
        "name": "Maya Manager",
        "role": "manager",
        "email": "maya@acme.test",
    }


# ---------------------------------------------------------------- docs


def test_docs_and_openapi_list_every_report_route(anonymous: TestClient) -> None:
    docs = anonymous.get("/docs")
    assert docs.status_code == 200
    assert "text/html" in docs.headers["content-type"]
    assert "openapi.json" in docs.text
    spec = anonymous.get("/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    reports = [f"/api/members/{{member_id}}/{p}" for p in ("report", "timeline", "comments")]
    reports += [f"/api/reports/{name}" for name in REPORTS]
    for path in reports:
        assert "get" in paths.get(path, {}), path
        params = {p["name"] for p in paths[path]["get"]["parameters"]}
        assert {"from", "to", "tz", "project", "workspace", "member", "format"} <= params, path
    for path in (
        "/api/events",
        "/api/members",
        "/api/workspaces",
        "/api/projects",
        "/api/memberships",
    ):
        assert "post" in paths.get(path, {}), path
    assert "get" in paths["/api/health"]
    assert "get" in paths["/api/me"]


# ---------------------------------------------------------------- hostile input (issue 11)


def ndjson(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Content-Type": "application/x-ndjson"}


def test_a_json_body_nested_100000_deep_is_a_400_not_a_500(
    anonymous: TestClient, ingest: dict[str, str]
) -> None:
    for path in ("/api/events", "/api/members"):
        response = anonymous.post(path, content=b"[" * 100_000, headers=ingest)
        assert response.status_code == 400, response.text
        message = response.json()["error"]["message"]
        assert message.startswith("the body is not valid JSON: ")
        assert "at line 1 column" in message


def test_a_deep_record_in_a_json_array_is_a_rejected_record(
    anonymous: TestClient, org_store: Store, ingest: dict[str, str]
) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    body = f'[{json.dumps(event(1))}, {{"id": "x", "meta": {deep}}}]'
    response = anonymous.post("/api/events", content=body.encode(), headers=ingest)
    assert response.status_code == 422, response.text
    assert {d["position"] for d in response.json()["error"]["details"]} == {2}
    members = anonymous.post(
        "/api/members", content=f'[{{"id": "x", "name": {deep}}}]'.encode(), headers=ingest
    )
    assert members.status_code == 422, members.text


@pytest.mark.parametrize("path", ["/api/events", "/api/members"])
@pytest.mark.parametrize("content_type", ["application/json", "application/x-ndjson"])
def test_a_repeated_key_is_rejected_in_every_format(
    anonymous: TestClient, org_store: Store, ingest: dict[str, str], path: str, content_type: str
) -> None:
    if path == "/api/events":
        record = json.dumps(event(1))[:-1] + ', "actor": "rev"}'
    else:
        record = '{"id": "dan", "name": "Dan", "role": "reviewer", "role": "owner"}'
    body = record if content_type.endswith("ndjson") else f"[{record}]"
    headers = {**ingest, "Content-Type": content_type}
    response = anonymous.post(path, content=body.encode(), headers=headers)
    assert response.status_code == 422, response.text
    [detail] = response.json()["error"]["details"]
    assert detail["position"] == 1
    assert "more than once" in detail["message"]
    assert org_store.get("members", id="dan") == []


@pytest.mark.parametrize("content_type", ["application/json", "application/x-ndjson"])
def test_a_leading_byte_order_mark_is_ignored(
    anonymous: TestClient, ingest: dict[str, str], content_type: str
) -> None:
    records = [event(1), event(2)]
    if content_type.endswith("ndjson"):
        text = "\n".join(json.dumps(r) for r in records)
    else:
        text = json.dumps(records)
    body = b"\xef\xbb\xbf" + text.encode()
    response = anonymous.post(
        "/api/events", content=body, headers={**ingest, "Content-Type": content_type}
    )
    assert response.status_code == 200, response.text
    assert response.json()["stored"] == 2


def test_a_rejection_answer_stays_small(anonymous: TestClient, ingest: dict[str, str]) -> None:
    body = b"{}\n" * 20_000
    response = anonymous.post("/api/events", content=body, headers=ndjson(ingest))
    assert response.status_code == 422
    error = response.json()["error"]
    assert len(error["details"]) == 100
    assert error["message"].startswith("20000 of 20000 record(s) are invalid")
    assert "(the first 100 of " in error["message"]
    assert len(response.content) < 50_000


def test_more_records_than_the_limit_is_a_413(org_store: Store, token_for: Any) -> None:
    app = create_app(org_store, Settings(db=org_store.url, max_request_records=3))
    headers = bearer(token_for("own", "ingest"))
    with TestClient(app) as client:
        for content_type, body in (
            ("application/x-ndjson", "{}\n" * 4),
            ("application/json", json.dumps([{}] * 4)),
        ):
            response = client.post(
                "/api/events",
                content=body.encode(),
                headers={**headers, "Content-Type": content_type},
            )
            assert response.status_code == 413, response.text
            assert response.json()["error"]["code"] == "too_large"
            assert "max_request_records" in response.json()["error"]["message"]
        # Blank lines are not records: three records among many blank lines are taken.
        three = "\n\n".join(json.dumps(event(n)) for n in range(3)) + "\n" * 10
        ok = client.post("/api/events", content=three.encode(), headers=ndjson(headers))
        assert ok.status_code == 200, ok.text


OUT_OF_RANGE = [("to", "9999-12-31"), ("from", "0001-01-01"), ("to", "2101-01-01"),
                ("from", "1969-12-31")]  # fmt: skip


@pytest.mark.parametrize(("name", "value"), OUT_OF_RANGE)
def test_a_date_outside_1970_to_2100_is_a_400_naming_the_field(
    anonymous: TestClient, token_for: Any, name: str, value: str
) -> None:
    token = token_for("ann", "read")
    params = {"from": "1970-01-01", "to": "1970-01-31", name: value}
    for path in ("/api/members/ann/report", "/api/reports/members", "/api/reports/timeline"):
        response = anonymous.get(path, params=params, headers=bearer(token))
        assert response.status_code == 400, (path, response.text)
        error = response.json()["error"]
        assert error["message"].startswith(f"{name} must be a date from 1970-01-01 to 2100-12-31")
        assert error["details"][0]["field"] == name
    only = anonymous.get("/api/reports/members", params={name: value}, headers=bearer(token))
    assert only.status_code == 400
