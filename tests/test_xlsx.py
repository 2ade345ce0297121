"""Excel export (metrics.md, Exports): every report as a workbook with real cell types."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from labelpulse.demo import generate
from labelpulse.exports import report_tables, report_xlsx
from labelpulse.ingest import ingest_records
from labelpulse.metrics import REPORTS
from labelpulse.store import Store
from tests.metrics.org import ev, load, member, project, run

TZ = "Europe/Berlin"  # UTC+1 in March 2026 (summer time starts on 03-29)
WINDOW: dict[str, Any] = {"start": "2026-03-01", "end": "2026-03-04", "tz": TZ}
# Every report, with the parameters it needs; the member reports are about "ann".
PARAMS: dict[str, dict[str, Any]] = {
    "member": {"member": "ann"},
    "members": {},
    "reviewers": {},
    "insights": {},
    "work": {},
    "items": {},
    "insights_daily": {},
    "insights_projects": {},
    "throughput": {},
    "timeline": {"member": "ann"},
    "comments": {"member": "ann"},
    # FC (deadline forecasts)
    "forecast": {},
    "forecast_members": {},
    "flags": {},
    "flagged_annotations": {},
    "pay": {},
    "pay_lines": {},
}
SHEETS = {
    "member": ["about", "summary", "daily"],
    "timeline": ["about", "timeline"],
    "comments": ["about", "comments"],
    # totals are the last row of their table's sheet, marked `total`
    **{
        name: ["about", name]
        for name in (
            "members",
            "reviewers",
            "insights",
            "work",
            "items",
            "insights_daily",
            "insights_projects",
            "throughput",
            "forecast",  # FC
            "forecast_members",  # FC
            "flags",
            "flagged_annotations",
            "pay",
            "pay_lines",
        )
    },
}
# The flags need tens of annotations to fire: these small organisations raise none, and their
# sheets are a header alone (tests/web/test_flags.py reads a workbook of flags with rows).
NO_ROWS_HERE = ("flags", "flagged_annotations")
FORMULAS = ("=cmd()", "+Rui", "@SUM(A1)", "-1 looks off", "=1+1", "#N/A")


@pytest.fixture
def loaded(store: Store) -> Store:
    load(
        store,
        member("ann", "=cmd()"),
        member("rev", "+Rui", "reviewer"),
        project("p1", "@SUM(A1)"),
        ev("submitted", "03-02 10:00", "ann", "a1", duration=12.5, idle=2.5, regions_added=3,
           regions=3, frames=10),
        ev("rejected", "03-02 11:00", "rev", "a1", duration=5),
        ev("comment", "03-02 11:00:01", "rev", "a1", text="-1 looks off"),
        ev("comment", "03-02 11:00:02", "rev", "a1", text="=1+1"),
        ev("comment", "03-02 11:00:03", "rev", "a1", text="#N/A"),
        ev("updated", "03-03 09:00:00.25", "ann", "a1", duration=4),
        ev("accepted", "03-03 10:00", "rev", "a1", duration=3),
    )  # fmt: skip
    return store


def workbook(name: str, data: dict[str, Any]) -> Any:
    return load_workbook(io.BytesIO(report_xlsx(name, data)))


def cells(sheet: Worksheet) -> list[list[Any]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def expected(value: Any, tz: str) -> Any:
    """What a JSON figure reads back as from the workbook."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return dt.datetime.fromisoformat(value)  # a date cell reads back as midnight
    if isinstance(value, str) and "T" in value and value.endswith("Z"):
        moment = dt.datetime.fromisoformat(value).astimezone(ZoneInfo(tz))
        return moment.replace(tzinfo=None)
    if value == "":
        return None  # a workbook holds no empty text: an empty cell
    return value


def same(cell: Any, want: Any) -> bool:
    """Equal, but floats only to the 16 significant digits openpyxl writes them with."""
    if isinstance(want, float):
        return bool(cell == pytest.approx(want, rel=1e-15))
    return bool(cell == want)


