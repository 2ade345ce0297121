"""The Label Studio mapping, from records captured from a real 1.23.2 server (the samples of
tests/labelstudio) and, for the Enterprise-only reviews and comments, records shaped from
Label Studio's API reference (api.labelstud.io: "List reviews" — AnnotationReview: id,
annotation, created_by, accepted, fixed_annotation_history, created_at, started_at — and
"List comments" — id, annotation, task, created_by, text, created_at). No server is needed.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from labelpulse.config import Settings
from labelpulse.connectors.labelstudio import (
    SECRET_HEADER,
    SOURCE,
    ensure_secret,
    import_export,
    ingest_webhook,
    remember_users,
)
from labelpulse.connectors.labelstudio.apply import Batch, apply
from labelpulse.connectors.labelstudio.mapping import Held, Version, version_events
from labelpulse.connectors.labelstudio.records import (
    LsAnnotation,
    LsComment,
    LsReview,
    read_each,
    read_valid,
)
from labelpulse.connectors.people import People
from labelpulse.errors import InvalidRecordsError, UnauthorizedError, UsageError
from labelpulse.ingest import IngestSummary, ingest_records
from labelpulse.metrics import report
from labelpulse.store import Store, connect
from labelpulse.web.app import create_app
from labelpulse.web.hooks import check_secret
from tests.report_arguments import WindowArguments

SAMPLES = Path(__file__).parents[1] / "labelstudio" / "samples"
ANN, BOB = "ann@labelpulse.test", "bob@labelpulse.test"
WINDOW: WindowArguments = {"start": "2026-11-24", "end": "2026-11-26", "tz": "UTC"}
# Ids in the samples: Ann's annotation 1 on task 1 (submitted at 10 s, changed to 15 s), Bob's
# 2 (7.5 s) and his skip 3 (3 s), Bob's 4 on task 1 (deleted), then his 5 on task 1 (5 s).
ANN_1 = "ls:849fb788-a0c6-448b-b9e8-1d741e782d53"
BOB_4 = "ls:9d27b468-14f9-4639-a352-26891481112b"
BOB_5 = "ls:2f420863-0388-4963-b0ef-f673c46a9337"


def sample(name: str) -> Any:
    return json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def deliveries() -> list[dict[str, Any]]:
    return [d["body"] for d in sample("webhook_deliveries")]


def figures(store: Store, member: str) -> dict[str, Any]:
    found: dict[str, Any] = report(store, "member", member=member, **WINDOW)["annotations"]
    return found


def events(store: Store) -> list[tuple[str, str, str, float]]:
    rows = store.rows("SELECT id, type, actor, duration_us FROM events ORDER BY time_us, id")
    return [(r["id"], r["type"], r["actor"], r["duration_us"] / 1e6) for r in rows]


ANN_FIGURES = {"submitted": 1, "updated": 1, "skipped": 0, "total_time": 15.0}
BOB_FIGURES = {"submitted": 2, "updated": 0, "skipped": 1, "total_time": 12.5}


def assert_scenario_figures(store: Store) -> None:
    for member, expected in ((ANN, ANN_FIGURES), (BOB, BOB_FIGURES)):
        found = figures(store, member)
        assert {k: found[k] for k in expected} == expected, member


def test_the_export_file_becomes_one_event_per_version(store: Store) -> None:
    summary = import_export(
        store, SAMPLES / "export_json.json", project_name="Sentiment", users=sample("users")
    )
    assert summary.stored == 5
    assert events(store) == [
        # First seen already changed (updated 1.07 s after it was made): its first version,
        # with the lead time, and the change.
        (f"{ANN_1}:created", "annotation.submitted", ANN, 15.0),
        ("ls:560911e1-4bd2-4332-91c3-07bbb73f1a38:created", "annotation.submitted", BOB, 7.5),
        ("ls:606cf7db-5e53-4599-8834-d11cf3d84b63:created", "annotation.skipped", BOB, 3.0),
        (f"{ANN_1}:2026-11-25T21:55:03.437672Z", "annotation.updated", ANN, 0.0),
        (f"{BOB_5}:created", "annotation.submitted", BOB, 5.0),
    ]
    assert_scenario_figures(store)
    assert store.rows("SELECT id, name FROM projects") == [{"id": "ls-1", "name": "Sentiment"}]
    assert store.get("external_ids", source=SOURCE, kind="annotation", external_id="1") == [
        {"source": SOURCE, "kind": "annotation", "external_id": "1", "internal_id": ANN_1}
    ]
    again = import_export(store, SAMPLES / "export_json.json")
    # The project, held, is the directory's one "same" (no user list this time).
    assert (again.stored, again.duplicates, again.directory_stored) == (0, 5, 0)
    assert again.directory_unchanged == 1
    assert again.rejects_path is None
    # With the user list and the name: the three users and the project, all held as they are.
    listed = import_export(
        store, SAMPLES / "export_json.json", project_name="Sentiment", users=sample("users")
    )
    assert (listed.stored, listed.directory_stored, listed.directory_unchanged) == (0, 0, 4)


def test_webhooks_and_the_export_agree_in_either_order(store: Store, tmp_path: Path) -> None:
    remember_users(store, sample("users"))
    stored = [ingest_webhook(store, body).stored for body in deliveries()]
    # TASKS_CREATED is not read; Bob's annotation 4 is stored, then deleted.
    assert stored == [0, 1, 1, 1, 1, 1, 1, 1]
    assert_scenario_figures(store)
    assert import_export(store, SAMPLES / "export_json.json").stored == 0
    assert_scenario_figures(store)

    other = connect(str(tmp_path / "other.duckdb"))
    import_export(other, SAMPLES / "export_json.json", users=sample("users"))
    stored = [ingest_webhook(other, body).stored for body in deliveries()]
    assert stored == [0, 0, 0, 0, 0, 1, 1, 0]  # only what the export never had: Bob's 4
    assert_scenario_figures(other)
    other.close()


def test_an_update_delivered_before_its_creation(store: Store) -> None:
    remember_users(store, sample("users"))
    bodies = deliveries()
    updated, created = bodies[4], bodies[1]
    assert (updated["action"], created["action"]) == ("ANNOTATION_UPDATED", "ANNOTATION_CREATED")
    assert ingest_webhook(store, updated).stored == 2  # its first version and itself
    assert ingest_webhook(store, created).stored == 0  # the first version is held
    assert figures(store, ANN)["total_time"] == 15.0


def _annotation(**changes: Any) -> LsAnnotation:
    data = copy.deepcopy(sample("export_json")[1]["annotations"][0])  # Bob's 2, never changed
    data.update(changes)
    return LsAnnotation.read(data)


def _member(user: int | None, _: Any) -> str:
    return f"user-{user}"


def test_a_version_within_a_quarter_second_of_creation_is_the_first() -> None:
    made = "2026-11-25T10:00:00.000000Z"
    quick = _annotation(created_at=made, updated_at="2026-11-25T10:00:00.200000Z")
    slow = _annotation(created_at=made, updated_at="2026-11-25T10:00:00.300000Z")
    assert [e["type"] for e in version_events(Version(quick), Held(), _member)] == [
        "annotation.submitted"
    ]
    assert [e["type"] for e in version_events(Version(slow), Held(), _member)] == [
        "annotation.submitted",
        "annotation.updated",
    ]
    # A webhook says which it is, whatever the gap.
    assert len(version_events(Version(quick, "updated"), Held(), _member)) == 2


def test_a_change_counts_the_increase_of_lead_time_for_the_author() -> None:
    first = _annotation(lead_time=7.5)
    ann = f"ls:{first.unique_id}"
    held = Held()
    for event in version_events(Version(first), held, _member):
        held.add(event)
    later = _annotation(
        lead_time=11.0, updated_by=1, updated_at="2026-11-25T22:00:00.000000Z"
    )  # the admin (user 1) changed Bob's (user 3) annotation
    change, credit = version_events(Version(later), held, _member)
    assert change["id"] == f"{ann}:2026-11-25T22:00:00.000000Z"
    assert (change["actor"], change["author"], change["duration"]) == ("user-1", "user-3", 0.0)
    assert change["annotation"] == ann
    # The 3.5 s the change added are Bob's, as a fresh sync would have them (all 11 s on his
    # first version): a draft of his, when he completed it.
    assert credit["id"] == f"{change['id']}:lead"
    assert (credit["type"], credit["actor"]) == ("annotation.draft", "user-3")
    assert credit["duration"] == 3.5
    assert credit["time"] == version_events(Version(first), Held(), _member)[0]["time"]
    held.add(change)
    held.add(credit)
    assert version_events(Version(later), held, _member) == []  # held: never derived again
    # Bob's own change: his, with what it added.
    own = _annotation(lead_time=12.0, updated_at="2026-11-25T22:05:00.000000Z")
    (mine,) = version_events(Version(own), held, _member)
    assert (mine["type"], mine["actor"], mine["duration"]) == ("annotation.updated", "user-3", 1.0)
    # An older version arriving late adds an event but no time.
    older = _annotation(lead_time=9.0, updated_at="2026-11-25T21:59:00.000000Z")
    (late,) = version_events(Version(older), held, _member)
    assert late["duration"] == 0.0


def test_a_deleted_task_takes_its_annotations(store: Store) -> None:
    remember_users(store, sample("users"))
    for body in deliveries():
        ingest_webhook(store, body)
    project = deliveries()[1]["project"]
    body = {"action": "TASKS_DELETED", "tasks": [{"id": 1}], "project": project}
    assert ingest_webhook(store, body).deleted == 2  # Ann's 1 and Bob's 5 (4 was gone already)
    assert ingest_webhook(store, body).stored == 0
    assert figures(store, ANN)["submitted"] == 0
    assert figures(store, BOB)["submitted"] == 1
    unknown = {"action": "ANNOTATIONS_DELETED", "annotations": [{"id": 999}], "project": project}
    assert ingest_webhook(store, unknown).stored == 0


def test_projects_from_webhooks_and_actions_not_read(store: Store) -> None:
    project = copy.deepcopy(deliveries()[1]["project"])
    project["title"] = "Sentiment v2"
    assert ingest_webhook(store, {"action": "PROJECT_UPDATED", "project": project}).read
    assert store.rows("SELECT id, name FROM projects") == [{"id": "ls-1", "name": "Sentiment v2"}]
    assert store.rows("SELECT * FROM projects WHERE name LIKE '%token%'") == []
    for action in ("PROJECT_DELETED", "TASKS_CREATED", "LABEL_LINK_CREATED", "REVIEWS_DELETED"):
        result = ingest_webhook(store, {"action": action, "project": {"id": 1}})
        assert not result.read
    # A deleted project keeps its history and its name.
    assert store.rows("SELECT name FROM projects") == [{"name": "Sentiment v2"}]


def test_bad_webhook_bodies_are_named(store: Store) -> None:
    with pytest.raises(UsageError, match="action"):
        ingest_webhook(store, {"annotation": {}})
    with pytest.raises(UsageError, match="send payload"):
        ingest_webhook(store, {"action": "ANNOTATION_CREATED"})
    body = copy.deepcopy(deliveries()[1])
    body["annotation"]["lead_time"] = "slow"
    with pytest.raises(InvalidRecordsError) as bad:
        ingest_webhook(store, body)
    assert bad.value.details[0]["field"] == "lead_time"
    assert store.rows("SELECT count(*) AS n FROM events") == [{"n": 0}]


def rejects(summary: IngestSummary) -> list[dict[str, Any]]:
    assert summary.rejects_path is not None
    text = Path(summary.rejects_path).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def test_a_bad_annotation_is_rejected_and_the_rest_stored(store: Store, tmp_path: Path) -> None:
    tasks = sample("export_json")
    tasks[2]["annotations"][0]["created_at"] = "2026-11-25T21:55:03"  # Bob's skip 3: no offset
    broken = tmp_path / "export.json"
    broken.write_text(json.dumps(tasks))
    summary = import_export(store, broken, users=sample("users"))
    assert (summary.stored, summary.rejected) == (4, 1)  # the 5 events but the skip's
    assert summary.rejects_path == str(tmp_path / "export.json.rejects.ndjson")
    (entry,) = rejects(summary)
    assert (entry["position"], entry["id"]) == (3, "annotation 3")
    assert entry["errors"] == [
        'record 3 (id "annotation 3"): field "created_at": '
        "must have an offset (Z or +02:00): a time without one is not guessed"
    ]
    assert json.loads(entry["record"])["unique_id"] == "606cf7db-5e53-4599-8834-d11cf3d84b63"
    assert figures(store, ANN) == {**figures(store, ANN), **ANN_FIGURES}
    bob = figures(store, BOB)
    # 7.5 s + 5 s submitted; the skip (3 s, never in total_time) is the one rejected
    assert (bob["submitted"], bob["skipped"], bob["total_time"]) == (2, 0, 12.5)
    again = import_export(store, broken)
    assert (again.stored, again.duplicates, again.rejected) == (0, 4, 1)
    minimal = tmp_path / "min.json"
    minimal.write_text(json.dumps({"not": "an export"}))
    with pytest.raises(UsageError, match="JSON export"):
        import_export(store, minimal)


def test_a_task_without_its_id_is_one_reject(store: Store, tmp_path: Path) -> None:
    tasks = sample("export_json")
    del tasks[1]["id"]  # Bob's annotation 2 cannot be placed
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks))
    out = tmp_path / "why.ndjson"
    summary = import_export(store, path, users=sample("users"), rejects=out)
    assert (summary.stored, summary.rejected, summary.rejects_path) == (4, 1, str(out))
    (entry,) = rejects(summary)
    assert (entry["position"], entry["id"]) == (2, None)
    assert entry["errors"] == [
        'record 2: field "id": must be the task\'s integer id: its annotations cannot be '
        "placed without it"
    ]
    bob = figures(store, BOB)  # his 5 (5 s) and his skip 3 (3 s), not his 7.5 s on task 2
    assert (bob["submitted"], bob["skipped"], bob["total_time"]) == (1, 1, 5.0)


def test_an_annotation_whose_event_is_refused_is_rejected(store: Store, tmp_path: Path) -> None:
    tasks = sample("export_json")
    late = tasks[1]["annotations"][0]  # Bob's 2, ten years ahead: the ingest's rules refuse it
    late["created_at"] = late["updated_at"] = "2036-11-25T21:55:02.760985Z"
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks))
    summary = import_export(store, path, users=sample("users"))
    assert (summary.stored, summary.rejected) == (4, 1)
    (entry,) = rejects(summary)
    assert (entry["position"], entry["id"]) == (2, "annotation 2")
    assert entry["errors"][0].startswith('record 2 (id "annotation 2"): field "event.time": ')
    assert figures(store, BOB)["submitted"] == 1


def test_without_a_user_list_users_are_ids_until_met(store: Store) -> None:
    import_export(store, SAMPLES / "export_json.json")
    assert figures(store, f"{SOURCE}-2")["submitted"] == 1
    # A later sync: Ann's id member becomes the member of her email, with her work.
    remember_users(store, sample("users"))
    members = {r["id"]: r["email"] for r in store.rows("SELECT id, email FROM members")}
    assert members[ANN] == ANN
    assert f"{SOURCE}-2" not in members
    assert figures(store, ANN)["submitted"] == 1


def _bob_expanded(tmp_path: Path) -> Path:
    """The sample export with Bob's (user 3) `completed_by` expanded to the user, email included."""
    tasks = sample("export_json")
    for task in tasks:
        for annotation in task["annotations"]:
            if annotation["completed_by"] == 3:
                annotation["completed_by"] = {"id": 3, "email": BOB, "first_name": "Bob"}
    path = tmp_path / "expanded.json"
    path.write_text(json.dumps(tasks))
    return path


