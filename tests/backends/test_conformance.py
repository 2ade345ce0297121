"""The conformance suite: the same tests on every backend, and the same figures as DuckDB.

Each test takes `backend_store` (an empty database on DuckDB, PostgreSQL or ClickHouse, see
conftest.py) and runs what the DuckDB suite runs: every shared scenario, the order/duplicate/
batch properties with Hypothesis, and every report in every format on the demo organisation —
compared with the same work on DuckDB, figure for figure.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelpulse.config import Settings
from labelpulse.demo import generate
from labelpulse.exports import report_csv, report_json, report_tables
from labelpulse.ingest import ingest_records
from labelpulse.metrics import REPORTS, report
from labelpulse.store import Store, connect
from labelpulse.store.check import check_state
from labelpulse.validation import Validator, encode_records
from tests.conftest import load_scenario, scenario_files
from tests.report_arguments import SettledWindowArguments
from tests.scenarios.test_scenarios import check_result, run_check
from tests.test_invariants import DIRECTORY, figures, organisation

END = dt.date(2026, 3, 20)
MEMBER_REPORTS = ("member", "timeline", "comments")


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.stem)
def test_scenario(backend_store: Store, path: Path) -> None:
    scenario = load_scenario(path)
    ingest_records(backend_store, scenario["records"])
    assert check_state(backend_store).differences == 0
    problems = []
    for number, check in enumerate(scenario["checks"], start=1):
        for problem in check_result(run_check(backend_store, check), check):
            problems.append(f"check {number} ({check['report']}): {problem}")
    assert not problems, "\n".join(problems)


def every_report(store: Store, members: tuple[str, ...], tz: str) -> dict[str, Any]:
    settings = Settings(db=store.url, timezone=tz)
    window: SettledWindowArguments = {
        "start": "2026-03-08",
        "end": "2026-03-20",
        "settings": settings,
    }
    out: dict[str, Any] = {}
    for name in REPORTS:
        if name in MEMBER_REPORTS:
            for member in members:
                out[f"{name}:{member}"] = report(store, name, member=member, **window)
        else:
            out[name] = report(store, name, **window)
            out[f"{name}:ws"] = report(store, name, workspaces=["ws-vision"], **window)
    return out


@pytest.fixture(scope="module")
def demo_records() -> list[dict[str, Any]]:
    return list(generate(members=14, days=14, events=4000, seed=11, end=END))


@pytest.fixture(scope="module")
def duckdb_reports(
    demo_records: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    """The reference: the demo organisation's reports on DuckDB, in two zones (one with DST)."""
    store = connect(str(tmp_path_factory.mktemp("reference") / "ref.duckdb"))
    try:
        ingest_records(store, demo_records)
        members = ("ann-01", "ann-02", "rev-01")
        # America/New_York moves to summer time on 2026-03-08, inside the window.
        return {tz: every_report(store, members, tz) for tz in ("UTC", "America/New_York")}
    finally:
        store.close()


def test_every_report_in_every_format_equals_duckdb(
    backend_store: Store,
    demo_records: list[dict[str, Any]],
    duckdb_reports: dict[str, dict[str, Any]],
) -> None:
    # Arrival in shuffled batches of different sizes: the figures must not care.
    shuffled = list(demo_records)
    random.Random(3).shuffle(shuffled)
    directory = [r for r in shuffled if "kind" in r]
    events = [r for r in shuffled if "kind" not in r]
    ingest_records(backend_store, directory)
    for start in range(0, len(events), 1500):
        ingest_records(backend_store, events[start : start + 1500])
    ingest_records(backend_store, events[:700])  # duplicates change nothing
    assert check_state(backend_store).differences == 0
    for tz, expected in duckdb_reports.items():
        actual = every_report(backend_store, ("ann-01", "ann-02", "rev-01"), tz)
        assert actual.keys() == expected.keys()
        for key, data in expected.items():
            assert actual[key] == data, f"{key} ({tz})"
            name = key.split(":")[0]
            assert report_json(actual[key]) == report_json(data)
            assert report_csv(name, actual[key]) == report_csv(name, data)
            assert report_tables(name, actual[key]) == report_tables(name, data)
    assert any(v["rows"] for k, v in duckdb_reports["UTC"].items() if "rows" in v)


