"""`labelpulse demo`: load a realistic synthetic organisation into the database."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from labelpulse import demo
from labelpulse.cli.context import state
from labelpulse.cli.imports import import_command
from labelpulse.errors import UsageError


def demo_command(
    ctx: typer.Context,
    members: Annotated[int, typer.Option(min=6, help="Members in the organisation.")] = 24,
    days: Annotated[int, typer.Option(min=1, max=3650, help="Days of work, ending today.")] = 30,
    events: Annotated[int, typer.Option(min=1, help="Events to generate.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed, the same data.")] = 7,
) -> None:
    """Generate a demo organisation (all five roles, reviews, fixes, comments) and import it."""
    console = Console(stderr=True)
    app_state = state(ctx)
    held = app_state.store().rows("SELECT count(*) AS n FROM events")[0]["n"]
    if held:
        # Another day's demo reuses the same event ids with other times: every one would conflict.
        raise UsageError(
            f"{app_state.settings.db} already holds {held:,} events; "
            "load the demo into a new database with --db"
        )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo.ndjson"
        with console.status(f"Generating {events:,} events for {members} members..."):
            demo.write_ndjson(path, members=members, days=days, events=events, seed=seed)
        import_command(ctx, [path], rejects=None, quiet=False)
    console.print(f"Demo organisation loaded into {app_state.settings.db}.")
