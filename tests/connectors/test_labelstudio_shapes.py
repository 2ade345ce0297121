"""Every shape Label Studio writes is read: annotations without `unique_id` (made before Label
Studio added it, the SDK's Annotation type, the webhook reference's payloads) under a key that
meets the `unique_id` one in any order; `completed_by: null` (the user was deleted); a single
task object; JSON-MIN and CSV exports refused with the export to choose.

The payloads of tests/data/label-studio/real are Label Studio's own (its README says where from);
the scenario is the real 1.23.2 capture of tests/labelstudio/samples (see test_labelstudio)."""

from __future__ import annotations

import copy
import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from labelpulse.cli import app
from labelpulse.config import Settings
from labelpulse.connectors.labelstudio import (
    SECRET_HEADER,
    SyncResult,
    ensure_secret,
    import_export,
    ingest_webhook,
    remember_users,
    sync_label_studio,
)
from labelpulse.errors import UsageError
from labelpulse.store import Store, connect
from labelpulse.web.app import create_app
from tests.connectors.test_labelstudio import (
    ANN,
    BOB,
    SAMPLES,
    assert_scenario_figures,
    deliveries,
    events,
    figures,
    sample,
)

REAL = Path(__file__).parents[1] / "data" / "label-studio" / "real"
# The scenario's annotations under their derived keys (project 1): Ann's 1 on task 1, Bob's 2
# on task 2, his skip 3 on task 3, his 5 on task 1.
ANN_1 = "ls:p1-t1-a1"
BOB_2, BOB_3, BOB_5 = "ls:p1-t2-a2", "ls:p1-t3-a3", "ls:p1-t1-a5"
WITHOUT_IDS = [
    (f"{ANN_1}:created", "annotation.submitted", ANN, 15.0),
    (f"{BOB_2}:created", "annotation.submitted", BOB, 7.5),
    (f"{BOB_3}:created", "annotation.skipped", BOB, 3.0),
    (f"{ANN_1}:2026-11-25T21:55:03.437672Z", "annotation.updated", ANN, 0.0),
    (f"{BOB_5}:created", "annotation.submitted", BOB, 5.0),
]


def real(name: str) -> Any:
    return json.loads((REAL / name).read_text(encoding="utf-8"))


def without_unique_ids(data: Any) -> Any:
    """`data` as a server older than Label Studio's `unique_id` would have written it."""
    data = copy.deepcopy(data)
    for item in data if isinstance(data, list) else [data]:
        for annotation in item.get("annotations") or []:
            annotation.pop("unique_id", None)
        if isinstance(item.get("annotation"), dict):
            item["annotation"].pop("unique_id", None)
    return data


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def count(store: Store) -> int:
    return int(store.rows("SELECT count(*) AS n FROM events")[0]["n"])


# -- the webhook reference's payloads ------------------------------------------------------------
def test_the_webhook_reference_payloads_are_accepted_by_the_endpoint(store: Store) -> None:
    client = TestClient(create_app(store, Settings(db=store.url)))
    headers = {SECRET_HEADER: ensure_secret(store)}
    created = client.post("/api/hooks/label-studio", json=real("webhook_annotation_created.json"),
                          headers=headers)  # fmt: skip
    assert created.status_code == 200, created.text
    assert (created.json()["stored"], created.json()["read"]) == (1, True)
    updated = client.post("/api/hooks/label-studio", json=real("webhook_annotation_updated.json"),
                          headers=headers)  # fmt: skip
    assert updated.status_code == 200, updated.text
    assert updated.json()["stored"] == 2  # first seen changed: its first version and itself
    rows = store.rows("SELECT id, type, actor, time_us, duration_us, project, task FROM events "
                      "ORDER BY time_us")  # fmt: skip
    found = [(r["id"], r["type"], r["actor"], r["duration_us"] / 1e6, r["project"], r["task"])
             for r in rows]  # fmt: skip
    assert found == [
        # Annotation 16 (task 5, project 1): made at 13:35:59.817086, changed at 13:37:25.805479
        # with lead_time 299.327 s, all of it the first version's.
        ("ls:p1-t5-a16:created", "annotation.submitted", "label-studio-1", 299.327,
         "ls-1", "ls-task-5"),
        ("ls:p1-t5-a16:2021-08-17T13:37:25.805479Z", "annotation.updated", "label-studio-1", 0.0,
         "ls-1", "ls-task-5"),
        # Annotation 17 (task 19, project 2): created, 37.13 s.
        ("ls:p2-t19-a17:created", "annotation.submitted", "label-studio-1", 37.13,
         "ls-2", "ls-task-19"),
    ]  # fmt: skip
    assert store.rows("SELECT id, name FROM projects ORDER BY id") == [
        {"id": "ls-1", "name": "New Project #5"},
        {"id": "ls-2", "name": "New Project #2"},
    ]
    # The reference's ANNOTATIONS_DELETED names annotation 17 by its number only.
    gone = {"action": "ANNOTATIONS_DELETED", "annotations": [{"id": 17}],
            "project": real("webhook_annotation_created.json")["project"]}  # fmt: skip
    assert ingest_webhook(store, gone).deleted == 1


