"""A pool of connections, shared by the PostgreSQL and ClickHouse stores.

Up to `size` connections, opened on demand by `opener`, each lent to one thread at a time: a
connection runs one query at a time, so reads that shared one would wait for each other. A
connection given back that `reusable` refuses (broken, left in a transaction) is closed, not
lent again. `close()` closes the idle connections now and the lent ones as they come back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, Protocol, TypeVar

from labelpulse.errors import StoreError


class Closable(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=Closable)


def _always(con: object) -> bool:
    return True


class Pool(Generic[C]):
    """Up to `size` connections, opened on demand, lent to one thread at a time."""

    def __init__(
        self,
        opener: Callable[[], C],
        size: int,
        reusable: Callable[[C], bool] = _always,
    ) -> None:
        self._opener = opener
        self._reusable = reusable
        self._size = size
        self._idle: list[C] = []
        self._open = 0
        self._closed = False
        self._changed = threading.Condition()

    @contextmanager
    def connection(self) -> Iterator[C]:
        con = self._take()
        try:
            yield con
        finally:
            self._give(con)

    def _take(self) -> C:
        with self._changed:
            while True:
                if self._closed:
                    raise StoreError("the store is closed")
                if self._idle:
                    return self._idle.pop()
                if self._open < self._size:
                    self._open += 1
                    break
                self._changed.wait()
        try:
            return self._opener()
        except BaseException:
            with self._changed:
                self._open -= 1
                self._changed.notify()
            raise

    def _give(self, con: C) -> None:
        reusable = self._reusable(con)
        with self._changed:
            if reusable and not self._closed:
                self._idle.append(con)
            else:
                self._open -= 1
                con.close()
            self._changed.notify()

    def __del__(self) -> None:
        # A store dropped without close(): its connections go quietly with it.
        self.close()

    def close(self) -> None:
        """Close the idle connections now and the lent ones as they come back."""
        with self._changed:
            self._closed = True
            idle, self._idle = self._idle, []
            self._open -= len(idle)
            self._changed.notify_all()
        for con in idle:
            con.close()
