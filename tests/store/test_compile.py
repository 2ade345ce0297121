"""The unbound schemas every backend compiles against are the DuckDB store's tables, and DuckDB
SQL compiled over them gives the figures of SQL compiled by Ibis's DuckDB backend."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import ibis

from labelpulse.config import Settings
from labelpulse.demo import generate
from labelpulse.ingest import ingest_records
from labelpulse.metrics import REPORTS, report
from labelpulse.store import Store
from labelpulse.store.compile import SCHEMAS, UnboundTables
from tests.report_arguments import SettledWindowArguments


def test_schemas_equal_the_duckdb_tables(store: Store) -> None:
    backend = ibis.duckdb.from_connection(duckdb.connect(store.url))
    for name in SCHEMAS:
        assert UnboundTables("duckdb").table(name).schema() == backend.table(name).schema(), name
    assert isinstance(store.metric_tables(), UnboundTables)


class Bound:
    """The DuckDB store, but its metric SQL compiled by an Ibis backend over its database."""

    dialect = "duckdb-bound"

    def __init__(self, store: Store) -> None:
        self._store = store
        self._backend = ibis.duckdb.from_connection(duckdb.connect(store.url))

    def metric_tables(self) -> Any:
        return self._backend

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_compiling_without_a_connection_gives_the_same_figures(store: Store) -> None:
    ingest_records(
        store, list(generate(members=10, days=5, events=1500, seed=4, end=dt.date(2026, 3, 6)))
    )
    settings = Settings(db=store.url, timezone="Europe/Berlin")
    window: SettledWindowArguments = {
        "start": "2026-03-02",
        "end": "2026-03-06",
        "settings": settings,
    }
    bound: Any = Bound(store)
    for name in REPORTS:
        member = "ann-01" if name in ("member", "timeline", "comments") else None
        direct = report(store, name, member=member, **window)
        assert report(bound, name, member=member, **window) == direct, name
        if name == "member":
            assert direct["annotations"]["submitted"] > 0  # the comparison is not of nothing
