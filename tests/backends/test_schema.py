"""Each backend's live tables hold to the one definition of their columns.

The event, state and review-action columns are defined once (`labelpulse.events`,
`labelpulse.store.columns`) and every backend writes its DDL from them. This reads the tables a
fresh store created, from the database's own catalogue, and compares names, order, types and
nullability, with each logical type spelled here as that database reports it.
"""

from __future__ import annotations

from typing import Any

from labelpulse.events import Column
from labelpulse.store import Store
from labelpulse.store.columns import TABLES, table_columns

# Each logical type as each database's catalogue names it.
REPORTED: dict[str, dict[str, str]] = {
    "duckdb": {"text": "VARCHAR", "int64": "BIGINT", "float64": "DOUBLE", "boolean": "BOOLEAN"},
    "postgres": {
        "text": "text",
        "int64": "bigint",
        "float64": "double precision",
        "boolean": "boolean",
    },
    "clickhouse": {"text": "String", "int64": "Int64", "float64": "Float64", "boolean": "Bool"},
}

CATALOGUE: dict[str, str] = {
    "duckdb": """SELECT column_name AS name, data_type AS type, is_nullable = 'YES' AS nullable,
        NULL AS collation FROM information_schema.columns
        WHERE table_name = $t ORDER BY ordinal_position""",
    "postgres": """SELECT column_name AS name, data_type AS type, is_nullable = 'YES' AS nullable,
        collation_name AS collation FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = $t ORDER BY ordinal_position""",
    # The hidden row-version columns (MATERIALIZED) are ClickHouse's bookkeeping, not data.
    "clickhouse": """SELECT name, type, startsWith(type, 'Nullable(') AS nullable,
        NULL AS collation FROM system.columns
        WHERE database = currentDatabase() AND table = $t AND default_kind != 'MATERIALIZED'
        ORDER BY position""",
}


def expected(column: Column, dialect: str) -> dict[str, Any]:
    name = REPORTED[dialect][column.type]
    if dialect == "clickhouse" and column.nullable:
        name = f"Nullable({name})"
    text = dialect == "postgres" and column.type == "text"
    return {
        "name": column.name,
        "type": name,
        "nullable": column.nullable,
        "collation": "C" if text else None,
    }


def test_live_tables_match_the_one_definition(backend_store: Store) -> None:
    dialect = backend_store.dialect
    for table in TABLES:
        live = [
            {**row, "nullable": bool(row["nullable"])}
            for row in backend_store.rows(CATALOGUE[dialect], {"t": table})
        ]
        assert live == [expected(c, dialect) for c in table_columns(table, dialect)], table
