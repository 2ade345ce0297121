"""Reports as tables (name, columns, rows) and as CSV or JSON text.

Every CSV cell that is text and starts with a character a spreadsheet reads as the start of a
formula gets a leading `'` (OWASP's advice against CSV injection): a member named
`=HYPERLINK(...)` stays a name when the file is opened. Only text cells are touched: a number
the report computed (a negative one too) is a number, never a formula, and stays as it is.
"""

from __future__ import annotations

import io
import json
from typing import Any

from labelpulse.metrics.registry import SPECS

Table = tuple[str, list[str], list[dict[str, Any]]]

# `=`, `+`, `-`, `@` start a formula; a tab or carriage return in front hides one from the eye.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# The columns of each report's rows, so that an empty table still has its header.
COLUMNS: dict[str, tuple[str, ...]] = {
    name: tuple(column.key for column in spec.columns)
    for name, spec in SPECS.items()
    if spec.columns
}


def report_tables(name: str, data: dict[str, Any]) -> list[Table]:
    """The tables a report consists of: a member report is a summary and a daily table."""
    if "annotations" in data:
        summary = [
            {"section": section, "figure": key, "value": value}
            for section in ("annotations", "reviews")
            for key, value in data[section].items()
        ]
        daily = data["daily"]
        return [
            ("summary", ["section", "figure", "value"], summary),
            ("daily", list(daily[0].keys()) if daily else ["date"], daily),
        ]
    rows = data["rows"]
    columns = list(rows[0].keys()) if rows else list(COLUMNS.get(name, ()))
    tables: list[Table] = [(name, columns, rows)]
    if data.get("totals") is not None:
        totals = {"row": "totals", **data["totals"]}
        tables.append(("totals", list(totals.keys()), [totals]))
    return tables


def report_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def report_csv(name: str, data: dict[str, Any]) -> str:
    """CSV text: each table of the report in turn, separated by a blank line."""
    out = io.StringIO()
    for number, (_, columns, rows) in enumerate(report_tables(name, data)):
        if number:
            out.write("\n")
        out.write(csv_line(columns))
        for row in rows:
            out.write(csv_line([csv_cell(row.get(column)) for column in columns]))
    return out.getvalue()


def csv_line(cells: list[Any]) -> str:
    """One CSV line, quoted as the csv module's QUOTE_MINIMAL would, plus a bare carriage return.

    Python 3.11's writer leaves a field holding `\r` unquoted when the line ends with `\n`, so a
    comment with a carriage return would split its row in two in a spreadsheet.
    """
    fields = []
    for cell in cells:
        text = str(cell)
        if any(c in text for c in ',"\r\n'):
            text = '"' + text.replace('"', '""') + '"'
        fields.append(text)
    return ",".join(fields) + "\n"


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: blank for None, text that could be a formula defused with `'`."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
