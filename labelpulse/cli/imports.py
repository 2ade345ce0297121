"""`labelpulse import FILE...`: NDJSON, JSON arrays or CSV of events and directory records."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn
from rich.table import Table

from labelpulse.cli.context import state
from labelpulse.connectors.mapping import parse_mapping
from labelpulse.errors import UsageError
from labelpulse.ingest import IngestSummary, import_file


def import_command(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Files to import (.ndjson, .json, .csv).")],
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
) -> None:
    """Import events and directory records; print what was stored, duplicate and rejected."""
    if rejects is not None and len(files) > 1:
        raise UsageError("--rejects takes one file at a time; omit it to write one beside each")
    mapping = parse_mapping(column_map) if column_map is not None else None
    store = state(ctx).store()
    console = Console(stderr=True)
    out = Console()
    failed = False
    for path in files:
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
            )
        out.print(_summary_table(path, summary))
        if summary.rejects_path:
            failed = True
            for err in summary.errors[:10]:
                console.print(f"  {err}", highlight=False)
            console.print(f"Rejected records and their reasons: {summary.rejects_path}")
    if failed:
        raise typer.Exit(1)


def _summary_table(path: Path, summary: IngestSummary) -> Table:
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
