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


class WritesFirst:
    """Slots for reports, fewer of them while any write is under way."""

    def __init__(self, cores: int | None = None) -> None:
        self.cores = max(1, cores or os.cpu_count() or 1)
        self._changed = threading.Condition()
        self._reading = 0
        self._writing = 0

    def _read_slots(self) -> int:
        return max(1, self.cores - 1) if self._writing else self.cores

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Around one report's computation: waits while the slots are taken."""
        with self._changed:
            self._changed.wait_for(lambda: self._reading < self._read_slots())
            self._reading += 1
        try:
            yield
        finally:
            with self._changed:
                self._reading -= 1
                self._changed.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Around one write (a POSTed batch, a webhook): never waits itself."""
        with self._changed:
            self._writing += 1
        try:
            yield
        finally:
            with self._changed:
                self._writing -= 1
                self._changed.notify_all()
