"""Metric SQL for backends without an Ibis connection: the tables' schemas, compiled by dialect.

The metric queries (`labelpulse/metrics/`) are Ibis expressions over the tables below. DuckDB
compiles them through its own Ibis backend; PostgreSQL and ClickHouse compile the same
expressions with `ibis.to_sql` for their dialect, over these unbound tables, with no
connection needed. A test holds these schemas equal to the DuckDB store's tables.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

_S, _I, _F, _B = "!string", "!int64", "float64", "!boolean"

SCHEMAS: dict[str, dict[str, str]] = {
    "events": {
        "id": _S, "type": _S, "time_us": _I, "started_us": _I, "actor": _S, "project": _S,
        "task": _S, "annotation": _S, "author": "string", "duration_us": _I, "idle_us": "int64",
        "regions_added": _I, "regions_removed": _I, "regions_updated": _I, "regions": "int64",
        "model_assisted": _B, "marked_null": _B, "agreement": _F, "text": "string",
        "frames": "int64", "work_type": "string", "meta": "string",
    },
    "state": {
        "annotation": _S, "project": _S, "task": _S, "author": "string",
        "last_action": "string", "completed_us": "int64", "lead_us": _I, "active_us": _I,
    },
    "review_actions": {
        "annotation": _S, "author": "string", "annotation_project": _S, "project": _S,
        "time_us": _I, "type": _S, "agreement": _F,
    },
    "members": {"id": _S, "name": _S, "email": "string", "role": _S},
    "workspaces": {"id": _S, "name": _S},
    "projects": {"id": _S, "name": _S, "workspace": "string"},
    "memberships": {"member": _S, "target_kind": _S, "target": _S},
}  # fmt: skip


class UnboundTables:
    """What `metrics/query.py` needs of an Ibis backend: `table(name)` and `compile(...)`."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self._tables = {name: ibis.table(schema, name=name) for name, schema in SCHEMAS.items()}

    def table(self, name: str) -> ir.Table:
        return self._tables[name]

    def compile(self, expr: ir.Expr, params: dict[Any, Any] | None = None) -> str:
        return str(ibis.to_sql(expr, dialect=self.dialect, pretty=False, params=params or {}))
