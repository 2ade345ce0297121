"""`connect(url)`: open the store a database URL names, of the backend its scheme names.

Apart from the interface (`store/base.py`) so that the backends, which import the interface,
are imported only here and only when a URL names them: no import cycle, and a DuckDB user never
loads psycopg or chDB.
"""

from __future__ import annotations

from labelpulse.errors import UsageError
from labelpulse.store.base import Store


def connect(url: str) -> Store:
    """Open the store a URL names: a DuckDB file path (or duckdb://PATH), postgresql://...,
    clickhouse://... (a ClickHouse server) or chdb://PATH (ClickHouse in-process, for tests)."""
    scheme, sep, _ = url.partition("://")
    if not sep or scheme == "duckdb":
        from labelpulse.store.duckdb import DuckDBStore

        return DuckDBStore(url.removeprefix("duckdb://"))
    if scheme in ("postgresql", "postgres"):
        from labelpulse.store.postgres import PostgresStore

        return PostgresStore(url)
    if scheme in ("clickhouse", "clickhouses", "chdb"):
        from labelpulse.store.clickhouse import ClickHouseStore

        return ClickHouseStore(url)
    raise UsageError(
        f"unsupported database URL scheme {scheme!r}: use a DuckDB file path, "
        "postgresql://..., clickhouse://... or chdb://PATH"
    )
