"""Real Label Studio files, as Label Studio, its SDK and its docs publish them
(tests/data/real/label-studio; its README says where each comes from and what wrote it),
imported through the real CLI into a fresh DuckDB file. Every figure below was worked out by
hand from the file, by issue 14's rules:

- an annotation whose `updated_at` is within 0.25 s of `created_at` is one
  `annotation.submitted`; one changed later is its first version (with the whole `lead_time`)
  and an `annotation.updated` (0 s) by `updated_by` (the author when it is not set);
- the actor is `completed_by`: a plain id is member `label-studio-<id>`, an expanded user with an
  email is the member of that email (lower case); `completed_by` missing or null falls back to
  `updated_by`;
- regions are the annotation's distinct region ids: `relation` items have none and items that
  share an id (a rectangle and its per-region taxonomy) are one region;
- Enterprise exports' embedded `annotations[].reviews` are review actions by their `created_by`.

The events are compared as (type, actor) counts, lead time per member and regions per
annotation, not by event id: the ids of annotations without `unique_id` are the connector's to
choose. No mocks: the CLI's runner, a DuckDB file, the web app's real webhook route.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from labelpulse.cli import app
from labelpulse.config import Settings
from labelpulse.connectors.labelstudio import SECRET_HEADER, ensure_secret
from labelpulse.errors import LabelpulseError
from labelpulse.store import Store, connect
from labelpulse.web.app import create_app

REAL = Path(__file__).parents[1] / "data" / "real" / "label-studio"
ENV = {"LABELPULSE_DB": None}
SUBMITTED, UPDATED = "annotation.submitted", "annotation.updated"
REJECTED = "review.rejected"
FIRST_VERSIONS = ("annotation.submitted", "annotation.skipped")
# What Label Studio's export dialog calls the one format that carries every annotation.
EXPORT_JSON = re.compile(r"Export\b.*\bJSON", re.DOTALL)


@dataclass(frozen=True)
class Figures:
    """What a file must give: events by (type, actor), seconds of lead time per member (over
    `annotation.*` events), and each annotation's regions (on its first version), sorted."""

    events: dict[tuple[str, str], int]
    lead: dict[str, float]
    regions: list[int]


@dataclass(frozen=True)
class Case:
    file: str
    expected: Figures


