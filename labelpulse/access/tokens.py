"""API tokens: `lp_<id>_<secret>`, stored as a SHA-256 of the secret, each `read` or `ingest`.

A token's secret has 256 random bits, so a plain SHA-256 is enough (a slow password hash
protects guessable secrets; these are not guessable) and checking one costs microseconds.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from labelpulse.access.accounts import known_member, now_us
from labelpulse.access.owners import Change, check_change, disabled_members
from labelpulse.access.policy import Viewer, viewer_for
from labelpulse.errors import NotFoundError, UsageError
from labelpulse.store.base import Store
from labelpulse.store.cache import remembered
from labelpulse.store.directory import Directory

TOKEN_SCOPES = ("read", "ingest")
PREFIX = "lp_"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    store: Store, member_id: str, *, name: str, scope: str, by: Viewer | None = None
) -> tuple[str, str]:
    """A new token for a member: (token id, the whole token, shown once and never stored).

    Only an owner may make a token that acts as an owner (`by`: who asks; None: the CLI)."""
    if scope not in TOKEN_SCOPES:
        raise UsageError(f"a token's scope is one of {', '.join(TOKEN_SCOPES)}, got {scope!r}")
    known_member(store, member_id)
    check_change(store, by, Change(member_id, "tokens"))
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    store.put(
        "tokens",
        {
            "id": token_id,
            "member": member_id,
            "name": name,
            "scope": scope,
            "secret_hash": _digest(secret),
            "created_us": now_us(),
            "revoked_us": None,
        },
    )
    return token_id, f"{PREFIX}{token_id}_{secret}"


def check_token(store: Store, token: str) -> tuple[Viewer, str] | None:
    """(the token's member as a viewer, its scope), or None for an unknown or revoked token."""
    body = token.removeprefix(PREFIX)
    token_id, sep, secret = body.partition("_")
    if not token.startswith(PREFIX) or not sep:
        return None
    # Checked tokens are remembered until the next write to the store (a revocation is one).
    return remembered(store, "token:" + _digest(token), lambda: _check(store, token_id, secret))


def _check(store: Store, token_id: str, secret: str) -> tuple[Viewer, str] | None:
    rows = store.get("tokens", id=token_id)
    if not rows or rows[0]["revoked_us"] is not None:
        return None
    if not hmac.compare_digest(str(rows[0]["secret_hash"]), _digest(secret)):
        return None
    directory = Directory.load(store)
    if rows[0]["member"] not in directory.members or rows[0]["member"] in disabled_members(store):
        return None
    return viewer_for(directory, str(rows[0]["member"])), str(rows[0]["scope"])


def revoke_token(store: Store, token_id: str, *, by: Viewer | None = None) -> None:
    """Revoke a token; it stops working at the next request (the write empties the cache)."""
    rows = store.get("tokens", id=token_id)
    if not rows:
        raise NotFoundError(f"no token {token_id!r}")
    check_change(store, by, Change(str(rows[0]["member"]), "tokens"))
    if rows[0]["revoked_us"] is None:
        store.put("tokens", {**rows[0], "revoked_us": now_us()})


def list_tokens(store: Store) -> list[dict[str, object]]:
    """Every token without its hash: id, member, name, scope, created and revoked times."""
    return [{k: v for k, v in row.items() if k != "secret_hash"} for row in store.get("tokens")]
