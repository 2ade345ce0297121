"""Sign-in throttling: exponential back-off after failed sign-ins, per account and per address.

Two counters, because they stop two different attacks: the per-account one stops guessing one
member's password from many addresses, the per-address one stops one address guessing many
members' passwords. The per-account wait is capped short (a minute), so an attacker who keeps
failing on someone's email delays that member by a minute at most per attempt; the
per-address wait grows longer (minutes), because it only ever delays the attacker's own address.

State is in memory, per server process (a restart forgets it; several processes each count on
their own), and bounded: at most `max_keys` accounts and addresses are tracked each, the least
recently failed forgotten first, and a key with no failure for `forget_after` seconds starts over.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


@dataclass(frozen=True)
class Backoff:
    """`free` failures cost nothing; each one after waits `first` seconds, doubling to `cap`."""

    free: int
    first: float
    cap: float

    def wait_after(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        # The exponent is bounded so a long run of failures cannot overflow the float.
        return float(min(self.first * 2 ** min(failures - self.free, 64), self.cap))


ACCOUNT_BACKOFF = Backoff(free=5, first=1.0, cap=60.0)
ADDRESS_BACKOFF = Backoff(free=20, first=1.0, cap=300.0)
MAX_KEYS = 10_000
FORGET_AFTER = 15 * 60.0
MAX_KEY_LENGTH = 320  # the longest email address; longer input is cut, not stored whole


@dataclass
class _Entry:
    failures: int
    blocked_until: float
    last_failure: float


class Throttle:
    """Failure counts of one kind of key (accounts, or addresses). Thread-safe."""

    def __init__(
        self,
        backoff: Backoff,
        *,
        max_keys: int = MAX_KEYS,
        forget_after: float = FORGET_AFTER,
        clock: Clock = time.monotonic,
    ) -> None:
        self.backoff = backoff
        self.max_keys = max_keys
        self.forget_after = forget_after
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def wait(self, key: str) -> float:
        """Seconds before `key` may try again (0: it may try now)."""
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return 0.0
            if now - entry.last_failure > self.forget_after:
                del self._entries[key]
                return 0.0
            return max(entry.blocked_until - now, 0.0)

    def failed(self, key: str) -> None:
        now = self._clock()
        with self._lock:
            entry = self._entries.pop(key, None)
            if entry is None or now - entry.last_failure > self.forget_after:
                entry = _Entry(0, 0.0, now)
            entry.failures += 1
            entry.last_failure = now
            entry.blocked_until = now + self.backoff.wait_after(entry.failures)
            self._entries[key] = entry  # most recently failed last: evicted last
            while len(self._entries) > self.max_keys:
                self._entries.popitem(last=False)

    def forget(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)


class SignInThrottle:
    """The two throttles a sign-in passes: its account (email, case-folded) and its address."""

    def __init__(self, clock: Clock = time.monotonic, max_keys: int = MAX_KEYS) -> None:
        self.accounts = Throttle(ACCOUNT_BACKOFF, clock=clock, max_keys=max_keys)
        self.addresses = Throttle(ADDRESS_BACKOFF, clock=clock, max_keys=max_keys)

    @staticmethod
    def account_key(email: str) -> str:
        return email.strip().casefold()[:MAX_KEY_LENGTH]

    def retry_after(self, email: str, address: str) -> int:
        """Whole seconds to wait before this sign-in may be tried (0: try it now)."""
        wait = max(self.accounts.wait(self.account_key(email)), self.addresses.wait(address))
        return math.ceil(wait)

    def failed(self, email: str, address: str) -> None:
        self.accounts.failed(self.account_key(email))
        self.addresses.failed(address)

    def succeeded(self, email: str) -> None:
        # The address keeps its count: else an attacker with one account of their own could
        # reset their address between guesses by signing in to it.
        self.accounts.forget(self.account_key(email))


_CREATE = threading.Lock()


def sign_in_throttle(state: object) -> SignInThrottle:
    """The app's throttle (`app.state.sign_in_throttle`), made on first use."""
    with _CREATE:
        throttle = getattr(state, "sign_in_throttle", None)
        if not isinstance(throttle, SignInThrottle):
            throttle = SignInThrottle()
            setattr(state, "sign_in_throttle", throttle)  # noqa: B010 - starlette State
        return throttle
