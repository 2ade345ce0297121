"""The state tables' columns, and every stored column in each dialect's words.

The event columns are defined once, in `labelpulse.events`; the state and review-action columns
here, beside the SQL that computes them (`labelpulse.store.state`). Each backend writes its
DDL from these with `columns_ddl`, `store/compile.py` its unbound tables with `ibis_schema`, and
the conformance test holds every backend's live tables to them.
"""

from __future__ import annotations

from typing import Literal

from labelpulse.events import EVENT_COLUMNS, Column, ColumnType
from labelpulse.store.work import WORK_COLUMNS

Dialect = Literal["duckdb", "postgres", "clickhouse"]

# One row per annotation: the annotation state of metrics.md ("Annotation state").
STATE_COLUMNS: tuple[Column, ...] = (
    Column("annotation", "text"),
    Column("project", "text"),
    Column("task", "text"),
    Column("author", "text", nullable=True),
    Column("last_action", "text", nullable=True),
    Column("completed_us", "int64", nullable=True),
    Column("lead_us", "int64"),
    Column("active_us", "int64"),
    # The regions its author added (their submits' and updates' `regions_added`): pay's.
    Column("regions", "int64"),
)
# Every review action with the author and project its annotation has in the state: the
# performance score's inputs, kept beside the state so that a member's score reads one table.
REVIEW_COLUMNS: tuple[Column, ...] = (
    Column("annotation", "text"),
    Column("author", "text", nullable=True),
    Column("annotation_project", "text"),
    Column("project", "text"),
    Column("time_us", "int64"),
    Column("type", "text"),
    Column("agreement", "float64", nullable=True),
)
# ClickHouse's own last review column, the review event's id: it makes each review a key of its
# own in a ReplacingMergeTree (DuckDB and PostgreSQL need no key there).
REVIEW_EVENT = Column("event", "text")

# One row per done task (a task with a state row whose last action counts as submitted and
# that has a completion time): the earliest such row's annotation, author and completion time
# (ties by annotation id). The forecast reads it instead of grouping the whole state by task.
FIRSTS_COLUMNS: tuple[Column, ...] = (
    Column("project", "text"),
    Column("task", "text"),
    Column("annotation", "text"),
    Column("author", "text", nullable=True),
    Column("first_us", "int64"),
)

TABLES: dict[str, tuple[Column, ...]] = {
    "events": EVENT_COLUMNS,
    "state": STATE_COLUMNS,
    "review_actions": REVIEW_COLUMNS,
    "work_events": WORK_COLUMNS,
    "task_firsts": FIRSTS_COLUMNS,
}

# Each logical type as each dialect declares it. Text in PostgreSQL compares by bytes, as in
# DuckDB (see `store/postgres/schema.py`).
SQL_TYPES: dict[Dialect, dict[ColumnType, str]] = {
    "duckdb": {"text": "VARCHAR", "int64": "BIGINT", "float64": "DOUBLE", "boolean": "BOOLEAN"},
    "postgres": {
        "text": 'TEXT COLLATE "C"',
        "int64": "BIGINT",
        "float64": "DOUBLE PRECISION",
        "boolean": "BOOLEAN",
    },
    "clickhouse": {"text": "String", "int64": "Int64", "float64": "Float64", "boolean": "Bool"},
}
_IBIS_TYPES: dict[ColumnType, str] = {
    "text": "string",
    "int64": "int64",
    "float64": "float64",
    "boolean": "boolean",
}


def table_columns(table: str, dialect: Dialect) -> tuple[Column, ...]:
    """A state or event table's columns as `dialect` stores them, in order."""
    columns = TABLES[table]
    if table == "review_actions" and dialect == "clickhouse":
        return (*columns, REVIEW_EVENT)
    return columns


def column_type(column: Column, dialect: Dialect) -> str:
    """The column's type as `dialect` declares it (NOT NULL, or Nullable, included)."""
    name = SQL_TYPES[dialect][column.type]
    if dialect == "clickhouse":
        return f"Nullable({name})" if column.nullable else name
    return name if column.nullable else f"{name} NOT NULL"


def columns_ddl(columns: tuple[Column, ...], dialect: Dialect) -> str:
    """The column definitions of a CREATE TABLE."""
    return ", ".join(f"{c.name} {column_type(c, dialect)}" for c in columns)


def names(columns: tuple[Column, ...]) -> str:
    """The column names, comma-separated, for a SELECT or an INSERT."""
    return ", ".join(c.name for c in columns)


def ibis_schema(columns: tuple[Column, ...]) -> dict[str, str]:
    """The columns as an Ibis schema (`!` marks NOT NULL)."""
    return {c.name: ("" if c.nullable else "!") + _IBIS_TYPES[c.type] for c in columns}
