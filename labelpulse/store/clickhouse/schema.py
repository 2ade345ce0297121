"""The ClickHouse schema: tables, engines, sort keys and migrations (the state SQL is
`store/state.py`'s).

Every table a write can replace a row of is a ReplacingMergeTree whose sort key is the row's
identity, with two hidden (MATERIALIZED, so `SELECT *` leaves them out) columns: `_version`, a
number that grows with every write, and `_deleted`, 1 on a tombstone. Connections read with the
`final` setting on, so each query sees exactly the latest live row per key right after the
write, before any background merge; a removal is a tombstone insert, never an asynchronous
mutation. The event log is a ReplacingMergeTree keyed by (actor, time, id) without a version:
ingest never stores an id twice, and should two writers race, identical copies collapse.
"""

from __future__ import annotations

from labelpulse.events import EVENT_COLUMNS as EVENTS
from labelpulse.store.columns import column_type, table_columns
from labelpulse.store.state import ALL_EVENTS, firsts_sql, reviews_sql, state_sql
from labelpulse.store.work import rebuild_sql

_HIDDEN_DDL = "_version UInt64 MATERIALIZED 0, _deleted UInt8 MATERIALIZED 0"
_REPLACING = "ReplacingMergeTree(_version, _deleted)"

# Column → ClickHouse type, in order, written from the one definition of each table's columns.
EVENT_COLUMNS: dict[str, str] = {c.name: column_type(c, "clickhouse") for c in EVENTS}
STATE_COLUMNS: dict[str, str] = {
    c.name: column_type(c, "clickhouse") for c in table_columns("state", "clickhouse")
}
# `event` (the review event's id) is ClickHouse's own: it makes each review a key of its own.
REVIEW_COLUMNS: dict[str, str] = {
    c.name: column_type(c, "clickhouse") for c in table_columns("review_actions", "clickhouse")
}
WORK_EVENT_COLUMNS: dict[str, str] = {
    c.name: column_type(c, "clickhouse") for c in table_columns("work_events", "clickhouse")
}
FIRSTS_COLUMNS: dict[str, str] = {
    c.name: column_type(c, "clickhouse") for c in table_columns("task_firsts", "clickhouse")
}
RECORD_COLUMNS: dict[str, dict[str, str]] = {
    "members": {"id": "String", "name": "String", "email": "Nullable(String)", "role": "String"},
    "workspaces": {"id": "String", "name": "String"},
    "projects": {
        "id": "String", "name": "String", "workspace": "Nullable(String)",
        "tasks": "Nullable(Int64)", "deadline": "Nullable(String)",
    },
    "memberships": {"member": "String", "target_kind": "String", "target": "String"},
    "accounts": {"member": "String", "password_hash": "String", "updated_us": "Int64"},
    "tokens": {
        "id": "String", "member": "String", "name": "String", "scope": "String",
        "secret_hash": "String", "created_us": "Int64", "revoked_us": "Nullable(Int64)",
    },
    "secrets": {"name": "String", "value": "String"},
    "external_ids": {
        "source": "String", "kind": "String", "external_id": "String", "internal_id": "String",
    },
    "sessions": {
        "id": "String", "member": "String", "role": "String", "created_us": "Int64",
        "expires_us": "Int64",
    },
    "disabled_members": {"member": "String", "disabled_us": "Int64"},
    "rates": {
        "member": "String", "project": "String", "effective": "String", "currency": "String",
        "per_hour": "Nullable(Float64)", "per_accepted": "Nullable(Float64)",
        "per_region": "Nullable(Float64)",
    },
    # PAY: closed pay periods and the figures they kept (issue 16).
    "pay_periods": {
        "first_day": "String", "last_day": "String", "tz": "String", "closed_us": "Int64",
        "closed_by": "String",
    },
    "pay_paid": {
        "period": "String", "for_period": "String", "member": "String", "project": "String",
        "currency": "String", "accepted": "Int64", "active_us": "Int64", "regions": "Int64",
        "amount": "String",
    },
}  # fmt: skip
TABLE_COLUMNS: dict[str, dict[str, str]] = {
    "events": EVENT_COLUMNS,
    "state": STATE_COLUMNS,
    "review_actions": REVIEW_COLUMNS,
    "work_events": WORK_EVENT_COLUMNS,
    "task_firsts": FIRSTS_COLUMNS,
    **RECORD_COLUMNS,
}


