"""The PostgreSQL schema and its migrations (the state SQL is `store/state.py`'s).

Every text column is `COLLATE "C"`: strings compare and sort by their bytes, as in DuckDB, so
that an `ORDER BY id` (keyset paging in `labelpulse copy`), a tie broken by id in the state, or
a report sorted by name come out in the same order on both backends, whatever the database's
own locale.
"""

from __future__ import annotations

from labelpulse.events import EVENT_COLUMNS
from labelpulse.store.columns import (
    FIRSTS_COLUMNS,
    REVIEW_COLUMNS,
    STATE_COLUMNS,
    columns_ddl,
    names,
)
from labelpulse.store.state import ALL_EVENTS, firsts_sql, reviews_sql, state_sql
from labelpulse.store.work import WORK_COLUMNS, rebuild_sql

T = 'TEXT COLLATE "C"'
# The memory each sort and hash of a query over the whole log may take before it spills to
# disk (a rebuild of the state or of `work_events`): PostgreSQL's default, 4MB, sorts 1M events
# on disk.
WHOLE_LOG_WORK_MEM = "256MB"

EVENT_COLUMN_LIST = names(EVENT_COLUMNS)
# The event log's columns, as the events table and the batch's temporary table declare them.
EVENT_DDL = columns_ddl(EVENT_COLUMNS, "postgres")

# The `task_firsts` rows, from the stored state (a migration's, and a rebuild's).
TASK_FIRSTS = f"INSERT INTO task_firsts {firsts_sql('postgres', 'state')}"

# Each migration moves the schema from version N-1 to N, in step with DuckDB's MIGRATIONS up to
# 6 (the same version numbers hold the same tables; DuckDB's 7, `work_tasks`, is its own, so its
# 8 is this 7), plus PostgreSQL's own indexes: the event log's
# primary key (dedupe and conflicts), the events of an annotation (state upkeep), and what a
# member's report reads (their state by completion time, their review actions and events by
# time). `store_writes` counts committed writes, for the cache (see PostgresStore.cache).
# `work_events` (`store/work.py`) is found by task (a batch reads and replaces the rows of the
# tasks it touches) and, for the reports, by time.
_WORK_EVENTS = f"""
    SET LOCAL work_mem = '{WHOLE_LOG_WORK_MEM}';
    CREATE TABLE work_events ({columns_ddl(WORK_COLUMNS, "postgres")});
    INSERT INTO work_events {rebuild_sql("postgres")} ORDER BY time_us;
    CREATE INDEX work_events_task ON work_events (task);
    CREATE INDEX work_events_time ON work_events (time_us);
    """