def test_every_report_is_covered() -> None:
    assert set(PARAMS) == set(REPORTS) == set(SHEETS)


@pytest.mark.parametrize("name", REPORTS)
def test_every_table_is_a_sheet_with_real_cell_types(loaded: Store, name: str) -> None:
    data = run(loaded, name, **WINDOW, **PARAMS[name])
    book = workbook(name, data)
    tables = report_tables(name, data)
    assert book.sheetnames == SHEETS[name] == ["about", *(title for title, _, _ in tables)]
    for title, columns, rows in tables:
        sheet = book[title]
        assert bool(rows) != (name in NO_ROWS_HERE), f"{name}/{title}: rows in this organisation"
        header, *body = cells(sheet)
        assert header == columns
        assert len(body) == len(rows)
        for row, got in zip(rows, body, strict=True):
            for column, cell in zip(columns, got, strict=True):
                want = expected(row.get(column), TZ)
                assert same(cell, want), (name, title, column)
                if want is None:
                    assert cell is None
                elif isinstance(want, bool):
                    assert isinstance(cell, bool)
                elif isinstance(want, int | float):
                    assert isinstance(cell, int | float) and not isinstance(cell, bool)
                else:
                    assert type(cell) is type(want), (name, title, column)
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == sheet.dimensions
        assert all(cell.font.b for cell in sheet[1])


def test_member_report_summary_and_daily(loaded: Store) -> None:
    data = run(loaded, "member", **WINDOW, member="ann")
    book = workbook("member", data)
    summary = {(s, f): v for s, f, v in cells(book["summary"])[1:]}
    assert summary[("annotations", "submitted")] == data["annotations"]["submitted"] == 1
    assert summary[("annotations", "total_time")] == data["annotations"]["total_time"] == 16.5
    assert summary[("reviews", "mean_review_time")] is None  # null stays empty
    time_cell = next(row[2] for row in book["summary"].iter_rows(min_row=2) if row[1].value
                     == "total_time")  # fmt: skip
    assert time_cell.number_format == "0.0"
    daily = book["daily"]
    dates = [row[0] for row in daily.iter_rows(min_row=2)]
    assert [cell.value for cell in dates] == [dt.datetime(2026, 3, d) for d in range(1, 5)]
    assert all(cell.is_date and cell.number_format == "yyyy-mm-dd" for cell in dates)
    header = cells(daily)[0]
    median = [row[header.index("median_time")] for row in cells(daily)[1:]]
    assert median[:2] == [None, None] and median[2] == 16.5  # a1 completed on 03-03


def test_about_sheet_names_the_report_window_scope_and_time_zone(loaded: Store) -> None:
    data = run(loaded, "member", **WINDOW, member="ann", projects=["p1"])
    sheet = workbook("member", data)["about"]
    about = dict(cells(sheet)[1:])
    assert about["report"] == "member"
    assert about["member"] == "ann"
    assert about["member_name"] == "=cmd()"
    assert about["member_role"] == "annotator"
    assert about["from"] == dt.datetime(2026, 3, 1)
    assert about["to"] == dt.datetime(2026, 3, 4)
    assert about["time_zone"] == TZ
    assert about["projects"] == "p1"
    assert about["workspaces"] == about["members"] == "all"
    assert "local to the window's time zone" in about["times"]
    assert TZ in about["times"]
    table = workbook("members", run(loaded, "members", **WINDOW))["about"]
    assert "member" not in dict(cells(table)[1:])


