"""Jobs the server runs on its own (a periodic sync) start and stop with it and survive failures."""

from __future__ import annotations

import threading
import time
from typing import Any

from fastapi.testclient import TestClient

from labelpulse.config import Settings
from labelpulse.connectors.labelstudio import SyncResult
from labelpulse.store import Store
from labelpulse.web.app import create_app
from labelpulse.web.background import Job, label_studio_sync


def test_a_job_runs_while_the_server_serves_and_a_failure_does_not_stop_it(
    org_store: Store,
) -> None:
    calls: list[Store] = []
    ran_twice = threading.Event()

    def flaky(store: Store) -> None:
        calls.append(store)
        if len(calls) == 1:
            raise RuntimeError("the tool is down")
        ran_twice.set()

    job = Job("flaky", every=0.05, run=flaky, first=0.0)
    app = create_app(org_store, Settings(db=org_store.url), jobs=[job])
    with TestClient(app) as client:
        assert client.get("/api/health").status_code == 200
        assert ran_twice.wait(10)
    assert job.failures == 1 and job.runs >= 1
    assert all(store is org_store for store in calls)
    stopped_at = len(calls)
    time.sleep(0.2)
    assert len(calls) == stopped_at  # stopped with the server


def test_the_label_studio_job_syncs_that_server(monkeypatch: Any, org_store: Store) -> None:
    seen: list[dict[str, Any]] = []
    import labelpulse.connectors.labelstudio as labelstudio

    def sync(store: Store, **kw: Any) -> SyncResult:
        seen.append(kw)
        return SyncResult()

    monkeypatch.setattr(labelstudio, "sync_label_studio", sync)
    job = label_studio_sync("http://ls:8080", "t0ken", every_minutes=15)
    assert job.every == 900 and job.first == 5.0
    job.run(org_store)
    assert seen == [{"url": "http://ls:8080", "token": "t0ken"}]
