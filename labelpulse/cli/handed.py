"""A command sent over the channel (`labelpulse.cli.channel`), run by the server on its store.

The command's contexts are made as the CLI's parsing would have made them, with the parameters
the client parsed (`labelpulse.cli.beside`), and the command invoked; its output goes to
sys.stdout and sys.stderr, which the channel routes back to the client.
"""

from __future__ import annotations

import base64
import pickle
import sys
from functools import cache
from typing import TYPE_CHECKING, Any

import typer

from labelpulse.cli.beside import forwardable

if TYPE_CHECKING:
    from labelpulse.config import Settings
    from labelpulse.connectors.labelstudio import Applier
    from labelpulse.store import Store


@cache
def _root() -> Any:
    from labelpulse.cli import app

    return typer.main.get_command(app)


def run_here(
    store: Store, settings: Settings, label_studio: Applier, command: list[str], params: str
) -> int:
    """Run a command sent over the channel on this process's store; its exit code. Its output
    goes to sys.stdout and sys.stderr, which the channel routes to the client."""
    from labelpulse.cli import exit_code
    from labelpulse.cli.context import AppState

    leaf = _root()
    state = AppState(db=settings.db, _store=store, borrowed=True, label_studio=label_studio)
    ctx = typer.Context(leaf, info_name="labelpulse", obj=state)
    for name in command:
        sub = leaf.get_command(ctx, name) if hasattr(leaf, "get_command") else None
        if sub is None:
            sys.stderr.write(f"Error: no command `labelpulse {' '.join(command)}`\n")
            return 2
        ctx = typer.Context(sub, info_name=name, parent=ctx)
        leaf = sub
    try:
        ctx.params = pickle.loads(base64.b64decode(params))
        if not forwardable(command, ctx.params):
            sys.stderr.write(f"Error: `labelpulse {' '.join(command)}` cannot run here\n")
            return 1
        with ctx:
            leaf.invoke(ctx)
    except BaseException as exc:  # every failure is an exit code and a message, as in main()
        return exit_code(exc)
    return 0
