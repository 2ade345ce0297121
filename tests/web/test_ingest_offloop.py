"""Ingest runs off the event loop, and small batches reuse the validators already made.

Over a real uvicorn: while a POST is being stored, GET /api/health still answers. The check is
of order, not of timing: the store holds the POST's batch (under its write lock) until health
has answered, which it can only do if the event loop is free; otherwise it times out.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import httpx2
import pytest

from labelpulse import ingest, validation
from labelpulse.config import Settings
from labelpulse.store import Store
from labelpulse.web.app import create_app
from tests.web.live import serving

WAIT = 20.0


def event(n: int) -> dict[str, Any]:
    return {
        "id": f"live-{n}",
        "type": "annotation.submitted",
        "time": "2026-03-06T08:00:00Z",
        "actor": "ann",
        "project": "p-cars",
        "task": f"t-live-{n}",
        "annotation": f"live-{n}",
        "duration": 30,
    }


class HeldStore:
    """The real store, whose `append` waits, holding the store's write lock, for `release`."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.appending = threading.Event()
        self.release = threading.Event()

    def append(self, *args: Any, **kwargs: Any) -> Any:
        with self._store._lock:  # type: ignore[attr-defined]
            self.appending.set()
            self.release.wait(WAIT)
            return self._store.append(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_health_answers_while_a_post_is_being_stored(org_store: Store, token_for: Any) -> None:
    held = HeldStore(org_store)
    app = create_app(held, Settings(db=org_store.url, timezone="UTC"))
    token = token_for("adm", "ingest")
    answers: dict[str, Any] = {}
    with serving(app) as url:

        def post() -> None:
            with httpx2.Client(base_url=url, timeout=60) as client:
                answers["post"] = client.post(
                    "/api/events",
                    json=[event(n) for n in range(2000)],
                    headers={"Authorization": f"Bearer {token}"},
                )
            answers["post_done"] = held.release.is_set()

        poster = threading.Thread(target=post)
        poster.start()
        try:
            assert held.appending.wait(WAIT), "the POST never reached the store"
            with httpx2.Client(base_url=url, timeout=WAIT / 2) as client:
                health = client.get("/api/health")
            assert health.status_code == 200 and health.json()["status"] == "ok"
            assert "post" not in answers  # health answered while the batch was held
        finally:
            held.release.set()
            poster.join()
    assert answers["post"].status_code == 200, answers["post"].text
    assert answers["post"].json()["stored"] == 2000


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[validation.Validator]:
    """Every validator made from now on (a fresh pool, so none is lent from earlier tests)."""
    made: list[validation.Validator] = []
    real_init = validation.Validator.__init__

    def counting_init(self: validation.Validator, threads: int | None = None) -> None:
        real_init(self, threads)
        made.append(self)

    monkeypatch.setattr(validation.Validator, "__init__", counting_init)
    monkeypatch.setattr(ingest, "_validators", ingest._Validators())
    return made


def test_small_posts_reuse_the_validators(
    org_store: Store, token_for: Any, made: Sequence[validation.Validator]
) -> None:
    app = create_app(org_store, Settings(db=org_store.url, timezone="UTC"))
    headers = {"Authorization": f"Bearer {token_for('adm', 'ingest')}"}
    threads, each = 4, 10
    failures: list[str] = []
    with serving(app) as url:

        def send(t: int) -> None:
            with httpx2.Client(base_url=url, headers=headers, timeout=60) as client:
                for n in range(each):
                    answer = client.post("/api/events", json=[event(1000 * t + n)])
                    if answer.status_code != 200:
                        failures.append(answer.text)

        with httpx2.Client(base_url=url, headers=headers, timeout=60) as client:
            for n in range(each):  # one after the other: one validator for all
                assert client.post("/api/events", json=[event(900 + n)]).status_code == 200
        assert len(made) == 1
        workers = [threading.Thread(target=send, args=(t,)) for t in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    assert not failures
    # At most one per batch validated at once, however many worker threads ran the POSTs.
    assert 1 <= len(made) <= threads
    assert len(org_store.get_in("events", "id", [f"live-{n}" for n in range(4000)])) == 50
