"""Reports as Rich tables for the terminal: names not ids, durations a person can read."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from labelpulse.exports import report_tables
from labelpulse.metrics.registry import SPECS, Column, ReportSpec
from labelpulse.readable import format_value

HIDDEN_WHEN_NAMED = {"member": "member_name", "project": "project_name", "from": "from_name"}
# Columns the tables of `report_tables` add: a member report's summary lists its figures as
# rows (each value formatted by its figure's kind), and a totals table names its one row.
ADDED = {key: Column(key, key, "text") for key in ("section", "figure", "value", "row")}


def render_report(console: Console, name: str, data: dict[str, Any]) -> None:
    window = data["window"]
    title = f"{name} · {window['from']} to {window['to']} ({window['tz']})"
    if "member" in data and isinstance(data["member"], dict):
        title = f"{data['member']['name']} · {title}"
    console.print(f"[bold]{title}[/bold]")
    spec = SPECS[name]
    for table_name, keys, rows in report_tables(name, data, separate_totals=True):
        columns = [
            ADDED[key] if table_name == "summary" or key == "row" else spec.column(key)
            for key in keys
            if not (key in HIDDEN_WHEN_NAMED and HIDDEN_WHEN_NAMED[key] in keys)
        ]
        if table_name == "summary":
            cells = [[row["section"], row["figure"], _figure(spec, row)] for row in rows]
        else:
            cells = [[format_value(c.kind, row.get(c.key)) for c in columns] for row in rows]
        table = Table(title=table_name, title_justify="left")
        for i, column in enumerate(columns):
            key = column.key
            left = key.endswith("name") or key in ("date", "task", "time", "type", "text")
            widest = max((len(row[i]) for row in cells), default=0)
            table.add_column(
                column.terminal_label,
                justify="left" if left else "right",
                no_wrap=key != "text",
                min_width=min(widest, 40) if key.endswith("name") else None,
            )
        for row_cells in cells:
            table.add_row(*row_cells)
        if not rows:
            console.print(f"[dim]{table_name}: nothing in this window and scope.[/dim]")
        else:
            console.print(table)
        if table_name == name and "page" in data:
            console.print(f"[dim]{_page_line(data['page'], len(rows))}[/dim]")


def _page_line(page: dict[str, Any], shown: int) -> str:
    """Which rows of how many a paged table shows: "rows 101–150 of 3,412 by label_time:desc"."""
    first = page["offset"] + 1
    rows = f"rows {first:,}–{first + shown - 1:,}" if shown else "no rows"
    search = f" matching {page['search']!r}" if page["search"] else ""
    return f"{rows} of {page['total_rows']:,}{search}, sorted by {page['sort']}"


def _figure(spec: ReportSpec, row: dict[str, Any]) -> str:
    """A summary row's value, by the kind of its figure."""
    figure = spec.column(f"{row['section']}.{row['figure']}")
    return format_value(figure.kind, row["value"])
