"""Label Studio's figures as the tool shows them: regions as Label Studio counts them, the
reviews an Enterprise export embeds, and `lead_time` read per session (servers before April
2022) or as a running total. Every expected figure is worked out by hand in a comment.

Real records: the 1.23.2 samples of tests/labelstudio; the result of annotation 11996 of
HumanSignal/label-studio-sdk tests/custom/converter/data/test_export_yolo/data_keypoints.json
(written by Label Studio in May 2025, `result_count` 5); the annotations and reviews of
tests/custom/converter/data/test_export_csv/csv_test.json in the same repository (an
Enterprise export of November 2022), given a `unique_id` here (that export predates it).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from labelpulse.cli import app
from labelpulse.connectors.labelstudio import SOURCE, import_export
from labelpulse.connectors.labelstudio.apply import Batch, apply
from labelpulse.connectors.labelstudio.mapping import Held, Version, version_events
from labelpulse.connectors.labelstudio.records import LsAnnotation, LsReview
from labelpulse.connectors.labelstudio.regions import count_regions
from labelpulse.connectors.labelstudio.sync import read_tasks
from labelpulse.connectors.people import People
from labelpulse.connectors.registry import LeadTime
from labelpulse.metrics import report
from labelpulse.store import Store, connect
from tests.report_arguments import WindowArguments

SAMPLES = Path(__file__).parents[1] / "labelstudio" / "samples"
WINDOW: WindowArguments = {"start": "2022-10-01", "end": "2026-11-30", "tz": "UTC"}
BOB_2 = "ls:560911e1-4bd2-4332-91c3-07bbb73f1a38"  # Bob's annotation 2 of the samples: 7.5 s
ANN_1 = "ls:849fb788-a0c6-448b-b9e8-1d741e782d53"  # Ann's 1: 15 s, changed 1.07 s after made


def sample(name: str) -> Any:
    return json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def durations(store: Store, annotation: str) -> list[tuple[str, str, float]]:
    rows = store.rows(
        "SELECT type, actor, duration_us FROM events WHERE annotation = $a ORDER BY time_us",
        {"a": annotation},
    )
    return [(r["type"], r["actor"], r["duration_us"] / 1e6) for r in rows]


# -- regions ----------------------------------------------------------------------------------
# Annotation 11996's result, `value` cut to what tells the items apart: three keypoints (each
# its own region, `parentID` the person), the person's rectangle, and five relations.
KEYPOINTS_RESULT: list[dict[str, Any]] = [
    {"id": "YuLAREYKpq", "type": "keypointlabels", "parentID": "hplPm0Szvc",
     "from_name": "keypoints", "to_name": "image", "value": {"keypointlabels": ["nose"]}},
    {"id": "gD9Q-39A_4", "type": "keypointlabels", "parentID": "hplPm0Szvc",
     "from_name": "keypoints", "to_name": "image", "value": {"keypointlabels": ["left_eye"]}},
    {"id": "qwGtX1L1Nm", "type": "keypointlabels", "parentID": "hplPm0Szvc",
     "from_name": "keypoints", "to_name": "image", "value": {"keypointlabels": ["right_eye"]}},
    {"id": "hplPm0Szvc", "type": "rectanglelabels", "from_name": "bbox", "to_name": "image",
     "value": {"rectanglelabels": ["person"]}},
    {"type": "relation", "to_id": "qwGtX1L1Nm", "from_id": "hplPm0Szvc", "direction": "right"},
    {"type": "relation", "to_id": "hplPm0Szvc", "from_id": "hplPm0Szvc", "direction": "right"},
    {"type": "relation", "to_id": "hplPm0Szvc", "from_id": "YuLAREYKpq", "direction": "right"},
    {"type": "relation", "to_id": "hplPm0Szvc", "from_id": "gD9Q-39A_4", "direction": "right"},
    {"type": "relation", "to_id": "hplPm0Szvc", "from_id": "qwGtX1L1Nm", "direction": "right"},
]  # fmt: skip
# HumanSignal/label-studio-sdk .../test_export_json_min/data_repeater.json, annotation 21: a
# rectangle and the taxonomy chosen for it, one region.
RECTANGLE_WITH_TAXONOMY: list[dict[str, Any]] = [
    {"id": "FmoGRgYXtw", "type": "rectanglelabels", "from_name": "labels_0",
     "to_name": "page_0", "value": {"rectanglelabels": ["Document Title"]}},
    {"id": "FmoGRgYXtw", "type": "taxonomy", "from_name": "categories_0", "to_name": "page_0",
     "value": {"taxonomy": [["Archaea"]]}},
]  # fmt: skip


def test_regions_are_distinct_ids_and_relations_are_none() -> None:
    # 9 items: 4 ids (3 keypoints, 1 rectangle) and 5 relations → 4 regions. Label Studio's
    # result_count was 5: it counts the id-less relations together as one more.
    assert count_regions(KEYPOINTS_RESULT) == 4
    assert count_regions(RECTANGLE_WITH_TAXONOMY) == 1  # 2 items, 1 id
    choice = {"type": "choices", "from_name": "sentiment", "value": {"choices": ["Positive"]}}
    # A classification of the whole task is one, as Label Studio counts it: with an id...
    assert count_regions([{**choice, "id": "c1"}]) == 1
    # ...two controls, two ids: 2; the same id twice (a region's choices and text area): 1.
    assert count_regions([{**choice, "id": "c1"}, {**choice, "id": "c2"}]) == 2
    assert count_regions([{**choice, "id": "r1"}, {"id": "r1", "type": "textarea"}]) == 1
    # Items without an id count together as one (Label Studio's own test: ids 1, none, 3 → 3).
    assert count_regions([{**choice, "id": "1"}, choice, {**choice, "id": "3"}]) == 3
    assert count_regions([choice, {"type": "textarea", "value": {"text": ["x"]}}]) == 1
    # Numeric and string ids are one id; relations alone and non-objects are no region.
    assert count_regions([{"id": 7}, {"id": "7"}]) == 1
    assert count_regions(KEYPOINTS_RESULT[4:]) == 0
    assert count_regions(["x", None, 3]) == 0
    assert count_regions([]) == 0


def test_a_record_without_a_result_keeps_result_count() -> None:
    annotation = copy.deepcopy(sample("export_json")[1]["annotations"][0])
    annotation["result_count"] = 3
    assert LsAnnotation.read(annotation).regions == 1  # its one result item
    del annotation["result"]
    assert LsAnnotation.read(annotation).regions == 3


def test_regions_agree_with_result_count_on_the_real_samples() -> None:
    """Every annotation a real 1.23.2 wrote (no relations there): our count is its count."""
    found = [
        (a["id"], LsAnnotation.read(a).regions, a["result_count"])
        for task in sample("export_json")
        for a in task["annotations"]
    ]
    assert len(found) == 4
    assert all(regions == count for _, regions, count in found), found


def test_the_imported_events_carry_the_regions(store: Store, tmp_path: Path) -> None:
    tasks = sample("export_json")
    ann = tasks[0]["annotations"][0]
    ann["result"], ann["result_count"] = KEYPOINTS_RESULT, 5
    bob = tasks[1]["annotations"][0]
    bob["result"] = RECTANGLE_WITH_TAXONOMY
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    import_export(store, path)
    rows = store.rows("SELECT annotation, type, regions FROM events ORDER BY time_us")
    found = {(r["annotation"], r["type"]): r["regions"] for r in rows}
    # Ann's, first seen changed: both of its events hold the latest result's 4 regions.
    assert found[(ANN_1, "annotation.submitted")] == 4
    assert found[(ANN_1, "annotation.updated")] == 4
    assert found[(BOB_2, "annotation.submitted")] == 1


# -- reviews embedded in an Enterprise export -------------------------------------------------
REVIEWER = {"id": 2, "email": "review@heartex.com", "first_name": "", "last_name": ""}
AUTHOR = {"id": 1, "email": "hakan@heartex.com", "first_name": "", "last_name": ""}


def enterprise_export() -> list[dict[str, Any]]:
    """csv_test.json's two tasks: annotations 7 (7.662 s) and 8 (35.267 s) by hakan, each
    rejected by review@ (reviews 28 and 27), results cut to one rectangle each."""

    def task(task: int, annotation: int, review: int, made: str, reviewed: str, lead: float,
             unique: str) -> dict[str, Any]:  # fmt: skip
        return {
            "id": task,
            "project": 1,
            "data": {"image": f"/data/upload/1/{task}.jpg"},
            "annotations": [
                {
                    "id": annotation,
                    "completed_by": AUTHOR,
                    "reviews": [
                        {
                            "id": review,
                            "created_by": REVIEWER,
                            "created_at": reviewed,
                            "accepted": False,
                            "result": None,
                            "annotation": annotation,
                            "fixed_annotation_history": None,
                            "previous_annotation_history": 57,
                            "last_annotation_history": None,
                            "previous_annotation_history_result": None,
                        }
                    ],
                    "last_action": "rejected",
                    "was_cancelled": False,
                    "ground_truth": False,
                    "created_at": made,
                    "updated_at": made,
                    "lead_time": lead,
                    "result": [{"id": f"oid{task}", "type": "rectanglelabels"}],
                    "result_count": 0,
                    "unique_id": unique,
                    "task": task,
                    "parent_prediction": task,
                    "parent_annotation": None,
                }
            ],
        }

    return [
        task(1, 7, 28, "2022-10-31T21:19:19.131290Z", "2022-11-02T20:38:25.027900Z", 7.662,
             "0b1b5d5e-0000-4000-8000-000000000007"),
        task(2, 8, 27, "2022-10-31T21:19:54.970721Z", "2022-11-02T20:38:23.500735Z", 35.267,
             "0b1b5d5e-0000-4000-8000-000000000008"),
    ]  # fmt: skip


def api_reviews() -> list[dict[str, Any]]:
    """The same two reviews as GET /api/annotation-reviews/ answers them (reviewer by id)."""
    return [
        {**review, "created_by": REVIEWER["id"]}
        for task in enterprise_export()
        for review in task["annotations"][0]["reviews"]
    ]


def write(tmp_path: Path, tasks: list[dict[str, Any]], name: str = "export.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(tasks), encoding="utf-8")
    return path


def review_events(store: Store) -> list[tuple[str, str, str]]:
    rows = store.rows("SELECT id, type, actor FROM events WHERE type LIKE 'review.%' ORDER BY id")
    return [(r["id"], r["type"], r["actor"]) for r in rows]


REJECTIONS = [
    ("ls-review:27:rejected", "review.rejected", "review@heartex.com"),
    ("ls-review:28:rejected", "review.rejected", "review@heartex.com"),
]


def test_an_enterprise_export_s_reviews_are_read(store: Store, tmp_path: Path) -> None:
    summary = import_export(store, write(tmp_path, enterprise_export()))
    # Two submissions, two rejections; members: the author and the reviewer, by email.
    assert summary.stored == 4
    assert review_events(store) == REJECTIONS
    found = report(store, "member", member="hakan@heartex.com", **WINDOW)["annotations"]
    # Both annotations' last action is the rejection: rejected 2, and so none submitted.
    assert (found["submitted"], found["rejected"], found["accepted"]) == (0, 2, 0)
    again = import_export(store, write(tmp_path, enterprise_export()))
    assert (again.stored, again.duplicates) == (0, 4)  # both annotations, both reviews


def test_import_then_sync_of_the_same_reviews_stores_them_once(
    store: Store, tmp_path: Path
) -> None:
    import_export(store, write(tmp_path, enterprise_export()))
    reviews = [LsReview.read(r) for r in api_reviews()]  # as sync reads them
    synced = apply(store, Batch(reviews=reviews), People(store, SOURCE))
    assert (synced.summary.stored, synced.unplaced) == (0, 0)
    assert review_events(store) == REJECTIONS


def test_sync_then_import_of_the_same_reviews_stores_them_once(
    store: Store, tmp_path: Path
) -> None:
    people = People(store, SOURCE)
    tasks = enterprise_export()
    for task in tasks:  # the sync's export pages of an open-source-shaped answer: no reviews
        del task["annotations"][0]["reviews"]
    apply(store, Batch(versions=read_tasks(tasks)), people)
    synced = apply(store, Batch(reviews=[LsReview.read(r) for r in api_reviews()]), people)
    assert synced.summary.stored == 2
    # The reviewer was named by id only: a member of their id until their email is known.
    assert [e[0] for e in review_events(store)] == [e[0] for e in REJECTIONS]
    imported = import_export(store, write(tmp_path, enterprise_export()))
    assert imported.stored == 0
    assert len(review_events(store)) == 2


def test_a_bad_embedded_review_is_rejected_and_its_annotation_kept(
    store: Store, tmp_path: Path
) -> None:
    tasks = enterprise_export()
    del tasks[1]["annotations"][0]["reviews"][0]["created_at"]
    tasks[0]["annotations"][0]["reviews"].append("not a review")
    summary = import_export(store, write(tmp_path, tasks))
    # both annotations and review 28 stored; review 27 and the string rejected, one reject each
    assert (summary.stored, summary.rejected) == (3, 2)
    found = {(e.position, e.record_id, e.field) for e in summary.errors}
    assert found == {(1, None, "reviews"), (2, "review 27", "created_at")}
    assert review_events(store) == REJECTIONS[1:]


def test_an_embedded_review_without_its_annotation_id_is_placed(
    store: Store, tmp_path: Path
) -> None:
    tasks = enterprise_export()
    for task in tasks:
        del task["annotations"][0]["reviews"][0]["annotation"]
    import_export(store, write(tmp_path, tasks))
    assert review_events(store) == REJECTIONS


# -- lead time: per session (before April 2022) or a running total ----------------------------
def bob_version(updated_at: str, lead_time: float | None) -> dict[str, Any]:
    """Bob's annotation 2 (made 21:55:02.760985, 7.5 s), as a later save left it."""
    data: dict[str, Any] = copy.deepcopy(sample("export_json")[1]["annotations"][0])
    data.update(updated_at=updated_at, lead_time=lead_time)
    return data


