"""The counts from `work_events`' prev/next times equal distinct counts over the same rows.

Without a project cut, work, insights and items count through the maintained times
(`store/work.py`); with one, by distinct counts and rankings over the rows in scope (and work's
totals and items under a member cut too). A cut to every project (or every member) is no cut at
all, so both must give the same figures, on irregular data too: tasks shared by projects,
annotations that move between projects and tasks, ties in time.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelpulse.events import EVENT_TYPES
from labelpulse.ingest import ingest_records
from labelpulse.metrics import report
from labelpulse.metrics.registry import Paging
from labelpulse.store import connect
from labelpulse.store.check import check_state
from tests.report_arguments import WindowArguments

ACTORS = ("ann", "bob", "rev")
PROJECTS = ["p1", "p2", "p3"]
WINDOWS: list[WindowArguments] = [
    {"start": "2026-03-01", "end": "2026-03-01", "tz": "UTC"},
    {"start": "2026-03-01", "end": "2026-03-03", "tz": "Asia/Tokyo"},
    {"start": "2026-02-01", "end": "2026-03-31", "tz": "Europe/Berlin"},
]
PAGES = [
    Paging(limit=2),
    Paging(limit=2, offset=1, descending=True),
    Paging(limit=3, search="T1"),
    Paging(limit=1, offset=5),
]


@st.composite
def event(draw: st.DrawFn, number: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(EVENT_TYPES))
    time = dt.datetime(2026, 2, 28, 18, tzinfo=dt.UTC) + dt.timedelta(
        hours=draw(st.integers(0, 3 * 24 + 8))
    )
    record: dict[str, Any] = {
        "id": f"e{number:03d}",
        "type": kind,
        "time": time.isoformat().replace("+00:00", "Z"),
        "actor": draw(st.sampled_from(ACTORS)),
        "project": draw(st.sampled_from(PROJECTS)),
        "task": draw(st.sampled_from(("t1", "t2", "t3"))),
        "annotation": draw(st.sampled_from(("x1", "x2", "x3", "x4"))),
        "duration": draw(st.sampled_from((0, 10, 30))),
    }
    optional = {
        "regions": st.integers(0, 9),
        "frames": st.integers(1, 50),
        "model_assisted": st.booleans(),
        "marked_null": st.booleans(),
        "regions_added": st.integers(0, 3),
        "author": st.sampled_from(ACTORS),
        "work_type": st.sampled_from(("label", "review", "edit")),
    }
    for name, strategy in optional.items():
        if draw(st.integers(0, 2)) == 0:
            record[name] = draw(strategy)
    if kind == "comment.created":
        record["text"] = "look"
    return record


@st.composite
def organisation(draw: st.DrawFn) -> list[dict[str, Any]]:
    return [draw(event(n)) for n in range(draw(st.integers(1, 40)))]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=organisation(), cut=st.integers(0, 40))
def test_maintained_counts_equal_distinct_counts(records: list[dict[str, Any]], cut: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = connect(str(Path(folder) / "org.duckdb"))
        ingest_records(store, records[:cut])
        ingest_records(store, records[cut:])
        assert check_state(store).agrees
        for window in WINDOWS:
            for name in ("work", "insights", "items"):
                whole = report(store, name, **window)
                # (insights' reviews go to the annotation's author, who may be unknown: a member
                # cut drops those rows, so it is no "no cut" there)
                cuts = [{"projects": PROJECTS}] + (
                    [] if name == "insights" else [{"members": list(ACTORS)}]
                )
                for scope in cuts:
                    every = report(store, name, **scope, **window)  # type: ignore[arg-type]
                    assert whole["rows"] == every["rows"], (name, window, scope)
                    assert whole["totals"] == every["totals"], (name, window, scope)
            # A page of items in the report's own order: its keys first, then their figures.
            for paging in PAGES:
                page = report(store, "items", paging=paging, **window)
                counted = report(store, "items", paging=paging, projects=PROJECTS, **window)
                assert page["rows"] == counted["rows"], (window, paging)
                assert page["totals"] == counted["totals"], (window, paging)
                assert page["page"] == counted["page"], (window, paging)
        store.close()