# -- keys with and without unique_id meet ---------------------------------------------------------
def test_an_export_without_unique_ids_then_with_them_counts_once(
    store: Store, tmp_path: Path
) -> None:
    old = write(tmp_path / "old.json", without_unique_ids(sample("export_json")))
    assert import_export(store, old, users=sample("users")).stored == 5
    assert events(store) == WITHOUT_IDS
    assert_scenario_figures(store)
    # The same annotations exported again by a server that has filled in unique_id.
    assert import_export(store, SAMPLES / "export_json.json").stored == 0
    assert events(store) == WITHOUT_IDS
    assert_scenario_figures(store)
    assert import_export(store, old).stored == 0


def test_an_export_with_unique_ids_then_without_them_counts_once(
    store: Store, tmp_path: Path
) -> None:
    assert import_export(store, SAMPLES / "export_json.json", users=sample("users")).stored == 5
    before = events(store)
    assert before[0][0] == "ls:849fb788-a0c6-448b-b9e8-1d741e782d53:created"  # Ann's 1
    old = write(tmp_path / "old.json", without_unique_ids(sample("export_json")))
    assert import_export(store, old).stored == 0
    assert events(store) == before
    assert_scenario_figures(store)


def test_webhooks_without_unique_ids_and_the_export_with_them_agree_in_either_order(
    store: Store, tmp_path: Path
) -> None:
    remember_users(store, sample("users"))
    bare = [without_unique_ids(body) for body in deliveries()]
    assert [ingest_webhook(store, body).stored for body in bare] == [0, 1, 1, 1, 1, 1, 1, 1]
    assert count(store) == 7  # the 5 of the export, Bob's 4 and its deletion
    assert_scenario_figures(store)
    assert import_export(store, SAMPLES / "export_json.json").stored == 0
    assert count(store) == 7
    assert_scenario_figures(store)

    other = connect(str(tmp_path / "other.duckdb"))
    import_export(other, SAMPLES / "export_json.json", users=sample("users"))
    # Only what the export never had: Bob's 4, made and deleted.
    assert [ingest_webhook(other, body).stored for body in bare] == [0, 0, 0, 0, 0, 1, 1, 0]
    assert count(other) == 7
    assert_scenario_figures(other)
    other.close()


def test_another_servers_annotation_with_the_same_number_keeps_its_own_key(
    store: Store, tmp_path: Path
) -> None:
    import_export(store, SAMPLES / "export_json.json", users=sample("users"))
    tasks = without_unique_ids(sample("export_json"))
    for task in tasks:  # the same numbers, on other tasks of another project
        task["project"], task["id"] = 9, task["id"] + 100
        for annotation in task["annotations"]:
            annotation["project"], annotation["task"] = 9, task["id"]
    assert import_export(store, write(tmp_path / "other.json", tasks)).stored == 5
    assert count(store) == 10
    assert figures(store, ANN)["submitted"] == 2


# -- completed_by null ---------------------------------------------------------------------------
def _deleted_bob(tmp_path: Path, *, updated_by: int | None) -> Path:
    """The export after Bob (user 3) was deleted in Label Studio: his annotations stay, with
    `completed_by: null` (on_delete=SET_NULL); `updated_by` as given."""
    tasks = sample("export_json")
    for task in tasks:
        for annotation in task["annotations"]:
            if annotation["completed_by"] == 3:
                annotation["completed_by"], annotation["updated_by"] = None, updated_by
    return write(tmp_path / "deleted.json", tasks)