# The Hypothesis properties' settings: each example stores an organisation on a real server.
PROPERTY = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def duckdb_figures(tmp_path_factory: pytest.TempPathFactory, records: list[dict[str, Any]]) -> Any:
    """The figures of `records` stored on DuckDB in one atomic batch."""
    reference = connect(str(tmp_path_factory.mktemp("hyp") / "ref.duckdb"))
    try:
        ingest_records(reference, DIRECTORY + records)
        return figures(reference)
    finally:
        reference.close()


def shuffled_with_repeats(
    records: list[dict[str, Any]], order: Any, repeats: list[int]
) -> list[dict[str, Any]]:
    shuffled = list(records) + [records[i % len(records)] for i in repeats]
    order.shuffle(shuffled)
    return shuffled


@PROPERTY
@given(
    records=organisation(),
    order=st.randoms(use_true_random=False),
    cuts=st.lists(st.integers(1, 30), max_size=3),
    repeats=st.lists(st.integers(0, 29), max_size=4),
)
def test_order_duplicates_and_batches_change_no_figure(
    another_store: Callable[[], Store],
    tmp_path_factory: pytest.TempPathFactory,
    records: list[dict[str, Any]],
    order: Any,
    cuts: list[int],
    repeats: list[int],
) -> None:
    expected = duckdb_figures(tmp_path_factory, records)
    shuffled = shuffled_with_repeats(records, order, repeats)
    store = another_store()
    ingest_records(store, DIRECTORY)
    start = 0
    for cut in [*sorted(set(cuts)), len(shuffled)]:
        if cut <= start:
            continue
        ingest_records(store, shuffled[start:cut])
        assert check_state(store).differences == 0
        start = cut
    assert figures(store) == expected


@PROPERTY
@given(
    records=organisation(),
    order=st.randoms(use_true_random=False),
    size=st.integers(1, 40),
    repeats=st.lists(st.integers(0, 29), max_size=6),
)
def test_an_import_in_batches_changes_no_figure(
    another_store: Callable[[], Store],
    tmp_path_factory: pytest.TempPathFactory,
    records: list[dict[str, Any]],
    order: Any,
    size: int,
    repeats: list[int],
) -> None:
    """`Store.append_batches`, as an import stores: on PostgreSQL two batches in flight, a
    batch's COPY beside the state of the one before it, repeated ids and annotations across
    neighbouring batches among them. The figures are those of one atomic batch on DuckDB."""
    expected = duckdb_figures(tmp_path_factory, records)
    shuffled = shuffled_with_repeats(records, order, repeats)
    store = another_store()
    ingest_records(store, DIRECTORY)
    validator = Validator()
    batches = []
    for start in range(0, len(shuffled), size):
        lines = encode_records(shuffled[start : start + size])
        checked = validator.validate_lines(lines, range(start + 1, start + len(lines) + 1))
        batches.append((checked.events, checked.positions, checked.directory))
    outcomes = list(store.append_batches(batches))
    assert sum(o.stored + o.duplicates for o in outcomes) == len(shuffled)
    assert sum(o.stored for o in outcomes) == len({r["id"] for r in records})
    assert check_state(store).differences == 0
    assert figures(store) == expected


def test_the_dashboard_serves_the_same_figures(
    backend_store: Store,
    demo_records: list[dict[str, Any]],
    duckdb_reports: dict[str, dict[str, Any]],
) -> None:
    """`labelpulse serve --db <backend>`: the API, a page and an export over this backend."""
    from fastapi.testclient import TestClient

    from labelpulse.access import create_token
    from labelpulse.web.app import create_app

    ingest_records(backend_store, demo_records)
    token = create_token(backend_store, "owner", name="conformance", scope="read")[1]
    app = create_app(backend_store, Settings(db=backend_store.url, timezone="UTC"))
    window = {"from": "2026-03-08", "to": "2026-03-20", "tz": "UTC"}
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
        member = client.get("/api/members/ann-01/report", params=window)
        assert member.status_code == 200, member.text
        assert member.json() == duckdb_reports["UTC"]["member:ann-01"]
        table = client.get("/api/reports/members", params={**window, "format": "csv"})
        assert table.status_code == 200
        assert table.text == report_csv("members", duckdb_reports["UTC"]["members"])
        assert client.get("/api/health").json()["status"] == "ok"
