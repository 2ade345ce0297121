"""Per-backend benchmarks: import, the member report and the members table on DuckDB,
PostgreSQL and ClickHouse, each against that backend's own hand-written SQL in the same run.

`python -m benchmarks.backends` (also the last part of `make bench`). For each size
(LABELPULSE_BENCH_SIZES, default "1000000,10000000") and backend (LABELPULSE_BENCH_BACKENDS,
default "duckdb,postgres,clickhouse"), on a fresh database:

- import: `labelpulse.ingest.import_file` of the cached demo NDJSON (`demo_file(n)`), in
  events/s; against the backend's own bulk load of the same file with no validation, no dedupe
  and no state (DuckDB `read_ndjson` into a table; PostgreSQL `COPY` of the lines into a
  `jsonb` column; ClickHouse `INSERT ... SELECT * FROM file(..., JSONEachRow)`). Validation
  alone (reading and checking every record, storing nothing) is timed once per size: no
  backend's import can beat it, since a reader thread validates while the store writes;
- store alone: the batches that validation gave, stored into another fresh database as
  `import_file` hands them over (`Store.importing`, then `Store.append_batches`), in events/s: the
  store's share of an import (its COPY, dedupe and state), with no validation beside it on
  the same cores;
- then the database settles as it would on its own shortly after a bulk load (PostgreSQL:
  `VACUUM ANALYZE`, what autovacuum does next; ClickHouse: the background merges finish);
- the member report (`labelpulse.metrics.report(store, "member", ...)` for the busiest
  annotator, 30 days ending 2026-10-31, Europe/Berlin) and the members table over the same
  window, against the floor SQL of `benchmarks/floors/<backend>.py` on the store's own native
  connection. Before any timing, a few key figures of both are checked equal; then both run
  once to warm up and alternate for LABELPULSE_BENCH_REPEAT rounds (default 20; fewer when a
  comparison passes LABELPULSE_BENCH_BUDGET seconds, default 60, after at least 5): medians.

Targets (issue #5): each report within 2x of its floor on every backend; PostgreSQL import at
least 100k events/s (shown, and checked, for the whole import and for the store alone). Issue
#13: no backend's import more than 20% slower at the largest size than at the smallest (a
line per backend: its import events/s at both, and their ratio, at least 0.8). Exits 1 when
one is missed, when figures differ, or when a backend could not run.

Servers: PostgreSQL 15 is started from the Debian binaries (LABELPULSE_PG_BIN, default
/usr/lib/postgresql/15/bin) in a temporary data directory on a free port of 127.0.0.1, as the
`postgres` user when run as root, with stock durability (fsync and synchronous commit on) and
`PG_SETTINGS` below; it is stopped, its whole process group, and its directory removed at the
end, whatever happens. LABELPULSE_BENCH_POSTGRES_URL=postgresql://user@host:port/db uses a
server of your own instead (a database `lp_bench_<n>` is created on it and dropped). ClickHouse
runs in-process through chDB (`chdb://DIR?database=...`, a temporary directory) unless
LABELPULSE_BENCH_CLICKHOUSE_URL=clickhouse://... names a server (then without an import floor:
`file()` reads the server's disk, not ours). DuckDB files go to the bench cache and are deleted.
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import psycopg
from psycopg import sql as pgsql

from benchmarks.common import CACHE, END, TZ, demo_file, sizes_from_env
from benchmarks.floors import (
    Floor,
    differences,
    floor_member_figures,
    floor_members_figures,
    library_member_figures,
    library_members_figures,
)
from benchmarks.floors.clickhouse import ClickHouseFloor
from benchmarks.floors.duckdb import DuckDBFloor
from benchmarks.floors.postgres import PostgresFloor
from labelpulse.ingest import BATCH_SIZE, import_file
from labelpulse.ingest.files import read_batches
from labelpulse.metrics import Window, make_window, report
from labelpulse.store import Store, connect
from labelpulse.validation import Validated, Validator
from tests.backends.postgres_server import PostgresServer

BACKENDS = ("duckdb", "postgres", "clickhouse")
REPORT_TARGET = 2.0  # each report within 2x of its backend's floor
# events/s. DuckDB's import target (150k) is checked by `python -m benchmarks` itself;
# ClickHouse has none.
IMPORT_TARGETS = {"postgres": 100_000}
# The import rate (events/s) at the largest size over the rate at the smallest: at most 20%
# slower, so a batch's cost does not grow with the events already stored.
SCALING_TARGET = 0.8
DAYS = 30
# Beyond PostgreSQL's defaults: memory for a machine with a few GB to spare, and WAL room so a
# bulk load is not cut by checkpoints every 1 GB. Durability stays at the defaults.
PG_SETTINGS = {
    "shared_buffers": "1GB",
    "work_mem": "64MB",
    "maintenance_work_mem": "512MB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "30min",
}
SETTLE_SECONDS = 180.0


# -- timing ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pair:
    """Medians (seconds) of the library and of its floor, timed alternately."""

    ours: float
    floor: float
    rounds: int

    @property
    def ratio(self) -> float:
        return self.ours / self.floor


def paired(ours: Callable[[], Any], floor: Callable[[], Any], repeat: int, budget: float) -> Pair:
    """One warm-up call each, then rounds of one call each (the order alternating, so that a
    change of the machine's load hits both alike) until `repeat` rounds, or `budget` seconds
    after at least 5."""
    ours()
    floor()
    mine: list[float] = []
    theirs: list[float] = []
    began = time.perf_counter()
    for i in range(repeat):
        for fn, samples in ((ours, mine), (floor, theirs))[:: 1 if i % 2 == 0 else -1]:
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
        if i + 1 >= 5 and time.perf_counter() - began > budget:
            break
    return Pair(statistics.median(mine), statistics.median(theirs), len(mine))


def validation_alone(source: Path) -> tuple[float, list[Validated]]:
    """Seconds to read and validate every record of `source` in one thread, storing nothing;
    and the validated batches, for `store_alone`."""
    validator = Validator()
    batches: list[Validated] = []
    start = time.perf_counter()
    for positions, lines in read_batches(source, BATCH_SIZE):
        batches.append(validator.validate_lines(lines, positions))
    return time.perf_counter() - start, batches


def store_alone(backend: Backend, events: int, batches: list[Validated]) -> float:
    """Seconds for a fresh database of `backend` to store validated batches, as `labelpulse
    import` hands them over (`Store.importing`, then `Store.append_batches`): the store's share
    of an import, without the reading and validation that run beside it."""
    url = backend.fresh(events)
    store = connect(url)
    try:
        start = time.perf_counter()
        with store.importing():
            handed = ((batch.events, batch.positions, batch.directory) for batch in batches)
            for _ in store.append_batches(handed):
                pass
        return time.perf_counter() - start
    finally:
        store.close()
        backend.drop(url)


# -- backends -------------------------------------------------------------------------------------
class Backend(ABC):
    """One backend: fresh databases, its floors, its native bulk load, its settling."""

    name = ""

    def version(self) -> str:
        return ""

    @abstractmethod
    def fresh(self, events: int) -> str:
        """The URL of a new, empty database for a run at `events`."""

    @abstractmethod
    def drop(self, url: str) -> None:
        """Remove the database `fresh` made."""

    @abstractmethod
    def floor(self, store: Store) -> Floor:
        """The hand-written SQL of this backend, on the store's own connection."""

    @abstractmethod
    def bulk_load(self, store: Store, source: Path) -> float | None:
        """Seconds for the backend's own load of the NDJSON file (dropped after); None when
        it cannot be measured here."""

    def settle(self, store: Store) -> str:
        """Bring the database to where it would be on its own shortly after a bulk load."""
        return ""

    def close(self) -> None:  # noqa: B027 - most backends start nothing to stop
        """Stop what `fresh` started."""


class DuckDBBackend(Backend):
    name = "duckdb"

    def version(self) -> str:
        return f"DuckDB {duckdb.__version__}"

    def fresh(self, events: int) -> str:
        path = CACHE / f"backends-{events}.duckdb"
        self.drop(str(path))
        return str(path)

    def drop(self, url: str) -> None:
        for stale in (Path(url), Path(url + ".wal")):
            stale.unlink(missing_ok=True)

    def floor(self, store: Store) -> Floor:
        return DuckDBFloor(_private(store, "_con"))

    def bulk_load(self, store: Store, source: Path) -> float:
        con = _private(store, "_con")
        start = time.perf_counter()
        con.execute(f"CREATE TABLE bulk_floor AS SELECT * FROM read_ndjson('{source}')")
        seconds = time.perf_counter() - start
        con.execute("DROP TABLE bulk_floor")
        con.execute("CHECKPOINT")
        return seconds


class PostgresBackend(Backend):
    name = "postgres"

    def __init__(self) -> None:
        self._admin = os.environ.get("LABELPULSE_BENCH_POSTGRES_URL", "")
        self._server: PostgresServer | None = None

    def _admin_url(self) -> str:
        if self._admin:
            return self._admin
        if self._server is None:
            server = PostgresServer(PG_SETTINGS)
            atexit.register(server.stop)  # should the run die on the way
            try:
                server.start()
            except BaseException:
                server.stop()
                raise
            self._server = server
        return self._server.url("postgres")

    def version(self) -> str:
        with psycopg.connect(self._admin_url()) as con:
            row = con.execute("SHOW server_version").fetchone()
        managed = "" if self._admin else ", local server started by the benchmark"
        return f"PostgreSQL {row[0] if row else '?'}{managed}"

    def fresh(self, events: int) -> str:
        name = f"lp_bench_{events}"
        with psycopg.connect(self._admin_url(), autocommit=True) as con:
            con.execute(
                pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(name))
            )
            con.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(name)))
        # A URL the store parses (a libpq key=value string is not one).
        return _pg_url(self._admin_url(), name)

    def drop(self, url: str) -> None:
        name = url.rpartition("/")[2]
        with psycopg.connect(self._admin_url(), autocommit=True) as con:
            con.execute(
                pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(name))
            )

    def floor(self, store: Store) -> Floor:
        return PostgresFloor(_private(store, "_pool").connection)

    def bulk_load(self, store: Store, source: Path) -> float:
        # Each line is one CSV field: JSON never holds the raw control characters used as
        # delimiter and quote, so PostgreSQL gets every line verbatim and parses it as jsonb.
        copy = "COPY bulk_floor (doc) FROM STDIN (FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02')"
        with _private(store, "_pool").connection() as con:
            con.execute("CREATE TABLE bulk_floor (doc jsonb)")
            try:
                start = time.perf_counter()
                with con.cursor() as cur, cur.copy(copy) as pipe, source.open("rb") as file:
                    while chunk := file.read(1 << 20):
                        pipe.write(chunk)
                return time.perf_counter() - start
            finally:
                con.execute("DROP TABLE bulk_floor")

    def settle(self, store: Store) -> str:
        with _private(store, "_pool").connection() as con:
            con.execute("VACUUM ANALYZE")
        return "VACUUM ANALYZE"

    def close(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


class ClickHouseBackend(Backend):
    name = "clickhouse"

    def __init__(self) -> None:
        self._server = os.environ.get("LABELPULSE_BENCH_CLICKHOUSE_URL", "")
        self._dir: Path | None = None
        self._keeper: Any = None  # keeps chDB's engine (one per process) up between stores

    def _base(self) -> str:
        if self._server:
            return self._server.partition("?")[0]
        if self._dir is None:
            import chdb

            self._dir = Path(tempfile.mkdtemp(prefix="labelpulse-bench-chdb-"))
            self._keeper = chdb.connect(str(self._dir))  # type: ignore[no-untyped-call]
        return f"chdb://{self._dir}"

    def version(self) -> str:
        base = self._base()
        store = connect(f"{base}?database=lp_bench_version")
        try:
            version = store.rows("SELECT version() AS v")[0]["v"]
            _native(store).execute("DROP DATABASE IF EXISTS lp_bench_version SYNC")
        finally:
            store.close()
        return f"ClickHouse {version} ({'server' if self._server else 'chDB, in-process'})"

    def fresh(self, events: int) -> str:
        url = f"{self._base()}?database=lp_bench_{events}"
        self.drop(url)
        return url

    def drop(self, url: str) -> None:
        database = url.rpartition("database=")[2]
        if self._keeper is not None:
            self._keeper.query(f"DROP DATABASE IF EXISTS {database} SYNC")
        else:
            store = connect(url)
            try:
                _native(store).execute(f"DROP DATABASE IF EXISTS {database} SYNC")
            finally:
                store.close()

    def floor(self, store: Store) -> Floor:
        return ClickHouseFloor(_native(store))

    def bulk_load(self, store: Store, source: Path) -> float | None:
        if self._server:
            return None
        con = _native(store)
        start = time.perf_counter()
        con.execute(
            "CREATE TABLE bulk_floor ENGINE = MergeTree ORDER BY tuple() "
            f"AS SELECT * FROM file('{source}', 'JSONEachRow')"
        )
        seconds = time.perf_counter() - start
        con.execute("DROP TABLE bulk_floor SYNC")
        return seconds

    def settle(self, store: Store) -> str:
        """Wait for the background merges (a freshly imported table has a part per insert)."""
        con = _native(store)
        here = "database = currentDatabase()"
        deadline = time.monotonic() + SETTLE_SECONDS
        while time.monotonic() < deadline:
            merging = con.arrow(f"SELECT count() AS n FROM system.merges WHERE {here}")
            if not merging.column("n")[0].as_py():
                break
            time.sleep(1)
        parts = con.arrow(
            f"SELECT table, count() AS n FROM system.parts WHERE {here} AND active "
            "AND table IN ('events', 'state', 'review_actions') GROUP BY table ORDER BY table"
        ).to_pylist()
        return "parts " + ", ".join(f"{p['table']} {p['n']}" for p in parts)

    def close(self) -> None:
        if self._keeper is not None:
            self._keeper.close()
            self._keeper = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


def _private(store: Store, name: str) -> Any:
    """A store's native connection (or pool): the floors run on exactly what the store uses."""
    return getattr(store, name)


def _native(store: Store) -> Any:
    return _private(store, "_con")


def _pg_url(admin: str, database: str) -> str:
    """`admin` (a postgresql:// URL) with another database."""
    base, _, rest = admin.partition("?")
    scheme, _, tail = base.partition("://")
    authority = tail.partition("/")[0]
    return f"{scheme}://{authority}/{database}" + (f"?{rest}" if rest else "")


def make_backend(name: str) -> Backend:
    kinds: dict[str, Callable[[], Backend]] = {
        "duckdb": DuckDBBackend,
        "postgres": PostgresBackend,
        "clickhouse": ClickHouseBackend,
    }
    if name not in kinds:
        raise SystemExit(f"unknown backend {name!r} in LABELPULSE_BENCH_BACKENDS: {BACKENDS}")
    return kinds[name]()


# -- one run --------------------------------------------------------------------------------------
@dataclass
class Row:
    """One line of the results table."""

    events: int
    backend: str
    what: str
    ours: str
    floor: str
    ratio: str
    target: str
    ok: bool | None  # None: no target
    note: str = ""

    def mark(self) -> str:
        return "" if self.ok is None else ("✓" if self.ok else "✗")


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    # backend → size → import events/s, for `add_scaling`
    import_rates: dict[str, dict[int, float]] = field(default_factory=dict)

    def add(self, row: Row) -> None:
        self.rows.append(row)
        target = f"{row.target} {row.mark()}".strip()
        print(
            f"{row.events:>11,}  {row.backend:<10} {row.what:<14} {row.ours:>16} {row.floor:>16} "
            f"{row.ratio:>7}  {target:<22} {row.note}",
            flush=True,
        )
        if row.ok is False:
            self.failures.append(f"{row.events:,} {row.backend} {row.what}: missed {row.target}")


def add_scaling(results: Results) -> None:
    """For each backend imported at two sizes or more: its import events/s at the largest size
    against the smallest, and their ratio (SCALING_TARGET)."""
    for name, rates in results.import_rates.items():
        if len(rates) < 2:
            continue
        small, large = min(rates), max(rates)
        ratio = rates[large] / rates[small]
        results.add(
            Row(
                large, name, "import scaling", f"{rates[large] / 1000:,.0f}k ev/s",
                f"{rates[small] / 1000:,.0f}k ev/s", f"{ratio:.2f}x",
                f"≥ {SCALING_TARGET:.2f}x", ratio >= SCALING_TARGET,
                f"import events/s at {large:,} over at {small:,} (the floor column)",
            )
        )  # fmt: skip


# (what, the library's call, the floor's call, the library's figures, the floor's figures)
Check = tuple[
    str,
    Callable[[], Any],
    Callable[[], Any],
    Callable[[Any], dict[str, Any]],
    Callable[[Any], dict[str, Any]],
]


def busiest_annotator(store: Store, window: Window) -> str:
    rows = store.rows(
        "SELECT author, count(*) AS n FROM state WHERE completed_us >= $lo AND completed_us < $hi "
        "AND author IS NOT NULL GROUP BY author ORDER BY n DESC, author LIMIT 1",
        {"lo": window.lo_us, "hi": window.hi_us},
    )
    return str(rows[0]["author"])


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def _rate(events: int, seconds: float) -> str:
    return f"{events / seconds / 1000:,.0f}k ev/s"


def bench_one(
    backend: Backend,
    events: int,
    source: Path,
    validation: tuple[float, list[Validated]],
    repeat: int,
    budget: float,
    results: Results,
) -> None:
    alone = store_alone(backend, events, validation[1])
    url = backend.fresh(events)
    store = connect(url)
    try:
        start = time.perf_counter()
        summary = import_file(store, source)
        ours = time.perf_counter() - start
        if summary.stored != events:
            errors = summary.errors[:3]
            raise RuntimeError(f"import stored {summary.stored:,} of {events:,}: {errors}")
        results.import_rates.setdefault(backend.name, {})[events] = events / ours
        floor_seconds = backend.bulk_load(store, source)
        target = IMPORT_TARGETS.get(backend.name)
        results.add(
            Row(
                events, backend.name, "import", _rate(events, ours),
                "—" if floor_seconds is None else _rate(events, floor_seconds),
                "—" if floor_seconds is None else f"{ours / floor_seconds:.2f}x",
                f"≥ {target // 1000}k ev/s" if target else "—",
                None if target is None else events / ours >= target,
                f"validation alone {_rate(events, validation[0])}",
            )
        )  # fmt: skip
        results.add(
            Row(
                events, backend.name, "store alone", _rate(events, alone), "—", "—",
                f"≥ {target // 1000}k ev/s" if target else "—",
                None if target is None else events / alone >= target,
                "validated batches, Store.importing + append_batches",
            )
        )  # fmt: skip
        settled = backend.settle(store)
        window = make_window(END - dt.timedelta(days=DAYS - 1), END, TZ)
        start_s, end_s = window.start.isoformat(), window.end.isoformat()
        member = busiest_annotator(store, window)
        floor = backend.floor(store)

        def member_report() -> dict[str, Any]:
            return report(store, "member", member=member, start=start_s, end=end_s, tz=TZ)

        def members_table() -> dict[str, Any]:
            return report(store, "members", start=start_s, end=end_s, tz=TZ)

        checks: list[Check] = [
            ("member report", member_report, lambda: floor.member_report(member, window),
             library_member_figures, floor_member_figures),
            ("members table", members_table, lambda: floor.members_table(window),
             library_members_figures, floor_members_figures),
        ]  # fmt: skip
        for what, ours_fn, floor_fn, ours_figures, floor_figures in checks:
            wrong = differences(ours_figures(ours_fn()), floor_figures(floor_fn()))
            for line in wrong:
                print(f"    figures differ: {line}", flush=True)
            if wrong:
                results.failures.append(f"{events:,} {backend.name} {what}: figures differ")
            pair = paired(ours_fn, floor_fn, repeat, budget)
            note = f"median of {pair.rounds}"
            if what == "member report":
                note += f", {member}; {settled}" if settled else f", {member}"
            results.add(
                Row(
                    events, backend.name, what, _ms(pair.ours), _ms(pair.floor),
                    f"{pair.ratio:.2f}x", f"≤ {REPORT_TARGET:g}x",
                    pair.ratio <= REPORT_TARGET and not wrong, note,
                )
            )  # fmt: skip
    finally:
        store.close()
        backend.drop(url)


def markdown(rows: list[Row]) -> str:
    """The results as the README's table."""
    lines = [
        "| events | backend | what | labelpulse | floor | ratio | target |",
        "|---:|---|---|---:|---:|---:|---|",
    ]
    for row in rows:
        size = f"{row.events // 1_000_000}M" if row.events % 1_000_000 == 0 else f"{row.events:,}"
        target = f"{row.target} {row.mark()}".strip()
        lines.append(
            f"| {size} | {row.backend} | {row.what} | {row.ours} | {row.floor} | {row.ratio} "
            f"| {target} |"
        )
    return "\n".join(lines)


def backends_from_env() -> list[str]:
    names = os.environ.get("LABELPULSE_BENCH_BACKENDS", ",".join(BACKENDS))
    return [n.strip() for n in names.split(",") if n.strip()]


def run(sizes: list[int], names: list[str], repeat: int, budget: float) -> bool:
    """Every backend at every size; the table as it goes, then in Markdown. True when every
    target was met and every figure agreed."""
    if not names:
        return True
    # SIGTERM unwinds through every `finally` below: servers stop, databases go.
    previous = signal.signal(signal.SIGTERM, _terminate)
    backends = [make_backend(name) for name in names]
    results = Results()
    print(
        f"\nper-backend benchmarks · {os.cpu_count()} cores · load "
        + " ".join(f"{x:.2f}" for x in os.getloadavg()),
        flush=True,
    )
    try:
        for backend in backends:
            try:
                print(f"  {backend.name}: {backend.version()}", flush=True)
            except Exception as exc:  # reported again when its run fails
                print(f"  {backend.name}: not available: {exc}", flush=True)
        head = f"{'size':>11}  {'backend':<10} {'what':<14} {'labelpulse':>16} {'floor':>16}"
        print(f"{head} {'ratio':>7}  target", flush=True)
        for events in sizes:
            source = demo_file(events)
            validation = validation_alone(source)
            for backend in backends:
                try:
                    bench_one(backend, events, source, validation, repeat, budget, results)
                except Exception as exc:
                    reason = f"{type(exc).__name__}: {exc}"
                    message = f"{events:,} {backend.name}: could not run: {reason}"
                    print(f"    {message}", flush=True)
                    results.failures.append(message)
        add_scaling(results)
    finally:
        for backend in backends:
            backend.close()
        signal.signal(signal.SIGTERM, previous)
    print("\nload after: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print("\n" + markdown(results.rows) + "\n")
    for failure in results.failures:
        print(f"FAILED: {failure}")
    return not results.failures


def _terminate(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def main() -> None:
    repeat = int(os.environ.get("LABELPULSE_BENCH_REPEAT", "20"))
    budget = float(os.environ.get("LABELPULSE_BENCH_BUDGET", "60"))
    ok = run(sizes_from_env(), backends_from_env(), repeat, budget)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
