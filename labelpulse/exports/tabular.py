"""Reports as tables (name, columns, rows) and as CSV or JSON text.

Every CSV cell that is text and starts with a character a spreadsheet reads as the start of a
formula gets a leading `'` (OWASP's advice against CSV injection): a member named
`=HYPERLINK(...)` stays a name when the file is opened. Only text cells are touched: a number
the report computed (a negative one too) is a number, never a formula, and stays as it is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from labelpulse.metrics.registry import SPECS

Table = tuple[str, list[str], list[dict[str, Any]]]
# A table whose rows may be a paged report's stream: a one-pass iterator, read as written.
StreamedTable = tuple[str, list[str], Iterable[dict[str, Any]]]
# Text is handed on in pieces of about this many characters: a download of millions of rows
# goes out as it is written, in a few thousand writes rather than millions.
CHUNK = 1 << 16

# `=`, `+`, `-`, `@` start a formula; a tab or carriage return in front hides one from the eye.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# The columns of each report's rows, so that an empty table still has its header.
COLUMNS: dict[str, tuple[str, ...]] = {
    name: tuple(column.key for column in spec.columns)
    for name, spec in SPECS.items()
    if spec.columns
}


# The first cell of a table's last row when it holds the table's totals (metrics.md, Exports).
TOTAL = "total"


def report_tables(name: str, data: dict[str, Any], separate_totals: bool = False) -> list[Table]:
    """The tables a report consists of: a member report is a summary and a daily table.

    For writers that need every row at hand (Excel, the terminal): a streamed report's rows
    are read into a list. CSV and JSON read them as they write (`csv_chunks`, `json_chunks`).
    `separate_totals`: the totals as a table of their own ("totals", its one row named by a
    `row` column), for the terminal, which shows them apart from the rows it counts.
    """
    if separate_totals and data.get("totals") is not None and "annotations" not in data:
        bare = {key: value for key, value in data.items() if key != "totals"}
        totals = {"row": "totals", **data["totals"]}
        return [*report_tables(name, bare), ("totals", list(totals), [totals])]
    return [(title, columns, list(rows)) for title, columns, rows in streamed_tables(name, data)]


def streamed_tables(name: str, data: dict[str, Any]) -> list[StreamedTable]:
    """Each table of the report; a table with totals ends with them, as a row whose first cell
    is `total` (one table per file: a CSV reader sees one header and one kind of row)."""
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
    if isinstance(rows, list):
        columns = list(rows[0].keys()) if rows else list(COLUMNS.get(name, ()))
    else:
        columns = list(COLUMNS[name])
    if data.get("currency_totals") is not None:  # PAY: one totals row per currency
        return [(name, columns, _with_currency_totals(rows, columns, data["currency_totals"]))]
    if data.get("totals") is None:
        return [(name, columns, rows)]
    return [(name, columns, _with_totals(rows, columns, data["totals"]))]


def _with_totals(
    rows: Iterable[dict[str, Any]], columns: list[str], totals: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    """The rows, then the totals under the same columns, marked `total` in the first one."""
    yield from rows
    yield {**totals, columns[0]: TOTAL} if columns else dict(totals)


def _with_currency_totals(
    rows: Iterable[dict[str, Any]], columns: list[str], totals: list[dict[str, Any]]
) -> Iterator[dict[str, Any]]:
    """PAY: the rows, then a totals row per currency (two currencies are never added)."""
    yield from rows
    for total in totals:
        yield {**total, columns[0]: TOTAL} if columns else dict(total)


def is_multi_table(name: str, data: dict[str, Any]) -> bool:
    """Whether the report is several tables (the member report): its CSV download is a ZIP."""
    return len(streamed_tables(name, data)) > 1


def report_json(data: dict[str, Any]) -> str:
    return "".join(json_chunks(data))


def json_chunks(data: dict[str, Any]) -> Iterator[str]:
    """`json.dumps(data, indent=2)` and a newline, in pieces: streamed rows are read as they
    are written, so a report of millions of rows never sits whole in memory."""
    pieces: list[str] = ["{"]
    for number, (key, value) in enumerate(data.items()):
        pieces.append(("," if number else "") + "\n  " + _dumped(key, 2) + ": ")
        if key == "rows" and not isinstance(value, list):
            yield from _buffered(pieces, _array(value, 2))
            pieces = []
        else:
            pieces.append(_dumped(value, 2))
    pieces.append("\n}\n" if data else "}\n")
    yield "".join(pieces)


def _dumped(value: Any, depth: int) -> str:
    # Strings' own line breaks are escaped: every line break is the layout's.
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + " " * depth)


def _array(rows: Iterable[Any], depth: int) -> Iterator[str]:
    inner = " " * (depth + 2)
    empty = True
    for row in rows:
        yield ("[" if empty else ",") + "\n" + inner + _dumped(row, depth + 2)
        empty = False
    yield "[]" if empty else "\n" + " " * depth + "]"


def _buffered(head: list[str], pieces: Iterable[str]) -> Iterator[str]:
    """`head` then `pieces`, joined into strings of about `CHUNK` characters."""
    held, size = list(head), sum(len(piece) for piece in head)
    for piece in pieces:
        held.append(piece)
        size += len(piece)
        if size >= CHUNK:
            yield "".join(held)
            held, size = [], 0
    if held:
        yield "".join(held)


def report_csv(name: str, data: dict[str, Any]) -> str:
    """CSV text: the report's table. A report of several tables (the member report) has them
    in turn, separated by a blank line: the terminal's view; its download is a ZIP instead."""
    return "".join(csv_chunks(name, data))


def csv_chunks(name: str, data: dict[str, Any]) -> Iterator[str]:
    """`report_csv` in pieces, reading streamed rows as they are written."""

    def lines() -> Iterator[str]:
        for number, (_, columns, rows) in enumerate(streamed_tables(name, data)):
            if number:
                yield "\n"
            yield from _table_lines(columns, rows)

    return _buffered([], lines())


def table_csv_chunks(columns: list[str], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """One table as CSV text, in pieces of about `CHUNK` characters."""
    return _buffered([], _table_lines(columns, rows))


def _table_lines(columns: list[str], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    yield csv_line(columns)
    for row in rows:
        yield csv_line([csv_cell(row.get(column)) for column in columns])


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