def test_an_expanded_user_is_matched_by_email(store: Store, tmp_path: Path) -> None:
    ingest_records(store, [{"kind": "member", "id": "bob", "name": "Bob", "email": BOB,
                            "role": "reviewer"}])  # fmt: skip
    import_export(store, _bob_expanded(tmp_path))
    assert figures(store, "bob")["submitted"] == 2


def test_an_expanded_user_merges_the_member_first_seen_by_id(store: Store, tmp_path: Path) -> None:
    """Bob's annotations first imported by id (`label-studio-3`), then an export whose
    `completed_by` carries his email: one member, Bob's email, with his two submissions."""
    import_export(store, SAMPLES / "export_json.json")
    assert figures(store, f"{SOURCE}-3")["submitted"] == 2
    again = import_export(store, _bob_expanded(tmp_path))
    assert (again.stored, again.directory_stored) == (0, 1)  # the renamed member's record
    members = {r["id"]: r["name"] for r in store.rows("SELECT id, name FROM members")}
    assert members == {f"{SOURCE}-2": f"{SOURCE}-2", BOB: "Bob"}
    assert figures(store, BOB)["submitted"] == 2
    assert store.rows("SELECT count(*) AS n FROM events WHERE actor = 'label-studio-3'") == [
        {"n": 0}
    ]


