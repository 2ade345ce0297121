"""Work the server does on its own: a periodic sync, in a thread of the server's process.

DuckDB lets one process open a database file, so while `labelpulse serve` runs, a sync (to heal
webhook deliveries Label Studio missed) has to run inside it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from labelpulse.store.base import Store

if TYPE_CHECKING:
    from labelpulse.connectors.labelstudio import Applier, SyncResult

log = logging.getLogger("labelpulse")


@dataclass
class Job:
    """`run(store)` every `every` seconds, first after `every` seconds (or `first` if given)."""

    name: str
    every: float
    run: Callable[[Store], object]
    first: float | None = None
    runs: int = 0
    failures: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self, store: Store) -> None:
        self._thread = threading.Thread(
            target=self._loop, args=(store,), name=f"labelpulse-{self.name}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _loop(self, store: Store) -> None:
        wait = self.every if self.first is None else self.first
        while not self._stop.wait(wait):
            wait = self.every
            try:
                self.run(store)
                self.runs += 1
            except Exception:  # a failed sync must not stop the server; the next one retries
                self.failures += 1
                log.exception("%s failed; retrying in %.0f s", self.name, self.every)


def label_studio_sync(
    url: str, token: str, every_minutes: float, applier: Applier | None = None
) -> Job:
    """Sync a Label Studio server every so many minutes (the first one a few seconds in),
    through `applier` when given: the one the web app's webhook route writes through, so that
    a sync page and a delivery never interleave. Each run logs one line (`sync_line`)."""

    def run(store: Store) -> None:
        from labelpulse.connectors import labelstudio

        started = time.monotonic()
        result = labelstudio.sync_label_studio(
            store if applier is None else applier, url=url, token=token
        )
        log.info("%s", sync_line(result, time.monotonic() - started))

    return Job("label-studio sync", every_minutes * 60, run, first=5.0)


def sync_line(result: SyncResult, seconds: float) -> str:
    """One periodic sync in one line, so that a server's log shows each run and what it found.

    Errors are the records it could not store: events refused or in conflict, and Enterprise
    reviews or comments on annotations it does not hold. (A sync that fails stores nothing and
    is logged by `Job` instead.)"""
    summary = result.summary
    errors = summary.rejected + summary.conflicts + result.unplaced
    return (
        f"Label Studio sync: projects {len(result.projects)}, events stored {summary.stored}, "
        f"already held {summary.duplicates}, deleted {result.deleted}, errors {errors}, "
        f"{seconds:.1f} s"
    )
