"""The forecasts' worked example (docs/metrics-beyond.md) on DuckDB, PostgreSQL and
ClickHouse: the same figures, with and without a members cut (which ranks each task's
annotations to find who carried it), in UTC and in a zone east of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from labelpulse.metrics import report
from labelpulse.store import Store, connect
from tests.metrics import test_forecast as example
from tests.metrics.org import ev, load


def figures(store: Store) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for tz in ("UTC", "Asia/Tokyo"):
        for name in ("forecast", "forecast_members"):
            for members in (None, ["ann", "bob"]):
                out[f"{name}:{tz}:{members}"] = report(
                    store,
                    name,
                    start="2026-03-01",
                    end="2026-03-10",
                    tz=tz,
                    members=members,
                    settings=example.SETTINGS,
                )["rows"]
    return out


def test_every_backend_gives_the_worked_examples_figures(
    backend_store: Store, tmp_path: Path
) -> None:
    example.build(backend_store)
    found = figures(backend_store)
    reference = connect(str(tmp_path / "reference.duckdb"))
    try:
        example.build(reference)
        assert found == figures(reference)
    finally:
        reference.close()
    atlas = next(row for row in found["forecast:UTC:None"] if row["project"] == "p1")
    assert (atlas["done"], atlas["expected_finish"], atlas["status"]) == (
        12,
        "2026-03-14",
        "at risk",
    )
    carried = [(r["project"], r["member"], r["done"]) for r in found["forecast_members:UTC:None"]]
    assert carried[:3] == [("p1", "ann", 6), ("p1", "bob", 4), ("p1", "cy", 2)]
    cut = next(row for row in found["forecast:UTC:['ann', 'bob']"] if row["project"] == "p1")
    assert cut["done"] == 10


def test_a_tie_goes_to_the_smaller_annotation_id(backend_store: Store) -> None:
    # Both annotations of t1 are completed in the same microsecond: y1 (bob's) sorts first.
    load(
        backend_store,
        ev("submitted", "03-05 10:00", "ann", "z1", task="t1"),
        ev("submitted", "03-05 10:00", "bob", "y1", task="t1"),
        ev("submitted", "03-05 11:00", "ann", "Y2", task="t2"),
        ev("submitted", "03-05 11:00", "bob", "a2", task="t2"),
    )
    rows = report(
        backend_store, "forecast_members", start="2026-03-01", end="2026-03-10", tz="UTC"
    )["rows"]
    # Y2 sorts before a2 by bytes (capitals first), as every backend compares ids.
    assert [(r["member"], r["done"]) for r in rows] == [("ann", 1), ("bob", 1)]
    cut = report(
        backend_store,
        "forecast",
        start="2026-03-01",
        end="2026-03-10",
        tz="UTC",
        members=["bob"],
    )["rows"]
    assert [(r["project"], r["done"]) for r in cut] == [("p1", 1)]
