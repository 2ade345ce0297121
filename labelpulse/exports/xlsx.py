"""Reports as Excel workbooks: an "about" sheet, then one sheet per table, with real cell types."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from labelpulse.config import check_timezone
from labelpulse.exports.about import about_lines
from labelpulse.exports.tabular import TOTAL, report_tables, streamed_tables

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")
DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
SECONDS_FORMAT = "0.0"
# Text that a spreadsheet would read as a formula when typed in; kept as text (quote prefix).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MIN_WIDTH, MAX_WIDTH = 8, 50
BOLD = Font(bold=True)


# The rows of one sheet below its header (Excel's limit); a longer stream goes on in more sheets.
SHEET_ROWS = 1_048_575
# What a streamed table's types and widths are judged by: its first rows.
SAMPLE_ROWS = 1_000


def report_xlsx(name: str, data: dict[str, Any]) -> bytes:
    """The report as an xlsx workbook: sheet "about", then one sheet per table of the report."""
    zone = check_timezone(data["window"]["tz"])
    if not isinstance(data.get("rows", []), list):
        return _streamed_xlsx(name, data, zone)
    book = Workbook()
    about = book.active
    about.title = "about"
    _write(
        about,
        ["field", "value"],
        [{"field": k, "value": v} for k, v in about_lines(name, data, _now())],
    )
    for title, columns, rows in report_tables(name, data):
        _write(book.create_sheet(title[:31]), columns, rows, zone)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _streamed_xlsx(name: str, data: dict[str, Any], zone: ZoneInfo) -> bytes:
    """A report whose rows are a stream (`Paging.stream`), in a write-only workbook: rows go
    to a temporary file as they are read, so memory holds a sample of rows, not all of them.
    Types and widths come from the first `SAMPLE_ROWS` rows; past `SHEET_ROWS` rows a table
    goes on in a sheet of the same name and a number ("items 2")."""
    book = Workbook(write_only=True)
    about = [{"field": k, "value": v} for k, v in about_lines(name, data, _now())]
    _write_rows(book, "about", ["field", "value"], about, None)
    for title, columns, rows in streamed_tables(name, data):
        _write_rows(book, title[:31], columns, rows, zone)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write_rows(
    book: Any, title: str, columns: list[str], rows: Iterable[dict[str, Any]], zone: ZoneInfo | None
) -> None:
    """`_write`'s sheet (bold frozen header, autofilter, typed cells), appended row by row."""
    rows = iter(rows)
    part = 1
    while True:
        sample = list(itertools.islice(rows, SAMPLE_ROWS))
        if part > 1 and not sample:
            return
        sheet = book.create_sheet(title if part == 1 else f"{title[:28]} {part}")
        kinds = {column: _kind(column, [row.get(column) for row in sample]) for column in columns}
        widths = [len(column) + 3 for column in columns]
        for row in sample:
            for index, column in enumerate(columns):
                shown = _set(WriteOnlyCell(sheet), row.get(column), kinds[column], False, zone)
                widths[index] = max(widths[index], shown)
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = min(
                max(width, MIN_WIDTH), MAX_WIDTH
            )
        sheet.freeze_panes = "A2"
        header = []
        for column in columns:
            cell = WriteOnlyCell(sheet, column)
            cell.font = BOLD
            header.append(cell)
        sheet.append(header)
        written = 0
        rows = itertools.chain(sample, rows)  # what a full sheet leaves goes on the next
        for row in rows:
            cells = []
            for column in columns:
                field = str(row.get("figure")) if column == "value" and "figure" in row else column
                cell = WriteOnlyCell(sheet)
                _set(cell, row.get(column), kinds[column], _is_duration(field), zone)
                cells.append(cell)
            sheet.append(cells)
            written += 1
            if written == SHEET_ROWS:
                break
        last = f"{get_column_letter(max(len(columns), 1))}{written + 1}"
        sheet.auto_filter.ref = f"A1:{last}"
        if written < SHEET_ROWS:
            return
        part += 1


def _write(
    sheet: Any,
    columns: list[str],
    rows: list[dict[str, Any]],
    zone: ZoneInfo | None = None,
) -> None:
    """One table on a sheet: a bold frozen header with an autofilter, then typed cells."""
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = BOLD
    kinds = {column: _kind(column, [row.get(column) for row in rows]) for column in columns}
    widths = [len(column) + 3 for column in columns]  # room for the autofilter button
    for number, row in enumerate(rows, start=2):
        for index, column in enumerate(columns):
            field = str(row.get("figure")) if column == "value" and "figure" in row else column
            cell = sheet.cell(row=number, column=index + 1)
            shown = _set(cell, row.get(column), kinds[column], _is_duration(field), zone)
            widths[index] = max(widths[index], shown)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(
            max(width, MIN_WIDTH), MAX_WIDTH
        )
    sheet.freeze_panes = "A2"
    last = f"{get_column_letter(max(len(columns), 1))}{len(rows) + 1}"
    sheet.auto_filter.ref = f"A1:{last}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _kind(column: str, values: list[Any]) -> str:
    """ "date", "time" or "" for a column, from its name and its (non-null) values."""
    # A totals row's `total` mark does not make a column of dates text.
    found = [value for value in values if value is not None and value != TOTAL]
    if not found or not all(isinstance(value, str) for value in found):
        return ""
    if column == "date" and all(DATE.fullmatch(value) for value in found):
        return "date"
    if all(TIMESTAMP.fullmatch(value) for value in found):
        return "time"
    return ""


def _is_duration(field: str) -> bool:
    return field in ("duration", "idle") or field.endswith("_time")


def _set(cell: Any, value: Any, kind: str, duration: bool, zone: ZoneInfo | None) -> int:
    """Store one value as its real type; the width it needs, in characters."""
    if value is None:
        return 0
    if isinstance(value, dt.date) or (
        isinstance(value, str) and kind == "date" and DATE.fullmatch(value)
    ):
        cell.value = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
        cell.number_format = DATE_FORMAT
        return len(DATE_FORMAT)
    if isinstance(value, str) and kind == "time" and TIMESTAMP.fullmatch(value):
        moment = dt.datetime.fromisoformat(value)
        if zone is not None and moment.tzinfo is not None:
            moment = moment.astimezone(zone)
        # Excel has no time zones: the wall-clock time in the window's zone, without offset.
        cell.value = moment.replace(tzinfo=None)
        cell.number_format = TIME_FORMAT
        return len(TIME_FORMAT)
    if isinstance(value, bool | int | float):
        cell.value = value
        if duration and not isinstance(value, bool):
            cell.number_format = SECONDS_FORMAT
        return len(f"{value:.1f}" if isinstance(value, float) else str(value))
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))[:32767]
    cell.value = text
    # openpyxl reads "=..." as a formula and "#N/A" as an error: always keep text as text.
    cell.data_type = "s"
    if text.startswith(FORMULA_START):
        cell.quotePrefix = True
    return max((len(line) for line in text.splitlines()), default=0)
