"""Sign-in sessions kept by the server, so that they can end.

The browser's cookie holds a random session id (256 bits); the `sessions` table holds its
SHA-256 (a copied database gives nobody a working cookie), the member, the role they signed in
with, and when it expires. A session is good only while its row exists, has not expired, its
member is still in the directory, not disabled, with the same role, and has not had their
password set since. So signing out (the row goes), a password reset, a role change (through any
route: page, CLI, API) and disabling a member end it, on every device, at the next request.
"""

from __future__ import annotations

import hashlib
import secrets
import time

from labelpulse.access.owners import disabled_members
from labelpulse.access.policy import Viewer, viewer_for
from labelpulse.store.base import Store
from labelpulse.store.cache import remembered
from labelpulse.store.directory import Directory

SESSION_DAYS = 14
_DAY_US = 86_400 * 1_000_000


def _now_us() -> int:
    return time.time_ns() // 1000


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_session(store: Store, viewer: Viewer) -> str:
    """A new session of `viewer`: its id, for the cookie (never stored as such)."""
    now = _now_us()
    for row in store.get("sessions", member=viewer.id):
        if int(row["expires_us"]) <= now:  # tidy up this member's old ones on the way
            store.remove("sessions", id=row["id"])
    session_id = secrets.token_urlsafe(32)
    store.put(
        "sessions",
        {
            "id": _digest(session_id),
            "member": viewer.id,
            "role": viewer.role,
            "created_us": now,
            "expires_us": now + SESSION_DAYS * _DAY_US,
        },
    )
    return session_id


def session_viewer(store: Store, session_id: str) -> Viewer | None:
    """The member a session id is signed in as, or None when the session has ended."""
    digest = _digest(session_id)
    viewer, expires_us = remembered(store, "session:" + digest, lambda: _look_up(store, digest))
    return viewer if viewer is not None and _now_us() < expires_us else None


def _look_up(store: Store, digest: str) -> tuple[Viewer | None, int]:
    rows = store.get("sessions", id=digest)
    if not rows:
        return None, 0
    row = rows[0]
    member = str(row["member"])
    directory = Directory.load(store)
    known = directory.members.get(member)
    if known is None or known["role"] != row["role"] or member in disabled_members(store):
        return None, 0
    accounts = store.get("accounts", member=member)
    if not accounts or int(accounts[0]["updated_us"]) >= int(row["created_us"]):
        return None, 0  # no password any more, or a new one since this sign-in
    return viewer_for(directory, member), int(row["expires_us"])


def end_session(store: Store, session_id: str) -> None:
    store.remove("sessions", id=_digest(session_id))


def end_sessions(store: Store, member: str) -> int:
    """End every session of a member, on every device; how many there were."""
    return store.remove("sessions", member=member)
