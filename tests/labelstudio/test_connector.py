"""The Label Studio connector against a real Label Studio (the session's server).

One scenario runs once for the module: users ann, bob and rita annotate through Label Studio's
API as themselves — a draft then a submit, a submit, a skip, a model-assisted bulk create, an
update, a delete, a task deleted with its annotation — while labelpulse follows it three ways,
each into its own database: (a) webhooks, delivered by Label Studio to our server running
in a thread (registered through `register_webhooks`, before any action); (b) sync, three times
over the scenario; (c) the file import of Label Studio's JSON export. The tests check that the
three agree with each other and with figures computed here from the export alone.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from labelpulse.cli import app as cli
from labelpulse.config import Settings
from labelpulse.connectors.labelstudio import (
    HOOK_PATH,
    SECRET_HEADER,
    UPDATED_AFTER,
    Registration,
    SyncResult,
    import_export,
    register_webhooks,
    sync_label_studio,
)
from labelpulse.ingest import ingest_records
from labelpulse.metrics import report
from labelpulse.store import Store, connect
from labelpulse.web.app import create_app
from tests.labelstudio.server import Client, Json, LabelStudio, free_port

ANN, BOB, RITA = "ann@connector.test", "bob@connector.test", "rita@connector.test"
# A member known before Label Studio is connected (say, from a CSV import), with ann's email in
# other case: ann's Label Studio work must be hers.
ANN_MEMBER = {"kind": "member", "id": "ann", "name": "Ann (CSV)", "email": "ANN@connector.test"}
ANN_MEMBER["role"] = "annotator"
MEMBERS = {ANN: "ann", BOB: BOB, RITA: RITA}


def choice(label: str) -> list[Json]:
    value = {"choices": [label]}
    return [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": value}]


class Timed:
    """ASGI middleware that records each webhook request's body and how long our server took
    to answer it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seconds: list[float] = []
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != HOOK_PATH:
            await self.app(scope, receive, send)
            return
        body = bytearray()

        async def recording() -> Any:
            message = await receive()
            body.extend(message.get("body", b""))
            return message

        started = time.perf_counter()
        await self.app(scope, recording, send)
        self.seconds.append(time.perf_counter() - started)
        self.bodies.append(bytes(body))


class OurServer:
    """labelpulse's app under uvicorn in a thread, over a store the test holds too."""

    def __init__(self, store: Store) -> None:
        self.timed = Timed(create_app(store, Settings(db=store.url)))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        config = uvicorn.Config(
            self.timed, host="127.0.0.1", port=self.port, log_level="warning",
            lifespan="off", ws="none", http="h11", loop="asyncio",
        )  # fmt: skip
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            assert time.monotonic() < deadline, "our server did not start"
            time.sleep(0.02)

    def stop(self) -> None:
        assert self._server is not None and self._thread is not None
        self._server.should_exit = True
        self._thread.join(timeout=20)
        assert not self._thread.is_alive()


@dataclass
class World:
    label_studio: LabelStudio
    project: Json
    users: dict[str, int]
    hooks: Store  # (a) webhooks (and, at the end, one healing sync)
    synced: Store  # (b) sync only
    imported: Store  # (c) the JSON export only
    server: OurServer
    registrations: list[list[Registration]]
    syncs: list[SyncResult]
    heal: SyncResult
    export: list[Json]
    export_path: Path
    users_path: Path
    ids: dict[str, int] = field(default_factory=dict)  # annotation ids by name
    snapshots: dict[str, dict[str, Any]] = field(default_factory=dict)
    call_seconds: list[float] = field(default_factory=list)


def window() -> tuple[str, str]:
    today = datetime.now(UTC).date()
    return str(today - timedelta(days=1)), str(today + timedelta(days=1))


def member_report(store: Store, member: str) -> dict[str, Any]:
    start, end = window()
    return report(store, "member", member=member, start=start, end=end, tz="UTC")


def wait_until_changeable(created: Json) -> None:
    """A change must come later than UPDATED_AFTER after the creation to be seen as one by
    the paths that see only the latest version (see the docs); people are slower than this."""
    made = datetime.fromisoformat(created["created_at"])
    left = (made + UPDATED_AFTER + timedelta(milliseconds=100)) - datetime.now(UTC)
    if left > timedelta(0):
        time.sleep(left.total_seconds())