def _columns_ddl(columns: dict[str, str]) -> str:
    return ", ".join(f"{name} {kind}" for name, kind in columns.items())


def _record_table(name: str, key: tuple[str, ...]) -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {name} ({_columns_ddl(RECORD_COLUMNS[name])}, {_HIDDEN_DDL}) "
        f"ENGINE = {_REPLACING} ORDER BY ({', '.join(key)})"
    )


# Bloom filters on the columns ingest looks rows up by (event ids, annotations): a batch of new
# events skips nearly every granule instead of scanning the column.
_EVENTS = f"""CREATE TABLE IF NOT EXISTS events ({_columns_ddl(EVENT_COLUMNS)},
  INDEX id_bloom id TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX annotation_bloom annotation TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX project_bloom project TYPE bloom_filter(0.01) GRANULARITY 4)
ENGINE = ReplacingMergeTree ORDER BY (actor, time_us, id)"""

# One row per annotation: the key is (author, annotation) so that a member's report reads only
# that member's granules. An annotation whose author changes gets a tombstone under the old key.
_STATE = f"""CREATE TABLE IF NOT EXISTS state ({_columns_ddl(STATE_COLUMNS)}, {_HIDDEN_DDL},
  INDEX annotation_bloom annotation TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX project_bloom project TYPE bloom_filter(0.01) GRANULARITY 4)
ENGINE = {_REPLACING} ORDER BY (author, annotation) SETTINGS allow_nullable_key = 1"""

_REVIEWS = f"""CREATE TABLE IF NOT EXISTS review_actions ({_columns_ddl(REVIEW_COLUMNS)},
  {_HIDDEN_DDL}, INDEX annotation_bloom annotation TYPE bloom_filter(0.01) GRANULARITY 1)
ENGINE = {_REPLACING} ORDER BY (author, time_us, event) SETTINGS allow_nullable_key = 1"""

# The stored keys ingest asks about per batch, in key-value tables (RocksDB inside ClickHouse):
# "which of these ids are stored?" and "which of these annotations have a state row?" take one
# point lookup per key, so a batch costs the same however long the log (a MergeTree lookup by a
# column outside its sort key reads all of that column's granules for a 250k-key batch: its
# bloom filter passes every granule). Beside each id, its event's sort key prefix, by which the
# rare matches are read back from `events` for the content comparison. Ids are written after
# the events, annotations before the state (`append.remember_ids`, `remember_annotations`); the
# migration that adds the tables fills them from the log and the state.
_EVENT_IDS = """CREATE TABLE IF NOT EXISTS event_ids (id String, actor String, time_us Int64)
ENGINE = EmbeddedRocksDB PRIMARY KEY id"""
_ANNOTATION_IDS = """CREATE TABLE IF NOT EXISTS annotation_ids (annotation String)
ENGINE = EmbeddedRocksDB PRIMARY KEY annotation"""
STORED_KEYS_MIGRATION: tuple[str, ...] = (
    _EVENT_IDS,
    "INSERT INTO event_ids (id, actor, time_us) SELECT id, actor, time_us FROM events",
    _ANNOTATION_IDS,
    "INSERT INTO annotation_ids (annotation) SELECT DISTINCT annotation FROM state",
)

# One row per event (`store/work.py`), keyed by its id, sorted by time for the reports, which
# read a window of it. A batch rewrites the rows of the tasks it touches as new versions, and
# finds their stored rows as it finds the annotations': `task_ids` (key-value, point lookups)
# says which of its tasks have rows, and since when; the sort key skips the granules before the
# earliest of those times, and the bloom filter on `task` most granules after it.
_WORK = f"""CREATE TABLE IF NOT EXISTS work_events ({_columns_ddl(WORK_EVENT_COLUMNS)},
  {_HIDDEN_DDL}, INDEX task_bloom task TYPE bloom_filter(0.01) GRANULARITY 1)
ENGINE = {_REPLACING} ORDER BY (time_us, id)"""
_TASK_IDS = """CREATE TABLE IF NOT EXISTS task_ids (task String, first_us Int64)
ENGINE = EmbeddedRocksDB PRIMARY KEY task"""
# Every task of the log with its earliest event's time (a rebuild writes it anew).
TASK_IDS_FROM_LOG = (
    "INSERT INTO task_ids (task, first_us) SELECT task, min(time_us) FROM events GROUP BY task"
)
_WORK_FROM_LOG = (
    f"INSERT INTO work_events ({', '.join(WORK_EVENT_COLUMNS)}) {rebuild_sql('clickhouse')}"
)
WORK_MIGRATION: tuple[str, ...] = (_WORK, _WORK_FROM_LOG, _TASK_IDS, TASK_IDS_FROM_LOG)
# The reviewers table's times (`reviewing_*`): the table made again with its new columns (the
# drop makes a migration cut short safe to run again).
REVIEWING_MIGRATION: tuple[str, ...] = (
    "DROP TABLE IF EXISTS work_events SYNC",
    _WORK,
    _WORK_FROM_LOG,
)

