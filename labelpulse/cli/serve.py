"""`labelpulse serve`: the dashboard and JSON API over the database, with uvicorn.

The web app, uvicorn and the stores are imported when the command runs, not when the CLI starts.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from labelpulse.cli.context import state
from labelpulse.errors import UsageError

if TYPE_CHECKING:
    import socket

    import uvicorn

    from labelpulse.cli.channel import Channel
    from labelpulse.config import Settings
    from labelpulse.web.background import Job


def serve_command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    label_studio_url: Annotated[
        str | None,
        typer.Option(
            envvar="LABEL_STUDIO_URL",
            help="A Label Studio server to sync from while serving (heals missed webhooks).",
        ),
    ] = None,
    label_studio_token: Annotated[
        str | None, typer.Option(envvar="LABEL_STUDIO_TOKEN", help="Its access token.")
    ] = None,
    sync_every: Annotated[
        float, typer.Option(min=1, help="Minutes between two syncs of that server.")
    ] = 15,
    behind_proxy: Annotated[
        bool | None,
        typer.Option(
            "--behind-proxy/--no-behind-proxy",
            show_default=False,
            help="Behind a reverse proxy: trust its X-Forwarded-Proto and X-Forwarded-For, so "
            "that https there makes the session cookie Secure (default: LABELPULSE_BEHIND_PROXY, "
            "else no).",
        ),
    ] = None,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(
            help="With --behind-proxy: the proxy addresses whose X-Forwarded-* headers count "
            "(comma-separated; '*' for any)."
        ),
    ] = "127.0.0.1",
) -> None:
    """Serve the dashboard, the JSON API (/api/, docs at /docs) and the exports."""
    import uvicorn

    from labelpulse.cli.channel import serving_channel
    from labelpulse.cli.handed import run_here
    from labelpulse.connectors.labelstudio import Applier
    from labelpulse.store.base import redacted
    from labelpulse.web.app import create_app
    from labelpulse.web.background import label_studio_sync

    log_to_stderr()
    app_state = state(ctx)
    jobs = []
    label_studio = None
    if label_studio_url:
        if not label_studio_token:
            raise UsageError(
                "--label-studio-url needs --label-studio-token (or LABEL_STUDIO_TOKEN)"
            )
        # Webhook deliveries and the periodic sync write through one applier: they take turns.
        label_studio = Applier(app_state.store())
        jobs.append(
            label_studio_sync(label_studio_url, label_studio_token, sync_every, label_studio)
        )
    jobs += digest_jobs(app_state.settings)  # DIGEST
    app = create_app(app_state.store(), app_state.settings, jobs=jobs, label_studio=label_studio)

    Console(stderr=True).print(
        f"labelpulse serving {redacted(app_state.settings.db)} "
        f"at [bold]http://{host}:{port}/[/bold] "
        f"(API docs: http://{host}:{port}/docs). Ctrl+C stops it."
    )
    if label_studio_url:
        Console(stderr=True).print(
            f"Syncing {label_studio_url} now and every {sync_every:g} minutes."
        )
    # Forwarded headers count only behind a proxy we were told about; otherwise any client
    # could claim https or another address.
    proxied = app_state.settings.behind_proxy if behind_proxy is None else behind_proxy
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=proxied,
        forwarded_allow_ips=forwarded_allow_ips if proxied else None,
    )
    # After uvicorn's logging is set up: the channel routes a command's output by thread, and
    # the log handlers keep the process's own streams.
    # A `sync label-studio` sent over the channel takes turns with the webhooks (one applier).
    run = partial(run_here, app_state.store(), app_state.settings, app.state.label_studio)
    with serving_channel(app_state.settings, run, app.state.priority) as channel:
        if channel is not None:
            Console(stderr=True).print(
                f"labelpulse commands on this database run through the server meanwhile "
                f"({channel.path}).",
                highlight=False,
            )
        _server(config, channel).run()


def digest_jobs(settings: Settings) -> list[Job]:
    """DIGEST: the weekly digest's job when `digest_schedule` is set (checked now: a bad
    schedule or delivery setting stops `serve` before it starts, not on the day)."""
    if not settings.digest_schedule:
        return []
    from labelpulse.digest.deliver import check_delivery
    from labelpulse.digest.schedule import EVERY, FIRST, parse_schedule, scheduled_digest
    from labelpulse.web.background import Job

    check_delivery(settings)
    if not settings.smtp_host and not settings.digest_webhook_url:
        raise UsageError("digest_schedule is set but neither smtp_host nor digest_webhook_url")
    words = parse_schedule(settings.digest_schedule, settings.timezone).words
    Console(stderr=True).print(f"Sending the weekly digest {words}.", highlight=False)
    return [Job("weekly digest", EVERY, scheduled_digest(settings), first=FIRST)]


def log_to_stderr() -> None:
    """labelpulse's own log from INFO up on stderr, each line with its time: each periodic
    sync's line, the webhook warm-up, failures. uvicorn's own stays at warnings."""
    logger = logging.getLogger("labelpulse")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def _server(config: uvicorn.Config, channel: Channel | None) -> uvicorn.Server:
    """uvicorn's server, removing the channel as it shuts down: after a SIGTERM uvicorn raises
    the signal again once it has stopped, and the process ends there, before any `finally`."""
    import uvicorn

    class Server(uvicorn.Server):
        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            if channel is not None:
                channel.stop()
            await super().shutdown(sockets)

    return Server(config)
