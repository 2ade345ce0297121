"""Exports (issue 15): file names carry every filter that changes the content, a CSV holds one
table with its totals last, and a report of several tables is a ZIP of CSVs plus about.csv."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from labelpulse.exports import Question, file_name
from tests.web.conftest import WINDOW

Get = Callable[..., Any]


@pytest.fixture
def owner(anonymous: TestClient, token_for: Callable[[str, str], str]) -> Iterator[Get]:
    headers = {"Authorization": f"Bearer {token_for('own', 'read')}"}

    def get(path: str, params: Any) -> Any:
        response = anonymous.get(path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        return response

    yield get


def filename(response: Any) -> str:
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="'), disposition
    return str(disposition.split('filename="', 1)[1].rstrip('"'))


def unzip(content: bytes) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None  # every member's CRC checks out
        return {
            n: list(csv.reader(io.StringIO(archive.read(n).decode()))) for n in archive.namelist()
        }


def test_two_project_exports_of_one_member_have_different_names(owner: Get) -> None:
    names = set()
    for project in ("p-cars", "p-signs"):
        for fmt, sent in (("csv", "zip"), ("zip", "zip"), ("json", "json"), ("xlsx", "xlsx")):
            params = {**WINDOW, "project": project, "format": fmt}
            name = filename(owner("/api/members/ann/report", params))
            assert name == f"labelpulse-member-ann-{project}-2026-03-02_2026-03-06-UTC.{sent}"
            names.add(name)
    assert len(names) == 6  # csv and zip are the same file: 2 projects x (zip, json, xlsx)


def test_names_carry_workspace_members_zone_and_paging(owner: Get) -> None:
    params = [("from", "2026-03-02"), ("to", "2026-03-06"), ("tz", "Europe/Berlin")]
    by_ws = filename(
        owner("/api/reports/members", [*params, ("workspace", "ws-vis"), ("format", "csv")])
    )
    assert by_ws == "labelpulse-members-ws_ws-vis-2026-03-02_2026-03-06-Europe_Berlin.csv"
    picked = [*params, ("member", "ann"), ("member", "rev"), ("format", "json")]
    assert filename(owner("/api/reports/insights", picked)) == (
        "labelpulse-insights-m_ann-m_rev-2026-03-02_2026-03-06-Europe_Berlin.json"
    )
    paged = [
        *params,
        ("search", "t-a"),
        ("sort", "label_time:desc"),
        ("limit", "5"),
        ("format", "csv"),
    ]
    name = filename(owner("/api/reports/items", paged))
    assert name.startswith("labelpulse-items-2026-03-02_2026-03-06-Europe_Berlin-search_t-a-")
    assert "-sort_label_time_desc~" in name  # ":" is spelled safe, with a hash of the value
    assert name.endswith("-limit_5.csv")


def test_file_name_spells_odd_ids_safely_and_distinctly() -> None:
    base: dict[str, Any] = {
        "report": "member",
        "start": "2026-11-01",
        "end": "2026-11-30",
        "tz": "Europe/Berlin",
    }
    plain = file_name(Question(member="ann-05", projects=["cars"], **base), "csv")
    assert plain == "labelpulse-member-ann-05-cars-2026-11-01_2026-11-30-Europe_Berlin.csv"
    odd = [file_name(Question(member=m, **base), "csv") for m in ("zoë", "zoé", "a/b", "a b")]
    assert all(name.isascii() and '"' not in name and "/" not in name for name in odd)
    assert len(set(odd)) == len(odd)
    offset = file_name(Question(**{**base, "tz": "+02:00"}), "json")
    assert offset == "labelpulse-member-2026-11-01_2026-11-30-+02_00.json"
    many = file_name(Question(projects=[f"project-{n}" for n in range(40)], **base), "csv")
    assert len(many) < 200 and many.endswith(".csv")


def test_table_csv_is_one_table_with_totals_last(owner: Get) -> None:
    response = owner("/api/reports/members", {**WINDOW, "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.text)))
    assert all(rows), "no blank line: one table"
    header, *body = rows
    assert header[0] == "member" and all(len(row) == len(header) for row in body)
    totals = dict(zip(header, body[-1], strict=True))
    data = owner("/api/reports/members", WINDOW).json()
    assert totals["member"] == "total"
    assert totals["submitted"] == str(data["totals"]["submitted"])
    assert [row[0] for row in body[:-1]] == [row["member"] for row in data["rows"]]


def test_member_report_csv_is_a_zip_with_about(owner: Get) -> None:
    params = {**WINDOW, "tz": "Europe/Berlin", "project": "p-cars"}
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    response = owner("/api/members/ann/report", {**params, "format": "csv"})
    assert response.headers["content-type"] == "application/zip"
    files = unzip(response.content)
    assert list(files) == ["about.csv", "summary.csv", "daily.csv"]
    about = dict((row[0], row[1]) for row in files["about.csv"][1:])
    assert about["report"] == "member" and about["member"] == "ann"
    assert about["member_name"] == "Anna Annotator"
    assert (about["from"], about["to"], about["time_zone"]) == (
        "2026-03-02",
        "2026-03-06",
        "Europe/Berlin",
    )
    assert about["projects"] == "p-cars"
    assert dt.datetime.fromisoformat(about["generated_at"]) >= before
    data = owner("/api/members/ann/report", params).json()
    assert files["daily.csv"][0] == list(data["daily"][0])
    assert [row[0] for row in files["daily.csv"][1:]] == [day["date"] for day in data["daily"]]
    summary = {(s, f): v for s, f, v in files["summary.csv"][1:]}
    assert summary[("annotations", "submitted")] == str(data["annotations"]["submitted"]) != "0"


def test_zip_of_a_table_report_names_its_paging(owner: Get) -> None:
    response = owner("/api/reports/items", {**WINDOW, "search": "t-a", "format": "zip"})
    files = unzip(response.content)
    assert list(files) == ["about.csv", "items.csv"]
    about = dict((row[0], row[1]) for row in files["about.csv"][1:])
    assert about["search"] == "t-a"
    items = files["items.csv"]
    assert items[-1][0] == "total"
    assert {row[2] for row in items[1:-1]} == {"t-a1", "t-a2", "t-a3"}