FIRST = bob_version("2026-11-25T21:55:02.761016Z", 7.5)


def apply_each(store: Store, saves: list[dict[str, Any]], lead_time: LeadTime) -> None:
    """Each save met on its own (a webhook or a sync each): what is held comes from the store."""
    people = People(store, SOURCE)
    apply(store, Batch(users=[]), people)
    for save in saves:
        version = Version(LsAnnotation.read(save), lead_time=lead_time)
        apply(store, Batch(versions=[version]), people)


def bob_durations(store: Store) -> list[float]:
    return [d for _, _, d in durations(store, BOB_2)]


# Sessions of 7.5 s, then 4 s, then 6 s, as a server before April 2022 sends them.
SESSIONS = [
    FIRST,
    bob_version("2026-11-25T22:00:00.000000Z", 4.0),
    bob_version("2026-11-25T22:10:00.000000Z", 6.0),
]


@pytest.mark.parametrize(
    ("lead_time", "expected"),
    [
        # Read as a running total, 4 and 6 are below 7.5: nothing added (the old clipping).
        (LeadTime.cumulative, [7.5, 0.0, 0.0]),
        # Each save its own session: 7.5 + 4 + 6 = 17.5 s.
        (LeadTime.session, [7.5, 4.0, 6.0]),
        # 4 s after 7.5 s cannot be a running total: per session from there on, 6 s included
        # though it is more than 4.
        (LeadTime.auto, [7.5, 4.0, 6.0]),
    ],
)
def test_per_session_lead_times(store: Store, lead_time: LeadTime, expected: list[float]) -> None:
    apply_each(store, SESSIONS, lead_time)
    assert bob_durations(store) == expected


