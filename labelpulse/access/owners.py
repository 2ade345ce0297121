"""The owner role, guarded in this one place for every write path.

Pages, the CLI, `POST /api/members`, `POST /api/events` (records with `kind`) and the other
directory POSTs all describe what they are about to do to members as `Change`s and ask
`check_changes` first. The rules:

- only an owner may grant the owner role, take it away, or touch an owner at all: an owner's
  record (name, email, role), password, tokens, sessions, disabling, enabling or removing;
- nobody but an owner may give a member an owner's email (sign-in is by email: taking it would
  lock the owner out);
- the organisation keeps at least one owner who can sign in: a change (or a whole batch) that
  would leave none is refused whole, whoever asks; the CLI (the operator) is held to this rule
  and to no other;
- pay rates (`kind: rate` records) are written by owners and admins only: a batch holding one
  from anyone else is refused whole, naming the record (`check_rates`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from labelpulse.access.policy import Viewer
from labelpulse.errors import ForbiddenError
from labelpulse.events import DirectoryRecord, Member, Rate
from labelpulse.store.base import Store
from labelpulse.store.cache import remembered
from labelpulse.store.directory import Directory

OWNER = "owner"
# Who may write pay rates (RATES, issue 16): the roles that manage members.
RATE_WRITERS = frozenset({"owner", "admin"})
LAST_OWNER = "the last owner stays owner: make someone else owner first"
# What a change does to a member; `record` is a whole directory record (name, email, role).
ACTIONS = ("record", "role", "password", "tokens", "sessions", "disable", "enable", "remove")


class LastOwnerError(ForbiddenError):
    """The change would leave the organisation without an owner who can sign in."""


@dataclass(frozen=True)
class Change:
    """One change to one member, as a write path is about to make it."""

    member: str
    action: str
    role: str | None = None  # the role it gives (record, role)
    name: str | None = None  # record only
    email: str | None = None  # record only
    position: int | None = None  # the record's place in a batch, to name it in the error

    def details(self) -> list[dict[str, Any]]:
        where: dict[str, Any] = {"id": self.member, "field": self.action}
        if self.position is not None:
            where = {"position": self.position, **where}
        return [where]


def disabled_members(store: Store) -> set[str]:
    """The members who may not sign in nor use their tokens, read once per write."""
    found = remembered(
        store,
        "disabled_members",
        lambda: frozenset(str(row["member"]) for row in store.get("disabled_members")),
    )
    return set(found)


def active_owners(directory: Directory, disabled: set[str]) -> set[str]:
    return {m for m, row in directory.members.items() if row["role"] == OWNER} - disabled


def check_changes(
    viewer: Viewer | None, directory: Directory, disabled: set[str], changes: Sequence[Change]
) -> None:
    """ForbiddenError naming the first change `viewer` may not make (None: the operator, who
    may make any); LastOwnerError when all of them together would leave no owner."""
    roles = {m: str(row["role"]) for m, row in directory.members.items()}
    off = set(disabled)
    had_owner = bool(active_owners(directory, disabled))
    owner_emails = {
        str(row["email"]).casefold(): m
        for m, row in directory.members.items()
        if row["role"] == OWNER and row["email"]
    }
    for change in changes:
        if viewer is not None and viewer.role != OWNER:
            _check_not_owner_business(change, roles.get(change.member), directory, owner_emails)
        if change.action in ("record", "role") and change.role is not None:
            roles[change.member] = change.role
        elif change.action == "remove":
            roles.pop(change.member, None)
        elif change.action == "disable":
            off.add(change.member)
        elif change.action == "enable":
            off.discard(change.member)
    if had_owner and not {m for m, r in roles.items() if r == OWNER} - off:
        last = changes[-1] if changes else None
        raise LastOwnerError(LAST_OWNER, details=last.details() if last else [])


def _check_not_owner_business(
    change: Change, role: str | None, directory: Directory, owner_emails: dict[str, str]
) -> None:
    """What a member who is not an owner may not do (an admin, in practice)."""
    if change.role == OWNER and (role != OWNER or change.action == "role"):
        raise ForbiddenError("only an owner may grant the owner role", details=change.details())
    if role == OWNER and not _same_record(change, directory):
        raise ForbiddenError(
            f"only an owner may change an owner ({change.action} of {change.member!r})",
            details=change.details(),
        )
    taken = owner_emails.get((change.email or "").casefold())
    if change.email and taken is not None and taken != change.member:
        raise ForbiddenError(
            f"the email {change.email!r} belongs to an owner", details=change.details()
        )


def _same_record(change: Change, directory: Directory) -> bool:
    """A directory record that changes nothing (a sync re-sending the owner's row) is no change."""
    row = directory.members.get(change.member)
    return (
        change.action == "record"
        and row is not None
        and change.role == row["role"]
        and change.name == row["name"]
        and (change.email or None) == (row["email"] or None)
    )


# ---------------------------------------------------------------- batches of records


def member_changes(records: Iterable[Any]) -> list[Change]:
    """The member records of a batch as changes: decoded records (dicts) or NDJSON lines.

    Only records that are member records in the eyes of the validator count; anything else is
    an event, another directory record, or a record validation will reject (and then nothing
    of the batch is stored). A line is decoded only when it could be one: `member` spelt out,
    or a backslash (an escape could spell it).
    """
    changes = []
    for position, record in enumerate(records, start=1):
        if isinstance(record, str):
            if "member" not in record and "\\" not in record:
                continue
            try:
                record = json.loads(record)
            except ValueError:
                continue
        if not isinstance(record, dict) or record.get("kind") != "member":
            continue
        member = record.get("id")
        if not isinstance(member, str):
            continue
        role, name, email = record.get("role"), record.get("name"), record.get("email")
        changes.append(
            Change(
                member,
                "record",
                role=role if isinstance(role, str) else None,
                name=name if isinstance(name, str) else None,
                email=email if isinstance(email, str) else None,
                position=position,
            )
        )
    return changes


def rate_records(records: Iterable[Any]) -> list[tuple[int, str | None]]:
    """(position, member) of each rate record of a batch: decoded records or NDJSON lines,
    read as `member_changes` reads them (a line is decoded only when it could be one)."""
    found = []
    for position, record in enumerate(records, start=1):
        if isinstance(record, str):
            if "rate" not in record and "\\" not in record:
                continue
            try:
                record = json.loads(record)
            except ValueError:
                continue
        if isinstance(record, dict) and record.get("kind") == "rate":
            member = record.get("member")
            found.append((position, member if isinstance(member, str) else None))
    return found


def check_rates(viewer: Viewer | None, rates: Sequence[tuple[int, str | None]]) -> None:
    """ForbiddenError naming the first rate record (position, member) when `viewer` may not
    write pay rates: only owners and admins may (None: the operator, who may)."""
    if viewer is None or viewer.role in RATE_WRITERS or not rates:
        return
    position, member = rates[0]
    whose = f" (the rate of {member!r})" if member is not None else ""
    raise ForbiddenError(
        f"record {position}{whose}: only owners and admins may write pay rates",
        details=[{"position": position, "id": member, "field": "kind", "value": "rate"}],
    )


def check_batch(store: Store, viewer: Viewer | None, records: Sequence[Any]) -> None:
    """Refuse (403, naming the record) a batch whose member or rate records `viewer` may not
    write."""
    check_rates(viewer, rate_records(records))
    changes = member_changes(records)
    if changes:
        check_changes(viewer, Directory.load(store), disabled_members(store), changes)


def check_directory_records(
    store: Store, viewer: Viewer | None, records: Sequence[tuple[int, DirectoryRecord]]
) -> None:
    """`check_batch` for validated directory records (position, record): a file import's."""
    check_rates(viewer, [(p, r.member) for p, r in records if isinstance(r, Rate)])
    changes = [
        Change(r.id, "record", role=r.role, name=r.name, email=r.email, position=position)
        for position, r in records
        if isinstance(r, Member)
    ]
    if changes:
        check_changes(viewer, Directory.load(store), disabled_members(store), changes)


def check_change(store: Store, viewer: Viewer | None, change: Change) -> None:
    """`check_changes` for one change against what the store holds now."""
    check_changes(viewer, Directory.load(store), disabled_members(store), [change])
