"""The report benchmarks' floors compute the library's figures, on a small demo database.

`python -m benchmarks.reports` checks each floor against the library before it times anything,
but only when someone runs it (minutes, at 1M events and up). Here the same check runs on a
year of demo data in every test run, over the benchmark's own windows and questions: a floor
that drifts from the library (or a report whose figures change under a floor) fails here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.common import END, TZ
from benchmarks.floors.forecast import FORECAST_FLOORS
from benchmarks.floors.reports import Question, ReportFloor
from benchmarks.reports import FLOORS, ask, check, questions
from labelpulse.cli.demo_plans import plan_projects
from labelpulse.cli.pay_demo import demo_rates
from labelpulse.config import Settings
from labelpulse.demo import write_ndjson
from labelpulse.ingest import import_file, ingest_records
from labelpulse.store import connect
from labelpulse.store.directory import Directory
from labelpulse.store.duckdb import DuckDBStore

# Enough events that every report has rows over the month window too.
EVENTS = 20_000
# The reports whose floor over the maintained tables is written.
MAINTAINED = {
    "member",
    "members",
    "reviewers",
    "throughput",
    "insights",
    "insights_projects",
    "insights_daily",
    "work",
    "items",
    # FLAGS (issue 16)
    "flags",
    "flagged_annotations",
    # FC (deadline forecasts)
    "forecast",
    "forecast_members",
    "pay",  # PAY
    "pay_lines",  # PAY
}


@pytest.fixture(scope="module")
def bench_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDBStore]:
    """A year of demo data ending on the benchmark's last day, as the benchmark imports it."""
    folder = tmp_path_factory.mktemp("bench")
    source = folder / "demo.ndjson"
    write_ndjson(source, members=24, days=365, events=EVENTS, seed=7, end=END)
    store = connect(str(folder / "bench.duckdb"))
    assert isinstance(store, DuckDBStore)
    assert import_file(store, Path(source)).stored == EVENTS
    # PAY: the demo's rates, so that the pay floors price something
    ingest_records(store, demo_rates(Directory.load(store), END - dt.timedelta(days=400)))
    yield store
    store.close()


@pytest.fixture(scope="module")
def asked(bench_store: DuckDBStore) -> dict[str, Question]:
    return dict(questions(bench_store._con))


@pytest.mark.parametrize("window", ["1 month", "1 year"])
@pytest.mark.parametrize("floor", FLOORS, ids=[f.name for f in FLOORS])
def test_floors_agree_with_the_library(
    bench_store: DuckDBStore, asked: dict[str, Question], floor: ReportFloor, window: str
) -> None:
    q = asked[window]
    report = ask(bench_store, floor, q)
    assert report["annotations"]["submitted"] if floor.report == "member" else report["rows"]
    wrong, written = check(floor, bench_store, q)
    assert wrong == []
    assert written == (floor.report in MAINTAINED)


# FC (deadline forecasts): the benchmark's demo has no task counts; with the demo's plans
# (every status, finish dates, open ends) the forecasts' floors must still agree.
@pytest.mark.parametrize("floor", FORECAST_FLOORS, ids=[f.name for f in FORECAST_FLOORS])
def test_forecast_floors_agree_on_planned_projects(
    bench_store: DuckDBStore, asked: dict[str, Question], floor: ReportFloor
) -> None:
    q = asked["1 month"]
    statuses = plan_projects(bench_store, Settings(timezone=TZ), q.window.end)
    assert "at risk" in statuses.values()
    assert check(floor, bench_store, q) == ([], True)
