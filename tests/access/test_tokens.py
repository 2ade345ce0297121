"""API tokens: `lp_<id>_<secret>`, only a hash stored, scope read or ingest, revocable."""

from __future__ import annotations

import hashlib
import re

import pytest

from labelpulse.access import (
    TOKEN_SCOPES,
    add_member,
    check_token,
    create_token,
    list_tokens,
    revoke_token,
    set_role,
)
from labelpulse.errors import NotFoundError, UsageError
from labelpulse.store import Store

TOKEN = re.compile(r"lp_(?P<id>[0-9a-f]+)_(?P<secret>[A-Za-z0-9_-]{40,})")


def seed(store: Store) -> Store:
    add_member(store, "own", name="Olive Owner", email="olive@acme.test", role="owner")
    add_member(store, "ann", name="Anna Annotator", email="anna@acme.test", role="annotator")
    return store


def parts(token: str) -> tuple[str, str]:
    found = TOKEN.fullmatch(token)
    assert found, token
    return found["id"], found["secret"]


@pytest.mark.parametrize("scope", TOKEN_SCOPES)
def test_create_returns_the_whole_token_once(store: Store, scope: str) -> None:
    seed(store)
    token_id, token = create_token(store, "own", name="ci", scope=scope)
    found_id, secret = parts(token)
    assert found_id == token_id
    (row,) = store.get("tokens", id=token_id)
    assert (row["member"], row["name"], row["scope"], row["revoked_us"]) == (
        "own",
        "ci",
        scope,
        None,
    )
    # Only a hash of the secret is stored, never the secret or the token.
    assert row["secret_hash"] != secret
    assert row["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert all(secret not in str(value) for value in row.values())


def test_tokens_are_unique(store: Store) -> None:
    seed(store)
    made = [create_token(store, "own", name=f"t{i}", scope="read") for i in range(5)]
    assert len({token_id for token_id, _ in made}) == 5
    assert len({parts(token)[1] for _, token in made}) == 5


@pytest.mark.parametrize("scope", TOKEN_SCOPES)
def test_check_token_ok(store: Store, scope: str) -> None:
    seed(store)
    _, token = create_token(store, "ann", name="laptop", scope=scope)
    found = check_token(store, token)
    assert found is not None
    viewer, got_scope = found
    assert (viewer.id, viewer.role, viewer.name, got_scope) == (
        "ann",
        "annotator",
        "Anna Annotator",
        scope,
    )


def test_check_token_wrong_secret(store: Store) -> None:
    seed(store)
    token_id, token = create_token(store, "own", name="ci", scope="read")
    _, secret = parts(token)
    other = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    assert check_token(store, f"lp_{token_id}_{other}") is None
    assert check_token(store, f"lp_{token_id}_") is None
    assert check_token(store, f"lp_{token_id}_{secret}x") is None
    # The secret of one token does not open another.
    second_id, _ = create_token(store, "own", name="ci2", scope="read")
    assert check_token(store, f"lp_{second_id}_{secret}") is None


@pytest.mark.parametrize(
    "token",
    ["", "lp_", "lp__", "lp_abc", "nope", "Bearer lp_x_y", "lp_ffffffffffff_secret"],
)
def test_check_token_malformed_or_unknown(store: Store, token: str) -> None:
    seed(store)
    create_token(store, "own", name="ci", scope="read")
    assert check_token(store, token) is None


def test_check_token_needs_the_prefix(store: Store) -> None:
    seed(store)
    _, token = create_token(store, "own", name="ci", scope="read")
    assert check_token(store, token.removeprefix("lp_")) is None
    assert check_token(store, "xx" + token[2:]) is None


def test_revoked_token_is_refused(store: Store) -> None:
    seed(store)
    token_id, token = create_token(store, "own", name="ci", scope="ingest")
    _, kept = create_token(store, "own", name="kept", scope="ingest")
    revoke_token(store, token_id)
    assert check_token(store, token) is None
    assert check_token(store, kept) is not None  # only that one
    (row,) = store.get("tokens", id=token_id)
    revoked_at = row["revoked_us"]
    assert isinstance(revoked_at, int)
    revoke_token(store, token_id)  # twice: still revoked, at the first time
    assert store.get("tokens", id=token_id)[0]["revoked_us"] == revoked_at
    with pytest.raises(NotFoundError):
        revoke_token(store, "ffffffffffff")


def test_token_of_a_removed_member_is_refused(store: Store) -> None:
    seed(store)
    _, token = create_token(store, "ann", name="laptop", scope="read")
    assert store.remove("members", id="ann") == 1
    assert check_token(store, token) is None


def test_token_follows_the_members_current_role(store: Store) -> None:
    seed(store)
    _, token = create_token(store, "own", name="ci", scope="ingest")
    # A second owner first: the organisation always keeps one (labelpulse.access.owners).
    add_member(store, "own2", name="Otto Owner", email="otto@acme.test", role="owner")
    set_role(store, "own", "annotator")
    found = check_token(store, token)
    assert found is not None and found[0].role == "annotator"


def test_create_token_validation(store: Store) -> None:
    seed(store)
    with pytest.raises(UsageError):
        create_token(store, "own", name="ci", scope="write")
    with pytest.raises(UsageError):
        create_token(store, "own", name="ci", scope="READ")
    with pytest.raises(NotFoundError):
        create_token(store, "ghost", name="ci", scope="read")
    assert store.get("tokens") == []


def test_list_tokens_never_shows_a_hash(store: Store) -> None:
    seed(store)
    read_id, _ = create_token(store, "own", name="dashboards", scope="read")
    ingest_id, _ = create_token(store, "ann", name="ci", scope="ingest")
    revoke_token(store, ingest_id)
    listed = {row["id"]: row for row in list_tokens(store)}
    assert set(listed) == {read_id, ingest_id}
    for row in listed.values():
        assert "secret_hash" not in row
        assert set(row) == {"id", "member", "name", "scope", "created_us", "revoked_us"}
    assert listed[read_id]["revoked_us"] is None
    assert listed[ingest_id]["revoked_us"] is not None
    assert (listed[ingest_id]["member"], listed[ingest_id]["scope"]) == ("ann", "ingest")