def test_auto_keeps_a_running_total_that_grows(store: Store) -> None:
    # 7.5, 11, 20 s totals (a server since April 2022): 7.5 + 3.5 + 9 = 20 s, as before.
    saves = [FIRST, bob_version("2026-11-25T22:00:00Z", 11.0)]
    saves.append(bob_version("2026-11-25T22:10:00Z", 20.0))
    apply_each(store, saves, LeadTime.auto)
    assert bob_durations(store) == [7.5, 3.5, 9.0]


def test_auto_takes_an_older_save_arriving_late_for_what_it_is(store: Store) -> None:
    # The 22:10 total (20 s) is held when the 22:00 one (11 s) arrives: smaller, but earlier,
    # so not a sign of sessions: it adds nothing, and the total stays 20 s. In time order:
    # 21:55 7.5 s, 22:00 0 s, 22:10 12.5 s.
    late = [FIRST, bob_version("2026-11-25T22:10:00Z", 20.0)]
    late.append(bob_version("2026-11-25T22:00:00Z", 11.0))
    apply_each(store, late, LeadTime.auto)
    assert bob_durations(store) == [7.5, 0.0, 12.5]


def test_auto_sees_sessions_only_once_a_save_is_smaller(store: Store) -> None:
    # Sessions of 7.5, 9 and 2 s: 9 > 7.5 may be a running total (1.5 s added); 2 < 9 cannot
    # (2 s added). The rule's limit: 7.5 + 1.5 + 2 = 11 s where the sessions were 18.5 s.
    saves = [FIRST, bob_version("2026-11-25T22:00:00Z", 9.0)]
    saves.append(bob_version("2026-11-25T22:10:00Z", 2.0))
    apply_each(store, saves, LeadTime.auto)
    assert bob_durations(store) == [7.5, 1.5, 2.0]


