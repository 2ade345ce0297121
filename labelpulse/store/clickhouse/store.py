"""The ClickHouse store: a ClickHouse server (clickhouse://) or chDB in this process (chdb://)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import pyarrow as pa

from labelpulse.errors import StoreError, UsageError
from labelpulse.events import DirectoryRecord
from labelpulse.store.base import (
    RECORD_TABLES,
    AppendOutcome,
    PlainImports,
    check_record_table,
    checked_rows,
    directory_row,
    redacted,
    refuse_conflicts,
)
from labelpulse.store.clickhouse import append as batch
from labelpulse.store.clickhouse.connection import POOL_SIZE, Connection, bind, open_connection
from labelpulse.store.clickhouse.schema import (
    EVENT_COLUMNS,
    MIGRATIONS,
    RECORD_COLUMNS,
    SCHEMA_VERSION_DDL,
    TABLE_COLUMNS,
)
from labelpulse.store.columns import Dialect
from labelpulse.store.compile import UnboundTables
from labelpulse.store.merge import check_merge
from labelpulse.store.pool import Pool

_KEYS_PER_QUERY = 5_000  # keys bound into one lookup query
_ARROW_TYPES = {
    "String": pa.string(),
    "Int64": pa.int64(),
    "Float64": pa.float64(),
    "Bool": pa.bool_(),
    "UInt64": pa.uint64(),
    "UInt8": pa.uint8(),
}


class ClickHouseStore(PlainImports):
    """A store in a ClickHouse database: `clickhouse://user:password@host:port/database` (a
    server, through clickhouse-connect) or `chdb://PATH?database=NAME` (chDB, in-process).

    Writes from one store are serialized, on a connection of their own; each `append` checks
    its whole batch before it writes anything. Reads run on a pool of other connections, in
    parallel with each other and with a write (ClickHouse has no transactions: a read during a
    batch, from this process or another, may see part of it). See docs/backends/clickhouse.md
    for the design and for running it on a cluster.
    """

    dialect: Dialect = "clickhouse"

    def __init__(self, url: str) -> None:
        self.url = url
        self._con = open_connection(url)
        self._lock = threading.RLock()
        self._readers: Pool[Connection] = Pool(lambda: open_connection(url), POOL_SIZE)
        self._cache: dict[str, Any] = {}
        self._tables = UnboundTables(self.dialect)
        self._last_version = 0
        try:
            self._migrate()
        except BaseException:
            self._con.close()
            self._readers.close()
            raise

    # -- schema -------------------------------------------------------------------------------
    def _migrate(self) -> None:
        with self._lock:
            self._con.execute(SCHEMA_VERSION_DDL)
            version = self.schema_version()
            for number, steps in enumerate(MIGRATIONS[version:], start=version + 1):
                try:
                    for statement in steps:
                        self._con.execute(statement)
                    self._con.execute(
                        "INSERT INTO schema_version VALUES ({n:UInt32})", {"n": number}
                    )
                except StoreError as exc:
                    raise StoreError(
                        f"migration of {redacted(self.url)} to schema version {number} "
                        f"failed: {exc}"
                    ) from exc

    def schema_version(self) -> int:
        # A read (GET /api/health answers while a batch is stored), of what the migrations,
        # done by then, wrote.
        rows = self.rows("SELECT max(version) AS v FROM schema_version")
        value = rows[0]["v"] if rows else None
        return int(value) if value is not None else 0

    def _next_version(self) -> int:
        """A row version above every one this store wrote: the clock in ns, or one more."""
        self._last_version = max(time.time_ns(), self._last_version + 1)
        return self._last_version

    # -- writing ------------------------------------------------------------------------------
    def append(
        self,
        events: pa.Table,
        positions: Sequence[int],
        directory: Sequence[tuple[int, DirectoryRecord]],
        *,
        atomic: bool = False,
    ) -> AppendOutcome:
        outcome = AppendOutcome()
        with self._lock:
            try:
                with batch.scratch(self._con) as tables:
                    prepared = None
                    if events.num_rows:
                        prepared = batch.prepare(self._con, tables, events, positions, outcome)
                    if atomic:
                        refuse_conflicts(outcome)
                    self._upsert_directory([record for _, record in directory], outcome)
                    if prepared is not None and prepared.count:
                        batch.store(self._con, tables, prepared, self._next_version())
                        outcome.stored = prepared.count
            finally:
                self._cache = {}
        return outcome

    def _upsert_directory(self, records: Sequence[DirectoryRecord], outcome: AppendOutcome) -> None:
        """Insert or update directory records; an unchanged one counts as such."""
        by_table: dict[str, list[dict[str, Any]]] = {}
        for record in records:
            table, row = directory_row(record)
            by_table.setdefault(table, []).append(row)
        for table, rows in by_table.items():
            key = RECORD_TABLES[table]
            keys = list({tuple(row[k] for k in key): None for row in rows})
            current = {tuple(r[k] for k in key): r for r in self._existing(table, keys)}
            changed: dict[tuple[Any, ...], dict[str, Any]] = {}
            for row in rows:
                at = tuple(row[k] for k in key)
                if current.get(at) == row:
                    outcome.directory_unchanged += 1
                    continue
                outcome.directory_stored += 1
                current[at] = changed[at] = row
            if changed:
                self._write(table, list(changed.values()))

    def _existing(self, table: str, keys: Sequence[tuple[Any, ...]]) -> list[dict[str, Any]]:
        """The stored rows of a record table with these keys."""
        key = RECORD_TABLES[table]
        columns = ", ".join(RECORD_COLUMNS[table])
        found: list[dict[str, Any]] = []
        for start in range(0, len(keys), _KEYS_PER_QUERY):
            chunk = keys[start : start + _KEYS_PER_QUERY]
            if len(key) == 1:
                values: list[Any] = [k[0] for k in chunk]
                sql = f"SELECT {columns} FROM {table} WHERE {key[0]} IN $keys"
            else:
                values = list(chunk)
                sql = f"SELECT {columns} FROM {table} WHERE ({', '.join(key)}) IN $keys"
            found.extend(self.rows(sql, {"keys": values}))
        return found

    def _write(
        self, table: str, rows: Sequence[Mapping[str, Any]], *, deleted: bool = False
    ) -> None:
        """Rows (every column of a record table) as its newest version, or their tombstones."""
        columns = RECORD_COLUMNS[table]
        version = self._next_version()
        data = {
            name: pa.array([row[name] for row in rows], _arrow_type(kind))
            for name, kind in columns.items()
        }
        data["_version"] = pa.array([version] * len(rows), pa.uint64())
        data["_deleted"] = pa.array([int(deleted)] * len(rows), pa.uint8())
        self._con.insert(table, pa.table(data))

    def put(self, table: str, row: Mapping[str, Any]) -> None:
        self.put_many(table, [row])

    def put_many(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        names, key, unique = checked_rows(table, rows)
        columns = RECORD_COLUMNS[table]
        unknown = [n for n in names if n not in columns]
        if unknown:
            raise UsageError(f"{table} has no column {', '.join(unknown)}")
        latest = {tuple(row[k] for k in key): dict(row) for row in unique}
        with self._lock:
            try:
                if len(names) < len(columns):  # the other columns keep their stored values
                    stored = {
                        tuple(r[k] for k in key): r for r in self._existing(table, list(latest))
                    }
                    for at, row in latest.items():
                        base = stored.get(at)
                        if base is None:
                            needed = [
                                c
                                for c, kind in columns.items()
                                if c not in row and not kind.startswith("Nullable")
                            ]
                            if needed:
                                raise UsageError(f"a new {table} row needs {', '.join(needed)}")
                            base = dict.fromkeys(columns)
                        latest[at] = {**base, **row}
                self._write(table, list(latest.values()))
            finally:
                self._cache = {}

    def get(self, table: str, **where: Any) -> list[dict[str, Any]]:
        check_record_table(table, list(where))
        return self._select(table, list(RECORD_COLUMNS[table]), where, order=True)

    def get_in(
        self,
        table: str,
        column: str,
        values: Sequence[Any],
        *,
        columns: Sequence[str] = (),
        **where: Any,
    ) -> list[dict[str, Any]]:
        check_record_table(table, [column, *columns, *where], lookup=True)
        shown = list(columns) or list(TABLE_COLUMNS[table])
        found: list[dict[str, Any]] = []
        for start in range(0, len(values), _KEYS_PER_QUERY):
            chunk = list(values[start : start + _KEYS_PER_QUERY])
            found.extend(self._select(table, shown, where, among=(column, chunk)))
        return found

    def _select(
        self,
        table: str,
        shown: list[str],
        where: Mapping[str, Any],
        *,
        among: tuple[str, list[Any]] | None = None,
        order: bool = False,
    ) -> list[dict[str, Any]]:
        known = TABLE_COLUMNS[table]
        for name in [*shown, *where, *([among[0]] if among else [])]:
            if name not in known:
                raise UsageError(f"{table} has no column {name!r}")
        conditions: list[str] = []
        params: dict[str, Any] = {}
        for i, (name, value) in enumerate(where.items()):
            if value is None:
                conditions.append(f"{name} = NULL")  # as in SQL: matches nothing
            else:
                conditions.append(f"{name} = $w{i}")
                params[f"w{i}"] = value
        if among is not None:
            conditions.append(f"{among[0]} IN $among")
            params["among"] = among[1]
        sql = f"SELECT {', '.join(shown)} FROM {table}"
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        if order:
            sql += " ORDER BY ALL"
        return self.rows(sql, params)

    def remove(self, table: str, **where: Any) -> int:
        check_record_table(table, list(where))
        if not where:
            raise UsageError(f"refusing to remove every row of {table}")
        with self._lock:
            try:
                rows = self.get(table, **where)
                if rows:
                    self._write(table, rows, deleted=True)
                return len(rows)
            finally:
                self._cache = {}

    def rebuild_state(self) -> None:
        with self._lock:
            try:
                self._rebuild()
            finally:
                self._cache = {}

    def _rebuild(self) -> None:
        """The state, work and first-annotation tables made again from the whole log, as new
        versions."""
        version = self._next_version()
        with batch.scratch(self._con) as tables:
            state = batch.replace_state(self._con, tables, "events", "*", version)
            batch.rebuild_firsts(self._con, version)
            batch.rebuild_work(self._con, state, version)

    def merge_member(self, old: str, new: str) -> None:
        """`labelpulse.store.merge`'s rule without a transaction, in an order a repeat heals:
        the kept member's rows first, then the events under their new actor and author (with
        their `event_ids`), then the old events deleted and the maintained tables rebuilt. A
        merge cut short leaves the old rows beside the new; running it again finishes it."""
        params = check_merge(old, new)
        with self._lock:
            try:
                self._merge_records(old, new)
                member = ("actor", "author")
                moved = ", ".join(
                    f"if({c} = {{old:String}}, {{new:String}}, {c})" if c in member else c
                    for c in EVENT_COLUMNS
                )
                mine = "WHERE actor = {old:String} OR author = {old:String}"
                self._con.execute(
                    f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) "
                    f"SELECT {moved} FROM events {mine}",
                    params,
                )
                self._con.execute(
                    "INSERT INTO event_ids (id, actor, time_us) "
                    "SELECT id, {new:String}, time_us FROM events WHERE actor = {old:String}",
                    params,
                )
                self._con.execute(
                    f"ALTER TABLE events DELETE {mine} SETTINGS mutations_sync = 2", params
                )
                self._rebuild()
            finally:
                self._cache = {}

    def _merge_records(self, old: str, new: str) -> None:
        """The record tables' side of a merge: the kept member's rows written, the merged
        member's tombstoned."""
        kept = {
            "members": self._select("members", ["id"], {"id": new}),
            "accounts": self._select("accounts", ["member"], {"member": new}),
            "disabled_members": self._select("disabled_members", ["member"], {"member": new}),
        }
        renamed = not kept["members"]  # else the merged member's credentials end
        for table, column in (
            ("members", "id"),
            ("accounts", "member"),
            ("disabled_members", "member"),
            ("memberships", "member"),
            ("sessions", "member"),
        ):
            rows = self.get(table, **{column: old})
            if not rows:
                continue
            if table != "sessions" and not kept.get(table) and (renamed or table != "accounts"):
                self._write(table, [{**row, column: new} for row in rows])
            self._write(table, rows, deleted=True)
        tokens = self.get("tokens", member=old)
        if tokens:  # keyed by their id: a new version moves them, a tombstone ends them
            moved = [{**row, "member": new} for row in tokens]
            self._write("tokens", moved if renamed else tokens, deleted=not renamed)
        rates = self.get("rates", member=old)
        if rates:  # the kept member's own rate for the same project and day wins
            held = {(r["project"], r["effective"]) for r in self.get("rates", member=new)}
            moved = [
                {**r, "member": new} for r in rates if (r["project"], r["effective"]) not in held
            ]
            if moved:
                self._write("rates", moved)
            self._write("rates", rates, deleted=True)
        aliases = self.get("external_ids", kind="member", internal_id=old)
        if aliases:
            self._write("external_ids", [{**row, "internal_id": new} for row in aliases])

    def optimize(self) -> None:
        """Merge each table's parts into one now (OPTIMIZE ... FINAL), dropping superseded row
        versions. Never needed for correct figures; ClickHouse merges in the background, and a
        merged table reads fastest."""
        with self._lock:
            for table in (*TABLE_COLUMNS, "schema_version"):
                self._con.execute(f"OPTIMIZE TABLE {table} FINAL")

    # -- reading ------------------------------------------------------------------------------
    @contextmanager
    def exporting(self) -> Iterator[None]:
        """A ClickHouse server holds a query's memory, not this process; chDB (tests): as is."""
        yield

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        bound, values = bind(sql, params)
        with self._readers.connection() as con:
            return con.arrow(bound, values)

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.query(sql, params).to_pylist()
        return result

    def stream(
        self, sql: str, params: Mapping[str, Any] | None, size: int
    ) -> Iterator[list[dict[str, Any]]]:
        bound, values = bind(sql, params)
        # On a read connection of the pool, held until the last part is read.
        with self._readers.connection() as con:
            for part in con.stream(bound, values, size):
                yield part.to_pylist()

    @property
    def cache(self) -> dict[str, Any]:
        return self._cache

    def metric_tables(self) -> UnboundTables:
        return self._tables

    def close(self) -> None:
        self._readers.close()
        with self._lock:
            self._con.close()


def _arrow_type(kind: str) -> pa.DataType:
    return _ARROW_TYPES[kind.removeprefix("Nullable(").removesuffix(")")]