CASES = [
    # Enterprise, Oct-Nov 2022, no unique_id; users expanded; two embedded reviews, both
    # accepted: false by review@heartex.com. Annotations 7 (1 rectangle, 7.662 s) and 8 (two
    # rectangles, 35.267 s), each saved once (updated_at 12 µs and 8 µs after created_at).
    Case(
        "sdk-csv_test.json",
        Figures(
            {(SUBMITTED, "hakan@heartex.com"): 2, (REJECTED, "review@heartex.com"): 2},
            {"hakan@heartex.com": 42.929},
            [1, 2],
        ),
    ),
    # Nov 2022, no unique_id; annotation 9: one `choices` result with an id (10.744 s).
    Case(
        "sdk-csv_test2.json",
        Figures({(SUBMITTED, "test@heartex.com"): 1}, {"test@heartex.com": 10.744}, [1]),
    ),
    # May 2024 (unique_id, history); annotation 18047: one `choices` (1.849 s).
    Case(
        "sdk-csv_test_history.json",
        Figures({(SUBMITTED, "sergei@heartex.test"): 1}, {"sergei@heartex.test": 1.849}, [1]),
    ),
    # Jan 2024; annotation 22 by user 1: one polygon (8.65 s).
    Case(
        "sdk-json_min-data.json",
        Figures({(SUBMITTED, "label-studio-1"): 1}, {"label-studio-1": 8.65}, [1]),
    ),
    # Jan 2024; annotation 21 by user 1: a rectangle and its per-region taxonomy, both with id
    # FmoGRgYXtw: one region (13.042 s).
    Case(
        "sdk-json_min-data_repeater.json",
        Figures({(SUBMITTED, "label-studio-1"): 1}, {"label-studio-1": 13.042}, [1]),
    ),
    # Dec 2022, no unique_id, no updated_by; all three annotations changed hours after their
    # creation: user 2's annotation 1 (1235.418 s), user 1's 2 (85.444 s) and 3
    # (5.651999999999999 s: 5.652 to the microsecond); two rectangles each.
    Case(
        "sdk-yolo-data.json",
        Figures(
            {
                (SUBMITTED, "label-studio-2"): 1,
                (UPDATED, "label-studio-2"): 1,
                (SUBMITTED, "label-studio-1"): 2,
                (UPDATED, "label-studio-1"): 2,
            },
            {"label-studio-2": 1235.418, "label-studio-1": 91.096},
            [2, 2, 2],
        ),
    ),
    # May 2025; annotation 11996 changed an hour after creation (172.763 s): 9 results — a
    # rectangle, 3 keypoints (their own ids, `parentID` the rectangle) and 5 relations — are 4
    # regions (`result_count` 5: Label Studio's count of distinct ids takes the relations'
    # missing id for one more).
    Case(
        "sdk-yolo-data_keypoints.json",
        Figures(
            {(SUBMITTED, "sergei@heartex.test"): 1, (UPDATED, "sergei@heartex.test"): 1},
            {"sergei@heartex.test": 172.763},
            [4],
        ),
    ),
    # May 2024; user 1: annotation 1552 changed 4 h after creation (23 rectangles, 831.874 s),
    # 1554 (updated_at = created_at, 46.098 s) and 1555 (73 µs, 30.079 s) with one each.
    Case(
        "sdk-yolo-data_obb.json",
        Figures(
            {(SUBMITTED, "label-studio-1"): 3, (UPDATED, "label-studio-1"): 1},
            {"label-studio-1": 908.051},
            [1, 1, 23],
        ),
    ),
    # Jan 2023, no unique_id; annotation 211797 by user 1: one polygon (19.212 s).
    Case(
        "sdk-yolo-data_polygons.json",
        Figures({(SUBMITTED, "label-studio-1"): 1}, {"label-studio-1": 19.212}, [1]),
    ),
    # May 2025; annotation 60205850 has no completed_by at all and updated_by 308 (18.158 s);
    # a rectangle, a polygon and two keypoints: 4 regions (`result_count` 4).
    Case(
        "sdk-coco-data.json",
        Figures({(SUBMITTED, "label-studio-308"): 1}, {"label-studio-308": 18.158}, [4]),
    ),
    # July 2021, a single task object (not a list), no unique_id; annotation 5678 by user 42
    # (expanded, with email) changed 38 min after creation; lead_time 346193.271 s (before
    # April 2022: however it is split between the versions, the member's total is this).
    Case(
        "ls-previous_export.json",
        Figures(
            {
                (SUBMITTED, "annotator_from_past@project.com"): 1,
                (UPDATED, "annotator_from_past@project.com"): 1,
            },
            {"annotator_from_past@project.com": 346193.271},
            [1],
        ),
    ),
    # The same annotation in a list, by user 99999, whom no user list names.
    Case(
        "ls-previous_export_unknown_completed_by.json",
        Figures(
            {(SUBMITTED, "label-studio-99999"): 1, (UPDATED, "label-studio-99999"): 1},
            {"label-studio-99999": 346193.271},
            [1],
        ),
    ),
]


def run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--db", str(db), *args], env=ENV)
    if isinstance(result.exception, LabelpulseError):
        return 1, result.output + str(result.exception)
    return result.exit_code, result.output


def copied(name: str, folder: Path) -> Path:
    """The real file in a temporary folder: whatever an import writes beside its file (a
    rejects file) stays out of the repository."""
    return Path(shutil.copy(REAL / name, folder / name))


def figures(db: Path) -> Figures:
    store = connect(str(db))
    try:
        rows = store.rows("SELECT type, actor, duration_us, regions FROM events")
    finally:
        store.close()
    lead: Counter[str] = Counter()
    for row in rows:
        if row["type"].startswith("annotation."):
            lead[row["actor"]] += row["duration_us"]
    return Figures(
        dict(Counter((r["type"], r["actor"]) for r in rows)),
        {member: us / 1_000_000 for member, us in lead.items()},
        sorted(r["regions"] for r in rows if r["type"] in FIRST_VERSIONS),
    )


