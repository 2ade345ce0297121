"""`labelpulse pay ...`: the pay report, its audit lines, closing a period, the closed periods.

A thin layer over `labelpulse.metrics.pay` and `labelpulse.metrics.pay_periods`; the report and
audit commands are the registry's `pay` and `pay_lines` reports (`labelpulse report pay` is the
same). `labelpulse pay rates` (rates as directory records) lives beside these (RATES).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from labelpulse.cli import rates
from labelpulse.cli.report import (
    Fmt,
    Format,
    From,
    Limit,
    Members,
    Offset,
    Output,
    Projects,
    To,
    Tz,
    Workspaces,
    emit,
)

app = typer.Typer(
    help="Pay: what each member earned in a period, its audit lines, closed periods, rates.",
    no_args_is_help=True,
)
app.add_typer(rates.app, name="rates")  # RATES: `labelpulse pay rates list|set|remove`

PeriodFrom = Annotated[str, typer.Option("--from", help="First date of the period, YYYY-MM-DD.")]
PeriodTo = Annotated[str, typer.Option("--to", help="Last date of the period, inclusive.")]
ListFormat = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


@app.command("report")
def report_command(
    ctx: typer.Context,
    start: From,
    end: To,
    tz: Tz = None,
    project: Projects = None,
    workspace: Workspaces = None,
    member: Members = None,
    fmt: Fmt = Format.table,
    output: Output = None,
) -> None:
    """Pay per member, project and currency: quantities, earned, adjustment, amount; totals
    per currency. A period that was closed shows the figures it kept."""
    emit(ctx, "pay", fmt, output, start=start, end=end, tz=tz, projects=project,
          workspaces=workspace, members=member)  # fmt: skip


@app.command("lines")
def lines_command(
    ctx: typer.Context,
    start: From,
    end: To,
    tz: Tz = None,
    project: Projects = None,
    workspace: Workspaces = None,
    member: Members = None,
    limit: Limit = None,
    offset: Offset = 0,
    fmt: Fmt = Format.table,
    output: Output = None,
) -> None:
    """The audit list: every accepted annotation, its regions and each item-day of active time
    that earned pay, with the rate and amount."""
    paging = {"limit": limit, "offset": offset}
    emit(ctx, "pay_lines", fmt, output, paging, start=start, end=end, tz=tz, projects=project,
          workspaces=workspace, members=member)  # fmt: skip


@app.command("close")
def close_command(
    ctx: typer.Context,
    start: PeriodFrom,
    end: PeriodTo,
    tz: Tz = None,
    by: Annotated[str, typer.Option("--by", help="Who closes it, as the period records.")] = "cli",
    fmt: ListFormat = Format.table,
) -> None:
    """Close a pay period: keep its figures as they are now, and pay the adjustments due for
    earlier closed periods. Refused if it overlaps a closed period."""
    from labelpulse.cli.context import state
    from labelpulse.metrics.pay_periods import close

    app_state = state(ctx)
    settings = app_state.settings
    period = close(app_state.store(), start, end, tz or settings.timezone, by)
    _print_periods([period.as_dict()], fmt, f"Closed {period.first}..{period.last}.")


@app.command("periods")
def periods_command(ctx: typer.Context, fmt: ListFormat = Format.table) -> None:
    """The closed pay periods, oldest first."""
    from labelpulse.cli.context import state
    from labelpulse.metrics.pay_periods import periods_report

    rows = periods_report(state(ctx).store())["rows"]
    _print_periods(rows, fmt, None if rows else "No closed pay periods.")


def _print_periods(rows: list[dict[str, str]], fmt: Format, words: str | None) -> None:
    from labelpulse.exports.tabular import csv_line

    columns = ["from", "to", "tz", "closed_at", "closed_by"]
    if fmt is Format.json:
        typer.echo(json.dumps({"rows": rows}, indent=2))
    elif fmt is Format.csv:
        typer.echo(csv_line(columns), nl=False)
        for row in rows:
            typer.echo(csv_line([row[c] for c in columns]), nl=False)
    else:
        if words:
            typer.echo(words)
        for row in rows:
            typer.echo(
                f"{row['from']}..{row['to']} ({row['tz']}), closed {row['closed_at']} "
                f"by {row['closed_by']}"
            )
