"""Values derived from the stored data, remembered until the next write to the store."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from labelpulse.store.base import Store

T = TypeVar("T")
_MISSING = object()


def remembered(store: Store, key: str, load: Callable[[], T]) -> T:
    """The value remembered under `key`, or `load()`'s, remembered from now on.

    The store's cache is taken once, before `load` reads anything: a write meanwhile (on
    another thread, or another process for PostgreSQL) replaces the store's cache, so a value
    read before it goes into the cache it replaced, never into the one a reader after the write
    finds. (Taking `store.cache` again to store the value would put a stale one there.)
    """
    cache = store.cache
    found = cache.get(key, _MISSING)
    if found is not _MISSING:
        value: T = found
        return value
    value = load()
    cache[key] = value
    return value
