"""The `labelpulse` command: a thin layer over the library. Errors never show a traceback."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from labelpulse import __version__
from labelpulse.cli import (
    check,
    copy,
    demo,
    hook,
    imports,
    members,
    pay,  # PAY
    report,
    serve,
    sync,
    tokens,
)
from labelpulse.cli.context import AppState
from labelpulse.errors import LabelpulseError, UsageError

app = typer.Typer(
    name="labelpulse",
    help="Analytics for data-labeling teams: who did how much work, how fast, and how well.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)
app.add_typer(report.app, name="report")
app.command("import")(imports.import_command)
app.command("demo")(demo.demo_command)
app.command("serve")(serve.serve_command)
app.command("copy")(copy.copy_command)
app.command("check")(check.check_command)
app.add_typer(members.app, name="members")
app.add_typer(tokens.app, name="token")
app.add_typer(sync.app, name="sync")
app.add_typer(hook.app, name="hook")
app.add_typer(pay.app, name="pay")  # PAY


def _version(value: bool) -> None:
    if value:
        typer.echo(f"labelpulse {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="LABELPULSE_DB",
            help="Database: a DuckDB file path (default ./labelpulse.duckdb), "
            "postgresql://..., clickhouse://... or chdb://PATH.",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Analytics for data-labeling teams."""
    ctx.obj = AppState(db=db)
    ctx.call_on_close(ctx.obj.close)


def main() -> None:
    """Entry point: run the app, turning every error into a message and an exit code."""
    try:
        app()
    except SystemExit:
        raise
    except BaseException as exc:
        from labelpulse.cli.beside import Forward

        if isinstance(exc, Forward):  # a running server holds the database: it runs the command
            sys.exit(exc.run())
        if not isinstance(exc, Exception):
            raise
        sys.exit(exit_code(exc))


def exit_code(exc: BaseException) -> int:
    """A failed command's exit code, its message printed on stderr: here, and for a command a
    running server runs for the CLI (`labelpulse.cli.beside`), whose stderr goes back to it."""
    err = Console(stderr=True)
    if isinstance(exc, SystemExit):
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    if isinstance(exc, typer.Exit):
        return exc.exit_code
    if isinstance(exc, typer.Abort):
        err.print("Aborted!", highlight=False)
        return 1
    if isinstance(exc, typer.TyperException):
        err.print(f"[red]Error:[/red] {exc.format_message()}", highlight=False)
        return exc.exit_code
    if isinstance(exc, UsageError):
        err.print(f"[red]Error:[/red] {exc}", highlight=False)
        return 2
    if isinstance(exc, LabelpulseError):
        err.print(f"[red]Error:[/red] {exc}", highlight=False)
        for detail in exc.details[:20]:
            err.print(f"  {detail.get('message', detail)}", highlight=False)
        return 1
    if isinstance(exc, KeyboardInterrupt):
        raise exc
    # The last line of defence: a message, never a traceback.
    err.print(f"[red]Internal error:[/red] {type(exc).__name__}: {exc}", highlight=False)
    return 1
