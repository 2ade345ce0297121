"""The webhook route is warmed up while the app starts, before it accepts connections: the first
delivery does not pay, against Label Studio's 1 s timeout, for what only a first request does.
The warm-up stores nothing. (Timings are in the report of issue 14, not asserted here.)"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from labelpulse.config import Settings
from labelpulse.connectors.labelstudio import SECRET_HEADER, ensure_secret, ingest_webhook
from labelpulse.store import Store
from labelpulse.web import hooks
from labelpulse.web.app import create_app

SAMPLES = Path(__file__).resolve().parent.parent / "labelstudio" / "samples"
TABLES = ("events", "state", "members", "projects", "external_ids", "secrets")


def a_delivery() -> dict[str, Any]:
    """A real ANNOTATION_CREATED body from Label Studio 1.23.2 (the harness's recording)."""
    recorded = json.loads((SAMPLES / "webhook_deliveries.json").read_text(encoding="utf-8"))
    return next(d["body"] for d in recorded if d["body"]["action"] == "ANNOTATION_CREATED")


def counts(store: Store) -> dict[str, int]:
    return {t: int(store.rows(f"SELECT count(*) AS n FROM {t}")[0]["n"]) for t in TABLES}


def test_the_webhook_path_runs_once_before_the_first_request_and_stores_nothing(
    store: Store, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = ensure_secret(store)
    app = create_app(store, Settings(db=store.url))  # makes the session secret
    before = counts(store)
    delivered: list[dict[str, Any]] = []

    def seen(target: Any, payload: dict[str, Any]) -> Any:
        delivered.append(payload)
        return ingest_webhook(target, payload)

    monkeypatch.setattr(hooks, "ingest_webhook", seen)
    caplog.set_level(logging.INFO, logger="labelpulse")
    with TestClient(app) as client:
        # Started: the route has already run, through the whole app, on a delivery of nothing.
        assert delivered == [hooks.NOTHING]
        assert [r.getMessage().split(" in ")[0] for r in caplog.records] == [
            "Label Studio webhooks: warmed up"
        ]
        assert counts(store) == before
        answer = client.post(
            "/api/hooks/label-studio", json=a_delivery(), headers={SECRET_HEADER: secret}
        )
    assert answer.status_code == 200
    assert answer.json() == {
        "action": "ANNOTATION_CREATED", "read": True, "stored": 1, "duplicates": 0,
        "deleted": 0, "directory_stored": 2,
    }  # fmt: skip
    assert len(delivered) == 2
    # The delivery's event, its annotation's state row, the member and project it named, and
    # the Label Studio ids of the annotation, task, project and member.
    after = counts(store)
    assert {t: after[t] - before[t] for t in TABLES} == {
        "events": 1, "state": 1, "members": 1, "projects": 1, "external_ids": 4, "secrets": 0,
    }  # fmt: skip


def test_no_warm_up_before_a_webhook_is_set_up(
    store: Store, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    delivered: list[dict[str, Any]] = []
    monkeypatch.setattr(hooks, "ingest_webhook", lambda _, payload: delivered.append(payload))
    caplog.set_level(logging.INFO, logger="labelpulse")
    with TestClient(create_app(store, Settings(db=store.url))) as client:
        assert client.get("/api/health").status_code == 200
    assert delivered == [] and caplog.records == []
