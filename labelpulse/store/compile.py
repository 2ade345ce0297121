"""Metric SQL without a connection: the tables' schemas, compiled by dialect.

The metric queries (`labelpulse/metrics/`) are Ibis expressions over the tables below, which
every store hands out (`Store.metric_tables`) and compiles with `ibis.to_sql` for its dialect:
no connection is needed, so no Ibis backend shares a store's connection with the threads that
read. The event and state tables' schemas come from their one definition (`store/columns.py`).
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from labelpulse.events import EVENT_COLUMNS
from labelpulse.store.columns import FIRSTS_COLUMNS, REVIEW_COLUMNS, STATE_COLUMNS, ibis_schema
from labelpulse.store.work import WORK_COLUMNS

_S = "!string"

SCHEMAS: dict[str, dict[str, str]] = {
    "events": ibis_schema(EVENT_COLUMNS),
    "state": ibis_schema(STATE_COLUMNS),
    "review_actions": ibis_schema(REVIEW_COLUMNS),
    "work_events": ibis_schema(WORK_COLUMNS),
    "task_firsts": ibis_schema(FIRSTS_COLUMNS),
    # The directory tables the reports name people and projects from.
    "members": {"id": _S, "name": _S, "email": "string", "role": _S},
    "workspaces": {"id": _S, "name": _S},
    "projects": {
        "id": _S,
        "name": _S,
        "workspace": "string",
        "tasks": "int64",
        "deadline": "string",
    },
    "memberships": {"member": _S, "target_kind": _S, "target": _S},
}


class UnboundTables:
    """What `metrics/query.py` needs of an Ibis backend: `table(name)` and `compile(...)`."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self._tables = {name: ibis.table(schema, name=name) for name, schema in SCHEMAS.items()}

    def table(self, name: str) -> ir.Table:
        return self._tables[name]

    def compile(self, expr: ir.Expr, params: dict[Any, Any] | None = None) -> str:
        return str(ibis.to_sql(expr, dialect=self.dialect, pretty=False, params=params or {}))
