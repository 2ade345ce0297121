"""One person, one member: a Label Studio user first seen without an email (webhooks before any
sync make `label-studio-2`) becomes the email-keyed member when a sync brings the email, on
every backend, with every figure under the email id and the maintained tables equal to a
rebuild (`Store.merge_member`, `labelpulse.store.merge`).

The deliveries are tests/labelstudio/samples (a real 1.23.2 server): Ann (user 2) submits
annotation 1 (10 s) and changes it (15 s in all: 1 submitted, 1 updated, 15 s); Bob (user 3)
submits 2 (7.5 s), skips 3 (3 s), makes 4 (deleted) and 5 (5 s): 2 submitted, 1 skipped,
12.5 s. Seven events: two Ann's, five Bob's.
"""

from __future__ import annotations

from typing import Any

from labelpulse.connectors.labelstudio import ingest_webhook, remember_users
from labelpulse.ingest import ingest_records
from labelpulse.metrics import report
from labelpulse.store import Store
from labelpulse.store.check import check_state
from tests.connectors.test_labelstudio import (
    ANN,
    ANN_FIGURES,
    BOB,
    BOB_FIGURES,
    WINDOW,
    deliveries,
    figures,
    sample,
)

# Ann's CVAT work, stored before Label Studio's: one submission of 20 s on the 25th.
CVAT_ANN = {
    "id": "cvat-job-1", "type": "annotation.submitted", "time": "2026-11-25T09:00:00Z",
    "actor": ANN, "project": "cvat-1", "task": "cvat-task-1", "annotation": "cvat-ann-1",
    "duration": 20,
}  # fmt: skip


def _webhooks_first(store: Store) -> set[str]:
    """The deliveries without any user list: members by Label Studio id. Their event ids."""
    for body in deliveries():
        ingest_webhook(store, body)
    actors = store.rows(
        "SELECT actor, count(*) AS n FROM events WHERE id LIKE 'ls:%' GROUP BY actor ORDER BY actor"
    )
    assert actors == [{"actor": "label-studio-2", "n": 2}, {"actor": "label-studio-3", "n": 5}]
    return {r["id"] for r in store.rows("SELECT id FROM events")}


def _members(store: Store) -> list[dict[str, Any]]:
    return store.rows("SELECT id, name, email, role FROM members ORDER BY id")


def _members_table(store: Store) -> dict[str, tuple[str, int]]:
    """The members report: each member's name and submissions."""
    rows = report(store, "members", **WINDOW)["rows"]
    return {r["member"]: (r["member_name"], r["submitted"]) for r in rows}


def _credentials(store: Store, member: str) -> None:
    """A password, a token and a sign-in session of `member`."""
    store.put("accounts", {"member": member, "password_hash": member, "updated_us": 2})
    store.put(
        "tokens",
        {"id": "t1", "member": member, "name": "ci", "scope": "ingest", "secret_hash": "h",
         "created_us": 3, "revoked_us": None},
    )  # fmt: skip
    store.put(
        "sessions",
        {"id": "s1", "member": member, "role": "annotator", "created_us": 4, "expires_us": 5},
    )


def test_a_sync_bringing_emails_renames_the_webhook_members(backend_store: Store) -> None:
    """Renamed, `label-studio-2` keeps its password and token (the same person, the same role)
    under Ann's email; its session ends."""
    store = backend_store
    ids = _webhooks_first(store)
    _credentials(store, "label-studio-2")
    summary = remember_users(store, sample("users"))
    # Ann and Bob renamed (their records, with name and email), the admin new.
    assert (summary.directory_stored, summary.directory_unchanged) == (3, 0)
    assert _members(store) == [
        {"id": "admin@labelpulse.test", "name": "admin", "email": "admin@labelpulse.test",
         "role": "annotator"},
        {"id": ANN, "name": "Ann Lee", "email": ANN, "role": "annotator"},
        {"id": BOB, "name": "Bob Ray", "email": BOB, "role": "annotator"},
    ]  # fmt: skip
    assert {r["id"] for r in store.rows("SELECT id FROM events")} == ids  # ids unchanged
    assert store.rows("SELECT actor, author, count(*) AS n FROM events GROUP BY actor, author "
                      "ORDER BY actor") == [
        {"actor": ANN, "author": ANN, "n": 2}, {"actor": BOB, "author": BOB, "n": 5}
    ]  # fmt: skip
    for member, expected in ((ANN, ANN_FIGURES), (BOB, BOB_FIGURES)):
        found = figures(store, member)
        assert {k: found[k] for k in expected} == expected, member
    assert _members_table(store) == {ANN: ("Ann Lee", 1), BOB: ("Bob Ray", 2)}
    aliases = store.get("external_ids", source="label-studio", kind="member")
    assert {r["external_id"]: r["internal_id"] for r in aliases} == {
        "1": "admin@labelpulse.test", "2": ANN, "3": BOB
    }  # fmt: skip
    assert [a["password_hash"] for a in store.get("accounts", member=ANN)] == ["label-studio-2"]
    assert [(t["id"], t["member"]) for t in store.get("tokens")] == [("t1", ANN)]
    assert store.get("sessions") == []
    assert store.get("accounts", member="label-studio-2") == []
    assert check_state(store).differences == 0
    # Later deliveries find the renamed members by their alias; the list again changes nothing.
    assert ingest_webhook(store, deliveries()[1]).stored == 0
    again = remember_users(store, sample("users"))
    assert (again.directory_stored, again.directory_unchanged) == (0, 3)
    assert len(_members(store)) == 3


def test_a_member_with_the_email_already_absorbs_the_webhook_member(backend_store: Store) -> None:
    """Ann was a CVAT member first (a reviewer named "Ann L."), with a password; the webhook
    member `label-studio-2` had a password, a token and a session. Ann's own row and password
    win; the merged member's password, token and session end (a Label Studio email does not
    hand them a reviewer's role)."""
    store = backend_store
    ingest_records(
        store,
        [{"kind": "member", "id": ANN, "name": "Ann L.", "email": ANN, "role": "reviewer"},
         CVAT_ANN],
    )  # fmt: skip
    store.put("accounts", {"member": ANN, "password_hash": "ann-own", "updated_us": 1})
    ids = _webhooks_first(store) | {"cvat-job-1"}
    merged = "label-studio-2"
    _credentials(store, merged)
    summary = remember_users(store, sample("users"))
    # Ann merged (counted, no record), Bob renamed, the admin new.
    assert (summary.directory_stored, summary.directory_unchanged) == (3, 0)
    assert _members(store)[1:] == [
        {"id": ANN, "name": "Ann L.", "email": ANN, "role": "reviewer"},
        {"id": BOB, "name": "Bob Ray", "email": BOB, "role": "annotator"},
    ]
    assert {r["id"] for r in store.rows("SELECT id FROM events")} == ids
    # Her Label Studio work and her CVAT submission, under one member.
    found = figures(store, ANN)
    assert {k: found[k] for k in ANN_FIGURES} == {**ANN_FIGURES, "submitted": 2, "total_time": 35.0}
    assert _members_table(store) == {ANN: ("Ann L.", 2), BOB: ("Bob Ray", 2)}
    assert store.get("accounts", member=ANN)[0]["password_hash"] == "ann-own"
    assert store.get("accounts", member=merged) == []
    assert store.get("tokens") == []
    assert store.get("sessions") == []
    assert store.get("members", id=merged) == []
    assert check_state(store).differences == 0
