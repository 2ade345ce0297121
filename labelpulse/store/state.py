"""The state table and the review actions, written once as SQL and rendered per dialect.

metrics.md ("Annotation state") defines each annotation's state from its events; every backend
keeps a `state` table (and `review_actions` beside it) by running the SQL below over the events
a batch touches, and rebuilds them by running it over the whole log. The rule is one template:
the few aggregates the dialects spell differently (the value of the first or last event by
(time, id), an aggregate over the rows meeting a condition) are one small class per dialect,
as Ibis compiles one expression per dialect. A rule change is one edit here.
"""

from __future__ import annotations

from labelpulse.events import COMPLETING, REVIEW_ACTIONS, STATE_ACTIONS
from labelpulse.store.columns import SQL_TYPES, Dialect, names, table_columns
from labelpulse.store.work import LABELING, WORK_INPUT, in_list, typed_sql, work_sql

# The last actions by which an annotation counts as submitted (metrics.md, the members table's
# `submitted`), and by which it makes its task done (`task_firsts`, the forecast's).
SUBMITTED_STATES = ("submitted", "updated", "accepted", "fixed_and_accepted")

# The columns of the events that the state and review SQL read.
TOUCHED_COLUMNS = (
    "annotation, project, task, author, actor, type, time_us, id, duration_us, idle_us, agreement,"
    " regions_added"
)
# Those columns of every stored event: the state's input for a rebuild.
ALL_EVENTS = f"SELECT {TOUCHED_COLUMNS} FROM events"


class Aggregates:
    """DuckDB's spelling; PostgreSQL and ClickHouse override what they say otherwise."""

    arg_min, arg_max = "arg_min", "arg_max"

    def where(self, function: str, arguments: str, condition: str | None) -> str:
        """`function(arguments)` over the rows meeting `condition` (all when None)."""
        if condition is None:
            return f"{function}({arguments})"
        return f"{function}({arguments}) FILTER (WHERE {condition})"

    def first(self, value: str, table: str, condition: str | None = None) -> str:
        """`value` of the earliest row by (time_us, id) of those meeting `condition`; `table`
        qualifies the ordering columns (`ev.`, or nothing)."""
        return self.where(self.arg_min, f"{value}, ({table}time_us, {table}id)", condition)

    def last(self, value: str, table: str, condition: str | None = None) -> str:
        """`value` of the latest row by (time_us, id) of those meeting `condition`."""
        return self.where(self.arg_max, f"{value}, ({table}time_us, {table}id)", condition)

    def least(self, value: str, order: str) -> str:
        """`value` of the row whose `order` (comma-separated columns, none of them NULL) is
        least; DuckDB and ClickHouse skip rows where `value` is NULL."""
        return f"{self.arg_min}({value}, ({order}))"


class PostgresAggregates(Aggregates):
    """arg_min/arg_max by (time_us, id) become the first element of an array ordered so; ids
    are unique, so the order has no ties (and ids compare by bytes, as in DuckDB)."""

    def first(self, value: str, table: str, condition: str | None = None) -> str:
        order = f'ORDER BY {table}time_us, {table}id COLLATE "C"'
        return f"({self.where('array_agg', f'{value} {order}', condition)})[1]"

    def last(self, value: str, table: str, condition: str | None = None) -> str:
        order = f'ORDER BY {table}time_us DESC, {table}id COLLATE "C" DESC'
        return f"({self.where('array_agg', f'{value} {order}', condition)})[1]"

    def least(self, value: str, order: str) -> str:
        return f"(array_agg({value} ORDER BY {order}))[1]"


class ClickHouseAggregates(Aggregates):
    """Conditions are the -If combinator. The connection's setting
    aggregate_functions_null_for_empty makes an -If aggregate over no rows NULL, as in DuckDB."""

    arg_min, arg_max = "argMin", "argMax"

    def where(self, function: str, arguments: str, condition: str | None) -> str:
        if condition is None:
            return f"{function}({arguments})"
        return f"{function}If({arguments}, {condition})"


AGGREGATES: dict[Dialect, Aggregates] = {
    "duckdb": Aggregates(),
    "postgres": PostgresAggregates(),
    "clickhouse": ClickHouseAggregates(),
}


