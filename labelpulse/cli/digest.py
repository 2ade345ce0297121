"""`labelpulse digest`: send the weekly digest now (or print it as JSON without sending)."""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from typing import Annotated

import typer

from labelpulse.cli.context import state


class DigestFormat(StrEnum):
    send = "send"
    json = "json"


def digest_command(
    ctx: typer.Context,
    week_ending: Annotated[
        str | None,
        typer.Option(
            "--week-ending",
            help="The last day of the week, YYYY-MM-DD (default yesterday in the organisation's "
            "time zone): the digest covers it and the six days before, compared with the seven "
            "before those.",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        DigestFormat,
        typer.Option(
            "--format",
            "-f",
            help="send: email each recipient and post the webhook, a line per recipient; "
            "json: print what would be sent, sending nothing.",
        ),
    ] = DigestFormat.send,
    members: Annotated[
        list[str] | None,
        typer.Option(
            "--member",
            help="Only this owner, admin or manager (repeatable); the webhook is then left out.",
        ),
    ] = None,
) -> None:
    """Send the weekly digest: each owner, admin and manager gets their scope's week (totals
    with the change against the week before, flags, forecasts at risk) by email (smtp_*
    settings) and/or one message goes to a webhook (digest_webhook_url, digest_webhook_as)."""
    from labelpulse.digest.send import preview, send_digest
    from labelpulse.digest.week import last_full_week, parse_week_ending

    app_state = state(ctx)
    settings = app_state.settings
    if week_ending is None:
        week = last_full_week(dt.datetime.now(dt.UTC), settings.timezone)
    else:
        week = parse_week_ending(week_ending)
    store = app_state.store()
    if fmt is DigestFormat.json:
        typer.echo(json.dumps(preview(store, settings, week, members), indent=2, default=str))
        return
    typer.echo(f"Weekly digest {week.span} ({settings.timezone})")
    outcomes = send_digest(
        store, settings, week, only=members, progress=lambda outcome: typer.echo(outcome.line)
    )
    failed = sum(outcome.failed for outcome in outcomes)
    sent = sum(not outcome.failed and outcome.skipped is None for outcome in outcomes)
    typer.echo(f"{sent} sent, {failed} failed.")
    if failed:
        raise typer.Exit(1)
