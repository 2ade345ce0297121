"""Accounts: members who sign in, their passwords (Argon2 hashes only), roles and memberships."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type

from labelpulse.access import (
    add_member,
    add_membership,
    authenticate,
    find_by_email,
    passwords,
    remove_membership,
    set_password,
    set_role,
    viewer_for,
)
from labelpulse.access.accounts import has_password
from labelpulse.access.passwords import MIN_LENGTH, hash_password, verify_password
from labelpulse.errors import NotFoundError, UsageError
from labelpulse.events import ROLES
from labelpulse.metrics import Directory
from labelpulse.store import Store

PASSWORD = "correct horse battery"
PRODUCTION_HASHER = passwords.HASHER.hasher


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with tiny costs: the same code paths, without 0.3 s per hash on a busy machine."""
    cheap = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    monkeypatch.setattr(passwords, "HASHER", passwords.Argon2(cheap))


def test_production_hasher_is_argon2id_with_real_costs() -> None:
    assert PRODUCTION_HASHER.type is Type.ID
    # OWASP's floor for Argon2id: 19 MiB of memory, 2 passes.
    assert PRODUCTION_HASHER.memory_cost >= 19 * 1024
    assert PRODUCTION_HASHER.time_cost >= 2


def seed(store: Store) -> Store:
    """Two workspaces, two projects, and Anna with a password."""
    store.put("workspaces", {"id": "ws-vis", "name": "Vision"})
    store.put("workspaces", {"id": "ws-doc", "name": "Documents"})
    store.put("projects", {"id": "p-cars", "name": "Cars", "workspace": "ws-vis"})
    store.put("projects", {"id": "p-inv", "name": "Invoices", "workspace": "ws-doc"})
    add_member(
        store,
        "ann",
        name="Anna Annotator",
        email="Anna@Acme.test",
        role="annotator",
        password=PASSWORD,
    )
    return store


# ---------------------------------------------------------------- passwords


def test_only_an_argon2_hash_is_stored(store: Store) -> None:
    seed(store)
    rows = store.get("accounts", member="ann")
    assert len(rows) == 1
    stored = str(rows[0]["password_hash"])
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert all(PASSWORD not in str(value) for value in rows[0].values())
    # Salted: the same password hashes differently each time.
    assert hash_password(PASSWORD) != hash_password(PASSWORD)


def test_authenticate_right_password(store: Store) -> None:
    seed(store)
    viewer = authenticate(store, "Anna@Acme.test", PASSWORD)
    assert viewer is not None
    assert (viewer.id, viewer.role, viewer.name) == ("ann", "annotator", "Anna Annotator")


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("anna@acme.test", "wrong horse battery"),
        ("anna@acme.test", PASSWORD.upper()),
        ("anna@acme.test", ""),
        ("nobody@acme.test", PASSWORD),
        ("", PASSWORD),
    ],
)
def test_authenticate_wrong_password_or_unknown_email(
    store: Store, email: str, password: str
) -> None:
    seed(store)
    assert authenticate(store, email, password) is None


@pytest.mark.parametrize("email", ["anna@acme.test", "ANNA@ACME.TEST", "  aNNa@acme.Test "])
def test_email_is_case_insensitive(store: Store, email: str) -> None:
    seed(store)
    assert find_by_email(Directory.load(store), email) == "ann"
    viewer = authenticate(store, email, PASSWORD)
    assert viewer is not None and viewer.id == "ann"


def test_member_without_password_cannot_sign_in(store: Store) -> None:
    seed(store)
    add_member(store, "bob", name="Bob", email="bob@acme.test", role="reviewer")
    assert not has_password(store, "bob")
    assert authenticate(store, "bob@acme.test", "") is None
    assert authenticate(store, "bob@acme.test", PASSWORD) is None
    assert has_password(store, "ann")


def test_password_minimum_length(store: Store) -> None:
    seed(store)
    short = "x" * (MIN_LENGTH - 1)
    with pytest.raises(UsageError):
        set_password(store, "ann", short)
    with pytest.raises(UsageError):
        add_member(store, "bob", name="Bob", email="bob@acme.test", role="reviewer", password=short)
    assert store.get("members", id="bob") == []  # refused whole: no member without the password
    # The old password still works; exactly MIN_LENGTH characters is enough.
    assert authenticate(store, "anna@acme.test", PASSWORD) is not None
    set_password(store, "ann", "y" * MIN_LENGTH)
    assert authenticate(store, "anna@acme.test", "y" * MIN_LENGTH) is not None


def test_set_password_replaces_the_old_one(store: Store) -> None:
    seed(store)
    set_password(store, "ann", "a brand new secret")
    assert authenticate(store, "anna@acme.test", PASSWORD) is None
    assert authenticate(store, "anna@acme.test", "a brand new secret") is not None
    assert len(store.get("accounts", member="ann")) == 1


