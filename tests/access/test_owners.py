"""The owner guard (labelpulse.access.owners) and the library calls that go through it: only an
owner touches owners or grants the role; nobody leaves the organisation without an owner; the
operator (by=None, the CLI) may do anything else. Disable, enable and remove members."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from labelpulse.access import (
    LastOwnerError,
    Viewer,
    add_member,
    authenticate,
    check_batch,
    check_token,
    create_token,
    disable_member,
    enable_member,
    remove_member,
    revoke_token,
    set_password,
    set_role,
)
from labelpulse.access.owners import Change, check_changes, member_changes
from labelpulse.connectors.people import People
from labelpulse.errors import ForbiddenError, NotFoundError, UsageError
from labelpulse.ingest import ingest_records
from labelpulse.metrics import Directory
from labelpulse.store import Store

PASSWORD = "correct horse battery"
OWNER = Viewer("own", "Olive Owner", "owner")
ADMIN = Viewer("adm", "Adam Admin", "admin")


def seed(store: Store) -> Store:
    add_member(store, "own", name="Olive Owner", email="olive@acme.test", role="owner",
               password=PASSWORD)  # fmt: skip
    add_member(store, "adm", name="Adam Admin", email="adam@acme.test", role="admin",
               password=PASSWORD)  # fmt: skip
    add_member(store, "ann", name="Anna Annotator", email="anna@acme.test", role="annotator",
               password=PASSWORD)  # fmt: skip
    return store


def role(store: Store, member: str) -> str:
    return str(Directory.load(store).members[member]["role"])


def test_an_admin_touches_no_owner_through_the_library(store: Store) -> None:
    seed(store)
    _, owners_token = create_token(store, "own", name="ci", scope="read")
    token_id = owners_token.split("_")[1]
    attempts: list[Callable[[], object]] = [
        lambda: set_role(store, "own", "admin", by=ADMIN),
        lambda: set_role(store, "ann", "owner", by=ADMIN),
        lambda: set_password(store, "own", "taken over now", by=ADMIN),
        lambda: disable_member(store, "own", by=ADMIN),
        lambda: enable_member(store, "own", by=ADMIN),
        lambda: remove_member(store, "own", by=ADMIN),
        lambda: create_token(store, "own", name="x", scope="ingest", by=ADMIN),
        lambda: revoke_token(store, token_id, by=ADMIN),
        lambda: add_member(store, "new", name="N", email="n@acme.test", role="owner", by=ADMIN),
        lambda: add_member(store, "own", name="Renamed", email="olive@acme.test", role="owner",
                           by=ADMIN),
    ]  # fmt: skip
    for attempt in attempts:
        with pytest.raises(ForbiddenError) as raised:
            attempt()
        assert not isinstance(raised.value, LastOwnerError)
    assert role(store, "own") == "owner" and role(store, "ann") == "annotator"
    assert authenticate(store, "olive@acme.test", PASSWORD) is not None
    assert check_token(store, owners_token) is not None
    assert "new" not in Directory.load(store).members


def test_an_owner_may_and_the_last_owner_stays(store: Store) -> None:
    seed(store)
    for by in (OWNER, None):  # an owner, and the operator at the CLI
        with pytest.raises(LastOwnerError):
            set_role(store, "own", "admin", by=by)
        with pytest.raises(LastOwnerError):
            remove_member(store, "own")
        with pytest.raises(LastOwnerError):
            disable_member(store, "own")
    assert role(store, "own") == "owner"
    set_role(store, "adm", "owner", by=OWNER)
    disable_member(store, "own")  # the operator may: adm is an owner who can sign in
    # Now adm is the only owner who can sign in: they stay one.
    with pytest.raises(LastOwnerError):
        set_role(store, "adm", "manager")
    enable_member(store, "own")
    set_role(store, "adm", "manager", by=OWNER)
    assert role(store, "adm") == "manager"


def test_nobody_disables_or_removes_themselves_but_the_operator_may_others(store: Store) -> None:
    seed(store)
    for action in (disable_member, remove_member):
        with pytest.raises(UsageError, match="yourself"):
            action(store, "adm", by=ADMIN)
    assert disable_member(store, "adm") is True
    assert disable_member(store, "adm") is False
    assert authenticate(store, "adam@acme.test", PASSWORD) is None
    assert enable_member(store, "adm", by=OWNER) is True
    assert enable_member(store, "adm") is False
    assert authenticate(store, "adam@acme.test", PASSWORD) is not None
    with pytest.raises(NotFoundError):
        disable_member(store, "ghost")


def test_remove_takes_the_account_tokens_and_memberships_but_not_the_events(store: Store) -> None:
    seed(store)
    store.put("projects", {"id": "p1", "name": "P", "workspace": None})
    store.put("memberships", {"member": "ann", "target_kind": "project", "target": "p1"})
    _, token = create_token(store, "ann", name="ci", scope="read")
    ingest_records(store, [{"id": "e1", "type": "annotation.submitted",
                            "time": "2026-03-02T09:00:00Z", "actor": "ann", "project": "p1",
                            "task": "t1", "annotation": "a1"}])  # fmt: skip
    remove_member(store, "ann", by=ADMIN)
    assert "ann" not in Directory.load(store).members
    assert store.get("accounts", member="ann") == store.get("tokens", member="ann") == []
    assert store.get("memberships", member="ann") == []
    assert check_token(store, token) is None
    assert store.rows("SELECT count(*) AS n FROM events WHERE actor = 'ann'")[0]["n"] == 1


def test_member_changes_reads_what_the_validator_reads() -> None:
    lines = [
        '{"id": "e1", "type": "annotation.submitted", "actor": "member-7"}',  # an event
        '{"kind": "member", "id": "a", "name": "A", "role": "owner"}',
        '{"kind": "\\u006dember", "id": "b", "name": "B", "role": "owner"}',
        "not json, member",
        '{"kind": "workspace", "id": "member"}',
    ]
    changes = member_changes(lines)
    assert [(c.member, c.role, c.position) for c in changes] == [("a", "owner", 2),
                                                                 ("b", "owner", 3)]  # fmt: skip
    decoded = [{"kind": "member", "id": "c", "name": "C", "role": "admin", "email": "c@x"}]
    assert member_changes(decoded) == [Change("c", "record", "admin", "C", "c@x", 1)]


def test_a_batch_is_checked_against_the_stored_directory(store: Store) -> None:
    seed(store)
    demote = [{"kind": "member", "id": "own", "name": "Olive Owner",
               "email": "olive@acme.test", "role": "admin"}]  # fmt: skip
    with pytest.raises(LastOwnerError) as raised:
        check_batch(store, OWNER, demote)
    assert raised.value.details == [{"position": 1, "id": "own", "field": "record"}]
    with pytest.raises(ForbiddenError):
        check_batch(store, ADMIN, demote)
    same = [{**demote[0], "role": "owner"}]
    check_batch(store, ADMIN, same)  # re-sending the owner's record unchanged is no change
    check_batch(store, ADMIN, [{"kind": "workspace", "id": "w", "name": "W"}])


def test_no_owner_before_means_no_owner_needed(store: Store) -> None:
    """A directory still without owners (an import of annotators first) is not refused."""
    directory = Directory()
    check_changes(None, directory, set(), [Change("a", "record", role="annotator")])


def test_a_tools_user_never_becomes_or_changes_an_owner(store: Store) -> None:
    """Connectors and webhooks resolve users by email; a new one is an annotator, and one with an
    owner's email is that owner, unchanged: no record is made for them."""
    seed(store)
    people = People(store, "label-studio")
    assert people.resolve(7, email="OLIVE@acme.test", name="Someone Else") == "own"
    assert people.resolve(8, email="new@acme.test", name="New") == "new@acme.test"
    assert [r["role"] for r in people.new_members] == ["annotator"]
    check_batch(store, None, people.new_members)
    assert role(store, "own") == "owner"