def state_sql(dialect: Dialect, events: str) -> str:
    """The state rows (the `state` table's columns, in order) of the annotations of the events
    `events` selects (a SELECT of TOUCHED_COLUMNS), from all of those events."""
    f = AGGREGATES[dialect]
    bigint = SQL_TYPES[dialect]["int64"]
    work = "ev.type LIKE 'annotation.%'"
    own_work = f"ev.actor = a.owner AND {work}"
    completing = f"ev.actor = a.owner AND ev.type IN ({in_list(COMPLETING)})"
    # The regions the author added in their own submits and updates: what pay prices per region.
    labeling = f"ev.actor = a.owner AND ev.type IN ({in_list(LABELING)})"
    # The action with its prefix dropped: 'annotation.submitted' → 'submitted'.
    latest = f.last("ev.type", "ev.", f"ev.type IN ({in_list(STATE_ACTIONS)})")
    last_action = " ".join(
        f"WHEN '{t}' THEN '{t.partition('.')[2]}'" for t in sorted(STATE_ACTIONS)
    )
    # The author: the first one an event names, else the first actor of the annotation's work.
    named = f.first("author", "", "author IS NOT NULL")
    worker = f.first("actor", "", "type LIKE 'annotation.%' AND type <> 'annotation.deleted'")
    active = "ev.duration_us - coalesce(ev.idle_us, 0)"
    return f"""
WITH ev AS ({events}),
a AS (SELECT annotation, coalesce({named}, {worker}) AS owner FROM ev GROUP BY annotation)
SELECT ev.annotation AS annotation,
  {f.last("ev.project", "ev.")} AS project,
  {f.last("ev.task", "ev.")} AS task,
  a.owner AS author,
  CASE {latest} {last_action} END AS last_action,
  {f.where("max", "ev.time_us", completing)} AS completed_us,
  CAST(coalesce({f.where("sum", "ev.duration_us", own_work)}, 0) AS {bigint}) AS lead_us,
  CAST(coalesce({f.where("sum", active, own_work)}, 0) AS {bigint}) AS active_us,
  CAST(coalesce({f.where("sum", "ev.regions_added", labeling)}, 0) AS {bigint}) AS regions
FROM ev INNER JOIN a ON ev.annotation = a.annotation
GROUP BY ev.annotation, a.owner
"""


def reviews_sql(dialect: Dialect, events: str, state: str) -> str:
    """Every review action among the events `events` selects (a SELECT of TOUCHED_COLUMNS) with
    the author and project its annotation has in `state` (a table, or a parenthesised query):
    the `review_actions` table's columns, in order."""
    event = ", r.id AS event" if dialect == "clickhouse" else ""
    return f"""
SELECT r.annotation AS annotation, s.author AS author, s.project AS annotation_project,
  r.project AS project, r.time_us AS time_us, r.type AS type, r.agreement AS agreement{event}
FROM ({events}) AS r INNER JOIN {state} AS s ON r.annotation = s.annotation
WHERE r.type IN ({in_list(REVIEW_ACTIONS)})
"""


def firsts_sql(dialect: Dialect, state: str, tasks: str | None = None) -> str:
    """The `task_firsts` rows (its columns, in order) of the state rows `state` (a table, or a
    parenthesised query) holds: per (project, task) with a row whose last action counts as
    submitted and that has a completion time, the earliest such row by (completed_us,
    annotation), its annotation, author and time. `tasks`, a condition on `project` and
    `task`, keeps only the tasks meeting it (None: all).

    The author is never NULL on such a row (a completion is the author's own event), so the
    aggregates' skipping NULL values cannot pick another row's author.
    """
    f = AGGREGATES[dialect]
    # Qualified: ClickHouse would read `annotation` as the alias of the first aggregate.
    order = "s.completed_us, s.annotation"
    only = "" if tasks is None else f" AND {tasks}"
    return f"""
SELECT s.project AS project, s.task AS task, {f.least("s.annotation", order)} AS annotation,
  {f.least("s.author", order)} AS author, min(s.completed_us) AS first_us
FROM {state} AS s
WHERE s.last_action IN ({in_list(SUBMITTED_STATES)}) AND s.completed_us IS NOT NULL{only}
GROUP BY s.project, s.task
"""


def differences_sql(dialect: Dialect, table: str) -> str:
    """The rows by which `table` (a table of `check.STATE_TABLES`) differs from a rebuild
    from the whole log: each distinct row with `n`, how many more times it is stored than
    rebuilt (negative: fewer). Counting each side, not a join, holds NULLs equal and
    duplicates apart."""
    rebuilt = state_sql(dialect, ALL_EVENTS)
    if table == "work_events":
        fresh = work_sql(
            dialect, typed_sql(dialect, f"SELECT {WORK_INPUT} FROM events", f"({rebuilt})"), None
        )
    elif table == "review_actions":
        fresh = reviews_sql(dialect, ALL_EVENTS, f"({rebuilt})")
    elif table == "task_firsts":
        fresh = firsts_sql(dialect, f"({rebuilt})")
    else:
        fresh = rebuilt
    columns = names(table_columns(table, dialect))
    return (
        f"SELECT {columns}, sum(side) AS n FROM ("
        f"SELECT {columns}, 1 AS side FROM {table} UNION ALL "
        f"SELECT {columns}, -1 AS side FROM ({fresh}) AS rebuilt) AS sides "
        f"GROUP BY {columns} HAVING sum(side) <> 0"
    )