# -- Enterprise: reviews and comments ---------------------------------------------------------
def _review(review: int, annotation: int, accepted: bool | None, fixed: int | None = None) -> Any:
    return {
        "id": review,
        "annotation": annotation,
        "created_by": 1,
        "accepted": accepted,
        "fixed_annotation_history": fixed,
        "previous_annotation_history": None,
        "created_at": "2026-11-25T22:10:00.000000Z",
        "started_at": "2026-11-25T22:09:30.000000Z",
        "state": "",
        "result": None,
    }


def test_reviews_become_review_actions(store: Store) -> None:
    import_export(store, SAMPLES / "export_json.json", users=sample("users"))
    reviews = [_review(1, 1, True), _review(2, 2, False), _review(3, 5, True, fixed=9)]
    batch = Batch(reviews=[LsReview.model_validate(r) for r in reviews])
    applied = apply(store, batch, People(store, SOURCE))
    assert applied.summary.stored == 3
    rows = store.rows("SELECT id, type, actor, duration_us FROM events WHERE type LIKE 'review.%'")
    assert sorted((r["id"], r["type"], r["actor"], r["duration_us"]) for r in rows) == [
        ("ls-review:1:accepted", "review.accepted", "admin@labelpulse.test", 30_000_000),
        ("ls-review:2:rejected", "review.rejected", "admin@labelpulse.test", 30_000_000),
        ("ls-review:3:fixed_and_accepted", "review.fixed_and_accepted",
         "admin@labelpulse.test", 30_000_000),
    ]  # fmt: skip
    assert figures(store, ANN)["accepted"] == 1
    assert figures(store, BOB)["rejected"] == 1
    again = apply(store, batch, People(store, SOURCE))
    assert again.summary.stored == 0
    # A review of an annotation never met is not placed.
    lost = apply(store, Batch(reviews=[LsReview.model_validate(_review(4, 77, True))]),
                 People(store, SOURCE))  # fmt: skip
    assert (lost.summary.stored, lost.unplaced) == (0, 1)


