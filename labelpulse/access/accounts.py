"""Accounts: members who can sign in, their roles and memberships, and password checks.

Every change takes `by`, the viewer making it (None: the operator at the CLI), and goes past
the owner guard (`labelpulse.access.owners`) first. Changing a password or a role, disabling
or removing a member ends their sessions.
"""

from __future__ import annotations

import time

from labelpulse.access.owners import Change, check_change, check_changes, disabled_members
from labelpulse.access.passwords import hash_password, verify_password
from labelpulse.access.policy import Viewer, viewer_for
from labelpulse.access.sessions import end_sessions
from labelpulse.errors import NotFoundError, UsageError
from labelpulse.events import ROLES
from labelpulse.store.base import Store
from labelpulse.store.directory import Directory, find_by_email

MEMBERSHIP_KINDS = ("workspace", "project")


def now_us() -> int:
    return time.time_ns() // 1000


def add_member(
    store: Store,
    member_id: str,
    *,
    name: str,
    email: str,
    role: str,
    password: str | None = None,
    by: Viewer | None = None,
) -> None:
    """Add (or update) a directory member, and give them a password when one is given."""
    _check_role(role)
    if not member_id.strip() or not name.strip():
        raise UsageError("a member needs a non-empty id and name")
    if "@" not in email:
        raise UsageError(f"not an email address: {email!r}")
    directory = Directory.load(store)
    other = find_by_email(directory, email)
    if other is not None and other != member_id:
        raise UsageError(f"the email {email!r} already belongs to member {other!r}")
    changes = [Change(member_id, "record", role=role, name=name, email=email)]
    if password is not None:
        changes.append(Change(member_id, "password"))
    check_changes(by, directory, disabled_members(store), changes)
    password_hash = hash_password(password) if password is not None else None
    before = directory.members.get(member_id)
    store.put("members", {"id": member_id, "name": name, "email": email, "role": role})
    if password_hash is not None:
        store.put(
            "accounts",
            {"member": member_id, "password_hash": password_hash, "updated_us": now_us()},
        )
        end_sessions(store, member_id)
    elif before is not None and before["role"] != role:
        end_sessions(store, member_id)


def set_password(store: Store, member_id: str, password: str, *, by: Viewer | None = None) -> None:
    """Set (or reset) a member's password: every session of theirs ends."""
    known_member(store, member_id)
    check_change(store, by, Change(member_id, "password"))
    store.put(
        "accounts",
        {"member": member_id, "password_hash": hash_password(password), "updated_us": now_us()},
    )
    end_sessions(store, member_id)


def set_role(store: Store, member_id: str, role: str, *, by: Viewer | None = None) -> None:
    """Change a member's role: every session of theirs ends (they sign in again as it)."""
    _check_role(role)
    row = known_member(store, member_id)
    check_change(store, by, Change(member_id, "role", role=role))
    if row["role"] != role:
        store.put("members", {**row, "role": role})
        end_sessions(store, member_id)


def add_membership(store: Store, member_id: str, kind: str, target: str) -> None:
    known_member(store, member_id)
    _check_kind(kind)
    directory = Directory.load(store)
    targets = directory.workspaces if kind == "workspace" else directory.projects
    if target not in targets:
        raise NotFoundError(f"no {kind} {target!r}")
    store.put("memberships", {"member": member_id, "target_kind": kind, "target": target})


def remove_membership(store: Store, member_id: str, kind: str, target: str) -> None:
    _check_kind(kind)
    if not store.remove("memberships", member=member_id, target_kind=kind, target=target):
        raise NotFoundError(f"{member_id!r} is not a member of {kind} {target!r}")


def authenticate(store: Store, email: str, password: str) -> Viewer | None:
    """The viewer these credentials sign in as, or None (unknown email, wrong password, or a
    disabled member: checked after the password, so the answer takes as long either way)."""
    directory = Directory.load(store)
    member_id = find_by_email(directory, email)
    accounts = store.get("accounts", member=member_id) if member_id else []
    stored = str(accounts[0]["password_hash"]) if accounts else None
    if not verify_password(stored, password) or member_id is None:
        return None
    if member_id in disabled_members(store):
        return None
    return viewer_for(directory, member_id)


def is_disabled(store: Store, member_id: str) -> bool:
    return member_id in disabled_members(store)


def disable_member(store: Store, member_id: str, *, by: Viewer | None = None) -> bool:
    """Stop a member signing in and using their tokens; their sessions end, their work stays
    in every report. False when they were disabled already."""
    known_member(store, member_id)
    _not_yourself(by, member_id, "disable")
    check_change(store, by, Change(member_id, "disable"))
    if is_disabled(store, member_id):
        return False
    store.put("disabled_members", {"member": member_id, "disabled_us": now_us()})
    end_sessions(store, member_id)
    return True


def enable_member(store: Store, member_id: str, *, by: Viewer | None = None) -> bool:
    """Let a disabled member sign in (and their tokens work) again; False if they were not."""
    known_member(store, member_id)
    check_change(store, by, Change(member_id, "enable"))
    return store.remove("disabled_members", member=member_id) > 0


def remove_member(store: Store, member_id: str, *, by: Viewer | None = None) -> None:
    """Take a member out: their directory record, memberships, password, tokens and sessions
    go. Their events stay (history), shown under their id; the tools' aliases of them stay
    too, so a later sync files new work under the same id instead of making a new member."""
    known_member(store, member_id)
    _not_yourself(by, member_id, "remove")
    check_change(store, by, Change(member_id, "remove"))
    for table in ("sessions", "tokens", "accounts", "memberships", "disabled_members"):
        store.remove(table, member=member_id)
    store.remove("members", id=member_id)


def _not_yourself(by: Viewer | None, member_id: str, what: str) -> None:
    # Locking oneself out from a page is always a slip; the operator (CLI) may do it.
    if by is not None and by.id == member_id:
        raise UsageError(f"you cannot {what} yourself: ask another owner or admin")


def has_password(store: Store, member_id: str) -> bool:
    return bool(store.get("accounts", member=member_id))


def known_member(store: Store, member_id: str) -> dict[str, object]:
    rows = store.get("members", id=member_id)
    if not rows:
        raise NotFoundError(f"no member {member_id!r} in the directory")
    return rows[0]


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UsageError(f"role must be one of {', '.join(ROLES)}, got {role!r}")


def _check_kind(kind: str) -> None:
    if kind not in MEMBERSHIP_KINDS:
        raise UsageError(f"a membership is of a workspace or a project, got {kind!r}")
