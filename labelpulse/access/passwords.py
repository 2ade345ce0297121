"""Password hashing with Argon2id: only hashes are stored, never a password."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from labelpulse.errors import UsageError

MIN_LENGTH = 8
_HASHER = PasswordHasher()
# Verified against when the email is unknown, so that a wrong email costs as long as a wrong
# password and the response time does not tell which emails have accounts.
_DUMMY = _HASHER.hash("not a password of anyone's")


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise UsageError(f"a password needs at least {MIN_LENGTH} characters")
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored_hash or _DUMMY, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
