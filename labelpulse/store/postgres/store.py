"""The PostgreSQL store: for several server processes writing at once, or a team's own server."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import duckdb
import psycopg
import pyarrow as pa
from psycopg import sql as pgsql

from labelpulse.errors import StoreError, UsageError
from labelpulse.events import DirectoryRecord
from labelpulse.store.base import (
    AppendOutcome,
    ValidatedBatch,
    check_record_table,
    checked_rows,
    lookup_sql,
    redacted,
    upsert_action,
    where_sql,
)
from labelpulse.store.columns import Dialect
from labelpulse.store.compile import UnboundTables
from labelpulse.store.merge import merge_steps
from labelpulse.store.postgres import append as batch
from labelpulse.store.postgres import pipeline
from labelpulse.store.postgres.connections import arrow_table, open_pool, pyformat
from labelpulse.store.postgres.schema import (
    MIGRATIONS,
    REPORT_INDEXES,
    TASK_FIRSTS,
    WHOLE_LOG_WORK_MEM,
)
from labelpulse.store.state import ALL_EVENTS, reviews_sql, state_sql
from labelpulse.store.work import rebuild_sql


class PostgresStore:
    """A store in a PostgreSQL database (`postgresql://user:password@host:port/database`).

    Any number of processes may open the same database and write to it at once: each batch
    is one transaction, and batches take turns for their dedupe and state upkeep (see
    `labelpulse.store.postgres.append`). Within a process, threads share a small pool of
    connections.
    """

    dialect: Dialect = "postgres"

    def __init__(self, url: str) -> None:
        self.url = url
        self._pool = open_pool(url)
        self._cache: dict[str, Any] = {}
        self._cache_writes: int | None = None
        self._cache_lock = threading.Lock()
        self._tables = UnboundTables(self.dialect)
        self._columns: dict[str, list[str]] = {}
        self._duckdb: duckdb.DuckDBPyConnection | None = None
        self._duckdb_lock = threading.Lock()
        try:
            self._migrate()
            self._complete_indexes()
        except BaseException:
            self._pool.close()
            raise

    # -- schema -------------------------------------------------------------------------------
    def _migrate(self) -> None:
        """Run the migrations not run yet, each in a transaction, under a lock: several
        processes starting at once on a new database migrate it once."""
        with self._pool.connection() as con:
            for number in range(1, len(MIGRATIONS) + 1):
                try:
                    with con.transaction():
                        con.execute("SELECT pg_advisory_xact_lock(%s)", [batch.MIGRATE_LOCK])
                        con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER)")
                        if self._version(con) >= number:
                            continue
                        con.execute(MIGRATIONS[number - 1], prepare=False)
                        con.execute("DELETE FROM schema_version")
                        con.execute("INSERT INTO schema_version VALUES (%s)", [number])
                except psycopg.Error as exc:
                    raise StoreError(
                        f"migration to schema version {number} of {redacted(self.url)} "
                        f"failed: {exc}"
                    ) from exc

    def _complete_indexes(self) -> None:
        """Create the report indexes an import left unbuilt (it died on the way), unless an
        import is building them now."""
        with self._pool.connection() as con:
            if not _true(con, "SELECT pg_try_advisory_lock(%s)", [batch.IMPORT_LOCK]):
                return  # the import holding it builds them at its end
            try:
                missing = self._missing_report_indexes(con)
            finally:
                con.execute("SELECT pg_advisory_unlock(%s)", [batch.IMPORT_LOCK])
        self._build_indexes(missing)

    @staticmethod
    def _missing_report_indexes(con: psycopg.Connection[Any]) -> list[str]:
        present = {
            row[0]
            for row in con.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
            )
        }
        return [name for name in REPORT_INDEXES if name not in present]

    def _build_indexes(
        self, names: Sequence[str], status: Callable[[str], None] | None = None
    ) -> None:
        """Build report indexes side by side, on two connections (each takes one core), each
        share followed by `ANALYZE` of its tables (the planner's statistics for what was just
        loaded); `status` is told first. None: nothing done."""
        if not names:
            return
        if status is not None:
            status("Building the report indexes")
        failed: list[BaseException] = []

        def build(share: Sequence[str]) -> None:
            try:
                with self._pool.connection() as con:
                    for name in share:
                        con.execute(
                            f"CREATE INDEX IF NOT EXISTS {name} ON {REPORT_INDEXES[name]}",
                            prepare=False,
                        )
                    tables = dict.fromkeys(REPORT_INDEXES[name].split()[0] for name in share)
                    con.execute(f"ANALYZE {', '.join(tables)}", prepare=False)
            except BaseException as exc:  # raised again below
                failed.append(exc)

        # The first alone (the events', the biggest, when it is missing), the rest on the other:
        # at 1M events, 1.7 s and 1.4 s of one core each, and ANALYZE 0.2-0.3 s per share.
        shares = [list(names[:1]), list(names[1:])]
        threads = [threading.Thread(target=build, args=(share,)) for share in shares if share]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failed:
            raise StoreError(f"could not build the report indexes: {failed[0]}") from failed[0]

    @contextmanager
    def importing(self, status: Callable[[str], None] | None = None) -> Iterator[None]:
        """Many batches to come: into an empty database, they go in without the report indexes
        (`schema.REPORT_INDEXES`), which are built once at the end, whatever happens.

        Only one import at a time does so: it holds a session lock (`IMPORT_LOCK`) on a
        connection of its own until the indexes are built. Others meanwhile store their batches
        as always, only without those indexes; reports stay correct, and slower, until the end.
        """
        with self._pool.connection() as holder:
            if not _true(holder, "SELECT pg_try_advisory_lock(%s)", [batch.IMPORT_LOCK]):
                yield
                return
            try:
                dropped = self._drop_report_indexes_if_empty()
                try:
                    yield
                except BaseException:
                    # The import's own error is the one to see: should building fail too, the
                    # next store opened on the database builds what is missing.
                    with contextlib.suppress(Exception):
                        self._build_indexes(dropped, status)
                    raise
                self._build_indexes(dropped, status)
            finally:
                holder.execute("SELECT pg_advisory_unlock(%s)", [batch.IMPORT_LOCK])

    def _drop_report_indexes_if_empty(self) -> list[str]:
        """Drop the report indexes when no event is stored: the names to build at the end
        (none when events are stored)."""
        with self._pool.connection() as con, con.transaction():
            con.execute("SELECT pg_advisory_xact_lock(%s)", [batch.APPEND_LOCK])
            if _true(con, "SELECT EXISTS (SELECT 1 FROM events)", []):
                return []
            for name in REPORT_INDEXES:
                con.execute(f"DROP INDEX IF EXISTS {name}", prepare=False)
            return list(REPORT_INDEXES)

    @staticmethod
    def _version(con: psycopg.Connection[Any]) -> int:
        row = con.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def schema_version(self) -> int:
        with self._pool.connection() as con:
            return self._version(con)

    # -- writing ------------------------------------------------------------------------------
    def append(
        self,
        events: pa.Table,
        positions: Sequence[int],
        directory: Sequence[tuple[int, DirectoryRecord]],
        *,
        atomic: bool = False,
    ) -> AppendOutcome:
        for attempt in range(1, pipeline.DEADLOCK_RETRIES + 2):
            with self._pool.connection() as con, self._engine() as engine:
                try:
                    outcome = batch.append(con, engine, events, positions, directory, atomic)
                except psycopg.errors.DeadlockDetected as exc:
                    # Another writer's batch and this one inserted the same ids in opposite
                    # orders before the lock; PostgreSQL rolled this one back whole.
                    if attempt <= pipeline.DEADLOCK_RETRIES:
                        pipeline.log.warning(pipeline.DEADLOCK_WARNING)
                        continue
                    raise StoreError(f"could not store the batch: {exc}") from exc
                except psycopg.Error as exc:
                    raise StoreError(f"could not store the batch: {exc}") from exc
                finally:
                    self._cache = {}
                self._written(con)
                return outcome
        raise AssertionError("unreachable")

    def append_batches(self, batches: Iterable[ValidatedBatch]) -> Iterator[AppendOutcome]:
        """Two batches in flight: the next one's COPY while the one before it writes its
        state, each in its own transaction (`labelpulse.store.postgres.pipeline`)."""
        try:
            yield from pipeline.append_batches(
                batches, self._pool.connection, self._engine, self._written
            )
        except psycopg.Error as exc:
            raise StoreError(f"could not store the batch: {exc}") from exc
        finally:
            self._cache = {}

    def _engine(self) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection of one batch's own, to an in-memory database opened once."""
        with self._duckdb_lock:
            if self._duckdb is None:
                self._duckdb = duckdb.connect(":memory:")
            return self._duckdb.cursor()

    def _written(self, con: psycopg.Connection[Any]) -> None:
        """After a committed write: clear our cache, and count the write for every process's.

        The count moves after the commit, so a process that sees it moved sees the write too.
        """
        self._cache = {}
        con.execute("SELECT nextval('store_writes')")

    def put(self, table: str, row: Mapping[str, Any]) -> None:
        self.put_many(table, [row])

    def put_many(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        names, key, latest = checked_rows(table, rows)
        sql = (
            f"INSERT INTO {table} ({', '.join(names)}) "
            f"VALUES ({', '.join('%s' for _ in names)}) "
            f"ON CONFLICT ({', '.join(key)}) {upsert_action(names, key)}"
        )
        with self._pool.connection() as con:
            with con.transaction(), con.cursor() as cur:
                cur.executemany(sql, [list(row.values()) for row in latest])
            self._written(con)

    def get(self, table: str, **where: Any) -> list[dict[str, Any]]:
        check_record_table(table, list(where))
        sql, values = where_sql(f"SELECT * FROM {table}", where, "%s")
        order = ", ".join(self._table_columns(table))
        return self._fetch(f"{sql} ORDER BY {order}", values or None)

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
        if not values:
            return []
        sql, params = lookup_sql(table, column, columns, where, "%s", "{column} = ANY({mark})")
        return self._fetch(sql, [*params, list(values)])

    def remove(self, table: str, **where: Any) -> int:
        check_record_table(table, list(where))
        if not where:
            raise UsageError(f"refusing to remove every row of {table}")
        sql, values = where_sql(f"DELETE FROM {table}", where, "%s")
        with self._pool.connection() as con:
            removed = con.execute(sql, values).rowcount
            self._written(con)
            return removed

    def rebuild_state(self) -> None:
        with self._pool.connection() as con:
            with con.transaction():
                self._rebuild(con)
            self._written(con)

    def merge_member(self, old: str, new: str) -> None:
        steps = merge_steps(old, new)
        with self._pool.connection() as con:
            try:
                with con.transaction():
                    # Under the batches' lock: no batch stores events of `old` meanwhile.
                    con.execute("SELECT pg_advisory_xact_lock(%s)", [batch.APPEND_LOCK])
                    for statement, params in steps:
                        con.execute(pyformat(statement), params)
                    self._rebuild(con)
            except psycopg.Error as exc:
                raise StoreError(f"could not merge member {old!r} into {new!r}: {exc}") from exc
            finally:
                self._cache = {}
            self._written(con)

    def _rebuild(self, con: psycopg.Connection[Any]) -> None:
        """The state, review-action, work and first-annotation tables made again from the whole
        log, in the caller's transaction, under the batches' lock."""
        con.execute("SELECT pg_advisory_xact_lock(%s)", [batch.APPEND_LOCK])
        con.execute(f"SET LOCAL work_mem = '{WHOLE_LOG_WORK_MEM}'")
        con.execute("DELETE FROM state")
        con.execute("INSERT INTO state " + state_sql(self.dialect, ALL_EVENTS))
        con.execute("DELETE FROM review_actions")
        con.execute("INSERT INTO review_actions " + reviews_sql(self.dialect, ALL_EVENTS, "state"))
        con.execute("DELETE FROM work_events")
        con.execute(
            f"INSERT INTO work_events {rebuild_sql(self.dialect)} ORDER BY time_us",
            prepare=False,
        )
        con.execute("DELETE FROM task_firsts")
        con.execute(TASK_FIRSTS)

    # -- reading ------------------------------------------------------------------------------
    @contextmanager
    def exporting(self) -> Iterator[None]:
        """The server holds a query's memory (its work_mem), not this process: nothing to do."""
        yield

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        with self._pool.connection() as con, con.cursor() as cur:
            if params:
                cur.execute(pyformat(sql), dict(params))
            else:
                cur.execute(sql)
            return arrow_table(cur)

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        if params:
            return self._fetch(pyformat(sql), dict(params))
        return self._fetch(sql, None)

    def stream(
        self, sql: str, params: Mapping[str, Any] | None, size: int
    ) -> Iterator[list[dict[str, Any]]]:
        # A server-side cursor (which lives in a transaction) sends `size` rows per fetch.
        with (
            self._pool.connection() as con,
            con.transaction(),
            con.cursor(name="labelpulse_stream") as cur,
        ):
            cur.execute(pyformat(sql) if params else sql, dict(params) if params else None)
            names: list[str] | None = None
            while fetched := cur.fetchmany(size):
                names = names or [column.name for column in cur.description or ()]
                yield [dict(zip(names, row, strict=True)) for row in fetched]

    def _fetch(
        self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None
    ) -> list[dict[str, Any]]:
        with self._pool.connection() as con, con.cursor() as cur:
            cur.execute(sql, params)
            names = [column.name for column in cur.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def _table_columns(self, table: str) -> list[str]:
        if table not in self._columns:
            with self._pool.connection() as con, con.cursor() as cur:
                cur.execute(pgsql.SQL("SELECT * FROM {} LIMIT 0").format(pgsql.Identifier(table)))
                self._columns[table] = [column.name for column in cur.description or ()]
        return self._columns[table]

    @property
    def cache(self) -> dict[str, Any]:
        """Emptied by every write of any process: the write counter is read each time (one
        cheap query), and a count that moved empties the cache before it is handed out."""
        with self._pool.connection() as con:
            row = con.execute("SELECT last_value, is_called FROM store_writes").fetchone()
        writes = int(row[0]) if row and row[1] else 0
        with self._cache_lock:
            if self._cache_writes is None or writes > self._cache_writes:
                self._cache = {}
                self._cache_writes = writes
            elif writes < self._cache_writes:
                # Another thread has seen a later write since this count was read: what this
                # reader reads goes into a dict of its own, for none to find.
                return {}
            return self._cache

    def metric_tables(self) -> UnboundTables:
        return self._tables

    def close(self) -> None:
        self._pool.close()
        with self._duckdb_lock:
            if self._duckdb is not None:
                self._duckdb.close()
                self._duckdb = None


def _true(con: psycopg.Connection[Any], sql: str, params: Sequence[Any]) -> bool:
    row = con.execute(sql, params).fetchone()
    return bool(row and row[0])
