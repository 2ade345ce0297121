"""Are the state tables what the event log says? `labelpulse check`, and `--repair`.

Every write keeps `state`, `review_actions`, `work_events` and `task_firsts` up to date from the
events it stores; a bug, a crash between two ClickHouse inserts, or a hand edit can leave them
behind.
`check_state` compares each with a rebuild from the whole log (the same SQL as ingest,
`store/state.py` and `store/work.py`), by reading only; `repair_state` rebuilds them all as one
write.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from labelpulse.store.base import Store
from labelpulse.store.state import differences_sql

STATE_TABLES = ("state", "review_actions", "work_events", "task_firsts")
EXAMPLES = 5  # annotation ids shown per table


@dataclass(frozen=True)
class TableCheck:
    """How one state table differs from a rebuild: rows stored but not rebuilt, rows rebuilt
    but not stored (a changed row is one of each), and a few of the annotations concerned."""

    table: str
    stored_only: int = 0
    rebuilt_only: int = 0
    examples: tuple[str, ...] = ()

    @property
    def differences(self) -> int:
        return self.stored_only + self.rebuilt_only


@dataclass(frozen=True)
class StateCheck:
    """Each state table's differences from a rebuild; none when the tables are right."""

    tables: tuple[TableCheck, ...] = field(default_factory=tuple)

    @property
    def differences(self) -> int:
        """Rows by which the tables differ from a rebuild (0 when they agree)."""
        return sum(t.differences for t in self.tables)

    @property
    def agrees(self) -> bool:
        return self.differences == 0

    def as_dict(self) -> dict[str, object]:
        return {
            "agrees": self.agrees,
            "differences": self.differences,
            "tables": [
                {
                    "table": t.table,
                    "differences": t.differences,
                    "stored_only": t.stored_only,
                    "rebuilt_only": t.rebuilt_only,
                    "examples": list(t.examples),
                }
                for t in self.tables
            ],
        }


def check_state(store: Store) -> StateCheck:
    """Compare the state tables with a rebuild from the whole event log; writes nothing."""
    found = []
    for table in STATE_TABLES:
        rows = store.rows(differences_sql(store.dialect, table))
        examples = sorted({str(row["annotation"]) for row in rows})[:EXAMPLES]
        found.append(
            TableCheck(
                table,
                stored_only=sum(int(row["n"]) for row in rows if row["n"] > 0),
                rebuilt_only=sum(-int(row["n"]) for row in rows if row["n"] < 0),
                examples=tuple(examples),
            )
        )
    return StateCheck(tuple(found))


def repair_state(store: Store) -> None:
    """Rebuild the state tables from the whole event log, as one write."""
    store.rebuild_state()