def test_times_are_wall_clock_in_the_window_time_zone(loaded: Store) -> None:
    data = run(loaded, "timeline", **WINDOW, member="ann")
    assert data["rows"][0]["time"] == "2026-03-02T10:00:00Z"
    sheet = workbook("timeline", data)["timeline"]
    header = cells(sheet)[0]
    first, second = list(sheet.iter_rows(min_row=2))[:2]
    time, started = first[header.index("time")], first[header.index("started_at")]
    assert time.value == dt.datetime(2026, 3, 2, 11, 0)  # 10:00Z is 11:00 in Berlin
    assert started.value == dt.datetime(2026, 3, 2, 10, 59, 47, 500000)
    assert time.is_date and time.number_format == "yyyy-mm-dd hh:mm:ss"
    assert second[header.index("time")].value == dt.datetime(2026, 3, 3, 10, 0, 0, 250000)
    assert first[header.index("duration")].number_format == "0.0"
    assert first[header.index("idle")].value == 2.5
    utc = workbook("timeline", run(loaded, "timeline", "2026-03-01", "2026-03-04", member="ann"))
    assert utc["timeline"]["A2"].value == dt.datetime(2026, 3, 2, 10, 0)


def test_formula_like_text_stays_literal_text(loaded: Store) -> None:
    raw = b""
    found: list[Any] = []
    for name in ("members", "reviewers", "insights", "items", "comments"):
        data = run(loaded, name, **WINDOW, **PARAMS[name])
        content = report_xlsx(name, data)
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            raw += b"".join(archive.read(n) for n in archive.namelist() if "worksheets" in n)
        book = load_workbook(io.BytesIO(content))
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.value in FORMULAS:
                        assert cell.data_type == "s", (name, cell.value)
                        found.append(cell.value)
                        if cell.value[0] in "=+-@":
                            assert cell.quotePrefix, (name, cell.value)
    assert set(found) == set(FORMULAS)
    assert b"<f>" not in raw and b"<f " not in raw  # no formula anywhere


def test_empty_table_keeps_its_header(loaded: Store) -> None:
    data = run(loaded, "timeline", "2026-05-01", "2026-05-02", member="ann")
    assert data["rows"] == []
    sheet = workbook("timeline", data)["timeline"]
    assert cells(sheet) == [[*report_tables("timeline", data)[0][1]]]
    assert sheet.auto_filter.ref == "A1:L1"
    assert sheet.freeze_panes == "A2"


def test_column_widths_follow_content_within_bounds(loaded: Store) -> None:
    sheet = workbook("comments", run(loaded, "comments", **WINDOW, member="ann"))["comments"]
    widths = {cell.value: sheet.column_dimensions[cell.column_letter].width for cell in sheet[1]}
    assert all(8 <= width <= 50 for width in widths.values())
    assert widths["time"] >= len("yyyy-mm-dd hh:mm:ss")
    assert widths["text"] >= len("-1 looks off")


def test_control_characters_are_dropped_not_fatal(store: Store) -> None:
    load(
        store,
        member("ann", "Ann\x07"),
        ev("submitted", "03-02 10:00", "ann", "a1", duration=1),
    )
    sheet = workbook("members", run(store, "members", **WINDOW))["members"]
    assert sheet["B2"].value == "Ann"


def test_demo_organisation_exports_every_report(store: Store) -> None:
    """A larger generated organisation: every report converts and reads back cell for cell."""
    ingest_records(store, list(generate(members=8, days=3, events=600, end=dt.date(2026, 3, 4))))
    someone = store.rows("SELECT author FROM state ORDER BY author LIMIT 1")[0]["author"]
    for name in REPORTS:
        params = {"member": someone} if "member" in PARAMS[name] else {}
        data = run(store, name, **WINDOW, **params)
        book = workbook(name, data)
        assert book.sheetnames == SHEETS[name]
        for title, columns, rows in report_tables(name, data):
            header, *body = cells(book[title])
            assert header == columns
            # (its rubber-stamping reviewer is flagged; none of its annotations is too fast)
            assert (rows or name == "flagged_annotations") and len(body) == len(rows), title
            for row, got in zip(rows, body, strict=True):
                assert all(
                    same(g, expected(row.get(c), TZ)) for c, g in zip(columns, got, strict=True)
                )
