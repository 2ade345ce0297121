"""One answer per Label Studio state (issue 14): whichever path saw an annotation's versions —
each of them (webhooks), only the last (a fresh sync or an import), or some, in any order — the
figures are those of one fresh sync of the final state. Versions made from the samples of a
real 1.23.2 (tests/labelstudio/samples) and applied as the paths apply them; no server. The
same actions against the real server: tests/labelstudio/test_one_answer.py.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from labelpulse.connectors.labelstudio import remember_users
from labelpulse.connectors.labelstudio.apply import Batch, apply
from labelpulse.connectors.labelstudio.mapping import Version
from labelpulse.connectors.labelstudio.records import SOURCE, LsAnnotation
from labelpulse.connectors.people import People
from labelpulse.metrics import report
from labelpulse.store import Store, connect

SAMPLES = Path(__file__).parents[1] / "labelstudio" / "samples"
ADMIN, ANN = "admin@labelpulse.test", "ann@labelpulse.test"
# Reports over the sample's day, and each day alone: a figure placed on the wrong moment shows.
WINDOWS = [("2026-11-25", "2026-11-25"), ("2026-11-24", "2026-11-26")]
TABLES = ("members", "insights", "work", "items")
MADE = "2026-11-25T21:00:00.000000Z"
CHANGED = "2026-11-25T22:00:00.000000Z"


def sample(name: str) -> Any:
    return json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def ann_version(updated_at: str, lead_time: float, **changes: Any) -> LsAnnotation:
    """Ann's (user 2) annotation 1 of the samples, made at MADE, as it is after a save."""
    data = copy.deepcopy(sample("export_json")[0]["annotations"][0])
    data.update(created_at=MADE, updated_at=updated_at, lead_time=lead_time, updated_by=2)
    data.update(changes)
    return LsAnnotation.read(data)


def figures(store: Store) -> dict[str, Any]:
    """Every report a fresh sync must agree with (the timeline lists events: not a figure)."""
    found: dict[str, Any] = {}
    for start, end in WINDOWS:
        for member in (ADMIN, ANN):
            found[f"member {member} {start}"] = report(
                store, "member", member=member, start=start, end=end, tz="UTC"
            )
        for name in TABLES:
            found[f"{name} {start}"] = report(store, name, start=start, end=end, tz="UTC")
    return found


def apply_steps(store: Store, steps: Sequence[Sequence[Version]]) -> None:
    remember_users(store, sample("users"))
    for versions in steps:
        apply(store, Batch(versions=list(versions)), People(store, SOURCE))


def paths_agree(tmp_path: Path, final: LsAnnotation, **paths: Sequence[Sequence[Version]]) -> Store:
    """Apply each path into a database of its own; their figures must equal those of one
    fresh sync of `final` (returned, open: the caller checks its figures by hand)."""
    fresh = connect(str(tmp_path / "fresh.duckdb"))
    apply_steps(fresh, [[Version(final)]])
    expected = figures(fresh)
    for name, steps in paths.items():
        other = connect(str(tmp_path / f"{name}.duckdb"))
        try:
            apply_steps(other, steps)
            assert figures(other) == expected, name
            apply_steps(other, [[Version(final)]])  # then a sync: nothing changes
            assert figures(other) == expected, name
        finally:
            other.close()
    return fresh


def annotation_figures(store: Store, member: str) -> dict[str, Any]:
    found: dict[str, Any] = report(
        store, "member", member=member, start="2026-11-25", end="2026-11-25", tz="UTC"
    )["annotations"]
    return {k: found[k] for k in ("submitted", "updated", "skipped", "total_time")}


def last_active(store: Store) -> dict[str, str]:
    rows = report(store, "members", start="2026-11-25", end="2026-11-25", tz="UTC")["rows"]
    return {r["member"]: r["last_active"] for r in rows}


def test_an_edit_by_another_user_leaves_the_lead_time_to_the_author(tmp_path: Path) -> None:
    """The admin PATCHes Ann's annotation, lead_time 25 -> 40 (issue 14's measurement): Ann
    40 s and the admin an edit of 0 s, whether a path saw her first version or not."""
    first = ann_version(MADE, 25.0)
    final = ann_version(CHANGED, 40.0, updated_by=1)
    fresh = paths_agree(
        tmp_path,
        final,
        webhooks=[[Version(first, "created")], [Version(final, "updated")]],
        late_creation=[[Version(final, "updated")], [Version(first, "created")]],
        two_syncs=[[Version(first)], [Version(final)]],
    )
    assert annotation_figures(fresh, ANN) == {
        "submitted": 1, "updated": 1, "skipped": 0, "total_time": 40.0,
    }  # fmt: skip
    assert annotation_figures(fresh, ADMIN)["submitted"] == 0
    work = report(fresh, "work", start="2026-11-25", end="2026-11-25", tz="UTC")["rows"]
    assert {r["member"]: (r["label_time"], r["edit_time"], r["edited"]) for r in work} == {
        ADMIN: (0.0, 0.0, 1),
        ANN: (40.0, 0.0, 0),
    }
    assert last_active(fresh) == {ADMIN: "2026-11-25T22:00:00Z", ANN: "2026-11-25T21:00:00Z"}
    fresh.close()


def test_the_author_s_own_change_is_hers_with_its_time(tmp_path: Path) -> None:
    """Ann changes her own annotation (25 -> 40 s): seen or not, 40 s, completed at the change."""
    first = ann_version(MADE, 25.0)
    final = ann_version(CHANGED, 40.0)
    fresh = paths_agree(
        tmp_path, final, webhooks=[[Version(first, "created")], [Version(final, "updated")]]
    )
    assert annotation_figures(fresh, ANN)["total_time"] == 40.0
    assert last_active(fresh) == {ANN: "2026-11-25T22:00:00Z"}
    fresh.close()
