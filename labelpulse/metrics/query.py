"""Metric queries: written once as Ibis expressions, compiled once per shape, run with parameters.

Compiling an Ibis expression costs milliseconds, more than a member report's queries take to
run. So each expression is built with Ibis scalar parameters, compiled once per query shape with
unique sentinel values standing in for the parameters, and the sentinels are replaced by named
placeholders (`$name`). Later calls of the same shape only bind values.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir

from labelpulse.store.base import Store

_INT_BASE = 7_313_000_000_000_000_000


class Params:
    """Named scalar parameters for one expression; each gets a sentinel for compiling.

    `dialect` is the SQL dialect the expression is compiled for, for the rare expression that
    is better written with an engine's own functions (`scope.local_day`).
    """

    def __init__(self, dialect: str = "duckdb") -> None:
        self.dialect = dialect
        self.sentinels: dict[str, Any] = {}
        self._params: dict[str, Any] = {}

    def _make(self, name: str, dtype: str, sentinel: Any) -> Any:
        if name in self._params:
            return self._params[name]
        param = ibis.param(dtype)
        self._params[name] = param
        self.sentinels[name] = sentinel
        return param

    def string(self, name: str) -> ir.StringValue:
        return self._make(name, "string", f"__lp_{name}__")

    def integer(self, name: str) -> ir.IntegerValue:
        return self._make(name, "int64", _INT_BASE + len(self.sentinels))

    def real(self, name: str) -> ir.FloatingValue:
        return self.integer(name).cast("float64")

    def literal(self, name: str) -> int:
        """An integer parameter where SQL takes a literal, not an expression (LIMIT, OFFSET):
        the sentinel itself, which compiling replaces by the placeholder `$name` like any other."""
        return int(self.sentinels.setdefault(name, _INT_BASE + len(self.sentinels)))

    def strings(self, name: str, count: int) -> list[ir.StringValue]:
        return [self.string(f"{name}_{i}") for i in range(count)]

    def bindings(self) -> dict[Any, Any]:
        return {self._params[n]: v for n, v in self.sentinels.items() if n in self._params}


@dataclass(frozen=True)
class CompiledQuery:
    sql: str
    names: tuple[str, ...]

    def run(self, store: Store, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        missing = [n for n in self.names if n not in values]
        if missing:
            raise KeyError(f"query parameters without values: {missing}")
        return store.rows(self.sql, {n: values[n] for n in self.names})


Builder = Callable[[Any, Params], ir.Table]


@dataclass(frozen=True)
class Shape:
    """What a compiled query's SQL depends on: the dialect, and the caller's query shape (which
    query, and the shapes of its window and scope)."""

    dialect: str
    query: Hashable


class CompiledQueries:
    """Compiled SQL by shape, for every store of the process; `clear()` empties it.

    Owned by this module (`COMPILED`), not by a store: the SQL depends only on the dialect and
    the shape, so a server or a test run that opens many stores compiles each shape once, and
    the store, below metrics in the flow, holds nothing of metrics'.
    """

    def __init__(self) -> None:
        self._queries: dict[Shape, CompiledQuery] = {}
        # Held while a shape is compiled, so that each is compiled once, by one thread: Ibis
        # makes no promise that building and compiling expressions from several threads at
        # once is safe. Every later call finds its shape without taking it.
        self._lock = threading.Lock()

    def get(self, store: Store, key: Hashable, build: Builder) -> CompiledQuery:
        """The compiled SQL for the query shape `key` on `store`'s dialect, compiled by
        `build(ibis_backend, params)` on first use."""
        shape = Shape(store.dialect, key)
        found = self._queries.get(shape)
        if found is not None:
            return found
        with self._lock:
            found = self._queries.get(shape)
            if found is None:
                found = self._queries[shape] = _compile(store, build)
        return found

    def clear(self) -> None:
        """Forget every compiled query, as in a process just started."""
        with self._lock:
            self._queries.clear()


COMPILED = CompiledQueries()


def compiled(store: Store, key: Hashable, build: Builder) -> CompiledQuery:
    """The compiled SQL for the query shape `key`, built by `build(ibis_backend, params)`.

    `store.metric_tables()` must need no connection (unbound tables): it is used from any thread.
    """
    return COMPILED.get(store, key, build)


def _compile(store: Store, build: Builder) -> CompiledQuery:
    params = Params(store.dialect)
    backend = store.metric_tables()
    expr = build(backend, params)
    sql = backend.compile(expr, params=params.bindings())
    names: list[str] = []
    for name, sentinel in params.sentinels.items():
        literal = f"'{sentinel}'" if isinstance(sentinel, str) else str(sentinel)
        pattern = re.escape(literal) + (r"(?!\d)" if not isinstance(sentinel, str) else "")
        sql, count = re.subn(pattern, f"${name}", sql)
        if count:
            names.append(name)
    return CompiledQuery(sql=sql, names=tuple(names))


def run(
    store: Store, key: Hashable, build: Builder, values: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Compile (once per shape) and run a metric query."""
    return compiled(store, key, build).run(store, values)