def test_a_null_lead_time_is_no_sign_of_sessions(store: Store) -> None:
    # A save without a lead time (an API client) adds nothing and decides nothing: the next
    # save (11 s) is compared with 7.5 s, and adds 3.5 s as a running total.
    saves = [FIRST, bob_version("2026-11-25T22:00:00Z", None)]
    saves.append(bob_version("2026-11-25T22:10:00Z", 11.0))
    apply_each(store, saves, LeadTime.auto)
    assert bob_durations(store) == [7.5, 0.0, 3.5]


def _member(user: int | None, _: Any) -> str:
    return f"user-{user}"


def test_first_seen_changed_a_session_is_the_last_change_s() -> None:
    # Ann's 1 (user 2), changed 1.07 s after it was made, 15 s in the record.
    data = copy.deepcopy(sample("export_json")[0]["annotations"][0])
    annotation = LsAnnotation.read(data)
    cumulative = version_events(Version(annotation, lead_time=LeadTime.cumulative), Held(), _member)
    session = version_events(Version(annotation, lead_time=LeadTime.session), Held(), _member)
    # A running total is mostly the first session's. One session's time is the last
    # change's, Ann's own; the first session's time is not in the record.
    assert [(e["actor"], e["duration"]) for e in cumulative] == [("user-2", 15.0), ("user-2", 0)]
    assert [(e["actor"], e["duration"]) for e in session] == [("user-2", 0), ("user-2", 15.0)]
    # Changed by the admin (user 1): the lead time is the author's whatever the reading (issue
    # 14: one answer whichever path saw the change), on her first version.
    data["updated_by"] = 1
    annotation = LsAnnotation.read(data)
    for reading in (LeadTime.cumulative, LeadTime.session):
        made = version_events(Version(annotation, lead_time=reading), Held(), _member)
        assert [(e["actor"], e["duration"]) for e in made] == [("user-2", 15.0), ("user-1", 0)]
    # Auto has one save to go by: a running total.
    auto = version_events(Version(annotation), Held(), _member)
    assert [e["duration"] for e in auto] == [15.0, 0]


