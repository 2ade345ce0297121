"""Accounts: members who can sign in, their roles and memberships, and password checks."""

from __future__ import annotations

import time

from labelpulse.access.passwords import hash_password, verify_password
from labelpulse.access.policy import Viewer, viewer_for
from labelpulse.errors import NotFoundError, UsageError
from labelpulse.events import ROLES
from labelpulse.metrics.directory import Directory
from labelpulse.store.base import Store

MEMBERSHIP_KINDS = ("workspace", "project")


def now_us() -> int:
    return time.time_ns() // 1000


def find_by_email(directory: Directory, email: str) -> str | None:
    """The member id with this email, compared without regard to case."""
    wanted = email.strip().casefold()
    for member_id, row in directory.members.items():
        if row["email"] and str(row["email"]).casefold() == wanted:
            return member_id
    return None


def add_member(
    store: Store,
    member_id: str,
    *,
    name: str,
    email: str,
    role: str,
    password: str | None = None,
) -> None:
    """Add (or update) a directory member, and give them a password when one is given."""
    _check_role(role)
    if not member_id.strip() or not name.strip():
        raise UsageError("a member needs a non-empty id and name")
    if "@" not in email:
        raise UsageError(f"not an email address: {email!r}")
    other = find_by_email(Directory.load(store), email)
    if other is not None and other != member_id:
        raise UsageError(f"the email {email!r} already belongs to member {other!r}")
    password_hash = hash_password(password) if password is not None else None
    store.put("members", {"id": member_id, "name": name, "email": email, "role": role})
    if password_hash is not None:
        store.put(
            "accounts",
            {"member": member_id, "password_hash": password_hash, "updated_us": now_us()},
        )


def set_password(store: Store, member_id: str, password: str) -> None:
    known_member(store, member_id)
    store.put(
        "accounts",
        {"member": member_id, "password_hash": hash_password(password), "updated_us": now_us()},
    )


def set_role(store: Store, member_id: str, role: str) -> None:
    _check_role(role)
    row = known_member(store, member_id)
    store.put("members", {**row, "role": role})


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
    """The viewer these credentials sign in as, or None (unknown email or wrong password)."""
    directory = Directory.load(store)
    member_id = find_by_email(directory, email)
    accounts = store.get("accounts", member=member_id) if member_id else []
    stored = str(accounts[0]["password_hash"]) if accounts else None
    if not verify_password(stored, password) or member_id is None:
        return None
    return viewer_for(directory, member_id)


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
