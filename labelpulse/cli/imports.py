"""`labelpulse import [SOURCE] FILE...`: our own files, or another tool's exports.

Without SOURCE: NDJSON, JSON arrays or CSV of events and directory records (CSV with `--map`
for a spreadsheet's own columns). With SOURCE (`label-studio`, `segments`, `cvat`): that tool's
export, converted by its connector.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from labelpulse.cli.context import LeadTimeOption, state
from labelpulse.connectors.registry import CONNECTORS, ImportOptions, LeadTime
from labelpulse.errors import UsageError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from labelpulse.ingest import IngestSummary

# Each tool's SOURCE name and what its export is, as the argument's help lists them.
_SOURCES_HELP = ", ".join(f"{c.name} ({c.export})" for c in CONNECTORS.values())


def import_command(
    ctx: typer.Context,
    files: Annotated[
        list[str],
        typer.Argument(
            metavar="[SOURCE] FILE...",
            help=f"Files to import (.ndjson, .json, .csv); or a SOURCE first — {_SOURCES_HELP} "
            "— then that tool's export files.",
        ),
    ],
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects",
            help="Where to write rejected records with their reasons "
            "(default: FILE.rejects.ndjson beside each file).",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    column_map: Annotated[
        str | None,
        typer.Option(
            "--map",
            metavar="SPEC",
            help="CSV only: which column gives each event field, as FIELD=COLUMN items; "
            "FIELD=:VALUE is a constant, A+B joins two columns, COLUMN/1000 or COLUMN*60 "
            "converts a duration to seconds. Example: --map 'time=Submitted,"
            "actor=Annotator Email,task=Task ID,"
            "annotation=Task ID+Annotator Email,project=Project,type=:annotation.submitted,"
            "duration=Seconds Spent'. See docs/connectors/csv.md.",
        ),
    ] = None,
    project_name: Annotated[
        str | None,
        typer.Option(help="label-studio: the project's name (its export has only the id)."),
    ] = None,
    dataset: Annotated[
        str | None,
        typer.Option(help="segments: the dataset, owner/name, when the file does not say."),
    ] = None,
    users: Annotated[
        Path | None,
        typer.Option(
            help="label-studio: a saved GET /api/users/ answer, so members match by email."
        ),
    ] = None,
    lead_time: LeadTimeOption = LeadTime.auto,
) -> None:
    """Import events and directory records; print what was stored, duplicate and rejected."""
    source = files[0] if files and files[0] in CONNECTORS and not Path(files[0]).exists() else None
    paths = [Path(f) for f in (files[1:] if source else files)]
    if not paths:
        raise UsageError("name at least one file to import")
    if rejects is not None and len(paths) > 1:
        raise UsageError("--rejects takes one file at a time; omit it to write one beside each")
    if source is not None:
        if column_map is not None:
            raise UsageError(f"--map is for our own CSV files, not {source} exports")
        options = ImportOptions(
            project_name=project_name,
            dataset=dataset,
            users=users,
            lead_time=lead_time,
            rejects=rejects,
        )
        _import_from_tool(ctx, source, paths, options)
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    from labelpulse.access.owners import check_directory_records
    from labelpulse.ingest import import_file
    from labelpulse.ingest.mapping import parse_mapping

    mapping = parse_mapping(column_map) if column_map is not None else None
    store = state(ctx).store()
    console = Console(stderr=True)
    out = Console()
    failed = False
    for path in paths:
        size = path.stat().st_size if path.is_file() else 0
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=quiet,
            transient=True,
        ) as progress:
            task = progress.add_task(f"Importing {path.name}", total=size)
            summary = import_file(
                store,
                path,
                rejects_path=rejects,
                mapping=mapping,
                progress=lambda n, t=task: progress.advance(t, n),  # type: ignore[misc]
                status=lambda text, t=task: progress.update(t, description=text),  # type: ignore[misc]
                # The operator may write any member but must leave an owner who can sign in.
                check_directory=lambda records: check_directory_records(store, None, records),
            )
        out.print(_summary_table(path, summary))
        failed |= _report_rejects(console, summary)
    if failed:
        raise typer.Exit(1)


def _import_from_tool(
    ctx: typer.Context, source: str, paths: list[Path], options: ImportOptions
) -> None:
    """Another tool's exports, each read by its connector: the good records are stored, the bad
    ones written to a rejects file, and the command exits 1 when there were any, as with ours."""
    from rich.console import Console

    connector = CONNECTORS[source]
    store = state(ctx).store()
    console = Console(stderr=True)
    out = Console()
    failed = False
    for path in paths:
        with console.status(f"Importing {path.name} ({source})..."):
            summary = connector.import_file(store, path, options)
        out.print(_summary_table(path, summary))
        failed |= _report_rejects(console, summary)
    if failed:
        raise typer.Exit(1)


def _report_rejects(console: Console, summary: IngestSummary) -> bool:
    """The first rejected records' reasons and where all of them are; False when none were."""
    if not summary.rejects_path:
        return False
    for err in summary.errors[:10]:
        console.print(f"  {err}", highlight=False)
    console.print(f"Rejected records and their reasons: {summary.rejects_path}")
    return True


def _summary_table(path: Path, summary: IngestSummary) -> Table:
    from rich.table import Table

    table = Table(title=str(path), show_header=True)
    for name in ("stored", "duplicate", "conflicting", "rejected", "directory"):
        table.add_column(name, justify="right")
    table.add_row(
        f"{summary.stored:,}",
        f"{summary.duplicates:,}",
        f"{summary.conflicts:,}",
        f"{summary.rejected:,}",
        f"{summary.directory_stored:,} new/changed, {summary.directory_unchanged:,} same",
    )
    return table
