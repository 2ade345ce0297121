"""`labelpulse hook TOOL ...`: have a labeling tool send its changes to this server as they
happen (webhooks). A missed delivery is healed by the next `labelpulse sync`."""

from __future__ import annotations

from typing import Annotated

import typer

from labelpulse.cli.context import LabelStudioUrl, state

app = typer.Typer(
    help="Register webhooks so a labeling tool sends changes to this server as they happen.",
    no_args_is_help=True,
)


@app.command("label-studio")
def label_studio(
    ctx: typer.Context,
    url: LabelStudioUrl,
    token: Annotated[
        str,
        typer.Option(
            envvar="LABEL_STUDIO_TOKEN",
            help="An access token of a user who may manage the projects' webhooks.",
        ),
    ],
    public_url: Annotated[
        str,
        typer.Option(
            help="This labelpulse server as Label Studio reaches it, e.g. http://labelpulse:8000"
        ),
    ],
    project: Annotated[
        list[int] | None,
        typer.Option("--project", help="A project id (repeatable; default: every project)."),
    ] = None,
) -> None:
    """One webhook per project, every action, with a secret header; idempotent."""
    from rich.console import Console
    from rich.table import Table

    from labelpulse.connectors.labelstudio import HOOK_PATH, register_webhooks

    done = register_webhooks(
        state(ctx).store(), url=url, token=token, public_url=public_url, projects=project or []
    )
    table = Table("project", "title", "webhook", "status", title=f"Label Studio · {url}")
    for item in done:
        table.add_row(str(item.project), item.title, str(item.webhook), item.status)
    Console().print(table)
    Console(stderr=True).print(
        f"Label Studio will POST to {public_url.rstrip('/')}{HOOK_PATH}. Serve this database "
        "there (labelpulse serve); when Label Studio runs on the same host, it needs "
        "SSRF_PROTECTION_ENABLED=false to call a private address.",
        highlight=False,
    )
