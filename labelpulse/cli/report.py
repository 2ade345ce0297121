"""`labelpulse report ...`: every report of the registry as a table, JSON or CSV.

One command per registry entry, built at start-up: this module imports only the registry, and
each command imports what computes and renders when it runs, so `labelpulse --help` stays fast.
"""

from __future__ import annotations

import datetime as dt
import sys
from contextlib import nullcontext
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from labelpulse.metrics.registry import SPECS, ReportSpec

app = typer.Typer(
    help="Reports over a window of dates, in a time zone, within a scope.", no_args_is_help=True
)


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _today() -> str:
    return dt.date.today().isoformat()


def _month_ago() -> str:
    return (dt.date.today() - dt.timedelta(days=29)).isoformat()


From = Annotated[
    str,
    typer.Option(
        "--from",
        help="First date, YYYY-MM-DD (default 29 days ago).",
        default_factory=_month_ago,
        show_default=False,
    ),
]
To = Annotated[
    str,
    typer.Option(
        "--to",
        help="Last date, inclusive (default today).",
        default_factory=_today,
        show_default=False,
    ),
]
Tz = Annotated[
    str | None,
    typer.Option(
        "--tz",
        help="Time zone of the dates: an IANA name in any case, or a whole-hour offset such as "
        "+02:00 (default LABELPULSE_TZ or UTC).",
    ),
]
Projects = Annotated[
    list[str] | None, typer.Option("--project", help="Only this project (repeatable).")
]
Workspaces = Annotated[
    list[str] | None,
    typer.Option("--workspace", help="Only projects of this workspace (repeatable)."),
]
Members = Annotated[
    list[str] | None, typer.Option("--member", help="Only this member (repeatable).")
]
OneMember = Annotated[str, typer.Option("--member", help="The member (id).")]
Fmt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
Output = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
]


Sort = Annotated[
    str | None,
    typer.Option(
        "--sort",
        help=f"Sort by one of {', '.join(SPECS['items'].sort_keys)}; COLUMN:desc for "
        "descending (default: project name, then task).",
        metavar="COLUMN[:desc]",
    ),
]
Limit = Annotated[
    int | None, typer.Option("--limit", help="At most this many rows (default: every row).")
]
Offset = Annotated[int, typer.Option("--offset", help="Skip this many rows first.")]
Search = Annotated[
    str | None, typer.Option("--search", help="Only items whose task id holds this text.")
]


def _emit(
    ctx: typer.Context,
    name: str,
    fmt: Format,
    output: Path | None,
    paging: dict[str, Any] | None = None,
    **kwargs: Any,
) -> None:
    from rich.console import Console

    from labelpulse.cli.context import state
    from labelpulse.cli.render import render_report
    from labelpulse.exports import csv_chunks, json_chunks
    from labelpulse.metrics import report
    from labelpulse.metrics.paging import make_paging

    app_state = state(ctx)
    store = app_state.store()
    asked = make_paging(SPECS[name], **(paging or {}), stream=fmt is not Format.table)
    if fmt is Format.table:
        data = report(store, name, settings=app_state.settings, paging=asked, **kwargs)
        if output is not None:
            with output.open("w", encoding="utf-8") as fh:
                render_report(Console(file=fh, width=400), name, data)
        else:
            render_report(Console(width=None if sys.stdout.isatty() else 400), name, data)
        return
    # JSON and CSV are written as the rows are read: a paged report streams them, in a
    # process that is the export's alone (`Store.exporting`); the others are a few rows.
    with store.exporting() if SPECS[name].paged else nullcontext():
        data = report(store, name, settings=app_state.settings, paging=asked, **kwargs)
        chunks = json_chunks(data) if fmt is Format.json else csv_chunks(name, data)
        if output is not None:
            with output.open("w", encoding="utf-8") as fh:
                fh.writelines(chunks)
        else:
            for chunk in chunks:
                typer.echo(chunk, nl=False)


# PAY: `labelpulse pay report|lines` write their reports as the report commands do.
emit = _emit


def _member_command(spec: ReportSpec) -> None:
    name = spec.name

    def command(
        ctx: typer.Context,
        member: OneMember,
        start: From,
        end: To,
        tz: Tz = None,
        project: Projects = None,
        workspace: Workspaces = None,
        fmt: Fmt = Format.table,
        output: Output = None,
    ) -> None:
        _emit(
            ctx,
            name,
            fmt,
            output,
            member=member,
            start=start,
            end=end,
            tz=tz,
            projects=project,
            workspaces=workspace,
        )

    command.__doc__ = spec.help
    app.command(name.replace("_", "-"))(command)


def _table_command(spec: ReportSpec) -> None:
    name = spec.name

    def command(
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
        _emit(
            ctx,
            name,
            fmt,
            output,
            start=start,
            end=end,
            tz=tz,
            projects=project,
            workspaces=workspace,
            members=member,
        )

    command.__doc__ = spec.help
    app.command(name.replace("_", "-"))(command)


def _paged_command(spec: ReportSpec) -> None:
    name = spec.name

    def command(
        ctx: typer.Context,
        start: From,
        end: To,
        tz: Tz = None,
        project: Projects = None,
        workspace: Workspaces = None,
        member: Members = None,
        sort: Sort = None,
        limit: Limit = None,
        offset: Offset = 0,
        search: Search = None,
        fmt: Fmt = Format.table,
        output: Output = None,
    ) -> None:
        _emit(
            ctx,
            name,
            fmt,
            output,
            {"sort": sort, "limit": limit, "offset": offset, "search": search},
            start=start,
            end=end,
            tz=tz,
            projects=project,
            workspaces=workspace,
            members=member,
        )

    command.__doc__ = spec.help
    app.command(name.replace("_", "-"))(command)


for _spec in SPECS.values():
    if _spec.kind == "member":
        _member_command(_spec)
    elif _spec.paged:
        _paged_command(_spec)
    else:
        _table_command(_spec)


@app.command("explain")
def explain(
    name: Annotated[str, typer.Argument(help=f"A report: {', '.join(SPECS)}.", metavar="REPORT")],
) -> None:
    """What each figure of a report means (the dashboard's help texts, from metrics.md)."""
    from labelpulse.cli.explain import explain_report

    explain_report(name)