MIGRATIONS: tuple[str, ...] = (
    f"""
    CREATE TABLE events ({EVENT_DDL}, PRIMARY KEY (id));
    CREATE INDEX events_annotation ON events (annotation);
    CREATE INDEX events_actor_time ON events (actor, time_us);
    CREATE TABLE state ({columns_ddl(STATE_COLUMNS, "postgres")}, PRIMARY KEY (annotation));
    CREATE INDEX state_author_completed ON state (author, completed_us);
    CREATE INDEX state_task ON state (task);
    CREATE TABLE members (
      id {T} PRIMARY KEY, name {T} NOT NULL, email {T}, role {T} NOT NULL
    );
    CREATE TABLE workspaces (id {T} PRIMARY KEY, name {T} NOT NULL);
    CREATE TABLE projects (id {T} PRIMARY KEY, name {T} NOT NULL, workspace {T});
    CREATE TABLE memberships (
      member {T} NOT NULL, target_kind {T} NOT NULL, target {T} NOT NULL,
      PRIMARY KEY (member, target_kind, target)
    );
    CREATE SEQUENCE store_writes;
    """,
    f"""
    CREATE TABLE accounts (
      member {T} PRIMARY KEY, password_hash {T} NOT NULL, updated_us BIGINT NOT NULL
    );
    CREATE TABLE tokens (
      id {T} PRIMARY KEY, member {T} NOT NULL, name {T} NOT NULL,
      scope {T} NOT NULL, secret_hash {T} NOT NULL, created_us BIGINT NOT NULL,
      revoked_us BIGINT
    );
    CREATE TABLE secrets (name {T} PRIMARY KEY, value {T} NOT NULL);
    """,
    f"""
    CREATE TABLE external_ids (
      source {T} NOT NULL, kind {T} NOT NULL, external_id {T} NOT NULL,
      internal_id {T} NOT NULL, PRIMARY KEY (source, kind, external_id)
    );
    """,
    f"""
    CREATE TABLE review_actions ({columns_ddl(REVIEW_COLUMNS, "postgres")});
    INSERT INTO review_actions {reviews_sql("postgres", ALL_EVENTS, "state")} ORDER BY time_us;
    CREATE INDEX review_actions_annotation ON review_actions (annotation);
    CREATE INDEX review_actions_author_time ON review_actions (author, time_us);
    """,
    f"""
    CREATE TABLE sessions (
      id {T} PRIMARY KEY, member {T} NOT NULL, role {T} NOT NULL,
      created_us BIGINT NOT NULL, expires_us BIGINT NOT NULL
    );
    CREATE INDEX sessions_member ON sessions (member);
    CREATE TABLE disabled_members (member {T} PRIMARY KEY, disabled_us BIGINT NOT NULL);
    """,
    _WORK_EVENTS,
    # The reviewers table's times (`reviewing_*`): the table made again with its new columns.
    f"DROP TABLE work_events; {_WORK_EVENTS}",
    # `moved` (a row in another item than its annotation's): the table made again.
    f"DROP TABLE work_events; {_WORK_EVENTS}",
    # A project's task count and deadline (the forecast's), and pay rates (issue 16).
    f"""
    ALTER TABLE projects ADD COLUMN IF NOT EXISTS tasks BIGINT;
    ALTER TABLE projects ADD COLUMN IF NOT EXISTS deadline {T};
    CREATE TABLE IF NOT EXISTS rates (
      member {T} NOT NULL, project {T} NOT NULL, effective {T} NOT NULL,
      currency {T} NOT NULL, per_hour DOUBLE PRECISION, per_accepted DOUBLE PRECISION,
      per_region DOUBLE PRECISION, PRIMARY KEY (member, project, effective)
    );
    """,
    # PAY: closed pay periods and the figures they kept (issue 16).
    f"""
    CREATE TABLE IF NOT EXISTS pay_periods (
      first_day {T} PRIMARY KEY, last_day {T} NOT NULL, tz {T} NOT NULL,
      closed_us BIGINT NOT NULL, closed_by {T} NOT NULL
    );
    CREATE TABLE IF NOT EXISTS pay_paid (
      period {T} NOT NULL, for_period {T} NOT NULL, member {T} NOT NULL,
      project {T} NOT NULL, currency {T} NOT NULL, accepted BIGINT NOT NULL,
      active_us BIGINT NOT NULL, regions BIGINT NOT NULL, amount {T} NOT NULL,
      PRIMARY KEY (period, for_period, member, project, currency)
    );
    """,
    # The state's `regions` (what its author added; pay's): the table made again from the log.
    f"""
    SET LOCAL work_mem = '{WHOLE_LOG_WORK_MEM}';
    DROP TABLE state;
    CREATE TABLE state ({columns_ddl(STATE_COLUMNS, "postgres")}, PRIMARY KEY (annotation));
    INSERT INTO state {state_sql("postgres", ALL_EVENTS)} ORDER BY completed_us;
    CREATE INDEX state_author_completed ON state (author, completed_us);
    CREATE INDEX state_task ON state (task);
    """,
    # `pay_prev_us` (pay's audit list counts its item-days as rows): the table made again.
    f"DROP TABLE work_events; {_WORK_EVENTS}",
    # FIRSTS: each done task's first qualifying annotation (the forecasts'), found by its task;
    # a batch recomputes the rows of its tasks from their state rows, found by the index on
    # (project, task), which ingest reads and so is not one of REPORT_INDEXES (issue 16).
    f"""
    SET LOCAL work_mem = '{WHOLE_LOG_WORK_MEM}';
    CREATE INDEX IF NOT EXISTS state_project_task ON state (project, task);
    CREATE TABLE IF NOT EXISTS task_firsts (
      {columns_ddl(FIRSTS_COLUMNS, "postgres")}, PRIMARY KEY (project, task)
    );
    DELETE FROM task_firsts;
    {TASK_FIRSTS};
    """,
)

# The indexes that only reports read: ingest finds rows by primary keys and by the annotation
# indexes. An import into an empty database goes without them and builds each once, at its end
# (`PostgresStore.importing`), as pg_restore does: keeping four B-trees up row by row cost more
# than a third of such an import. A store opened while none is being built creates any missing
# (an import that died on the way), so the schema always ends whole.
REPORT_INDEXES: dict[str, str] = {
    "events_actor_time": "events (actor, time_us)",
    "state_author_completed": "state (author, completed_us)",
    "state_task": "state (task)",
    "review_actions_author_time": "review_actions (author, time_us)",
    "work_events_time": "work_events (time_us)",
}
