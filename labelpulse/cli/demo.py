"""`labelpulse demo`: load a realistic synthetic organisation into the database.

The library below (stores, metrics, access) is imported when the command runs, not when the CLI
starts.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from labelpulse import demo
from labelpulse.cli.context import state
from labelpulse.errors import UsageError

if TYPE_CHECKING:
    from labelpulse.config import Settings
    from labelpulse.store import Store


def demo_command(
    ctx: typer.Context,
    members: Annotated[int, typer.Option(min=6, help="Members in the organisation.")] = 24,
    days: Annotated[int, typer.Option(min=1, max=3650, help="Days of work, ending today.")] = 30,
    events: Annotated[int, typer.Option(min=1, help="Events to generate.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed, the same data.")] = 7,
    logins: Annotated[
        bool,
        typer.Option(help=f"Give one member per role the password {demo.DEMO_PASSWORD!r}."),
    ] = True,
    show_logins: Annotated[
        bool,
        typer.Option(
            "--show-logins", help="Only print the demo sign-ins of a database already loaded."
        ),
    ] = False,
) -> None:
    """Generate a demo organisation (all five roles, reviews, fixes, comments) and import it."""
    from labelpulse.cli.imports import import_command
    from labelpulse.store.base import redacted

    console = Console(stderr=True)
    app_state = state(ctx)
    if show_logins:
        _logins(app_state.store())
        return
    held = app_state.store().rows("SELECT count(*) AS n FROM events")[0]["n"]
    if held:
        # Another day's demo reuses the same event ids with other times: every one would conflict.
        raise UsageError(
            f"{redacted(app_state.settings.db)} already holds {held:,} events; "
            "load the demo into a new database with --db"
        )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo.ndjson"
        with console.status(f"Generating {events:,} events for {members} members..."):
            demo.write_ndjson(path, members=members, days=days, events=events, seed=seed)
        import_command(ctx, [str(path)], rejects=None, quiet=False)
    _plan_projects(app_state.store(), app_state.settings)  # FC: task counts and deadlines
    from labelpulse.cli.pay_demo import add_demo_pay  # PAY: rates, a closed period, a late event

    add_demo_pay(app_state.store(), days, app_state.settings.timezone)
    console.print(f"Demo organisation loaded into {redacted(app_state.settings.db)}.")
    if logins:
        _logins(app_state.store())


def _plan_projects(store: Store, settings: Settings) -> None:
    """FC (issue 16): the demo's projects get task counts and deadlines, one at risk."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from labelpulse.cli.demo_plans import plan_projects

    plan_projects(store, settings, dt.datetime.now(ZoneInfo(settings.timezone)).date())


def _logins(store: Store) -> None:
    """Give each demo sign-in the demo password and print them, one per role."""
    from rich.table import Table

    from labelpulse.access import set_password
    from labelpulse.metrics import Directory

    directory = Directory.load(store)
    missing = [m for m in demo.DEMO_LOGINS if m not in directory.members]
    if missing:
        raise UsageError(f"this database has no demo members ({', '.join(missing)})")
    table = Table("role", "email", "password", title="Demo sign-ins")
    for member in demo.DEMO_LOGINS:
        set_password(store, member, demo.DEMO_PASSWORD)
        row = directory.members[member]
        table.add_row(str(row["role"]), str(row["email"]), demo.DEMO_PASSWORD)
    Console().print(table)
