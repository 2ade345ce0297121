"""Writes first: while a batch is being stored, reports take fewer cores.

On a small machine fifty open dashboards can take every core, and a POST of fifty events then
waits seconds for its turn, long past a labeling tool's webhook timeout (Label Studio waits
1 s). A report waits for a slot: one per core, but one fewer while any write is under way, so
a write always has a core of its own and reports still go on. Measured with
`benchmarks/ingest.py` (1M events, 50 readers, 2 cores); see docs/decisions.md.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from labelpulse.store.slots import AGING, CEILING_PER_CORE, Slots


class WritesFirst:
    """Slots for reports, fewer of them while any write is under way; a report running longer
    than `aging` seconds leaves its slot to the next (`labelpulse.store.slots`), so slow reports
    never hold every one."""

    def __init__(self, cores: int | None = None, aging: float = AGING) -> None:
        self.cores = max(1, cores or os.cpu_count() or 1)
        self._writing = 0
        self._lock = threading.Lock()
        self._slots = Slots(self._read_slots, CEILING_PER_CORE * self.cores, aging)

    def _read_slots(self) -> int:
        return max(1, self.cores - 1) if self._writing else self.cores

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Around one report's computation: waits while the slots are taken."""
        with self._slots.held():
            yield

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Around one write (a POSTed batch, a webhook): never waits itself."""
        with self._lock:
            self._writing += 1
        try:
            yield
        finally:
            with self._lock:
                self._writing -= 1
            self._slots.resized()
