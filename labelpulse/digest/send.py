"""One digest run: each owner, admin and manager's email, then the webhook's one message.

Every recipient's outcome is reported in words as it happens (`progress`); a failure (their
digest could not be computed, the SMTP server refused, the webhook answered 500 or not at all)
is theirs alone and the run goes on to the next.

The webhook gets ONE message, of the scope of the member `digest_webhook_as` names: a chat
channel is read by whoever is in it, so it must never carry a wider scope than the person the
organisation chose for it (README "Weekly digest"; docs/decisions.md, "Weekly digest").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from labelpulse.access.policy import Viewer
from labelpulse.config import Settings
from labelpulse.digest import render
from labelpulse.digest.content import Digest, digest_for, recipients, viewer_named
from labelpulse.digest.deliver import TIMEOUT, check_delivery, message, post_webhook, send_email
from labelpulse.digest.week import Week
from labelpulse.errors import LabelpulseError, UsageError
from labelpulse.metrics import Directory
from labelpulse.store.base import Store


@dataclass(frozen=True)
class Outcome:
    """One delivery: to whom, how, and what went wrong (None: sent; `skipped`: not tried)."""

    to: str
    channel: str
    error: str | None = None
    skipped: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None

    @property
    def line(self) -> str:
        if self.skipped is not None:
            return f"{self.to}: {self.channel} skipped, {self.skipped}"
        if self.error is not None:
            return f"{self.to}: {self.channel} FAILED: {self.error}"
        return f"{self.to}: {self.channel} sent"


def _who(viewer: Viewer) -> str:
    return f"{viewer.name} ({viewer.role}, {viewer.id})"


def _compute(
    store: Store, viewer: Viewer, week: Week, settings: Settings, directory: Directory
) -> tuple[Digest | None, str | None]:
    """The digest, or why it could not be computed (in words)."""
    try:
        return digest_for(store, viewer, week, settings, directory), None
    except LabelpulseError as exc:
        return None, f"could not compute the digest: {exc}"
    except Exception as exc:  # one recipient's failure must not stop the others
        return None, f"could not compute the digest: {type(exc).__name__}: {exc}"


def _payload(
    store: Store, viewer: Viewer, week: Week, settings: Settings, directory: Directory
) -> dict[str, Any]:
    digest, error = _compute(store, viewer, week, settings, directory)
    return render.payload(digest) if digest else {"recipient": viewer.id, "error": error}


def chosen(directory: Directory, only: list[str] | None) -> list[Viewer]:
    """The recipients: every owner, admin and manager, or those of them `only` names."""
    everyone = recipients(directory)
    if not only:
        return everyone
    wanted = [viewer_named(directory, m) for m in only]
    for viewer in wanted:
        if viewer.id not in {v.id for v in everyone}:
            raise UsageError(
                f"{viewer.id!r} has the role {viewer.role}: the digest goes to owners, admins "
                "and managers"
            )
    return wanted


def preview(
    store: Store, settings: Settings, week: Week, only: list[str] | None = None
) -> dict[str, Any]:
    """What a run would send, as JSON: each recipient's payload and the webhook's (or null)."""
    directory = Directory.load(store)
    digests = []
    for viewer in chosen(directory, only):
        digest, error = _compute(store, viewer, week, settings, directory)
        digests.append(
            render.payload(digest) if digest else {"recipient": viewer.id, "error": error}
        )
    hook = None
    if settings.digest_webhook_url and settings.digest_webhook_as and not only:
        viewer = viewer_named(directory, settings.digest_webhook_as)
        hook = _payload(store, viewer, week, settings, directory)
    return {"week": {"start": week.start.isoformat(), "end": week.end.isoformat()},
            "digests": digests, "webhook": hook}  # fmt: skip


def send_digest(
    store: Store,
    settings: Settings,
    week: Week,
    *,
    only: list[str] | None = None,
    progress: Callable[[Outcome], None] = lambda outcome: None,
    timeout: float = TIMEOUT,
) -> list[Outcome]:
    """Send `week`'s digest: by email to each recipient (when `smtp_host` is set), then the
    webhook's one message (when `digest_webhook_url` is set and `only` names nobody)."""
    check_delivery(settings)
    if not settings.smtp_host and not settings.digest_webhook_url:
        raise UsageError(
            "the digest has nowhere to go: set smtp_host (email) and/or digest_webhook_url "
            "(README, Weekly digest), or see it with --format json"
        )
    directory = Directory.load(store)
    outcomes: list[Outcome] = []

    def report(outcome: Outcome) -> None:
        outcomes.append(outcome)
        progress(outcome)

    if settings.smtp_host:
        for viewer in chosen(directory, only):
            to = _who(viewer)
            if not viewer.email:
                report(Outcome(to, "email", skipped="no email address in the directory"))
                continue
            to = f"{viewer.email} ({viewer.name}, {viewer.role})"
            digest, error = _compute(store, viewer, week, settings, directory)
            if digest is not None:
                msg = message(
                    settings,
                    viewer.email,
                    render.subject(digest),
                    render.text(digest),
                    render.html_body(digest),
                )
                error = send_email(settings, msg, timeout)
            report(Outcome(to, "email", error))
    if settings.digest_webhook_url and not only:
        viewer = viewer_named(directory, settings.digest_webhook_as)
        to = f"webhook (scope of {_who(viewer)})"
        digest, error = _compute(store, viewer, week, settings, directory)
        if digest is not None:
            error = post_webhook(settings.digest_webhook_url, render.payload(digest), timeout)
        report(Outcome(to, "webhook", error))
    return outcomes
