"""An import's batches two at a time: one COPYs its events while the one before it finishes.

A batch is one transaction in two halves (`append.copy_events`, then `append.finish` under the
append lock). Stored one after another, PostgreSQL works on one core: the COPY, then the state.
Here each batch of an import runs in a thread of its own, on a connection of its own, and the
next one's COPY goes in while the one before it writes its state. Three rules keep this as
correct as one batch at a time:

- **In order.** A batch finishes (takes the lock, writes its state, commits) only once the one
  before it has committed and its outcome has been taken; if that one failed, or the caller
  stopped taking outcomes, it rolls back. So an import stops at its first failed batch with
  everything before it stored and nothing after it, as it does one batch at a time.
- **One COPY at a time.** A batch begins its COPY only once the one before it has no events left
  to insert (its COPY went through, or it has ended). The earlier batch then never waits for the
  later one's rows: within an import, nothing waits in a circle.
- **Waits PostgreSQL can see.** Before it waits (in Python) for the batch before it, a batch
  waits in PostgreSQL for that batch's transaction to end: for an advisory lock that batch
  holds for its whole transaction, under a random key of its own. A writer of another process
  that shares ids with the import can make a circle of waits through the two batches;
  PostgreSQL then sees all of it, and aborts one transaction as a deadlock. A batch of the
  import so aborted is stored again, with every batch after it, a few times at most.

The state of annotations stored before is read under the lock, after the batch's own COPY, so
it is computed from every event of theirs: `append.finish` leaves out the batch's own rows.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import duckdb
import psycopg

from labelpulse.store.base import AppendOutcome, ValidatedBatch
from labelpulse.store.postgres import append

# The first key of the advisory lock a batch holds for its whole transaction; the second is
# random (`_Flight.key`): a key shared by chance would only make one batch wait for another.
FLIGHT_LOCK = 0x6C70
# How many times a batch aborted as a deadlock is stored again before the error is raised.
DEADLOCK_RETRIES = 5
DEADLOCK_WARNING = (
    "a batch and another writer's deadlocked; PostgreSQL rolled the batch back, storing it again"
)

log = logging.getLogger("labelpulse")

Connect = Callable[[], AbstractContextManager[psycopg.Connection[Any]]]
Engine = Callable[[], duckdb.DuckDBPyConnection]
Written = Callable[[psycopg.Connection[Any]], None]


class _Behind(Exception):
    """The batch before this one failed, or the caller stopped: this one is rolled back."""


class _Flight:
    """One batch in its own thread and transaction."""

    def __init__(
        self,
        batch: ValidatedBatch,
        ahead: _Flight | None,
        connect: Connect,
        engine: Engine,
        written: Written,
    ) -> None:
        self.batch = batch
        self._ahead = ahead
        self._connect = connect
        self._engine = engine
        self._written = written
        self.key = secrets.randbits(31)
        # Set once this batch holds its lock (the next waits for it to be released).
        self.locked = False
        # Set once this batch inserts no more events before its commit: the next may COPY.
        self.copied = threading.Event()
        # Set by the caller once the batch before this one was taken: this one may finish.
        self.go = threading.Event()
        self.stopped = threading.Event()
        self.done = threading.Event()
        self.outcome: AppendOutcome | None = None
        self.error: BaseException | None = None
        if ahead is None:
            self.go.set()
        self._thread = threading.Thread(target=self._run, name="labelpulse-batch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.outcome = self._store()
        except BaseException as exc:  # handed to the caller, raised there
            self.error = exc
        finally:
            self._ahead = None  # each flight would otherwise hold every batch before it
            self.copied.set()
            self.done.set()

    def _store(self) -> AppendOutcome:
        events, positions, directory = self.batch
        with self._connect() as con, self._engine() as engine:
            with append.nul_characters_named(events, positions), con.transaction():
                con.execute(
                    "SELECT pg_advisory_xact_lock(%s::integer, %s::integer)",
                    [FLIGHT_LOCK, self.key],
                )
                self.locked = True
                if self._ahead is not None:
                    self._ahead.copied.wait()
                self._check()
                copied = append.copy_events(con, engine, events, positions)
                if copied.copied:
                    self.copied.set()
                self._wait_for_ahead(con)
                outcome = append.finish(con, engine, copied, directory, atomic=False)
            self._written(con)
            return outcome

    def _wait_for_ahead(self, con: psycopg.Connection[Any]) -> None:
        ahead = self._ahead
        if ahead is not None:
            if ahead.locked:
                # Ends when its transaction ends; PostgreSQL sees this wait.
                con.execute(
                    "SELECT pg_advisory_xact_lock_shared(%s::integer, %s::integer)",
                    [FLIGHT_LOCK, ahead.key],
                )
            ahead.done.wait()
            if ahead.error is not None:
                raise _Behind
        while not self.go.wait(0.1):
            self._check()
        self._check()

    def _check(self) -> None:
        if self.stopped.is_set():
            raise _Behind

    def stop(self) -> None:
        self.stopped.set()
        self._thread.join()


def append_batches(
    batches: Iterable[ValidatedBatch], connect: Connect, engine: Engine, written: Written
) -> Iterator[AppendOutcome]:
    """Store `batches` in order, two in flight (see the module's text); each outcome in turn.

    Should `batches` raise, the batches read before it are stored and their outcomes yielded
    first, as they would be one at a time."""
    source = iter(batches)
    flights: deque[_Flight] = deque()
    unread: BaseException | None = None
    retries = 0

    def launch(batch: ValidatedBatch) -> None:
        flights.append(_Flight(batch, flights[-1] if flights else None, connect, engine, written))

    try:
        while True:
            while len(flights) < 2 and unread is None:
                try:
                    batch = next(source)
                except StopIteration as end:
                    unread = end
                    break
                except BaseException as exc:  # raised once the batches before it are stored
                    unread = exc
                    break
                launch(batch)
            if not flights:
                break
            head = flights[0]
            head.done.wait()
            if isinstance(head.error, psycopg.errors.DeadlockDetected) and (
                retries < DEADLOCK_RETRIES
            ):
                retries += 1
                log.warning(DEADLOCK_WARNING)
                waiting = [flight.batch for flight in flights]
                for flight in flights:
                    flight.stop()
                flights.clear()
                for batch in waiting:
                    launch(batch)
                continue
            flights.popleft()
            if head.error is not None:
                raise head.error
            assert head.outcome is not None
            retries = 0
            yield head.outcome
            if flights:
                flights[0].go.set()
    finally:
        for flight in flights:
            flight.stopped.set()
        for flight in flights:
            flight.stop()
    if unread is not None and not isinstance(unread, StopIteration):
        raise unread
