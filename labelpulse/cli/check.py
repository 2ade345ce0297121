"""`labelpulse check [--repair]`: are the state tables what the event log says?

For an operator after a crash, a restore or an upgrade: the reports read the state tables, which
every write keeps up to date; this compares them with a rebuild from the whole log, and with
`--repair` rebuilds them. Exit code 0 when they agree (after the repair, with `--repair`), 1
when they differ.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from labelpulse.cli.context import state

if TYPE_CHECKING:
    from labelpulse.store.check import StateCheck


class Format(StrEnum):
    table = "table"
    json = "json"


def check_command(
    ctx: typer.Context,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair", help="Rebuild the state tables from the event log if they differ."
        ),
    ] = False,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
) -> None:
    """Check the state tables against a rebuild from the event log (and repair them)."""
    from labelpulse.store.check import check_state, repair_state

    store = state(ctx).store()
    found = check_state(store)
    repaired = None
    if repair and not found.agrees:
        repair_state(store)
        repaired = check_state(store)
    final = repaired or found
    if fmt is Format.json:
        body = {**found.as_dict(), "repaired": None if repaired is None else repaired.agrees}
        typer.echo(json.dumps(body, indent=2))
    else:
        _print(found, repaired)
    if not final.agrees:
        raise typer.Exit(1)


def _print(found: StateCheck, repaired: StateCheck | None) -> None:
    console = Console()
    if found.agrees:
        console.print("The state tables agree with the event log.")
        return
    table = Table(title="State tables against a rebuild from the event log")
    table.add_column("table")
    table.add_column("differing rows", justify="right")
    table.add_column("stored only", justify="right")
    table.add_column("rebuilt only", justify="right")
    table.add_column("annotations, e.g.")
    for t in found.tables:
        table.add_row(
            t.table,
            f"{t.differences:,}",
            f"{t.stored_only:,}",
            f"{t.rebuilt_only:,}",
            escape(", ".join(t.examples)),
        )
    console.print(table)
    if repaired is None:
        console.print(
            f"{found.differences:,} row(s) differ. "
            "`labelpulse check --repair` rebuilds the state tables from the event log."
        )
    elif repaired.agrees:
        console.print("Repaired: the state tables were rebuilt and now agree with the event log.")
    else:
        console.print(
            f"[red]Rebuilt, yet {repaired.differences:,} row(s) still differ.[/red]",
            highlight=False,
        )
