"""The rates table as CSV text, an Excel workbook, or JSON-ready rows (amounts as numbers).

Text cells that a spreadsheet would read as a formula are defused as in every other export
(a leading `'`), since member and project names are whatever the directory holds.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from labelpulse.exports.tabular import csv_cell, table_csv_chunks
from labelpulse.metrics.rates import RATE_COLUMNS


def rates_json(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with amounts as JSON numbers (whole amounts as integers)."""
    return [{k: _number(v) for k, v in row.items()} for row in rows]


def _number(value: Any) -> Any:
    if not isinstance(value, Decimal):
        return value
    return int(value) if value == value.to_integral_value() else float(value)


def _cell(value: Any) -> Any:
    """A value as a cell: None stays empty, text that could be a formula is defused."""
    return None if value is None else csv_cell(value)


def rates_csv(rows: list[dict[str, Any]]) -> str:
    """The rates as CSV, one line per rate, with a header of RATE_COLUMNS."""
    return "".join(table_csv_chunks(list(RATE_COLUMNS), rows))


def rates_xlsx(rows: list[dict[str, Any]]) -> bytes:
    """The rates as a workbook of one sheet, `rates`: a bold frozen header, numbers as numbers."""
    book = Workbook()
    sheet = book.active
    sheet.title = "rates"
    sheet.append(list(RATE_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rates_json(rows):
        sheet.append([_cell(row.get(column)) for column in RATE_COLUMNS])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
