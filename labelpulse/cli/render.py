"""Reports as Rich tables for the terminal: names not ids, durations a person can read."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from labelpulse.exports import report_tables
from labelpulse.readable import format_value

HIDDEN_WHEN_NAMED = {"member": "member_name", "project": "project_name", "from": "from_name"}
SHORT_LABELS = {
    "total_time_median": "total (median)",
    "reviews_accepted": "accepted",
    "reviews_rejected": "rejected",
    "reviews_fixed_and_accepted": "fixed",
    "fixed_and_accepted": "fixed+accepted",
    "mean_time": "mean",
    "median_time": "median",
    "total_time": "total time",
}


def render_report(console: Console, name: str, data: dict[str, Any]) -> None:
    window = data["window"]
    title = f"{name} · {window['from']} to {window['to']} ({window['tz']})"
    if "member" in data and isinstance(data["member"], dict):
        title = f"{data['member']['name']} · {title}"
    console.print(f"[bold]{title}[/bold]")
    for table_name, columns, rows in report_tables(name, data):
        shown = [
            c for c in columns if not (c in HIDDEN_WHEN_NAMED and HIDDEN_WHEN_NAMED[c] in columns)
        ]
        table = Table(title=table_name, title_justify="left")
        for column in shown:
            label = SHORT_LABELS.get(column, column.replace("_name", "").replace("_", " "))
            left = column.endswith("name") or column in ("date", "task", "time", "type", "text")
            widest = max((len(format_value(column, row.get(column))) for row in rows), default=0)
            table.add_column(
                label,
                justify="left" if left else "right",
                no_wrap=column != "text",
                min_width=min(widest, 40) if column.endswith("name") else None,
            )
        for row in rows:
            if table_name == "summary":
                cells = [row["section"], row["figure"], format_value(row["figure"], row["value"])]
            else:
                cells = [format_value(c, row.get(c)) for c in shown]
            table.add_row(*cells)
        if not rows:
            console.print(f"[dim]{table_name}: nothing in this window and scope.[/dim]")
        else:
            console.print(table)
