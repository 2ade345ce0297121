"""Moving a whole database between backends: events, directory, accounts, tokens, aliases.

Events go across in batches ordered by id (keyset pages: `id > last`), each appended like any
batch of an import (`Store.append_batches`) — so the destination rebuilds its own state table,
and copying again, or into a database that already holds some of the events, stores nothing
twice. The record tables (directory, accounts, tokens, secrets, tools' ids, disabled members)
are copied row for row; sign-in sessions are not: a copy starts with everyone signed out.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pyarrow as pa

from labelpulse.events import EVENT_SCHEMA
from labelpulse.store.base import RECORD_TABLES, Store, ValidatedBatch

BATCH = 250_000
# Directory first (memberships name members), then what hangs off members; closed pay periods
# and what they kept (PAY) last.
TABLES = ("workspaces", "projects", "members", "memberships", "accounts", "tokens", "secrets",
          "external_ids", "disabled_members", "rates", "pay_periods", "pay_paid")  # fmt: skip
# Sessions belong to the server that signed them in; a moved database signs everyone out.
NOT_COPIED = ("sessions",)

# Told (what, done, total) as each table and each batch of events goes across.
CopyProgress = Callable[[str, int, int], None]


@dataclass
class CopySummary:
    events_read: int = 0
    events_stored: int = 0
    events_already_there: int = 0
    conflicts: int = 0
    rows: dict[str, int] = field(default_factory=dict)


def count_events(store: Store) -> int:
    return int(store.rows("SELECT count(*) AS n FROM events")[0]["n"])


def copy_store(
    source: Store,
    target: Store,
    *,
    batch: int = BATCH,
    progress: CopyProgress | None = None,
    status: Callable[[str], None] | None = None,
) -> CopySummary:
    """Copy everything in `source` into `target`; what `target` already holds stays.

    `status` is told what the target does once every event is in (`Store.importing`)."""
    assert set(TABLES) | set(NOT_COPIED) == set(RECORD_TABLES), "a record table is unaccounted for"
    summary = CopySummary()
    for table in TABLES:
        rows = source.get(table)
        target.put_many(table, rows)
        summary.rows[table] = len(rows)
        if progress is not None:
            progress(table, len(rows), len(rows))
    total = count_events(source)
    columns = ", ".join(EVENT_SCHEMA.names)
    sizes: deque[int] = deque()

    def pages() -> Iterator[ValidatedBatch]:
        """The source's events by id, a page at a time (keyset paging)."""
        last: str | None = None
        read = 0
        while True:
            where = "" if last is None else "WHERE id > $last "
            page = source.query(
                f"SELECT {columns} FROM events {where}ORDER BY id LIMIT {int(batch)}",
                {} if last is None else {"last": last},
            )
            if page.num_rows == 0:
                return
            events = pa.Table.from_batches(page.to_batches(), schema=page.schema).cast(EVENT_SCHEMA)
            sizes.append(events.num_rows)
            yield events, range(read + 1, read + events.num_rows + 1), []
            read += events.num_rows
            last = str(events.column("id")[-1].as_py())

    with target.importing(status):
        for outcome in target.append_batches(pages()):
            summary.events_read += sizes.popleft()
            summary.events_stored += outcome.stored
            summary.events_already_there += outcome.duplicates
            summary.conflicts += len(outcome.conflicts)
            if progress is not None:
                progress("events", summary.events_read, total)
    return summary