def test_set_password_of_unknown_member(store: Store) -> None:
    with pytest.raises(NotFoundError):
        set_password(store, "ghost", PASSWORD)
    assert store.get("accounts") == []


def test_verify_password_never_accepts_a_missing_or_broken_hash() -> None:
    assert not verify_password(None, "not a password of anyone's")
    assert not verify_password("not-a-hash", PASSWORD)
    assert verify_password(hash_password(PASSWORD), PASSWORD)


# ---------------------------------------------------------------- members and roles


@pytest.mark.parametrize(
    ("member_id", "name", "email", "role"),
    [
        ("bob", "Bob", "bob@acme.test", "boss"),
        ("bob", "Bob", "bob@acme.test", "Owner"),
        ("bob", "Bob", "not-an-email", "reviewer"),
        ("", "Bob", "bob@acme.test", "reviewer"),
        ("bob", "  ", "bob@acme.test", "reviewer"),
        ("bob", "Bob", "ANNA@acme.test", "reviewer"),  # Anna's email, in other case
    ],
)
def test_add_member_validation(
    store: Store, member_id: str, name: str, email: str, role: str
) -> None:
    seed(store)
    with pytest.raises(UsageError):
        add_member(store, member_id, name=name, email=email, role=role)
    assert set(Directory.load(store).members) == {"ann"}


def test_add_member_updates_the_same_member(store: Store) -> None:
    seed(store)
    add_member(store, "ann", name="Anna A.", email="anna@acme.test", role="reviewer")
    directory = Directory.load(store)
    assert directory.members["ann"]["name"] == "Anna A."
    assert viewer_for(directory, "ann").role == "reviewer"
    # Without a password, the old one is kept.
    assert authenticate(store, "anna@acme.test", PASSWORD) is not None


@pytest.mark.parametrize("role", ROLES)
def test_set_role(store: Store, role: str) -> None:
    seed(store)
    set_role(store, "ann", role)
    assert viewer_for(Directory.load(store), "ann").role == role
    viewer = authenticate(store, "anna@acme.test", PASSWORD)
    assert viewer is not None and viewer.role == role


@pytest.mark.parametrize("role", ["", "superuser", "OWNER", "admin "])
def test_set_role_refuses_unknown_roles(store: Store, role: str) -> None:
    seed(store)
    with pytest.raises(UsageError):
        set_role(store, "ann", role)
    assert viewer_for(Directory.load(store), "ann").role == "annotator"


def test_set_role_of_unknown_member(store: Store) -> None:
    with pytest.raises(NotFoundError):
        set_role(store, "ghost", "admin")


# ---------------------------------------------------------------- memberships


def test_memberships_add_and_remove(store: Store) -> None:
    seed(store)
    add_membership(store, "ann", "project", "p-cars")
    add_membership(store, "ann", "workspace", "ws-doc")
    add_membership(store, "ann", "project", "p-cars")  # twice: still one row
    assert len(store.get("memberships", member="ann")) == 2
    directory = Directory.load(store)
    assert directory.member_projects("ann") == {"p-cars", "p-inv"}
    assert directory.member_workspaces("ann") == {"ws-doc"}

    remove_membership(store, "ann", "workspace", "ws-doc")
    directory = Directory.load(store)
    assert directory.member_projects("ann") == {"p-cars"}
    assert directory.member_workspaces("ann") == set()
    with pytest.raises(NotFoundError):
        remove_membership(store, "ann", "workspace", "ws-doc")
    remove_membership(store, "ann", "project", "p-cars")
    assert Directory.load(store).member_projects("ann") == set()


@pytest.mark.parametrize(
    ("member", "kind", "target", "error"),
    [
        ("ghost", "project", "p-cars", NotFoundError),
        ("ann", "project", "p-nope", NotFoundError),
        ("ann", "workspace", "p-cars", NotFoundError),  # a project is not a workspace
        ("ann", "project", "ws-vis", NotFoundError),
        ("ann", "team", "p-cars", UsageError),
    ],
)
def test_add_membership_refuses(
    store: Store, member: str, kind: str, target: str, error: type[Exception]
) -> None:
    seed(store)
    with pytest.raises(error):
        add_membership(store, member, kind, target)
    assert store.get("memberships") == []


def test_remove_membership_of_unknown_kind(store: Store) -> None:
    seed(store)
    add_membership(store, "ann", "project", "p-cars")
    with pytest.raises(UsageError):
        remove_membership(store, "ann", "team", "p-cars")
    assert len(store.get("memberships", member="ann")) == 1
