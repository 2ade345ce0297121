"""What every command shares: the database it works on, opened on first use; common options.

The stores (DuckDB, Ibis, pyarrow, the drivers) are imported when a command opens one, not when
the CLI starts: `labelpulse --help` should not pay for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

import typer

from labelpulse.config import Settings, load_settings
from labelpulse.connectors.registry import LeadTime

if TYPE_CHECKING:
    from labelpulse.connectors.labelstudio import Applier
    from labelpulse.store import Store


@dataclass
class AppState:
    db: str | None = None
    _store: Store | None = field(default=None, repr=False)
    borrowed: bool = False
    label_studio: Applier | None = field(default=None, repr=False)
    """The running server's applier of Label Studio's data (a command it runs for the CLI):
    a `sync label-studio` then takes turns with the server's webhooks and periodic sync."""
    command: typer.Context | None = field(default=None, repr=False)
    """The context of the command running (`state` records it): what a running server is
    asked to run when it holds the database."""
    """The store is a running server's (a command sent over its channel): never closed here."""

    @property
    def settings(self) -> Settings:
        return load_settings(self.db)

    def store(self) -> Store:
        if self._store is None:
            from labelpulse.errors import StoreError
            from labelpulse.store import connect

            db = self.settings.db
            try:
                self._store = connect(db)
            except StoreError as exc:
                # Another process holds the DuckDB file: hand the command to the server
                # beside it, or say who holds it and what to do.
                from labelpulse.cli.beside import held

                raise held(db, exc, self.command) from exc
        return self._store

    def close(self) -> None:
        """Close the database when the command ends (DuckDB lets one process hold a file)."""
        if self._store is not None and not self.borrowed:
            self._store.close()
            self._store = None


def state(ctx: typer.Context) -> AppState:
    root = ctx.find_root()
    if not isinstance(root.obj, AppState):
        root.obj = AppState()
    root.obj.command = ctx
    return root.obj


# The Label Studio server of `sync label-studio` and `hook label-studio`.
LabelStudioUrl = Annotated[
    str,
    typer.Option(envvar="LABEL_STUDIO_URL", help="The Label Studio server, e.g. http://host:8080"),
]

# How Label Studio's `lead_time` is read, for `import label-studio` and `sync label-studio`.
LeadTimeOption = Annotated[
    LeadTime,
    typer.Option(
        help="How Label Studio's lead_time is read: per session (servers before April 2022), "
        "cumulative (since), or auto (decided per annotation from its versions)."
    ),
]
