"""Quality flags (issue 16) on every backend: the hand-built March where every rule but the
score drop fires gives the same rows, figures and words on DuckDB, PostgreSQL and ClickHouse."""

from __future__ import annotations

from typing import Any

from labelpulse.ingest import ingest_records
from labelpulse.store import Store
from tests.metrics.org import member, run
from tests.metrics.test_flags import _flagged_org


def _both(store: Store) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return run(store, "flags")["rows"], run(store, "flagged_annotations")["rows"]


def test_flags_are_the_same_on_every_backend(backend_store: Store) -> None:
    records = [member("ann", "Ann"), member("cy", "Cy"), *_flagged_org()]
    ingest_records(backend_store, records)
    flags, fast = _both(backend_store)
    by = {(r["member"], r["rule"]): r for r in flags}
    assert set(by) == {
        ("ann", "throughput_drop"),
        ("bob", "too_fast"),
        ("cy", "rejection_rate"),
        ("rev", "rubber_stamp"),
    }
    assert (by[("ann", "throughput_drop")]["value"], by[("ann", "throughput_drop")]["basis"]) == (
        10,
        20,
    )
    # cy: 6 of 10 rejected against the team's 6 of 30
    assert by[("cy", "rejection_rate")]["value"] == 0.6
    assert by[("cy", "rejection_rate")]["baseline"] == 0.2
    assert by[("rev", "rubber_stamp")]["reason"] == (
        "Accepted 20 of 20 review actions (100%) with a median of 3 s per annotation reviewed"
    )
    assert by[("cy", "rejection_rate")]["member_name"] == "Cy"
    # bob's two 10 s annotations against p1's 24 submitted (cy's 6 rejected are not):
    # 10, 10, 100 x 14 (ann's 10, cy's 4), 120 x 8: the 12th and 13th are 100
    assert [(r["annotation"], r["time"], r["project_median"], r["ratio"]) for r in fast] == [
        ("b0", 10.0, 100.0, 0.1),
        ("b1", 10.0, 100.0, 0.1),
    ]
    assert fast[0]["completed_at"] == "2026-03-03T10:00:00Z"
    assert fast[0]["project_annotations"] == 24