def run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--db", str(db), *args], env={"LABELPULSE_DB": None})
    return result.exit_code, result.output + str(result.exception or "")


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ((), [7.5, 4.0]),  # auto: 4 s after 7.5 s is a session
        (("--lead-time", "auto"), [7.5, 4.0]),
        (("--lead-time", "session"), [7.5, 4.0]),
        (("--lead-time", "cumulative"), [7.5, 0.0]),
    ],
)
def test_the_import_command_reads_lead_time_as_asked(
    tmp_path: Path, option: tuple[str, ...], expected: list[float]
) -> None:
    older = write(tmp_path, sample("export_json"), "older.json")
    tasks = sample("export_json")
    tasks[1]["annotations"][0] = bob_version("2026-11-25T22:00:00.000000Z", 4.0)
    newer = write(tmp_path, tasks, "newer.json")
    db = tmp_path / "lead.duckdb"
    for path in (older, newer):
        code, out = run(db, "import", "label-studio", str(path), *option)
        assert code == 0, out
    store = connect(str(db))
    try:
        assert bob_durations(store) == expected
        # Ann's 1 (15 s), Bob's 5 (5 s) and his skip (3 s) are the same in every reading.
        rows = store.rows("SELECT sum(duration_us) AS us FROM events WHERE annotation <> $a",
                          {"a": BOB_2})  # fmt: skip
        assert rows == [{"us": 23_000_000}]
    finally:
        store.close()


def test_the_commands_refuse_another_reading(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    code, out = run(db, "import", "label-studio", "x.json", "--lead-time", "sessions")
    assert code == 2 and "sessions" in out
    code, out = run(db, "sync", "label-studio", "--url", "http://x", "--token", "t",
                    "--lead-time", "total")  # fmt: skip
    assert code == 2 and "total" in out
