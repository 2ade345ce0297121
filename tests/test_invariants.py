"""Properties: arrival order, duplicates and batching never change a figure; the state table
always equals a full rebuild."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelpulse import demo
from labelpulse.events import EVENT_TYPES
from labelpulse.ingest import ingest_records
from labelpulse.metrics import REPORTS, report
from labelpulse.store import Store, connect
from labelpulse.store.check import check_state, repair_state
from tests.report_arguments import WindowArguments

ACTORS = ("ann", "bob", "rev", "mgr")
DEMO_MEMBERS = ("ann-01", "ann-02", "rev-01", "mgr-01")
WINDOW: WindowArguments = {"start": "2026-03-01", "end": "2026-03-04", "tz": "Europe/Berlin"}
DIRECTORY: list[dict[str, Any]] = [
    {"kind": "member", "id": "ann", "name": "Ann", "role": "annotator"},
    {"kind": "member", "id": "bob", "name": "Bob", "role": "annotator"},
    {"kind": "member", "id": "rev", "name": "Rui", "role": "reviewer"},
    {"kind": "member", "id": "mgr", "name": "Mia", "role": "manager"},
    {"kind": "workspace", "id": "w1", "name": "Vision"},
    {"kind": "project", "id": "p1", "name": "Street", "workspace": "w1"},
    {"kind": "project", "id": "p2", "name": "Docs"},
]


@st.composite
def event(draw: st.DrawFn, number: int) -> dict[str, Any]:
    """Small alphabets on purpose: ties in time, several authors, reviews before submits."""
    kind = draw(st.sampled_from(EVENT_TYPES))
    annotation = draw(st.sampled_from(("x1", "x2", "x3", "x4", "x5")))
    hour = draw(st.integers(0, 4 * 24 + 6))
    time = dt.datetime(2026, 2, 28, 20, tzinfo=dt.UTC) + dt.timedelta(hours=hour)
    record: dict[str, Any] = {
        "id": f"e{number}",
        "type": kind,
        "time": time.isoformat().replace("+00:00", "Z"),
        "actor": draw(st.sampled_from(ACTORS)),
        "project": "p1" if annotation in ("x1", "x2", "x3") else "p2",
        "task": f"t-{annotation}",
        "annotation": annotation,
        "duration": draw(st.sampled_from((0, 1.5, 10, 30, 95.25))),
    }
    optional = {
        "idle": st.sampled_from((0, 1)),
        "regions_added": st.integers(0, 3),
        "regions_removed": st.integers(0, 2),
        "regions": st.integers(0, 9),
        "model_assisted": st.booleans(),
        "marked_null": st.booleans(),
        "agreement": st.sampled_from((0.0, 0.42, 1.0)),
        "frames": st.integers(1, 50),
        "author": st.sampled_from(ACTORS),
        "work_type": st.sampled_from(("label", "review", "edit")),
    }
    for name, strategy in optional.items():
        if draw(st.integers(0, 3)) == 0:
            record[name] = draw(strategy)
    if record.get("idle", 0) > record["duration"]:
        record["idle"] = record["duration"]
    if kind == "comment.created":
        record["text"] = "please check the left edge"
    return record


@st.composite
def organisation(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(1, 30))
    return [draw(event(n)) for n in range(count)]


def figures(store: Store, members: tuple[str, ...] = ACTORS) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in REPORTS:
        if name in ("member", "timeline", "comments"):
            for member in members:
                out[f"{name}:{member}"] = report(store, name, member=member, **WINDOW)
        else:
            out[name] = report(store, name, **WINDOW)
            out[f"{name}:p1"] = report(store, name, projects=["p1"], **WINDOW)
    normalised: dict[str, Any] = normalise(out)
    return normalised


def normalise(value: Any) -> Any:
    """Floats to 9 significant digits: sums of agreements may differ in the last bit."""
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


def fresh_store(folder: str, name: str) -> Store:
    return connect(str(Path(folder) / f"{name}.duckdb"))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=organisation(),
    order=st.randoms(use_true_random=False),
    cuts=st.lists(st.integers(1, 30), max_size=4),
    repeats=st.lists(st.integers(0, 29), max_size=5),
)
def test_order_duplicates_and_batches_change_no_figure(
    records: list[dict[str, Any]], order: Any, cuts: list[int], repeats: list[int]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        reference = fresh_store(folder, "reference")
        ingest_records(reference, DIRECTORY + records)
        expected = figures(reference)
        reference.close()

        shuffled = list(records) + [records[i % len(records)] for i in repeats]
        order.shuffle(shuffled)
        other = fresh_store(folder, "other")
        ingest_records(other, DIRECTORY)
        start = 0
        for cut in [*sorted(set(cuts)), len(shuffled)]:
            if cut <= start:
                continue
            ingest_records(other, shuffled[start:cut])
            assert check_state(other).differences == 0
            start = cut
        assert figures(other) == expected
        other.close()


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 10_000), batches=st.integers(2, 7))
def test_demo_organisation_in_batches_equals_one_batch(seed: int, batches: int) -> None:
    records = list(demo.generate(members=8, days=4, events=600, seed=seed, end=dt.date(2026, 3, 4)))
    with tempfile.TemporaryDirectory() as folder:
        whole = fresh_store(folder, "whole")
        ingest_records(whole, records)
        expected = figures(whole, DEMO_MEMBERS)
        parts = fresh_store(folder, "parts")
        size = len(records) // batches + 1
        for start in range(0, len(records), size):
            ingest_records(parts, list(reversed(records[start : start + size])))
        assert check_state(parts).differences == 0
        assert figures(parts, DEMO_MEMBERS) == expected
        repair_state(parts)
        assert figures(parts, DEMO_MEMBERS) == expected