def event_count(db: Path) -> int:
    store = connect(str(db))
    try:
        found: int = store.rows("SELECT count(*) AS n FROM events")[0]["n"]
    finally:
        store.close()
    return found


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.file)
def test_a_real_export_imports_with_its_figures(case: Case, tmp_path: Path) -> None:
    export, db = copied(case.file, tmp_path), tmp_path / "real.duckdb"
    code, out = run(db, "import", "label-studio", str(export))
    assert code == 0, out
    assert figures(db) == case.expected
    code, out = run(db, "import", "label-studio", str(export))
    assert code == 0, out
    assert figures(db) == case.expected  # the same file again adds nothing


@pytest.mark.parametrize(
    "name",
    [
        # The SDK converter's CSV export of sdk-csv_test2.json (tab-separated, quoted).
        "sdk-csv_test2_result.csv",
        # The docs' JSON_MIN example: one flat item, no `annotations`.
        "docs-export-json_min-example.json",
    ],
)
def test_json_min_and_csv_exports_are_refused_naming_export_json(name: str, tmp_path: Path) -> None:
    db = tmp_path / "real.duckdb"
    code, out = run(db, "import", "label-studio", str(copied(name, tmp_path)))
    assert code == 1
    assert EXPORT_JSON.search(out), out
    assert event_count(db) == 0


def test_a_task_that_names_no_project_is_refused_naming_the_field(tmp_path: Path) -> None:
    """The converter's 2021 video task (a single task object from Label Studio's API) names no
    project, on the task or its annotation: its one annotation cannot be placed."""
    db = tmp_path / "real.duckdb"
    code, out = run(db, "import", "label-studio", str(copied("converter-ls-video.json", tmp_path)))
    assert code == 1
    rejects = [p.read_text(encoding="utf-8") for p in tmp_path.glob("*.rejects.ndjson")]
    assert "project" in out + "".join(rejects), out  # the message, or the rejects file
    assert event_count(db) == 0


def test_an_export_given_to_plain_import_names_the_command(tmp_path: Path) -> None:
    db = tmp_path / "real.duckdb"
    code, out = run(db, "import", str(copied("sdk-json_min-data.json", tmp_path)))
    assert code == 1
    assert "import label-studio" in out, out
    assert event_count(db) == 0


def _deliver(client: TestClient, secret: str, name: str) -> dict[str, Any]:
    body = json.loads((REAL / name).read_text(encoding="utf-8"))
    answer = client.post("/api/hooks/label-studio", json=body, headers={SECRET_HEADER: secret})
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def test_the_webhook_reference_payloads_are_accepted(store: Store) -> None:
    """The docs' example payloads (Aug 2021, no unique_id): annotation 17 created (one span,
    37.13 s) in project 2; annotation 16 updated (two rectangles, 299.327 s) in project 1, first
    seen changed (86 s after its creation): its first version and the change; then annotation
    17 deleted."""
    client = TestClient(create_app(store, Settings(db=store.url)))
    secret = ensure_secret(store)
    _deliver(client, secret, "docs-webhook-annotation_created.json")
    _deliver(client, secret, "docs-webhook-annotation_updated.json")
    assert _deliver(client, secret, "docs-webhook-annotations_deleted.json")["deleted"] == 1
    rows = store.rows("SELECT type, actor, duration_us, regions FROM events")
    kept = [r for r in rows if r["type"] != "annotation.deleted"]
    assert Counter((r["type"], r["actor"]) for r in kept) == {
        (SUBMITTED, "label-studio-1"): 2,
        (UPDATED, "label-studio-1"): 1,
    }
    assert sum(r["duration_us"] for r in kept) == 336_457_000  # 37.13 + 299.327 s
    assert sorted(r["regions"] for r in kept if r["type"] == SUBMITTED) == [1, 2]
    names = {r["id"]: r["name"] for r in store.rows("SELECT id, name FROM projects")}
    assert names == {"ls-2": "New Project #2", "ls-1": "New Project #5"}
