"""The store interface every backend implements, and `connect(url)` to pick one."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeAlias

import pyarrow as pa

from labelpulse.errors import RecordError, UsageError
from labelpulse.events import DirectoryRecord

# The tables `put`, `get` and `remove` may touch, with each one's key columns. The event log
# and the state table are written only through `append`.
RECORD_TABLES: dict[str, tuple[str, ...]] = {
    "members": ("id",),
    "workspaces": ("id",),
    "projects": ("id",),
    "memberships": ("member", "target_kind", "target"),
    "accounts": ("member",),
    "tokens": ("id",),
    "secrets": ("name",),
    # A tool's own id of a member, annotation, task... → ours (connectors keep them here).
    "external_ids": ("source", "kind", "external_id"),
    # Sign-in sessions (id: a SHA-256 of the cookie's random session id) and disabled members.
    "sessions": ("id",),
    "disabled_members": ("member",),
}


# Tables `get_in` may read besides the record tables (written only through `append`).
LOOKUP_TABLES = ("events", "state")


def check_record_table(table: str, columns: Sequence[str], *, lookup: bool = False) -> None:
    """Refuse a table or column name that is not ours: names are spliced into SQL."""
    if table not in RECORD_TABLES and not (lookup and table in LOOKUP_TABLES):
        raise UsageError(f"not a record table: {table!r}")
    for column in columns:
        if not column.isidentifier():
            raise UsageError(f"not a column name: {column!r}")


# A validated batch, as `Store.append` takes it: events, their positions, directory records.
Batch: TypeAlias = tuple[pa.Table, Sequence[int], Sequence[tuple[int, DirectoryRecord]]]


@dataclass
class AppendOutcome:
    """What one batch did to the store."""

    stored: int = 0
    duplicates: int = 0
    conflicts: list[RecordError] = field(default_factory=list)
    directory_stored: int = 0
    directory_unchanged: int = 0


class Store(Protocol):
    """An event log, the directory, and the per-annotation state table kept beside them."""

    url: str
    dialect: str

    def append(
        self,
        events: pa.Table,
        positions: Sequence[int],
        directory: Sequence[tuple[int, DirectoryRecord]],
        *,
        atomic: bool = False,
    ) -> AppendOutcome:
        """Store a validated batch in one transaction: dedupe, detect conflicts, update state.

        With `atomic`, any conflict rolls the whole batch back and raises InvalidRecordsError.
        """
        ...

    def append_batches(self, batches: Iterable[Batch]) -> Iterator[AppendOutcome]:
        """`append` each batch of an import in turn, yielding each one's outcome in order.

        A store may begin a batch before the one before it is committed, but commits them in
        order, each only once its predecessor's outcome has been taken, and none after one that
        failed (whose error is raised in its turn). Closing the iterator early stores nothing
        more than what was yielded.
        """
        ...

    def importing(
        self, status: Callable[[str], None] | None = None
    ) -> AbstractContextManager[None]:
        """Around a long run of `append`s (a file import, a copy): the store may prepare for
        them, and finishes what it put off when the context ends, however it ends, telling
        `status` what it does then (a line for a person waiting)."""
        ...

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        """Run a read query with named parameters ($name) and return Arrow."""
        ...

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a read query with named parameters ($name) and return rows as dicts."""
        ...

    def put(self, table: str, row: Mapping[str, Any]) -> None:
        """Insert or replace one row of a record table (accounts, tokens, directory) by its key."""
        ...

    def put_many(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """`put` for many rows (all with the same columns) in one transaction."""
        ...

    def get(self, table: str, **where: Any) -> list[dict[str, Any]]:
        """Rows of a record table whose columns equal `where` (all rows when empty)."""
        ...

    def get_in(
        self,
        table: str,
        column: str,
        values: Sequence[Any],
        *,
        columns: Sequence[str] = (),
        **where: Any,
    ) -> list[dict[str, Any]]:
        """Rows (`columns`, default all) of a record table, `events` or `state` whose `column`
        is one of `values` and whose other columns equal `where`: a connector's batch lookup."""
        ...

    def remove(self, table: str, **where: Any) -> int:
        """Delete the rows of a record table whose columns equal `where`; how many went."""
        ...

    @property
    def cache(self) -> dict[str, Any]:
        """Values derived from the stored data (the directory, say); emptied by every write.

        A write replaces the dict rather than clearing it: take it once, read it with one call
        (`get`), and store what was read into that same dict, so that a value read before a
        write (on another thread) goes with the dict the write replaced."""
        ...

    def ibis(self) -> Any:
        """An Ibis backend over this store's tables, for compiling metric expressions."""
        ...

    def rebuild_state(self) -> None:
        """Recompute the annotation state table from the whole event log."""
        ...

    def state_differences(self) -> int:
        """Rows by which the state table differs from a full rebuild (0 when correct)."""
        ...

    def schema_version(self) -> int: ...

    def close(self) -> None: ...


def where_sql(sql: str, where: Mapping[str, Any], mark: str) -> tuple[str, list[Any]]:
    """`sql` with `WHERE k = <mark> AND ...` for each key of `where` (`mark` is the driver's
    placeholder: `?` for DuckDB, `%s` for psycopg), and the values in that order."""
    if not where:
        return sql, []
    return sql + " WHERE " + " AND ".join(f"{k} = {mark}" for k in where), list(where.values())


def lookup_sql(
    table: str,
    column: str,
    columns: Sequence[str],
    where: Mapping[str, Any],
    mark: str,
    among: str,
) -> tuple[str, list[Any]]:
    """The SELECT of `Store.get_in`: `columns` (all when empty) of the rows of `table` that
    match `where` and whose `column` is among a list, the last parameter; `among` tests it
    (`{column}` and `{mark}` in it are filled in). The values before that list."""
    shown = ", ".join(columns) if columns else "*"
    sql, params = where_sql(f"SELECT {shown} FROM {table}", where, mark)
    test = among.format(column=column, mark=mark)
    return sql + (" AND " if where else " WHERE ") + test, params


def redacted(url: str) -> str:
    """A database URL fit to print: any password replaced by ***."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if "://" not in url or parts.password is None:
        return url
    user, _, host = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{user.partition(':')[0]}:***@{host}"))


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


class PlainImports:
    """`Store.append_batches` and `Store.importing` for a store that stores an import's batches
    one at a time and has nothing to prepare for it (DuckDB: one process writes, one
    transaction at a time, and no index an import could build afterwards; ClickHouse: each
    insert is parallel inside the server, and MergeTree tables sort it and merge in the
    background)."""

    def append_batches(self: Store, batches: Iterable[Batch]) -> Iterator[AppendOutcome]:
        for events, positions, directory in batches:
            yield self.append(events, positions, directory)

    def importing(
        self, status: Callable[[str], None] | None = None
    ) -> AbstractContextManager[None]:
        return nullcontext()
