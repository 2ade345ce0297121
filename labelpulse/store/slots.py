"""Slots for reads: as many at once as there are cores, but a long one gives its slot up.

DuckDB runs every query of a database on one pool of `cores` threads, so reads beyond that
many at once only share the cores (and would queue a write's statements behind theirs). Yet a
plain limit of `cores` lets two slow reports on two cores hold every slot for their whole run,
and a short read (a member's report, a health check) waits seconds behind them. So a holder
counts against the limit only while it is young: past `aging` seconds it stops counting, and a
waiting read starts beside it. `ceiling` bounds the holders in all, slow ones included (memory).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# A read running this long (seconds) is a slow one: it leaves its slot to those waiting. Every
# short report (a member's, a page's directory) takes far less; a slow one takes several.
AGING = 1.0
# Holders in all, slow ones included, per core.
CEILING_PER_CORE = 2


class Slots:
    """At most `size()` holders younger than `aging` seconds, and `ceiling` in all."""

    def __init__(self, size: Callable[[], int], ceiling: int, aging: float = AGING) -> None:
        self._size = size
        self.ceiling = ceiling
        self.aging = aging
        self._changed = threading.Condition()
        self._started: dict[object, float] = {}

    def _wait_needed(self) -> float | None:
        """0 when a holder may start now; else how long until one ages (None: no young one,
        wait for one to leave)."""
        now = time.monotonic()
        young = [start for start in self._started.values() if now - start < self.aging]
        if len(young) < self._size() and len(self._started) < self.ceiling:
            return 0
        if not young or len(self._started) >= self.ceiling:
            return None
        return min(young) + self.aging - now

    @contextmanager
    def held(self) -> Iterator[None]:
        """Around one read: waits while the young holders take every slot."""
        ticket = object()
        with self._changed:
            while (wait := self._wait_needed()) != 0:
                self._changed.wait(wait)
            self._started[ticket] = time.monotonic()
        try:
            yield
        finally:
            with self._changed:
                del self._started[ticket]
                self._changed.notify_all()

    def resized(self) -> None:
        """Wake the waiters: `size()` may have changed."""
        with self._changed:
            self._changed.notify_all()
