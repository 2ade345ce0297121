"""`labelpulse pay rates ...`: list, set and remove pay rates (directory records of kind `rate`).

The CLI is the operator's: it may write any rate (the API and pages take owners and admins
only). Rates also import with `labelpulse import rates.ndjson` like any directory record.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from labelpulse.cli.context import state
from labelpulse.errors import UsageError

if TYPE_CHECKING:
    pass

app = typer.Typer(
    help="Pay rates: what each member earns per hour, per accepted annotation and per region, "
    "from a date on, in every project or in one.",
    no_args_is_help=True,
)


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


Member = Annotated[str, typer.Argument(help="The member's id (or email).")]
Project = Annotated[
    str | None,
    typer.Option("--project", help="The project's id (default: every project of the member)."),
]
Effective = Annotated[
    str, typer.Option("--effective", help="The first day the rate applies, YYYY-MM-DD.")
]


@app.command("list")
def list_rates(
    ctx: typer.Context,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Every rate, with member and project names: a table, JSON, CSV or (to a file) Excel."""
    import json

    from rich.console import Console
    from rich.table import Table

    from labelpulse.exports.rates import rates_csv, rates_json, rates_xlsx
    from labelpulse.metrics import Directory
    from labelpulse.metrics.rates import load_rates, rate_rows

    store = state(ctx).store()
    rows = rate_rows(load_rates(store), Directory.load(store))
    if fmt is Format.xlsx:
        if output is None:
            raise UsageError("--format xlsx writes a file: give --output rates.xlsx")
        output.write_bytes(rates_xlsx(rows))
        return
    if fmt is Format.table:
        table = Table("member", "project", "from", "currency", "per hour", "per accepted",
                      "per region", title=None if rows else "no rates yet")  # fmt: skip
        for row in rows:
            amounts = [str(row[k]) if row[k] else "–" for k in AMOUNTS]
            table.add_row(
                str(row["member_name"]), str(row["project_name"]), str(row["effective"]),
                str(row["currency"]), *amounts,
            )  # fmt: skip
        console = Console(width=None if sys.stdout.isatty() else 200)
        if output is not None:
            with output.open("w", encoding="utf-8") as fh:
                Console(file=fh, width=200).print(table)
        else:
            console.print(table)
        return
    text = (
        json.dumps({"rows": rates_json(rows)}, indent=2) + "\n"
        if fmt is Format.json
        else rates_csv(rows)
    )
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        typer.echo(text, nl=False)


AMOUNTS = ("per_hour", "per_accepted", "per_region")


@app.command("set")
def set_rate(
    ctx: typer.Context,
    member: Member,
    effective: Effective,
    currency: Annotated[str, typer.Option("--currency", help="Three capital letters, e.g. EUR.")],
    project: Project = None,
    per_hour: Annotated[
        float | None, typer.Option("--per-hour", help="Paid per active hour.")
    ] = None,
    per_accepted: Annotated[
        float | None, typer.Option("--per-accepted", help="Paid per accepted annotation.")
    ] = None,
    per_region: Annotated[
        float | None, typer.Option("--per-region", help="Paid per region added.")
    ] = None,
) -> None:
    """Set a member's rate from a date on (replacing their rate for the same project and date).

    At least one of --per-hour, --per-accepted, --per-region; the others are 0."""
    from labelpulse.access.rates import rate_record
    from labelpulse.access.rates import set_rate as store_rate
    from labelpulse.metrics import Directory

    store = state(ctx).store()
    directory = Directory.load(store)
    record = rate_record(
        {"member": member, "project": project, "effective": effective, "currency": currency,
         "per_hour": per_hour, "per_accepted": per_accepted, "per_region": per_region},
        directory,
    )  # fmt: skip
    store_rate(store, record)
    where = f"project {record.project}" if record.project else "every project"
    typer.echo(f"Rate of {record.member} in {where} from {record.effective} set.")


@app.command("remove")
def remove_rate(
    ctx: typer.Context, member: Member, effective: Effective, project: Project = None
) -> None:
    """Remove one rate: the member's for that project (or every project) from that date."""
    from labelpulse.access.rates import remove_rate as drop

    drop(state(ctx).store(), member, project, effective)
    where = f"project {project}" if project else "every project"
    typer.echo(f"Rate of {member} in {where} from {effective} removed.")