def test_a_review_webhook_and_a_changed_verdict(store: Store) -> None:
    import_export(store, SAMPLES / "export_json.json", users=sample("users"))
    project = deliveries()[1]["project"]
    body = {"action": "REVIEW_CREATED", "review": _review(7, 2, False), "project": project}
    assert ingest_webhook(store, body).stored == 1
    assert figures(store, BOB)["rejected"] == 1
    body = {"action": "REVIEW_UPDATED", "review": _review(7, 2, True), "project": project}
    assert ingest_webhook(store, body).stored == 1
    assert figures(store, BOB)["accepted"] == 1


def test_comments_on_annotations(store: Store) -> None:
    import_export(store, SAMPLES / "export_json.json", users=sample("users"))
    comments: list[dict[str, Any]] = [
        {"id": 1, "annotation": 2, "task": 2, "created_by": 2, "text": "Why negative?",
         "created_at": "2026-11-25T22:11:00Z", "is_resolved": False},
        {"id": 2, "annotation": None, "draft": 4, "task": 1, "created_by": 2, "text": "draft",
         "created_at": "2026-11-25T22:11:00Z"},
        {"id": 3, "annotation": 1, "task": 1, "created_by": {"id": 3, "email": BOB},
         "text": "  ", "created_at": "2026-11-25T22:12:00Z"},
    ]  # fmt: skip
    batch = Batch(comments=[LsComment.read(c) for c in comments])
    assert apply(store, batch, People(store, SOURCE)).summary.stored == 1
    row = store.rows(
        "SELECT id, actor, annotation, text FROM events WHERE type = 'comment.created'"
    )
    assert row == [{"id": "ls-comment:1", "actor": ANN,
                    "annotation": "ls:560911e1-4bd2-4332-91c3-07bbb73f1a38",
                    "text": "Why negative?"}]  # fmt: skip
    received = report(store, "comments", member=BOB, **WINDOW)["rows"]
    assert [r["text"] for r in received] == ["Why negative?"]


