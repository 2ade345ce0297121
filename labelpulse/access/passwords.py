"""Password hashing with Argon2id: only hashes are stored, never a password.

Each hash or verification holds 64 MiB for tens of milliseconds, so at most `MAX_CONCURRENT`
run at once in a process (`GATE`): a flood of sign-ins waits for a slot instead of taking the
server's memory and cores, and past `WAIT_SECONDS` of waiting is refused (`BusyError`, 503 with
Retry-After) rather than queued without end.

Importing this module costs nothing: Argon2 is loaded, and the dummy hash made, on first use
(`HASHER`), so that `labelpulse --help` pays for neither.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from labelpulse.errors import BusyError, UsageError

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_LENGTH = 8
MAX_CONCURRENT = 2
WAIT_SECONDS = 5.0


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


class Argon2:
    """An Argon2id hasher, made on first use, and the dummy hash it checks unknown emails against.

    Without a `hasher`, argon2-cffi's defaults (RFC 9106's low-memory profile) are used: the
    production costs. Tests give a cheap one.
    """

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher
        self._dummy: str | None = None
        self._lock = threading.Lock()

    @property
    def hasher(self) -> PasswordHasher:
        if self._hasher is None:
            from argon2 import PasswordHasher

            with self._lock:
                if self._hasher is None:
                    self._hasher = PasswordHasher()
        return self._hasher

    def dummy(self) -> str:
        """Verified against when the email is unknown, so that a wrong email costs as long as a
        wrong password and the response time does not tell which emails have accounts."""
        hasher = self.hasher
        with self._lock:  # one thread makes it; the others wait for it rather than make their own
            if self._dummy is None:
                self._dummy = hasher.hash("not a password of anyone's")
            return self._dummy

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, stored_hash: str, password: str) -> bool:
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return self.hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False


HASHER = Argon2()


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise UsageError(f"a password needs at least {MIN_LENGTH} characters")
    with GATE.slot(WAIT_SECONDS):
        return HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    against = stored_hash or HASHER.dummy()
    with GATE.slot(WAIT_SECONDS):
        return HASHER.verify(against, password) and stored_hash is not None
