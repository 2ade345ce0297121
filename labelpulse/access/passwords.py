"""Password hashing with Argon2id: only hashes are stored, never a password.

Each hash or verification holds 64 MiB for tens of milliseconds, so at most `MAX_CONCURRENT`
run at once in a process (`GATE`): a flood of sign-ins waits for a slot instead of taking the
server's memory and cores, and past `WAIT_SECONDS` of waiting is refused (`BusyError`, 503 with
Retry-After) rather than queued without end.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from labelpulse.errors import BusyError, UsageError

MIN_LENGTH = 8
MAX_CONCURRENT = 2
WAIT_SECONDS = 5.0
_HASHER = PasswordHasher()


class Gate:
    """A semaphore that counts its holders, so the cap it keeps can be seen (`peak`)."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._semaphore = threading.BoundedSemaphore(slots)
        self._lock = threading.Lock()
        self.active = 0
        self.peak = 0

    @contextmanager
    def slot(self, timeout: float) -> Iterator[None]:
        if not self._semaphore.acquire(timeout=timeout):
            raise BusyError(
                "the server is busy checking other passwords; try again in a few seconds",
                retry_after=max(int(timeout), 1),
            )
        with self._lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            yield
        finally:
            with self._lock:
                self.active -= 1
            self._semaphore.release()


GATE = Gate(MAX_CONCURRENT)


def _dummy() -> str:
    """Verified against when the email is unknown, so that a wrong email costs as long as a
    wrong password and the response time does not tell which emails have accounts. Made on
    first use, not at import: an import should not cost an Argon2 hash."""
    return _dummy_of(_HASHER)


@cache
def _dummy_of(hasher: PasswordHasher) -> str:
    return hasher.hash("not a password of anyone's")


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise UsageError(f"a password needs at least {MIN_LENGTH} characters")
    with GATE.slot(WAIT_SECONDS):
        return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    against = stored_hash or _dummy()
    with GATE.slot(WAIT_SECONDS):
        try:
            return _HASHER.verify(against, password) and stored_hash is not None
        except (VerificationError, InvalidHashError):
            return False