def test_a_deleted_users_annotations_go_to_one_deleted_user_member(
    store: Store, tmp_path: Path
) -> None:
    export = _deleted_bob(tmp_path, updated_by=None)
    assert import_export(store, export, users=sample("users")).stored == 5
    member = "label-studio-deleted"
    assert store.rows("SELECT id, name, role FROM members WHERE id = $id", {"id": member}) == [
        {"id": member, "name": "Deleted Label Studio user", "role": "annotator"}
    ]
    found = figures(store, member)
    assert {k: found[k] for k in ("submitted", "skipped", "total_time")} == {
        "submitted": 2, "skipped": 1, "total_time": 12.5,  # Bob's 2 (7.5 s) and 5 (5 s); a
    }  # fmt: skip                                     # skip's time is not annotation time
    assert figures(store, ANN)["submitted"] == 1
    assert import_export(store, export).stored == 0


def test_a_deleted_user_is_credited_to_updated_by_when_it_is_set(
    store: Store, tmp_path: Path
) -> None:
    import_export(store, _deleted_bob(tmp_path, updated_by=2), users=sample("users"))
    found = figures(store, ANN)  # Ann (user 2) last changed them: they are hers
    assert {k: found[k] for k in ("submitted", "skipped", "total_time")} == {
        "submitted": 3, "skipped": 1, "total_time": 27.5,  # her 15 s and Bob's 7.5 s and 5 s
    }  # fmt: skip
    assert store.rows("SELECT count(*) AS n FROM members WHERE id = 'label-studio-deleted'") == [
        {"n": 0}
    ]


def test_an_author_held_before_the_user_was_deleted_stays_the_author(
    store: Store, tmp_path: Path
) -> None:
    import_export(store, SAMPLES / "export_json.json", users=sample("users"))
    assert import_export(store, _deleted_bob(tmp_path, updated_by=None)).stored == 0
    assert_scenario_figures(store)
    assert store.rows("SELECT count(*) AS n FROM members WHERE id = 'label-studio-deleted'") == [
        {"n": 0}
    ]


# -- file shapes ---------------------------------------------------------------------------------
def test_a_single_task_object_imports(store: Store) -> None:
    """The docs' task example: one object; its annotation's id is the string "1001"."""
    assert import_export(store, REAL / "task_format_example.json").stored == 1
    assert events(store) == [
        ("ls:p83-t1-a1001:created", "annotation.submitted", "label-studio-10", 4.288)
    ]
    assert store.rows("SELECT project, task, regions FROM events") == [
        {"project": "ls-83", "task": "ls-task-1", "regions": 1}
    ]


def test_json_min_and_csv_exports_are_refused_naming_the_export_to_choose(
    store: Store, tmp_path: Path
) -> None:
    # The real JSON-MIN export of the scenario: flat rows, Bob's skip left out.
    with pytest.raises(UsageError, match="JSON-MIN") as refused:
        import_export(store, SAMPLES / "export_json_min.json")
    assert "Export → JSON" in str(refused.value) and "skipped annotations" in str(refused.value)
    rows = sample("export_json_min")
    csv = tmp_path / "project-1.csv"
    csv.write_text(
        "annotation_id,annotator,created_at,id,lead_time,sentiment,text,updated_at\n"
        + "".join(
            f"{r['annotation_id']},{r['annotator']},{r['created_at']},{r['id']},{r['lead_time']},"
            f"{r.get('sentiment', '')},{r['text']},{r['updated_at']}\n"
            for r in rows
        ),
        encoding="utf-8",
    )
    with pytest.raises(UsageError, match="CSV") as refused:
        import_export(store, csv)
    assert "Export → JSON" in str(refused.value)
    with pytest.raises(UsageError, match="Export → JSON"):
        import_export(store, write(tmp_path / "other.json", {"not": "an export"}))
    assert count(store) == 0


# -- members by any case of their email -----------------------------------------------------------
def test_member_option_finds_a_member_by_the_email_as_label_studio_shows_it(
    tmp_path: Path,
) -> None:
    db = tmp_path / "cli.duckdb"
    store = connect(str(db))
    import_export(store, SAMPLES / "export_json.json", users=sample("users"))
    store.close()
    args = [
        "--db",
        str(db),
        "report",
        "member",
        "--member",
        "Bob@LabelPulse.TEST",
        "--from",
        "2026-11-24",
        "--to",
        "2026-11-26",
        "--tz",
        "UTC",
        "--format",
        "json",
    ]
    result = CliRunner().invoke(app, args, env={"LABELPULSE_DB": None})
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["member"]["id"] == BOB  # bob@labelpulse.test
    assert {k: body["annotations"][k] for k in ("submitted", "skipped", "total_time")} == {
        "submitted": 2, "skipped": 1, "total_time": 12.5,
    }  # fmt: skip


