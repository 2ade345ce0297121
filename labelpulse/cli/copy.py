"""`labelpulse copy --from URL --to URL`: a whole database onto another backend.

The copy and the stores are imported when the command runs, not when the CLI starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from rich.progress import TaskID

    from labelpulse.store import Store


def copy_command(
    source: Annotated[
        str, typer.Option("--from", help="The database to copy: a DuckDB path or a URL.")
    ],
    target: Annotated[
        str,
        typer.Option("--to", help="Where to: a DuckDB path, postgresql://..., clickhouse://..."),
    ],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Copy events, directory, accounts and tokens; the target rebuilds its own state."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
    from rich.table import Table

    from labelpulse.copy import copy_store, count_events
    from labelpulse.store.base import redacted

    src = _open(source)
    try:
        dst = _open(target)
        try:
            bars: dict[str, TaskID] = {}
            with Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                disable=quiet,
                transient=True,
            ) as progress:

                def advance(what: str, done: int, total: int) -> None:
                    if what not in bars:
                        bars[what] = progress.add_task(f"Copying {what}", total=total)
                    progress.update(bars[what], completed=done, total=total)

                def status(text: str) -> None:
                    progress.add_task(text, total=None)  # a bar that pulses until done

                summary = copy_store(src, dst, progress=advance, status=status)
            held = count_events(dst)
        finally:
            dst.close()
    finally:
        src.close()
    table = Table(title=f"{redacted(source)} → {redacted(target)}")
    table.add_column("what")
    table.add_column("copied", justify="right")
    table.add_row("events read", f"{summary.events_read:,}")
    table.add_row("events stored", f"{summary.events_stored:,}")
    table.add_row("already there", f"{summary.events_already_there:,}")
    for name, count in summary.rows.items():
        table.add_row(name, f"{count:,}")
    table.add_row("events now in the target", f"{held:,}")
    Console().print(table)
    if summary.conflicts:
        Console(stderr=True).print(
            f"[red]{summary.conflicts:,} event(s) conflict with different events already in "
            "the target under the same id; the target kept its own.[/red]"
        )
        raise typer.Exit(1)


def _open(url: str) -> Store:
    """The store at url; when a running server holds that DuckDB file, a message saying so and
    what to do (a copy cannot run through the server: it opens two databases)."""
    from labelpulse.cli.beside import held
    from labelpulse.errors import StoreError
    from labelpulse.store import connect

    try:
        return connect(url)
    except StoreError as exc:
        raise held(url, exc, None, "copy") from exc
