"""The demo shows quality flags (issue 16): a rubber-stamping reviewer, a rushing annotator."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from statistics import median

from labelpulse.demo import generate
from labelpulse.ingest import ingest_records
from labelpulse.metrics import report
from labelpulse.store import Store
from tests.test_demo import END, split


def test_the_demo_flags_a_rubber_stamp_and_a_rushing_annotator(store: Store) -> None:
    records = list(generate(end=END))
    _, events = split(records)
    # The generator's own promises still hold: every review session 5 s to 3 min.
    stamps = [e for e in events if e["actor"] == "rev-05" and e["type"].startswith("review.")]
    assert {e["type"] for e in stamps} <= {"review.accepted", "review.viewed"}
    accepted = [e["duration"] for e in stamps if e["type"] == "review.accepted"]
    assert len(accepted) >= 20 and all(5 <= d < 8 for d in accepted)
    leads: dict[str, list[float]] = defaultdict(list)
    for e in events:
        if e["type"] == "annotation.submitted":
            leads[e["actor"]].append(e["duration"])
    assert sum(d < 6 for d in leads["ann-15"]) >= 10
    assert median(d for who, ds in leads.items() for d in ds) >= 20
    ingest_records(store, records)
    start = (END - dt.timedelta(days=29)).isoformat()
    flags = report(store, "flags", start=start, end=END.isoformat())
    found = {(row["member"], row["rule"]) for row in flags["rows"]}
    assert ("rev-05", "rubber_stamp") in found
    assert ("ann-15", "too_fast") in found
    fast = report(store, "flagged_annotations", start=start, end=END.isoformat())
    assert {row["member"] for row in fast["rows"]} >= {"ann-15"}