# -- an export given to our own importer ---------------------------------------------------------
@pytest.mark.parametrize(
    "export",
    [SAMPLES / "export_json.json", REAL / "task_format_example.json"],
    ids=["list", "task"],
)
def test_plain_import_of_a_label_studio_export_names_the_command(
    tmp_path: Path, export: Path
) -> None:
    db = tmp_path / "plain.duckdb"
    result = CliRunner().invoke(app, ["--db", str(db), "import", str(export)],
                                env={"LABELPULSE_DB": None})  # fmt: skip
    assert isinstance(result.exception, UsageError)  # exit 2, as every usage error
    assert f"labelpulse import label-studio {export}" in str(result.exception)
    assert not export.with_name(export.name + ".rejects.ndjson").exists()
    store = connect(str(db))
    assert count(store) == 0
    store.close()


def test_a_coco_export_is_not_taken_for_a_task(store: Store, tmp_path: Path) -> None:
    """COCO (one of Label Studio's export formats) is one object with its own `annotations`."""
    coco = {
        "images": [{"id": 0, "file_name": "1.jpg"}],
        "categories": [{"id": 0, "name": "Car"}],
        "annotations": [{"id": 0, "image_id": 0, "category_id": 0, "bbox": [1, 2, 3, 4]}],
    }
    with pytest.raises(UsageError, match="Export → JSON"):
        import_export(store, write(tmp_path / "result.json", coco))
    assert count(store) == 0


# -- sync meets the other paths whichever key each carries ---------------------------------------
class _Server(ThreadingHTTPServer):
    """The few GET answers sync reads, from one project's JSON export (`tasks`); the
    Enterprise endpoints answer 404 as the open-source edition does."""

    tasks: list[dict[str, Any]]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        tasks = self.server.tasks
        answers: dict[str, Any] = {
            "/api/current-user/whoami": {"id": 1, "email": "admin@labelpulse.test"},
            "/api/users/": sample("users"),
            "/api/projects/": [{"id": 1, "title": "Sentiment"}],
            "/api/tasks/": {"tasks": [{"id": t["id"]} for t in tasks], "total": len(tasks)},
            "/api/projects/1/export": [t for t in tasks if str(t["id"]) in query.get("ids[]", [])],
        }
        found = answers.get(url.path)
        body = json.dumps(found if found is not None else {"detail": "Not found."}).encode()
        self.send_response(200 if found is not None else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests say what matters."""


@pytest.fixture
def label_studio() -> Iterator[_Server]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.tasks = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def _sync(target: Store, server: _Server) -> SyncResult:
    return sync_label_studio(target, url=f"http://127.0.0.1:{server.server_address[1]}", token="t")


def test_sync_before_and_after_the_server_fills_in_unique_ids(
    store: Store, label_studio: _Server, tmp_path: Path
) -> None:
    label_studio.tasks = without_unique_ids(sample("export_json"))
    first = _sync(store, label_studio)
    assert (first.summary.stored, first.deleted) == (5, 0)
    assert events(store) == WITHOUT_IDS
    # The same annotations, now with unique_id: nothing new, and none taken as deleted.
    label_studio.tasks = sample("export_json")
    again = _sync(store, label_studio)
    assert (again.summary.stored, again.deleted) == (0, 0)
    assert events(store) == WITHOUT_IDS
    assert import_export(store, SAMPLES / "export_json.json").stored == 0
    assert_scenario_figures(store)

    # The reverse: a sync with unique ids, webhooks without them, a sync without them.
    other = connect(str(tmp_path / "other.duckdb"))
    assert _sync(other, label_studio).summary.stored == 5
    bare = [without_unique_ids(body) for body in deliveries()]
    assert [ingest_webhook(other, body).stored for body in bare] == [0, 0, 0, 0, 0, 1, 1, 0]
    label_studio.tasks = without_unique_ids(sample("export_json"))
    last = _sync(other, label_studio)
    assert (last.summary.stored, last.deleted) == (0, 0)
    assert count(other) == 7  # the 5 of the export, Bob's 4 and its deletion
    assert_scenario_figures(other)
    other.close()


def test_an_annotation_webhook_without_its_project_is_refused(store: Store) -> None:
    body = real("webhook_annotation_created.json")
    del body["project"]
    with pytest.raises(UsageError, match='"project"'):
        ingest_webhook(store, body)
    assert count(store) == 0