@pytest.fixture(scope="module")
def world(
    label_studio: LabelStudio, admin: Client, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("connector")
    users = {e: label_studio.add_user(e, e.split("@")[0].title(), "Test") for e in MEMBERS}
    as_ann, as_bob, as_rita = (label_studio.client(users[e].token) for e in (ANN, BOB, RITA))
    project = admin.create_project("Connector")
    prediction = {"result": choice("positive"), "model_version": "m1"}
    tasks_data: list[Json] = [{"data": {"text": f"item {n}"}} for n in range(1, 6)]
    tasks_data.append({"data": {"text": "item 6"}, "predictions": [prediction]})
    admin.import_tasks(project["id"], tasks_data)
    t1, t2, t3, t4, _t5, t6 = (t["id"] for t in admin.tasks(project["id"]))
    stores = [connect(str(folder / f"{name}.duckdb")) for name in ("hooks", "synced", "imported")]
    for store in stores:
        ingest_records(store, [ANN_MEMBER])
    hooks, synced, imported = stores
    server = OurServer(hooks)
    server.start()

    def register() -> list[Registration]:
        return register_webhooks(
            hooks, url=label_studio.url, token=label_studio.admin_token,
            public_url=server.url, projects=[project["id"]],
        )  # fmt: skip

    def sync(store: Store) -> SyncResult:
        return sync_label_studio(
            store, url=label_studio.url, token=label_studio.admin_token, projects=[project["id"]]
        )

    world = World(
        label_studio, project, {e: u.id for e, u in users.items()}, hooks, synced, imported,
        server, [register(), register()], [], SyncResult(), [], folder / "export.json",
        folder / "users.json",
    )  # fmt: skip

    def timed(call: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        result = call(*args, **kwargs)
        world.call_seconds.append(time.perf_counter() - started)
        return result

    # Phase 1, webhooks delivered. Ann saves a draft at 4 s and submits at 10 s (cumulative).
    draft = as_ann.save_draft(t1, choice("positive"), 4.0)
    a1 = timed(as_ann.annotate, t1, choice("positive"), 10.0, draft_id=draft["id"])
    b2 = timed(as_bob.annotate, t2, choice("negative"), 7.5)
    world.ids["bob_skip"] = timed(as_bob.skip, t3, 3.0)["id"]
    a4 = timed(as_ann.annotate, t4, choice("neutral"), 6.0)
    # Rita turns task 6's prediction into her annotation: one ANNOTATIONS_CREATED.
    timed(
        as_rita.request, "POST", "/api/dm/actions",
        {"selectedItems": {"all": False, "included": [t6]}},
        {"id": "predictions_to_annotations", "project": project["id"]},
    )  # fmt: skip
    b1 = timed(as_bob.annotate, t1, choice("neutral"), 2.0)
    world.ids.update(ann_t1=a1["id"], bob_t2=b2["id"], ann_t4=a4["id"], bob_t1=b1["id"])
    world.syncs.append(sync(synced))
    world.snapshots["synced_before_deletes"] = _events(synced)
    # Phase 2: Ann changes hers (15 s in all), Bob deletes his on task 1, task 4 is deleted.
    wait_until_changeable(a1)
    timed(as_ann.update_annotation, a1["id"], result=choice("negative"), lead_time=15.0)
    timed(as_bob.delete_annotation, b1["id"])
    timed(
        admin.request, "POST", "/api/dm/actions",
        {"selectedItems": {"all": False, "included": [t4]}},
        {"id": "delete_tasks", "project": project["id"]},
    )  # fmt: skip
    world.syncs += [sync(synced), sync(synced)]
    # Phase 3: our server is down while Bob changes his task 2 (9.5 s): the delivery is lost.
    server.stop()
    wait_until_changeable(b2)
    as_bob.update_annotation(b2["id"], result=choice("positive"), lead_time=9.5)
    server.start()
    world.snapshots["bob_before_heal"] = member_report(hooks, BOB)
    world.heal = sync(hooks)  # in the server's process, while it serves
    world.syncs.append(sync(synced))
    world.export = admin.export(project["id"])
    world.export_path.write_text(json.dumps(world.export), encoding="utf-8")
    world.users_path.write_text(json.dumps(admin.users()), encoding="utf-8")
    import_export(imported, world.export_path, project_name="Connector", users=world.users_path)
    yield world
    server.stop()
    for store in stores:
        store.close()


def _events(store: Store) -> dict[str, Any]:
    rows = store.rows("SELECT id, type, actor, duration_us FROM events ORDER BY id")
    return {r["id"]: r for r in rows}


def expected_from_export(world: World, email: str) -> dict[str, Any]:
    """The member figures, computed from Label Studio's own export with nothing of ours."""
    user = world.users[email]
    mine = [a for t in world.export for a in t["annotations"] if a["completed_by"] == user]
    done = [a for a in mine if not a["was_cancelled"]]
    times = [float(a["lead_time"] or 0.0) for a in done]

    def changed(a: Json) -> bool:
        gap = datetime.fromisoformat(a["updated_at"]) - datetime.fromisoformat(a["created_at"])
        return gap > UPDATED_AFTER

    return {
        "submitted": len(done),
        "skipped": len(mine) - len(done),
        "updated": sum(changed(a) for a in done),
        "total_time": sum(times),
        "median_time": statistics.median(times) if times else None,
        "mean_time": statistics.fmean(times) if times else None,
    }


def test_three_paths_agree_with_each_other_and_with_the_export(world: World) -> None:
    for email, member in MEMBERS.items():
        reports = [member_report(s, member) for s in (world.hooks, world.synced, world.imported)]
        # The report's work section (Work's figures: every labeling event, those of annotations
        # since deleted included) can only agree between the paths that saw the deletes: an
        # export holds no deleted annotation. Everything else agrees across all three.
        assert reports[0] == reports[1], email
        assert {k: v for k, v in reports[2].items() if k != "work"} == {
            k: v for k, v in reports[0].items() if k != "work"
        }, email
        figures = reports[0]["annotations"]
        expected = expected_from_export(world, email)
        assert {k: figures[k] for k in expected} == pytest.approx(expected), email
    # What the scenario did, as the export tells it.
    assert expected_from_export(world, ANN) == {
        "submitted": 1, "skipped": 0, "updated": 1,
        "total_time": 15.0, "median_time": 15.0, "mean_time": 15.0,
    }  # fmt: skip
    assert expected_from_export(world, BOB)["updated"] == 1
    assert expected_from_export(world, BOB)["skipped"] == 1
    assert expected_from_export(world, RITA)["submitted"] == 1


def test_each_version_is_one_event(world: World) -> None:
    hooks = _events(world.hooks)
    ann = [e for e in hooks.values() if e["actor"] == "ann" and e["type"] != "annotation.deleted"]
    # Ann: created (10 s, the draft's 4 s included by the browser), updated (+5 s), and her
    # task-4 annotation (then deleted with its task).
    assert sorted((e["type"], e["duration_us"]) for e in ann) == [
        ("annotation.submitted", 6_000_000),
        ("annotation.submitted", 10_000_000),
        ("annotation.updated", 5_000_000),
    ]
    rita = [e for e in hooks.values() if e["actor"] == RITA]
    assert [(e["type"], e["duration_us"]) for e in rita] == [("annotation.submitted", 0)]
    model = world.hooks.rows("SELECT model_assisted FROM events WHERE actor = $a", {"a": RITA})
    assert model == [{"model_assisted": True}]


def test_hook_registration_is_idempotent(world: World, admin: Client) -> None:
    first, second = world.registrations
    assert [r.status for r in first] == ["created"]
    assert [r.status for r in second] == ["unchanged"]
    ours = [w for w in admin.webhooks(world.project["id"]) if w["url"].startswith(world.server.url)]
    assert len(ours) == 1
    assert ours[0]["send_payload"] and ours[0]["send_for_all_actions"]
    assert set(ours[0]["headers"]) == {SECRET_HEADER}


def test_sync_is_incremental_and_finds_deletions(world: World) -> None:
    first, second, third, last = world.syncs
    assert first.summary.stored == 6  # a1 a4 b1 b2, the skip, rita's
    assert first.deleted == 0
    assert (second.summary.stored, second.deleted) == (3, 2)  # a1's update; b1 and a4 deleted
    assert third.summary.stored == 0 and third.deleted == 0  # nothing changed: nothing stored
    assert third.summary.duplicates == 5  # all held: a1's two versions, b2, the skip, rita's
    assert third.summary.directory_stored == 0
    assert last.summary.stored == 1  # Bob's change made while our server was down
    before = world.snapshots["synced_before_deletes"]
    after = _events(world.synced)
    deleted = {i for i, e in after.items() if e["type"] == "annotation.deleted"}
    assert len(deleted) == 2 and not deleted & set(before)
    # The two deleted: Bob's on task 1 (his own delete) and Ann's on task 4 (task deleted).
    assert {after[i]["actor"] for i in deleted} == {"ann", BOB}


def test_a_missed_webhook_is_healed_by_sync(world: World) -> None:
    before = world.snapshots["bob_before_heal"]["annotations"]
    assert (before["updated"], before["total_time"]) == (0, 7.5)  # the change never arrived
    assert world.heal.summary.stored == 1
    after = member_report(world.hooks, BOB)["annotations"]
    assert (after["updated"], after["total_time"]) == (1, 9.5)


def test_importing_or_syncing_again_changes_nothing(world: World) -> None:
    for store in (world.hooks, world.synced, world.imported):
        reports = {m: member_report(store, m) for m in MEMBERS.values()}
        summary = import_export(store, world.export_path, project_name="Connector")
        assert summary.stored == 0
        again = sync_label_studio(
            store, url=world.label_studio.url, token=world.label_studio.admin_token,
            projects=[world.project["id"]],
        )  # fmt: skip
        assert again.summary.stored == 0
        assert {m: member_report(store, m) for m in MEMBERS.values()} == reports


def test_members_are_matched_by_email_and_keep_label_studio_ids(world: World) -> None:
    for store in (world.hooks, world.synced, world.imported):
        members = {r["id"]: r for r in store.rows("SELECT id, email FROM members")}
        assert members["ann"]["email"] == "ANN@connector.test"  # the member that was there
        assert ANN not in members
        aliases = store.get("external_ids", source="label-studio", kind="member")
        found = {int(a["external_id"]): a["internal_id"] for a in aliases}
        assert {found[world.users[e]] for e in MEMBERS} == set(MEMBERS.values())
    projects = world.hooks.rows("SELECT id, name FROM projects")
    assert projects == [{"id": f"ls-{world.project['id']}", "name": "Connector"}]


def test_the_open_source_edition_is_detected_not_an_error(world: World) -> None:
    for result in [*world.syncs, world.heal]:
        assert result.features == {
            "reviews": False, "comments": False, "annotation_history": False,
        }  # fmt: skip


def test_the_project_token_is_never_stored(world: World) -> None:
    """Every webhook body carries the whole project, its `token` included."""
    bodies = [json.loads(b) for b in world.server.timed.bodies if b]
    tokens = {b["project"]["token"] for b in bodies if "token" in b.get("project", {})}
    assert tokens
    for store in (world.hooks, world.synced, world.imported):
        for table in ("events", "projects", "members", "external_ids", "secrets", "state"):
            text = json.dumps(store.rows(f"SELECT * FROM {table}"), default=str)
            assert not any(token in text for token in tokens), table


def test_webhooks_are_answered_fast(world: World) -> None:
    seconds = world.server.timed.seconds
    assert len(seconds) >= 8  # every delivery of phases 1 and 2
    # Label Studio waits at most 1 s (its default WEBHOOK_TIMEOUT) and never retries.
    assert max(seconds) < 1.0, seconds
    print(
        f"\nwebhook handling in our server: n={len(seconds)}, median "
        f"{statistics.median(seconds) * 1000:.1f} ms, max {max(seconds) * 1000:.1f} ms; "
        f"Label Studio API calls that sent one: median "
        f"{statistics.median(world.call_seconds) * 1000:.1f} ms"
    )


def test_a_wrong_or_missing_secret_is_401(world: World) -> None:
    body = json.dumps({"action": "PROJECT_UPDATED", "project": {"id": 1, "title": "Hijacked"}})
    for headers in ({SECRET_HEADER: "not-the-secret"}, {}):
        request = urllib.request.Request(
            world.server.url + HOOK_PATH, data=body.encode(), method="POST",
            headers={"Content-Type": "application/json", **headers},
        )  # fmt: skip
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 401
        error = json.loads(refused.value.read())["error"]
        assert error["code"] == "unauthorized" and SECRET_HEADER in error["message"]
    assert world.hooks.rows("SELECT name FROM projects WHERE name = 'Hijacked'") == []


def test_cli_sync_and_hook_with_a_personal_access_token(
    world: World, label_studio: LabelStudio, admin: Client, tmp_path: Path
) -> None:
    pat = admin.request("POST", "/api/token/", {})["token"]  # a JWT refresh token
    project = admin.create_project("Connector CLI")
    admin.import_tasks(project["id"], [{"text": "one"}])
    db = str(tmp_path / "cli.duckdb")
    runner = CliRunner()
    env = {"LABEL_STUDIO_URL": label_studio.url, "LABEL_STUDIO_TOKEN": pat}
    args = ["--db", db, "sync", "label-studio", "--project", str(project["id"]), "-q"]
    done = runner.invoke(cli, args, env=env)
    assert done.exit_code == 0, done.output
    assert "Open-source edition" in done.output
    hook = ["--db", db, "hook", "label-studio", "--project", str(project["id"])]
    hook += ["--public-url", "http://127.0.0.1:9"]
    for expected in ("created", "unchanged"):
        done = runner.invoke(cli, hook, env=env)
        assert done.exit_code == 0, done.output
        assert expected in done.output
    refused = runner.invoke(cli, args, env={**env, "LABEL_STUDIO_TOKEN": "wrong-token"})
    assert refused.exit_code != 0
    assert "refused the token" in str(refused.exception or refused.output)
