"""One answer per Label Studio state (issue 14), against a real Label Studio (the session's server).

Alice annotates two projects through Label Studio's API as herself; then the admin changes one
of her annotations (lead_time 25 -> 40), she cancels a submission and submits a skip, and the
admin deletes one of her annotations and a task with another. Label Studio's webhook
deliveries are recorded (`WebhookReceiver`), and labelpulse follows the same actions along
several paths, each into its own database: the deliveries in order, in reverse order, a sync
before and after the changes, the export file before them then a sync, the export files before
and after them, and one fresh sync of the final state. Every path gives the figures of the
fresh sync on the project whose annotations all still exist, and the paths that saw the
deleted annotations (and their deletion: not an export's) agree with each other on
everything, with the figures worked out by hand below."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from labelpulse.connectors.labelstudio import (
    UPDATED_AFTER,
    import_export,
    ingest_webhook,
    remember_users,
    sync_label_studio,
)
from labelpulse.metrics import report
from labelpulse.store import Store, connect
from tests.labelstudio.server import Client, Json, LabelStudio, WebhookReceiver
from tests.report_arguments import WindowArguments

ALICE = "alice@one-answer.test"
TABLES = ("members", "insights", "work", "items")


def choice(label: str) -> list[Json]:
    value = {"choices": [label]}
    return [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": value}]


def wait_until_changeable(*made: Json) -> None:
    """A change must come later than UPDATED_AFTER after the creation to be seen as one by
    the paths that see only the latest version (see the docs)."""
    latest = max(datetime.fromisoformat(m["created_at"]) for m in made)
    left = (latest + UPDATED_AFTER + timedelta(milliseconds=100)) - datetime.now(UTC)
    if left > timedelta(0):
        time.sleep(left.total_seconds())


def figures(store: Store, members: list[str], projects: list[str]) -> dict[str, Any]:
    """Every report over the projects, today give or take a day."""
    today = datetime.now(UTC).date()
    window: WindowArguments = {
        "start": str(today - timedelta(days=1)), "end": str(today + timedelta(days=1)), "tz": "UTC"
    }  # fmt: skip
    found: dict[str, Any] = {}
    for member in members:
        found[member] = report(store, "member", member=member, projects=projects, **window)
    for name in TABLES:
        found[name] = report(store, name, projects=projects, **window)
    return found


def test_every_path_gives_the_figures_of_one_fresh_sync(
    label_studio: LabelStudio, admin: Client, tmp_path: Path
) -> None:
    alice_user = label_studio.add_user(ALICE, "Alice", "One")
    alice = label_studio.client(alice_user.token)
    admin_email = str(admin.whoami()["email"])
    state = admin.create_project("One answer: state")
    gone = admin.create_project("One answer: deletions")
    projects = [state["id"], gone["id"]]
    admin.import_tasks(state["id"], [{"text": f"state {n}"} for n in range(1, 4)])
    admin.import_tasks(gone["id"], [{"text": f"gone {n}"} for n in range(1, 3)])
    t1, t2, t3 = (t["id"] for t in admin.tasks(state["id"]))
    t4, t5 = (t["id"] for t in admin.tasks(gone["id"]))
    stores: dict[str, Store] = {}

    def store(name: str) -> Store:
        if name not in stores:
            stores[name] = connect(str(tmp_path / f"{name}.duckdb"))
        return stores[name]

    def sync(name: str) -> None:
        sync_label_studio(
            store(name), url=label_studio.url, token=label_studio.admin_token, projects=projects
        )

    def export(name: str) -> dict[str, Path]:
        """Each project's JSON export file, by project title."""
        files = {}
        for project in (state, gone):
            path = tmp_path / f"{name}-{project['id']}.json"
            path.write_text(json.dumps(admin.export(project["id"])), encoding="utf-8")
            files[str(project["title"])] = path
        return files

    def load(name: str, files: dict[str, Path]) -> None:
        for title, path in files.items():
            import_export(store(name), path, project_name=title, users=users)

    users = tmp_path / "users.json"
    with WebhookReceiver() as receiver:
        for project in projects:
            admin.create_webhook(receiver.url, project)
        # Before: Alice submits 25 s, submits 10 s, skips (3 s), submits 8 s and 6 s.
        a1 = alice.annotate(t1, choice("positive"), 25.0)
        a2 = alice.annotate(t2, choice("negative"), 10.0)
        a3 = alice.skip(t3, 3.0)
        a4 = alice.annotate(t4, choice("neutral"), 8.0)
        a5 = alice.annotate(t5, choice("neutral"), 6.0)
        sync("stepwise")
        before = export("before")
        users.write_text(json.dumps(admin.users()), encoding="utf-8")
        wait_until_changeable(a1, a2, a3, a4, a5)
        # The changes: the admin's edit of Alice's 1 (lead_time 25 -> 40), Alice cancels her
        # 2 (10 -> 14 s) and submits her skip (3 -> 12 s), the admin deletes her 4 and task 5.
        admin.update_annotation(a1["id"], result=choice("negative"), lead_time=40.0)
        alice.update_annotation(a2["id"], result=[], was_cancelled=True, lead_time=14.0)
        alice.update_annotation(a3["id"], result=choice("positive"), was_cancelled=False,
                                lead_time=12.0)  # fmt: skip
        admin.delete_annotation(a4["id"])
        admin.request(
            "POST", "/api/dm/actions", {"selectedItems": {"all": False, "included": [t5]}},
            {"id": "delete_tasks", "project": gone["id"]},
        )  # fmt: skip
        deliveries = [d.body for d in receiver.deliveries]
    after = export("after")
    # What Label Studio says of the changes: made by whom, with what.
    final = {a["id"]: a for task in admin.export(state["id"]) for a in task["annotations"]}
    assert final[a1["id"]]["updated_by"] == admin.whoami()["id"]
    assert (final[a2["id"]]["was_cancelled"], final[a3["id"]]["was_cancelled"]) == (True, False)
    actions = [d["action"] for d in deliveries]
    assert actions.count("ANNOTATION_UPDATED") == 3
    assert "ANNOTATIONS_DELETED" in actions and "TASKS_DELETED" in actions

    def hooks(name: str, bodies: list[Json]) -> None:
        remember_users(store(name), admin.users())  # as `labelpulse hook` does
        for body in bodies:
            ingest_webhook(store(name), body)

    hooks("webhooks", deliveries)
    hooks("webhooks_then_sync", deliveries)
    sync("webhooks_then_sync")
    hooks("reversed_webhooks_then_sync", deliveries[::-1])
    sync("reversed_webhooks_then_sync")
    sync("stepwise")  # its first sync ran before the changes
    load("import_then_sync", before)
    sync("import_then_sync")
    load("two_imports", before)
    load("two_imports", after)  # an export says nothing of what was deleted
    sync("fresh")
    paths = list(stores)
    try:
        members = [ALICE, admin_email]
        # The project whose annotations all exist: every path, the fresh sync's figures.
        scope = [f"ls-{state['id']}"]
        expected = figures(store("fresh"), members, scope)
        for name in paths:
            assert differing(figures(store(name), members, scope), expected) == [], name
        # By hand: Alice's 1 (40 s, the admin's edit is hers), her 2 skipped in the end, her 3
        # submitted (12 s): 2 submitted, both updated, 52 s. Items labeled: all three (the
        # first version of a changed annotation is a submission); the admin labeled task 1.
        mine = expected[ALICE]["annotations"]
        assert {k: mine[k] for k in ("submitted", "updated", "skipped", "total_time")} == {
            "submitted": 2, "updated": 2, "skipped": 1, "total_time": 52.0,
        }  # fmt: skip
        assert expected[admin_email]["annotations"]["submitted"] == 0
        labeled = {r["member"]: r["items_labeled"] for r in expected["insights"]["rows"]}
        assert labeled == {ALICE: 3, admin_email: 1}
        work = {r["member"]: r for r in expected["work"]["rows"]}
        assert (work[ALICE]["label_time"], work[ALICE]["edited"]) == (40.0 + 14.0 + 12.0, 0)
        assert (work[admin_email]["edit_time"], work[admin_email]["edited"]) == (0.0, 1)
        active = {r["member"]: r["last_active"] for r in expected["members"]["rows"]}
        assert active[ALICE] == stamp(final[a3["id"]]["updated_at"])  # her last change
        # The project with the deletions: the paths that saw the annotations agree on
        # everything; the deletions are Alice's, at her submissions (Label Studio records
        # neither who deleted nor when), so her last activity there is her last submission.
        seen = [name for name in paths if name not in ("fresh", "two_imports")]
        scope = [f"ls-{gone['id']}"]
        expected = figures(store(seen[0]), members, scope)
        for name in seen:
            assert differing(figures(store(name), members, scope), expected) == [], name
            rows = store(name).rows(
                "SELECT actor, time_us FROM events WHERE type = 'annotation.deleted' "
                "ORDER BY time_us"
            )
            assert [(r["actor"], r["time_us"]) for r in rows] == [
                (ALICE, micros(a4["created_at"])), (ALICE, micros(a5["created_at"])),
            ], name  # fmt: skip
        active = {r["member"]: r["last_active"] for r in expected["members"]["rows"]}
        assert active == {ALICE: stamp(a5["created_at"])}
        assert expected[ALICE]["annotations"]["submitted"] == 0
        # The fresh sync never saw them.
        assert figures(store("fresh"), members, scope)["members"]["rows"] == []
    finally:
        for opened in stores.values():
            opened.close()


def differing(found: Any, expected: Any, where: str = "") -> list[tuple[str, Any, Any]]:
    """The leaves by which two reports differ (path, found, expected): a readable failure."""
    if isinstance(found, dict) and isinstance(expected, dict):
        keys = sorted({*found, *expected})
        return [d for k in keys for d in differing(found.get(k), expected.get(k), f"{where}/{k}")]
    if isinstance(found, list) and isinstance(expected, list) and len(found) == len(expected):
        pairs = zip(found, expected, strict=True)
        return [d for n, (f, e) in enumerate(pairs) for d in differing(f, e, f"{where}/{n}")]
    return [] if found == expected else [(where, found, expected)]


def micros(moment: str) -> int:
    parsed = datetime.fromisoformat(moment)
    return round(parsed.timestamp() * 1_000_000)


def stamp(moment: str) -> str:
    """Label Studio's time as the reports write it (`iso_time`: UTC, `Z`)."""
    us = micros(moment)
    parsed = datetime.fromtimestamp(us / 1_000_000, UTC)
    text = parsed.isoformat(timespec="microseconds" if us % 1_000_000 else "seconds")
    return text.replace("+00:00", "Z")
