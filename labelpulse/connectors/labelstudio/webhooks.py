"""Label Studio webhooks: a delivery's body → a batch, and registering the webhooks.

Label Studio sends each webhook synchronously inside the request that caused it, once, with a
timeout (1 s by default) and no retry: the receiver stores it at once (a few milliseconds), and
a delivery that never arrived is healed by the next sync. Each webhook carries a shared secret
in the `X-Labelpulse-Secret` header, kept in the store's `secrets` table.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from labelpulse.connectors.labelstudio.apply import Applier, Batch
from labelpulse.connectors.labelstudio.client import LabelStudioClient
from labelpulse.connectors.labelstudio.mapping import Version
from labelpulse.connectors.labelstudio.records import (
    SOURCE,
    LsAnnotation,
    LsReview,
    read_each,
    read_users,
)
from labelpulse.connectors.people import People
from labelpulse.errors import UsageError
from labelpulse.store.base import Store

SECRET_NAME = "label-studio-webhook"
SECRET_HEADER = "X-Labelpulse-Secret"
HOOK_PATH = "/api/hooks/label-studio"

_ANNOTATIONS = {
    "ANNOTATION_CREATED": "created",
    "ANNOTATIONS_CREATED": "created",
    "ANNOTATION_UPDATED": "updated",
}
_DELETED = ("ANNOTATIONS_DELETED", "ANNOTATION_DELETED")
_TASKS_DELETED = ("TASKS_DELETED", "TASK_DELETED")
_PROJECT = ("PROJECT_CREATED", "PROJECT_UPDATED")
_REVIEWS = ("REVIEW_CREATED", "REVIEW_UPDATED")


@dataclass(frozen=True)
class WebhookResult:
    """What one delivery did: its action, and what it stored (all 0 for one not read)."""

    action: str
    read: bool
    stored: int = 0
    duplicates: int = 0
    deleted: int = 0
    directory_stored: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "read": self.read,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "deleted": self.deleted,
            "directory_stored": self.directory_stored,
        }


def webhook_batch(payload: Mapping[str, Any]) -> tuple[str, Batch | None]:
    """The action of a delivery, and what it says (None for actions not read: TASKS_CREATED,
    PROJECT_DELETED — a deleted project's history is kept —, REVIEWS_DELETED, LABEL_LINK_*).

    Only the project's id and title are read of the `project` every body carries (never its
    `token`)."""
    action = payload.get("action")
    if not isinstance(action, str) or not action:
        raise UsageError('a Label Studio webhook body has a string "action"')
    given = payload.get("project")
    project: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    number = project.get("id") if isinstance(project.get("id"), int) else None
    titled: dict[int, str | None] = {}
    if number is not None and isinstance(project.get("title"), str):
        titled[number] = project["title"]
    if action in _ANNOTATIONS:
        items = _items(payload, "annotation", action)
        kind: Literal["created", "updated"] = (
            "created" if _ANNOTATIONS[action] == "created" else "updated"
        )
        annotations = read_each(items, lambda d: LsAnnotation.read(d, number), "annotation(s)")
        if any(a.project is None for a in annotations):  # part of every annotation's key
            raise UsageError(f'a {action} webhook body has "project" with an integer "id"')
        return action, Batch(versions=[Version(a, kind) for a in annotations], projects=titled)
    if action in _DELETED:
        key = "annotations" if "annotations" in payload else "annotation"
        return action, Batch(gone_ls_annotations=_ids(_items(payload, key, action), action))
    if action in _TASKS_DELETED:
        key = "tasks" if "tasks" in payload else "task"
        return action, Batch(gone_ls_tasks=_ids(_items(payload, key, action), action))
    if action in _PROJECT and number is not None:
        return action, Batch(projects=titled or {number: None})
    if action in _REVIEWS:
        reviews = read_each(_items(payload, "review", action), LsReview.model_validate, "review(s)")
        return action, Batch(reviews=reviews, projects=titled)
    return action, None


def ingest_webhook(target: Store | Applier, payload: Mapping[str, Any]) -> WebhookResult:
    """Store what one delivery says (the caller has checked its secret). `target`: the store,
    or the `Applier` the store's owner shares with its syncs (the web app's)."""
    action, batch = webhook_batch(payload)
    if batch is None:
        return WebhookResult(action, read=False)
    applier = Applier.of(target)
    applied = applier.apply(batch, People(applier.store, SOURCE))
    summary = applied.summary
    return WebhookResult(
        action,
        read=True,
        stored=summary.stored,
        duplicates=summary.duplicates,
        deleted=applied.deleted,
        directory_stored=summary.directory_stored,
    )


def webhook_secret(store: Store) -> str | None:
    """The secret deliveries must carry, or None before `labelpulse hook label-studio`."""
    rows = store.get("secrets", name=SECRET_NAME)
    return str(rows[0]["value"]) if rows else None


def ensure_secret(store: Store) -> str:
    """The webhook secret, made on first use (the same for every project and run)."""
    found = webhook_secret(store)
    if found is None:
        store.put("secrets", {"name": SECRET_NAME, "value": secrets.token_urlsafe(32)})
        found = webhook_secret(store)
    assert found is not None
    return found


@dataclass(frozen=True)
class Registration:
    """One project's webhook: created, updated (it pointed here with other settings), or
    unchanged."""

    project: int
    title: str
    webhook: int
    status: Literal["created", "updated", "unchanged"]


def register_webhooks(
    store: Store,
    *,
    url: str,
    token: str,
    public_url: str,
    projects: Sequence[int] = (),
) -> list[Registration]:
    """Register one webhook per project (every project the token sees, or those named) that
    sends every action with its payload to `public_url` + /api/hooks/label-studio, with the
    secret header. Idempotent: a webhook already pointing there is kept (or corrected).

    Also stores the server's users (members by email, user ids as aliases: webhooks name users
    by id only) and its projects, so that deliveries are attributed from the first one."""
    if not public_url.startswith(("http://", "https://")):
        raise UsageError(f"--public-url must start with http:// or https://, not {public_url!r}")
    target = public_url.rstrip("/") + HOOK_PATH
    client = LabelStudioClient(url, token)
    client.check()
    users = read_users(client.users())
    chosen = [client.project(p) for p in dict.fromkeys(projects)] if projects else client.projects()
    titles = {int(p["id"]): str(p.get("title") or "") for p in chosen}
    secret = ensure_secret(store)
    Applier(store).apply(Batch(users=users, projects=dict(titles)), People(store, SOURCE))
    wanted: dict[str, Any] = {"send_payload": True, "send_for_all_actions": True}
    wanted.update(is_active=True, headers={SECRET_HEADER: secret})
    done = []
    for number, title in titles.items():
        ours = [w for w in client.webhooks(number) if w.get("url") == target]
        if not ours:
            made = client.create_webhook({"url": target, "project": number, **wanted})
            done.append(Registration(number, title, int(made.get("id", 0)), "created"))
        elif all(ours[0].get(k) == v for k, v in wanted.items()):
            done.append(Registration(number, title, int(ours[0]["id"]), "unchanged"))
        else:
            client.update_webhook(int(ours[0]["id"]), wanted)
            done.append(Registration(number, title, int(ours[0]["id"]), "updated"))
    return done


def _items(payload: Mapping[str, Any], key: str, action: str) -> list[Any]:
    value = payload.get(key)
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, list):
        return value
    raise UsageError(f'a {action} webhook body has "{key}" (turn on "send payload")')


def _ids(items: list[Any], action: str) -> list[int]:
    found = [i.get("id") for i in items if isinstance(i, Mapping)]
    if len(found) != len(items) or not all(isinstance(i, int) for i in found):
        raise UsageError(f"a {action} webhook body lists objects with an integer id")
    return [int(i) for i in found if isinstance(i, int)]
