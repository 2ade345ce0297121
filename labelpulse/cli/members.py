"""`labelpulse members ...`: add members, set passwords and roles, manage memberships, disable,
enable and remove members. The CLI is the operator's: it may do anything but leave the
organisation without an owner. The library (access, stores, metrics) is imported when a command
runs, not when the CLI starts."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from labelpulse.cli.context import state
from labelpulse.errors import UsageError

app = typer.Typer(
    help="Members who can sign in: accounts, roles and memberships.", no_args_is_help=True
)

Password = Annotated[
    str | None,
    typer.Option(
        "--password",
        envvar="LABELPULSE_PASSWORD",
        help="The password (else asked for, hidden). LABELPULSE_PASSWORD works too.",
    ),
]


def _password(ctx: typer.Context, given: str | None) -> str:
    if given is None:
        given = str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
        # Asked here, on this terminal: a running server that runs the command for us
        # (`labelpulse.cli.beside`) is sent the password, not asked again.
        ctx.params["password"] = given
    return given


@app.command("add")
def add(
    ctx: typer.Context,
    member: Annotated[str, typer.Argument(help="The member's id (as events name them).")],
    name: Annotated[str, typer.Option(help="Full name.")],
    email: Annotated[str, typer.Option(help="Email, used to sign in.")],
    role: Annotated[str, typer.Option(help="owner, admin, manager, reviewer or annotator.")],
    password: Password = None,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="Add to the directory without a sign-in.")
    ] = False,
) -> None:
    """Add a member (or update one) and give them a password to sign in with."""
    from labelpulse import access

    secret = None if no_password else _password(ctx, password)
    access.add_member(
        state(ctx).store(), member, name=name, email=email, role=role, password=secret
    )
    typer.echo(f"Member {member} ({role}) saved{'' if no_password else ' with a password'}.")


@app.command("set-password")
def set_password(
    ctx: typer.Context,
    member: Annotated[str, typer.Argument(help="The member's id.")],
    password: Password = None,
) -> None:
    """Set (or reset) a member's password."""
    from labelpulse import access

    secret = _password(ctx, password)
    access.set_password(state(ctx).store(), member, secret)
    typer.echo(f"Password of {member} set.")


@app.command("set-role")
def set_role(
    ctx: typer.Context,
    member: Annotated[str, typer.Argument(help="The member's id.")],
    role: Annotated[str, typer.Argument(help="owner, admin, manager, reviewer or annotator.")],
) -> None:
    """Change a member's role."""
    from labelpulse import access

    access.set_role(state(ctx).store(), member, role)
    typer.echo(f"{member} is now {role}.")


@app.command("disable")
def disable(
    ctx: typer.Context, member: Annotated[str, typer.Argument(help="The member's id.")]
) -> None:
    """Stop a member signing in: their sessions end, their tokens stop; their work stays."""
    from labelpulse import access

    changed = access.disable_member(state(ctx).store(), member)
    typer.echo(f"{member} is disabled." if changed else f"{member} was disabled already.")


@app.command("enable")
def enable(
    ctx: typer.Context, member: Annotated[str, typer.Argument(help="The member's id.")]
) -> None:
    """Let a disabled member sign in (and their tokens work) again."""
    from labelpulse import access

    changed = access.enable_member(state(ctx).store(), member)
    typer.echo(f"{member} is enabled." if changed else f"{member} was not disabled.")


@app.command("remove")
def remove(
    ctx: typer.Context,
    member: Annotated[str, typer.Argument(help="The member's id.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove a member: directory record, memberships, password, tokens and sessions go; their
    events stay and show under their id."""
    from labelpulse import access

    if not yes:
        typer.confirm(f"Remove {member}, their sign-in and tokens?", abort=True)
    access.remove_member(state(ctx).store(), member)
    typer.echo(f"{member} is removed; their past work stays under {member}.")


@app.command("join")
def join(
    ctx: typer.Context,
    member: Annotated[str, typer.Argument(help="The member's id.")],
    workspace: Annotated[str | None, typer.Option(help="A workspace id.")] = None,
    project: Annotated[str | None, typer.Option(help="A project id.")] = None,
) -> None:
    """Make a member part of a workspace or a project."""
    from labelpulse import access

    kind, target = _target(workspace, project)
    access.add_membership(state(ctx).store(), member, kind, target)
    typer.echo(f"{member} is a member of {kind} {target}.")


@app.command("leave")
def leave(
    ctx: typer.Context,
    member: Annotated[str, typer.Argument(help="The member's id.")],
    workspace: Annotated[str | None, typer.Option(help="A workspace id.")] = None,
    project: Annotated[str | None, typer.Option(help="A project id.")] = None,
) -> None:
    """Take a member out of a workspace or a project."""
    from labelpulse import access

    kind, target = _target(workspace, project)
    access.remove_membership(state(ctx).store(), member, kind, target)
    typer.echo(f"{member} is no longer a member of {kind} {target}.")


@app.command("list")
def list_members(ctx: typer.Context) -> None:
    """Every member with role, email and whether they can sign in."""
    from rich.table import Table

    from labelpulse.access.accounts import has_password
    from labelpulse.access.owners import disabled_members
    from labelpulse.metrics import Directory

    store = state(ctx).store()
    directory = Directory.load(store)
    table = Table("id", "name", "email", "role", "sign-in", "memberships")
    disabled = disabled_members(store)
    for member_id, row in sorted(directory.members.items()):
        held = sorted(f"{k}:{t}" for k, t in directory.memberships.get(member_id, set()))
        table.add_row(
            member_id,
            str(row["name"]),
            str(row["email"] or "–"),
            str(row["role"]),
            _sign_in(member_id in disabled, has_password(store, member_id)),
            ", ".join(held) or "–",
        )
    Console().print(table)


def _sign_in(disabled: bool, password: bool) -> str:
    return "disabled" if disabled else "yes" if password else "no"


def _target(workspace: str | None, project: str | None) -> tuple[str, str]:
    if (workspace is None) == (project is None):
        raise UsageError("give exactly one of --workspace or --project")
    return ("workspace", workspace) if workspace is not None else ("project", str(project))
