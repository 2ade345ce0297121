"""`labelpulse token ...`: API tokens for scripts and connectors (Bearer header).

The library (access, stores) is imported when a command runs, not when the CLI starts.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.console import Console

from labelpulse.cli.context import state

app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)


@app.command("create")
def create(
    ctx: typer.Context,
    member: Annotated[str, typer.Option(help="The member the token acts as.")],
    scope: Annotated[str, typer.Option(help="read (reports) or ingest (POST events).")] = "read",
    name: Annotated[str, typer.Option(help="What the token is for.")] = "api",
) -> None:
    """Create a token; it is printed once and stored only as a hash."""
    from labelpulse import access

    token_id, token = access.create_token(state(ctx).store(), member, name=name, scope=scope)
    Console(stderr=True).print(
        f"Token {token_id} ({scope}) for {member}. Keep it now; it is not shown again:"
    )
    typer.echo(token)


@app.command("list")
def list_tokens(ctx: typer.Context) -> None:
    """Every token: id, member, name, scope, when made and when revoked."""
    from rich.table import Table

    from labelpulse import access

    table = Table("id", "member", "name", "scope", "created", "revoked")
    for row in access.list_tokens(state(ctx).store()):
        table.add_row(
            str(row["id"]), str(row["member"]), str(row["name"]), str(row["scope"]),
            _when(row["created_us"]), _when(row["revoked_us"]),
        )  # fmt: skip
    Console().print(table)


@app.command("revoke")
def revoke(
    ctx: typer.Context, token_id: Annotated[str, typer.Argument(help="The token's id.")]
) -> None:
    """Revoke a token: it stops working at once."""
    from labelpulse import access

    access.revoke_token(state(ctx).store(), token_id)
    typer.echo(f"Token {token_id} revoked.")


def _when(us: object) -> str:
    if not isinstance(us, int):
        return "–"
    return dt.datetime.fromtimestamp(us / 1e6, tz=dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