# One row per done task (`store/state.py`'s `firsts_sql`), keyed by the task: a batch writes
# its tasks' rows as new versions, and a tombstone for a task no longer done.
_FIRSTS = f"""CREATE TABLE IF NOT EXISTS task_firsts ({_columns_ddl(FIRSTS_COLUMNS)}, {_HIDDEN_DDL})
ENGINE = {_REPLACING} ORDER BY (project, task)"""
FIRSTS_MIGRATION: tuple[str, ...] = (
    _FIRSTS,
    f"INSERT INTO task_firsts ({', '.join(FIRSTS_COLUMNS)}) {firsts_sql('clickhouse', 'state')}",
)

# Each migration moves the schema from version N-1 to N (the DuckDB store's numbering). Every
# statement may run again (IF NOT EXISTS): ClickHouse has no DDL transactions, so a migration
# cut short is finished by the next start.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        _EVENTS,
        _STATE,
        _record_table("members", ("id",)),
        _record_table("workspaces", ("id",)),
        _record_table("projects", ("id",)),
        _record_table("memberships", ("member", "target_kind", "target")),
    ),
    (
        _record_table("accounts", ("member",)),
        _record_table("tokens", ("id",)),
        _record_table("secrets", ("name",)),
    ),
    (_record_table("external_ids", ("source", "kind", "external_id")),),
    (
        _REVIEWS,
        f"INSERT INTO review_actions ({', '.join(REVIEW_COLUMNS)}) "
        + reviews_sql("clickhouse", ALL_EVENTS, "state"),
    ),
    (
        _record_table("sessions", ("id",)),
        _record_table("disabled_members", ("member",)),
    ),
    STORED_KEYS_MIGRATION,
    WORK_MIGRATION,
    REVIEWING_MIGRATION,
    # `moved` (a row in another item than its annotation's): the table made again, as above.
    REVIEWING_MIGRATION,
    # A project's task count and deadline (the forecast's), and pay rates (issue 16).
    (
        "ALTER TABLE projects ADD COLUMN IF NOT EXISTS tasks Nullable(Int64) AFTER workspace",
        "ALTER TABLE projects ADD COLUMN IF NOT EXISTS deadline Nullable(String) AFTER tasks",
        _record_table("rates", ("member", "project", "effective")),
    ),
    # PAY: closed pay periods and the figures they kept (issue 16).
    (
        _record_table("pay_periods", ("first_day",)),
        _record_table("pay_paid", ("period", "for_period", "member", "project", "currency")),
    ),
    # The state's `regions` (what its author added; pay's): the table made again from the log
    # (the drop makes a migration cut short safe to run again).
    (
        "DROP TABLE IF EXISTS state SYNC",
        _STATE,
        f"INSERT INTO state ({', '.join(STATE_COLUMNS)}) " + state_sql("clickhouse", ALL_EVENTS),
    ),
    # `pay_prev_us` (pay's audit list counts its item-days as rows): the table made again.
    REVIEWING_MIGRATION,
    # FIRSTS: each done task's first qualifying annotation, the forecasts' (issue 16).
    FIRSTS_MIGRATION,
)

# One row, the highest version: every migration inserts its number, FINAL keeps the largest.
SCHEMA_VERSION_DDL = (
    "CREATE TABLE IF NOT EXISTS schema_version (version UInt32) "
    "ENGINE = ReplacingMergeTree(version) ORDER BY tuple()"
)
