"""`labelpulse serve`: the dashboard and JSON API over the database, with uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from labelpulse.cli.context import state


def serve_command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Serve the dashboard, the JSON API (/api/, docs at /docs) and the exports."""
    import uvicorn

    from labelpulse.web.app import create_app

    app_state = state(ctx)
    app = create_app(app_state.store(), app_state.settings)

    Console(stderr=True).print(
        f"labelpulse serving {app_state.settings.db} at [bold]http://{host}:{port}/[/bold] "
        f"(API docs: http://{host}:{port}/docs). Ctrl+C stops it."
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")
