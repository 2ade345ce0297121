"""The PostgreSQL schema, its migrations, and the state SQL: DuckDB's, in PostgreSQL's words.

Every text column is `COLLATE "C"`: strings compare and sort by their bytes, as in DuckDB, so
that an `ORDER BY id` (keyset paging in `labelpulse copy`), a tie broken by id in the state, or
a report sorted by name come out in the same order on both backends, whatever the database's
own locale.
"""

from __future__ import annotations

from labelpulse.events import EVENT_SCHEMA, REVIEW_ACTIONS

T = 'TEXT COLLATE "C"'

EVENT_COLUMNS = EVENT_SCHEMA.names
EVENT_COLUMN_LIST = ", ".join(EVENT_COLUMNS)
_STATE_ACTIONS = (
    "'annotation.submitted','annotation.updated','annotation.skipped','annotation.deleted',"
    "'review.accepted','review.rejected','review.fixed_and_accepted'"
)
_COMPLETING = "'annotation.submitted','annotation.updated','annotation.skipped'"
REVIEW_COLUMNS = "annotation, project, time_us, type, agreement"
STATE_COLUMNS = "annotation, project, task, author, actor, type, time_us, id, duration_us, idle_us"

# The event log's columns, as the events table and the batch's temporary table declare them.
EVENT_DDL = f"""
  id {T} NOT NULL, type {T} NOT NULL, time_us BIGINT NOT NULL,
  started_us BIGINT NOT NULL, actor {T} NOT NULL, project {T} NOT NULL,
  task {T} NOT NULL, annotation {T} NOT NULL, author {T},
  duration_us BIGINT NOT NULL, idle_us BIGINT, regions_added BIGINT NOT NULL,
  regions_removed BIGINT NOT NULL, regions_updated BIGINT NOT NULL, regions BIGINT,
  model_assisted BOOLEAN NOT NULL, marked_null BOOLEAN NOT NULL, agreement DOUBLE PRECISION,
  text {T}, frames BIGINT, work_type {T}, meta {T}
"""

# Every review action (of the `{events}` selected) with the author and project its annotation
# has in `{state}` (as DuckDB's REVIEWS_SQL).
REVIEWS_SQL = f"""
SELECT r.annotation, s.author, s.project AS annotation_project, r.project, r.time_us, r.type,
  r.agreement
FROM ({{events}}) r JOIN {{state}} s USING (annotation)
WHERE r.type IN ({", ".join(f"'{t}'" for t in REVIEW_ACTIONS)})
"""
ALL_REVIEWS = f"SELECT {REVIEW_COLUMNS} FROM events"

# The annotation state of metrics.md ("Annotation state"), from the events `{events}` selects.
# DuckDB's arg_min/arg_max by (time_us, id) become the first element of an array ordered so;
# ids are unique, so the order has no ties.
_FIRST = 'ORDER BY time_us, id COLLATE "C"'
_LAST = 'ORDER BY ev.time_us DESC, ev.id COLLATE "C" DESC'
STATE_SQL = f"""
WITH ev AS ({{events}}),
authors AS (
  SELECT annotation,
    coalesce(
      (array_agg(author {_FIRST}) FILTER (WHERE author IS NOT NULL))[1],
      (array_agg(actor {_FIRST})
        FILTER (WHERE type LIKE 'annotation.%' AND type <> 'annotation.deleted'))[1]
    ) AS author
  FROM ev GROUP BY annotation
)
SELECT ev.annotation,
  (array_agg(ev.project {_LAST}))[1] AS project,
  (array_agg(ev.task {_LAST}))[1] AS task,
  a.author,
  regexp_replace((array_agg(ev.type {_LAST}) FILTER (WHERE ev.type IN ({_STATE_ACTIONS})))[1],
                 '^(annotation|review)\\.', '') AS last_action,
  max(ev.time_us) FILTER (WHERE ev.actor = a.author AND ev.type IN ({_COMPLETING})) AS completed_us,
  coalesce(sum(ev.duration_us)
    FILTER (WHERE ev.actor = a.author AND ev.type LIKE 'annotation.%'), 0)::BIGINT AS lead_us,
  coalesce(sum(ev.duration_us - coalesce(ev.idle_us, 0))
    FILTER (WHERE ev.actor = a.author AND ev.type LIKE 'annotation.%'), 0)::BIGINT AS active_us
FROM ev JOIN authors a USING (annotation)
GROUP BY ev.annotation, a.author
"""
ALL_EVENTS = f"SELECT {STATE_COLUMNS} FROM events"

# Each migration moves the schema from version N-1 to N, in step with DuckDB's MIGRATIONS (the
# same version numbers hold the same tables), plus PostgreSQL's own indexes: the event log's
# primary key (dedupe and conflicts), the events of an annotation (state upkeep), and what a
# member's report reads (their state by completion time, their review actions and events by
# time). `store_writes` counts committed writes, for the cache (see PostgresStore.cache).
MIGRATIONS: tuple[str, ...] = (
    f"""
    CREATE TABLE events ({EVENT_DDL}, PRIMARY KEY (id));
    CREATE INDEX events_annotation ON events (annotation);
    CREATE INDEX events_actor_time ON events (actor, time_us);
    CREATE TABLE state (
      annotation {T} PRIMARY KEY, project {T} NOT NULL, task {T} NOT NULL,
      author {T}, last_action {T}, completed_us BIGINT,
      lead_us BIGINT NOT NULL, active_us BIGINT NOT NULL
    );
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
    CREATE TABLE review_actions (
      annotation {T} NOT NULL, author {T}, annotation_project {T} NOT NULL,
      project {T} NOT NULL, time_us BIGINT NOT NULL, type {T} NOT NULL,
      agreement DOUBLE PRECISION
    );
    INSERT INTO review_actions """
    + REVIEWS_SQL.format(events=ALL_REVIEWS, state="state")
    + """ ORDER BY r.time_us;
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
}
