"""The store interface every backend implements, and the helpers the backends share.

Backends import this module, never each other; `labelpulse.store.backends.connect` picks one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias
from urllib.parse import urlsplit, urlunsplit

import pyarrow as pa

from labelpulse.errors import InvalidRecordsError, RecordError, UsageError
from labelpulse.events import DirectoryRecord, Member, Membership, Project, Rate, Workspace
from labelpulse.store.columns import Dialect

if TYPE_CHECKING:
    from labelpulse.store.compile import UnboundTables

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
    # Pay rates (directory records of kind `rate`); `project` "" is the member's rate in
    # every project without one of its own.
    "rates": ("member", "project", "effective"),
    # PAY: closed pay periods (by first day) and the figures each closing kept: its own
    # (`for_period` = `period`) and the adjustments it paid for earlier closed periods.
    "pay_periods": ("first_day",),
    "pay_paid": ("period", "for_period", "member", "project", "currency"),
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
ValidatedBatch: TypeAlias = tuple[pa.Table, Sequence[int], Sequence[tuple[int, DirectoryRecord]]]


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
    dialect: Dialect

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

    def append_batches(self, batches: Iterable[ValidatedBatch]) -> Iterator[AppendOutcome]:
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

    def exporting(self) -> AbstractContextManager[None]:
        """Around an export in a process of its own (the CLI's): the store may hold its memory
        down for it, at the cost of the process's other reads (there are none)."""
        ...

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        """Run a read query with named parameters ($name) and return Arrow."""
        ...

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a read query with named parameters ($name) and return rows as dicts."""
        ...

    def stream(
        self, sql: str, params: Mapping[str, Any] | None, size: int
    ) -> Iterator[list[dict[str, Any]]]:
        """`rows` in batches of at most `size`, read from the database as they are consumed:
        however many rows a query gives, the caller holds one batch at a time (an export)."""
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
        write (on another thread) goes with the dict the write replaced
        (`labelpulse.store.cache.remembered` does all three)."""
        ...

    def metric_tables(self) -> UnboundTables:
        """The tables the metric expressions are built over and compiled for this store's
        dialect (unbound: compiling needs no connection, so any thread may)."""
        ...

    def rebuild_state(self) -> None:
        """Recompute the state and review-action tables from the whole event log, as one
        write (`labelpulse check --repair`, through `labelpulse.store.check.repair_state`)."""
        ...

    def merge_member(self, old: str, new: str) -> None:
        """Make member `old` one with member `new` (`new` kept; becomes `old`'s id where `new`
        has no directory row): every stored member id `old` becomes `new`, and the state,
        review-action and work tables are rebuilt, in one write (`labelpulse.store.merge`)."""
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
    parts = urlsplit(url)
    if "://" not in url or parts.password is None:
        return url
    user, _, host = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{user.partition(':')[0]}:***@{host}"))


CONFLICT = (
    "conflicts with an event already stored under this id with different content; "
    "the stored event is kept"
)


def count_repeat(outcome: AppendOutcome, position: int, record_id: str, same: bool) -> None:
    """An event whose id is stored already, or earlier in its batch: a duplicate when `same`
    (identical content), else a conflict."""
    if same:
        outcome.duplicates += 1
    else:
        outcome.conflicts.append(RecordError(position, record_id, "id", CONFLICT))


def refuse_conflicts(outcome: AppendOutcome) -> None:
    """For an atomic batch: any conflict refuses the whole of it (the caller rolls back)."""
    if outcome.conflicts:
        raise InvalidRecordsError(
            f"{len(outcome.conflicts)} record(s) conflict with stored events; nothing was stored",
            details=[c.as_dict() for c in outcome.conflicts],
        )


def directory_row(record: DirectoryRecord) -> tuple[str, dict[str, Any]]:
    """The record table a directory record goes to, and its row there."""
    if isinstance(record, Membership):
        kind, target = (
            ("workspace", record.workspace) if record.workspace else ("project", record.project)
        )
        return "memberships", {"member": record.member, "target_kind": kind, "target": target}
    if isinstance(record, Member):
        row = {"id": record.id, "name": record.name, "email": record.email, "role": record.role}
        return "members", row
    if isinstance(record, Workspace):
        return "workspaces", {"id": record.id, "name": record.name}
    if isinstance(record, Rate):
        return "rates", rate_row(record)
    assert isinstance(record, Project)
    row = {"id": record.id, "name": record.name, "workspace": record.workspace}
    return "projects", row | {"tasks": record.tasks, "deadline": record.deadline}


# The `rates` row's `project` for a rate of every project (a key column cannot be null).
EVERY_PROJECT = ""


def rate_row(record: Rate) -> dict[str, Any]:
    """A rate record as its `rates` row (the columns in the table's order)."""
    return {
        "member": record.member,
        "project": record.project or EVERY_PROJECT,
        "effective": record.effective,
        "currency": record.currency,
        "per_hour": record.per_hour,
        "per_accepted": record.per_accepted,
        "per_region": record.per_region,
    }


def checked_rows(
    table: str, rows: Sequence[Mapping[str, Any]]
) -> tuple[list[str], tuple[str, ...], list[Mapping[str, Any]]]:
    """`put_many`'s rows checked (a record table; the same columns in every row, its key among
    them): their column names, the table's key, and the last row given for each key."""
    names = list(rows[0])
    check_record_table(table, names)
    key = RECORD_TABLES[table]
    missing = [k for k in key if k not in names]
    if missing and len(rows) == 1:
        raise UsageError(f"a {table} row needs {', '.join(missing)}")
    if missing or any(list(row) != names for row in rows):
        raise UsageError(f"every {table} row needs the same columns, the key {key} among them")
    latest = {tuple(row[k] for k in key): row for row in rows}
    return names, key, list(latest.values())


def upsert_action(names: Sequence[str], key: Sequence[str]) -> str:
    """The ON CONFLICT action of an upsert of `names` by `key` (DuckDB's and PostgreSQL's)."""
    updates = [n for n in names if n not in key]
    if not updates:
        return "DO NOTHING"
    return "DO UPDATE SET " + ", ".join(f"{n} = excluded.{n}" for n in updates)


class PlainImports:
    """`Store.append_batches` and `Store.importing` for a store that stores an import's batches
    one at a time and has nothing to prepare for it (DuckDB: one process writes, one
    transaction at a time, and no index an import could build afterwards; ClickHouse: each
    insert is parallel inside the server, and MergeTree tables sort it and merge in the
    background)."""

    def append_batches(self: Store, batches: Iterable[ValidatedBatch]) -> Iterator[AppendOutcome]:
        for events, positions, directory in batches:
            yield self.append(events, positions, directory)

    def importing(
        self, status: Callable[[str], None] | None = None
    ) -> AbstractContextManager[None]:
        return nullcontext()
