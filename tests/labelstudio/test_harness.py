"""The Label Studio harness, end to end, against a real label-studio: server up, users with
their own tokens, annotations made as different users, the export, webhook deliveries.

One scenario runs once per session (first, so its ids are the same every run) and the tests
check what it recorded. Its records are the JSON samples in samples/ that the connector's unit
tests read; `LABELPULSE_WRITE_LS_SAMPLES=1 pytest tests/labelstudio` rewrites them, and
test_samples_match_the_live_server fails when the server's field sets drift from them.
"""

from __future__ import annotations

import json
import os
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.labelstudio.server import (
    ADMIN_EMAIL,
    Client,
    Json,
    LabelStudio,
    LabelStudioError,
    User,
    WebhookReceiver,
)

SAMPLES = Path(__file__).parent / "samples"
WRITE_SAMPLES = os.environ.get("LABELPULSE_WRITE_LS_SAMPLES") == "1"
SECRET_HEADER = "X-Labelpulse-Secret"
SECRET = "labelpulse-webhook-secret"


def choice(label: str) -> list[Json]:
    """A result of the text-classification config (TEXT_CLASSIFICATION)."""
    value = {"choices": [label]}
    return [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": value}]


@dataclass
class Scenario:
    ann: User
    bob: User
    project: Json
    tasks: list[Json]
    records: dict[str, Any]  # sample name -> what the server answered (or sent)


def _run_scenario(server: LabelStudio, admin: Client) -> Scenario:
    records: dict[str, Any] = {}
    ann = server.add_user("ann@labelpulse.test", "Ann", "Lee")
    bob = server.add_user("bob@labelpulse.test", "Bob", "Ray")
    as_ann, as_bob = server.client(ann.token), server.client(bob.token)
    records["users"] = admin.users()
    project = admin.create_project("Sentiment")
    with WebhookReceiver() as receiver:
        records["webhook"] = admin.create_webhook(
            receiver.url, project["id"], headers={SECRET_HEADER: SECRET}
        )
        admin.import_tasks(project["id"], [{"text": f"review {n}"} for n in range(1, 5)])
        tasks = admin.tasks(project["id"])
        t1, t2, t3 = (task["id"] for task in tasks[:3])  # the fourth is never annotated
        # Ann: a draft after 4 s, submitted at 10 s (lead_time is cumulative: the browser adds
        # the draft's time in), then changed at 15 s in all.
        records["draft_post"] = as_ann.save_draft(t1, choice("positive"), 4.0)
        records["drafts_before_submit"] = as_ann.drafts(t1)
        draft_id = records["draft_post"]["id"]
        records["annotation_post"] = as_ann.annotate(
            t1, choice("positive"), 10.0, draft_id=draft_id
        )
        records["drafts_after_submit"] = as_ann.drafts(t1)
        # Bob: submits one task, skips another.
        records["annotation_post_bob"] = as_bob.annotate(t2, choice("negative"), 7.5)
        records["skip_post"] = as_bob.skip(t3, 3.0)
        first = records["annotation_post"]["id"]
        records["annotation_patch"] = as_ann.update_annotation(
            first, result=choice("negative"), lead_time=15.0
        )
        # Bob annotates Ann's task too, deletes it, annotates it again (a new id: the tables
        # are AUTOINCREMENT).
        records["annotation_post_deleted"] = as_bob.annotate(t1, choice("neutral"), 2.0)
        as_bob.delete_annotation(records["annotation_post_deleted"]["id"])
        records["annotation_post_after_delete"] = as_bob.annotate(t1, choice("positive"), 5.0)
        records["annotation_get"] = admin.annotation(first)
        records["task_annotations"] = admin.annotations(t1)
        records["export_json"] = admin.export(project["id"])
        records["export_json_annotated_only"] = admin.export(
            project["id"], download_all_tasks=False
        )
        records["export_json_min"] = admin.export(project["id"], export_type="JSON_MIN")
        deliveries = receiver.wait_for(8)
    records["webhook_deliveries"] = [
        {"path": d.path, "headers": d.headers, "body": d.body} for d in deliveries
    ]
    return Scenario(ann=ann, bob=bob, project=project, tasks=tasks, records=records)


@pytest.fixture(scope="session")
def scenario(label_studio: LabelStudio, admin: Client) -> Scenario:
    ran = _run_scenario(label_studio, admin)
    if WRITE_SAMPLES:
        SAMPLES.mkdir(exist_ok=True)
        for name, record in ran.records.items():
            text = json.dumps(record, indent=2, ensure_ascii=False) + "\n"
            (SAMPLES / f"{name}.json").write_text(text, encoding="utf-8")
    return ran


def test_server_is_up_and_the_admin_token_works(label_studio: LabelStudio, admin: Client) -> None:
    with urllib.request.urlopen(f"{label_studio.url}/health", timeout=10) as response:
        assert json.loads(response.read()) == {"status": "UP"}
    assert admin.whoami()["email"] == ADMIN_EMAIL
    with pytest.raises(LabelStudioError) as refused:
        Client(label_studio.url, "not-a-token").whoami()
    assert refused.value.status == 401


def test_users_have_distinct_tokens(
    label_studio: LabelStudio, admin: Client, scenario: Scenario
) -> None:
    tokens = {label_studio.admin_token, scenario.ann.token, scenario.bob.token}
    assert len(tokens) == 3
    for user in (scenario.ann, scenario.bob):
        me = label_studio.client(user.token).whoami()
        assert (me["id"], me["email"]) == (user.id, user.email)
    members = {u["email"]: u for u in scenario.records["users"]}
    assert set(members) == {ADMIN_EMAIL, scenario.ann.email, scenario.bob.email}
    organization = admin.whoami()["active_organization"]
    assert {u["active_organization"] for u in members.values()} == {organization}
    assert members[scenario.ann.email]["first_name"] == "Ann"


def test_annotations_are_completed_by_the_token_user(scenario: Scenario) -> None:
    records, ann, bob = scenario.records, scenario.ann, scenario.bob
    posted = records["annotation_post"]
    assert (posted["completed_by"], posted["updated_by"]) == (ann.id, ann.id)
    assert records["annotation_post_bob"]["completed_by"] == bob.id
    # The server keeps lead_time as sent: it does not add the draft's time in...
    assert posted["lead_time"] == 10.0
    assert posted["draft_created_at"] == records["draft_post"]["created_at"]
    # ...and submitting with draft_id consumes the draft.
    assert [d["id"] for d in records["drafts_before_submit"]] == [records["draft_post"]["id"]]
    assert records["drafts_after_submit"] == []
    skipped = records["skip_post"]
    assert (skipped["was_cancelled"], skipped["result"], skipped["completed_by"]) == (
        True,
        [],
        bob.id,
    )
    # The API's annotation answers carry no unique_id (the export and webhooks do).
    assert "unique_id" not in posted
    assert "unique_id" not in records["annotation_get"]


def test_patch_overwrites_lead_time(scenario: Scenario) -> None:
    patched, got = scenario.records["annotation_patch"], scenario.records["annotation_get"]
    assert patched["lead_time"] == 15.0  # overwritten with the new cumulative value
    assert patched["result"] == choice("negative")
    assert patched["created_at"] == scenario.records["annotation_post"]["created_at"]
    assert patched["updated_at"] > patched["created_at"]
    assert got["lead_time"] == 15.0
    assert got["last_action"] is None  # the open-source edition never fills it


def test_deleted_annotation_ids_are_not_reused(scenario: Scenario) -> None:
    """Django's SQLite tables are AUTOINCREMENT: a deleted id is never handed out again."""
    records = scenario.records
    deleted = records["annotation_post_deleted"]["id"]
    again = records["annotation_post_after_delete"]["id"]
    assert again == deleted + 1
    assert [a["id"] for a in records["task_annotations"]] == [
        records["annotation_post"]["id"],
        again,
    ]
    created = [
        d["body"]["annotation"]["unique_id"]
        for d in records["webhook_deliveries"]
        if d["body"]["action"] == "ANNOTATION_CREATED"
    ]
    assert len(set(created)) == len(created)


def test_export_keeps_skipped_and_unannotated_tasks(scenario: Scenario) -> None:
    records = scenario.records
    exported = {task["id"]: task for task in records["export_json"]}
    assert list(exported) == [task["id"] for task in scenario.tasks]
    t1, t2, t3, t4 = (exported[task["id"]] for task in scenario.tasks)
    assert [a["completed_by"] for a in t1["annotations"]] == [scenario.ann.id, scenario.bob.id]
    assert [a["lead_time"] for a in t1["annotations"]] == [15.0, 5.0]
    assert t2["annotations"][0]["was_cancelled"] is False
    skip = t3["annotations"][0]
    assert (skip["was_cancelled"], skip["result"], skip["result_count"]) == (True, [], 0)
    assert (t3["total_annotations"], t3["cancelled_annotations"]) == (0, 1)
    assert t4["annotations"] == []
    for task in (t1, t2, t3):
        for annotation in task["annotations"]:
            assert uuid.UUID(annotation["unique_id"]).version == 4
            assert isinstance(annotation["completed_by"], int)  # an id, not a user object
    # Without download_all_tasks, the task never annotated is left out; a skip stays.
    annotated_only = [task["id"] for task in records["export_json_annotated_only"]]
    assert annotated_only == [t1["id"], t2["id"], t3["id"]]
    # JSON_MIN drops the skip: one row per annotation, and one with nulls for a task without.
    rows = [(row["id"], row["annotation_id"]) for row in records["export_json_min"]]
    assert sorted(rows, key=str) == sorted(
        [(t1["id"], a["id"]) for a in t1["annotations"]]
        + [(t2["id"], t2["annotations"][0]["id"]), (t4["id"], None)],
        key=str,
    )


def test_webhook_deliveries(scenario: Scenario) -> None:
    deliveries = scenario.records["webhook_deliveries"]
    actions = [d["body"]["action"] for d in deliveries]
    assert actions == [
        "TASKS_CREATED",
        "ANNOTATION_CREATED",  # Ann submits (drafts send nothing)
        "ANNOTATION_CREATED",  # Bob submits
        "ANNOTATION_CREATED",  # Bob skips
        "ANNOTATION_UPDATED",  # Ann changes hers
        "ANNOTATION_CREATED",  # Bob on Ann's task
        "ANNOTATIONS_DELETED",
        "ANNOTATION_CREATED",  # and again
    ]
    assert scenario.records["webhook"]["headers"] == {SECRET_HEADER: SECRET}
    for delivery in deliveries:
        assert delivery["headers"][SECRET_HEADER] == SECRET
        assert delivery["headers"]["Content-Type"] == "application/json"
        assert delivery["path"] == "/labelstudio/webhook"
        assert delivery["body"]["project"]["id"] == scenario.project["id"]
    bodies = [d["body"] for d in deliveries]
    assert [t["id"] for t in bodies[0]["tasks"]] == [t["id"] for t in scenario.tasks]
    skip = bodies[3]["annotation"]
    assert (skip["was_cancelled"], skip["completed_by"], skip["lead_time"]) == (
        True,
        scenario.bob.id,
        3.0,
    )
    assert set(bodies[1]) == {"action", "annotation", "task", "project"}
    assert bodies[4]["annotation"]["lead_time"] == 15.0
    assert bodies[4]["annotation"]["unique_id"] == bodies[1]["annotation"]["unique_id"]
    deleted_id = scenario.records["annotation_post_deleted"]["id"]
    assert bodies[6]["annotations"] == [{"id": deleted_id}]  # ids only
    assert set(bodies[6]) == {"action", "annotations", "project"}


def test_completed_by_in_the_body_wins_over_the_token(
    label_studio: LabelStudio, admin: Client, scenario: Scenario
) -> None:
    project = admin.create_project("Attribution")
    admin.import_tasks(project["id"], [{"text": "one"}])
    (task,) = admin.tasks(project["id"])
    as_ann = label_studio.client(scenario.ann.token)
    body = {"result": choice("positive"), "lead_time": 1.0, "completed_by": scenario.bob.id}
    made = as_ann.request("POST", f"/api/tasks/{task['id']}/annotations/", body)
    assert (made["completed_by"], made["updated_by"]) == (scenario.bob.id, scenario.ann.id)
    # Another user's PATCH keeps completed_by and moves updated_by.
    patched = admin.update_annotation(made["id"], lead_time=2.0)
    assert (patched["completed_by"], patched["updated_by"]) == (scenario.bob.id, 1)


@pytest.mark.usefixtures("scenario")  # its data first, so that its ids stay the same
def test_lists_follow_pagination(admin: Client) -> None:
    made = [admin.create_project(f"Paged {n}")["id"] for n in range(3)]
    assert set(made) <= {p["id"] for p in admin.projects(page_size=1)}
    admin.import_tasks(made[0], [{"text": f"task {n}"} for n in range(5)])
    assert [t["data"]["text"] for t in admin.tasks(made[0], page_size=2)] == [
        f"task {n}" for n in range(5)
    ]


def _shape(value: Any) -> Any:
    """The field names of a JSON value, nested (a list by its first element)."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return None


def test_samples_match_the_live_server(scenario: Scenario) -> None:
    for name, record in scenario.records.items():
        sample = SAMPLES / f"{name}.json"
        assert sample.is_file(), f"{sample} is missing: LABELPULSE_WRITE_LS_SAMPLES=1 rewrites it"
        saved = json.loads(sample.read_text(encoding="utf-8"))
        assert _shape(saved) == _shape(record), f"{sample.name} no longer matches the server"