# -- the endpoint -----------------------------------------------------------------------------
def test_the_webhook_endpoint_needs_the_secret(store: Store) -> None:
    client = TestClient(create_app(store, Settings(db=store.url)))
    body = deliveries()[1]
    answer = client.post("/api/hooks/label-studio", json=body, headers={SECRET_HEADER: "x"})
    assert answer.status_code == 401
    assert "hook label-studio" in answer.json()["error"]["message"]  # none set up yet
    secret = ensure_secret(store)
    assert ensure_secret(store) == secret
    for headers in ({}, {SECRET_HEADER: secret + "x"}, {SECRET_HEADER: ""}):
        answer = client.post("/api/hooks/label-studio", json=body, headers=headers)
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "unauthorized"
    with pytest.raises(UnauthorizedError):
        check_secret(store, "é" * len(secret))  # not ASCII: refused, not a 500
    answer = client.post("/api/hooks/label-studio", json=body, headers={SECRET_HEADER: secret})
    assert answer.status_code == 200
    assert answer.json() == {
        "action": "ANNOTATION_CREATED", "read": True, "stored": 1, "duplicates": 0,
        "deleted": 0, "directory_stored": 2,
    }  # fmt: skip
    bad = client.post(
        "/api/hooks/label-studio", content=b"{not json", headers={SECRET_HEADER: secret}
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "bad_request"


def test_put_many_upserts_by_key(store: Store) -> None:
    """The store call the connector keeps Label Studio's numeric ids with."""
    row = {"source": SOURCE, "kind": "task", "external_id": "1", "internal_id": "ls-task-1"}
    store.put_many("external_ids", [row, {**row, "external_id": "2"}])
    store.put_many("external_ids", [{**row, "internal_id": "x"}, {**row, "internal_id": "y"}])
    rows = store.get("external_ids", source=SOURCE, kind="task")
    assert [(r["external_id"], r["internal_id"]) for r in rows] == [("1", "y"), ("2", "ls-task-1")]
    store.put_many("external_ids", [])
    with pytest.raises(UsageError):
        store.put_many("external_ids", [{"source": SOURCE, "kind": "task"}])


def test_read_valid_keeps_the_good_records_and_names_the_bad() -> None:
    bad = {**_review(8, 2, True), "created_at": "yesterday"}
    found, rejected = read_valid([_review(7, 1, False), bad, "review"], LsReview.model_validate)
    assert [r.id for r in found] == [7]
    assert [(r.record, [str(e) for e in r.errors]) for r in rejected] == [
        (bad, ['record 2 (id "8"): field "created_at": must be an ISO 8601 timestamp: '
               "2026-03-02T10:00:00.000000Z"]),
        ("review", ["record 3: must be a JSON object"]),
    ]  # fmt: skip
    with pytest.raises(InvalidRecordsError, match="2 of 3 review"):
        read_each([_review(7, 1, False), bad, "review"], LsReview.model_validate, "review(s)")
