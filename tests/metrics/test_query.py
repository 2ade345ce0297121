"""Compiled metric SQL: once per shape and dialect, held by one cache that can be emptied."""

from __future__ import annotations

from typing import Any

from labelpulse.metrics.query import COMPILED, Params, compiled
from labelpulse.store import Store


def count_of(backend: Any, params: Params) -> Any:
    events = backend.table("events")
    mine = events.filter(events.actor == params.string("actor"))
    return mine.aggregate(n=mine.count())


def test_a_shape_is_compiled_once_until_the_cache_is_cleared(store: Store) -> None:
    first = compiled(store, ("test", "count"), count_of)
    assert compiled(store, ("test", "count"), count_of) is first
    assert first.names == ("actor",)
    assert first.run(store, {"actor": "ann"}) == [{"n": 0}]
    COMPILED.clear()
    again = compiled(store, ("test", "count"), count_of)
    assert again is not first
    assert again == first
