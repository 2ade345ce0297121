"""Who is asking: a signed session cookie (pages) or a Bearer API token; CSRF on every form.

The session cookie is signed with a secret kept in the database (so every server process on
one database shares it, and a restart signs nobody out). It holds a random session id and a
CSRF token; every form carries that token back and every POST from a form checks it. The session
itself lives in the database (`labelpulse.access.sessions`), checked on every request: signing
out, a password reset, a role change or disabling the member ends it, so a copied cookie stops
working too.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

from labelpulse.access import Viewer, check_token
from labelpulse.access.sessions import SESSION_DAYS as SESSION_DAYS  # the cookie's max-age too
from labelpulse.access.sessions import end_session, session_viewer, start_session
from labelpulse.errors import ForbiddenError, UnauthorizedError
from labelpulse.store.base import Store

SESSION_COOKIE = "labelpulse_session"


def session_secret(store: Store) -> str:
    """The cookie-signing secret of this database, made on first use."""
    rows = store.get("secrets", name="session")
    if rows:
        return str(rows[0]["value"])
    store.put("secrets", {"name": "session", "value": secrets.token_urlsafe(48)})
    return str(store.get("secrets", name="session")[0]["value"])


def csrf_token(request: Request) -> str:
    """This session's CSRF token, made on first use; every form embeds it."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get("csrf")
    if (
        not isinstance(expected, str)
        or not submitted
        or not hmac.compare_digest(expected, submitted)
    ):
        raise ForbiddenError("the form is stale or did not come from this site: reload and retry")


def sign_in(request: Request, viewer: Viewer) -> None:
    """A new session (a new id, so none chosen before sign-in survives it); any old one ends."""
    sign_out(request)
    request.session["sid"] = start_session(_store(request), viewer)
    request.session["csrf"] = secrets.token_urlsafe(24)


def sign_out(request: Request) -> None:
    """End the session on the server too: a copy of the cookie is worth nothing after this."""
    session_id = request.session.get("sid")
    if isinstance(session_id, str):
        end_session(_store(request), session_id)
    request.session.clear()


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def optional_viewer(request: Request) -> Viewer | None:
    """The session's member, or None: a session that has ended (signed out, password or role
    changed, member disabled or removed) signs the browser out."""
    cached = getattr(request.state, "viewer", None)
    if isinstance(cached, Viewer):
        return cached
    session_id = request.session.get("sid")
    if not isinstance(session_id, str):
        return None
    viewer = session_viewer(_store(request), session_id)
    if viewer is None:
        request.session.clear()
        return None
    request.state.viewer = viewer
    return viewer


def page_viewer(request: Request) -> Viewer:
    """A signed-in member for a page; otherwise the error handler redirects to /login."""
    viewer = optional_viewer(request)
    if viewer is None:
        raise UnauthorizedError("sign in first")
    return viewer


def read_viewer(request: Request) -> Viewer:
    """Who reads through the API: a `read` token, or a signed-in browser session."""
    token = _bearer(request)
    if token is not None:
        found = check_token(_store(request), token)
        if found is None:
            raise UnauthorizedError("the API token is unknown or revoked")
        viewer, scope = found
        if scope != "read":
            raise ForbiddenError("this token may only ingest; reading needs a token of scope read")
        request.state.viewer = viewer
        return viewer
    signed_in = optional_viewer(request)
    if signed_in is None:
        raise UnauthorizedError("sign in, or send an API token as 'Authorization: Bearer <token>'")
    return signed_in


def ingest_viewer(request: Request) -> Viewer:
    """Who writes through the API: an `ingest` token of an owner or admin, nothing else."""
    token = _bearer(request)
    if token is None:
        raise UnauthorizedError("ingest needs an API token: 'Authorization: Bearer <token>'")
    found = check_token(_store(request), token)
    if found is None:
        raise UnauthorizedError("the API token is unknown or revoked")
    viewer, scope = found
    if scope != "ingest":
        raise ForbiddenError("this token may only read; ingest needs a token of scope ingest")
    if not viewer.may_manage_members:
        raise ForbiddenError("only an owner's or admin's token may ingest")
    request.state.viewer = viewer
    return viewer
