"""Label Studio's writes take turns through one `Applier`, owned by whoever owns the store: the
web app shares its own between the webhook route and the periodic sync."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from labelpulse.config import Settings
from labelpulse.connectors import labelstudio
from labelpulse.connectors.labelstudio import SOURCE, Applier
from labelpulse.connectors.labelstudio import apply as apply_module
from labelpulse.connectors.labelstudio.apply import Batch
from labelpulse.connectors.people import People
from labelpulse.store.base import Store
from labelpulse.web.app import create_app
from labelpulse.web.background import label_studio_sync


def test_a_store_gets_an_applier_and_an_applier_is_kept(store: Store) -> None:
    made = Applier.of(store)
    assert made.store is store
    assert Applier.of(made) is made


def test_the_web_app_writes_webhooks_through_one_applier(store: Store) -> None:
    own = create_app(store, Settings(db=store.url)).state.label_studio
    assert isinstance(own, Applier) and own.store is store
    given = Applier(store)
    assert create_app(store, Settings(db=store.url), label_studio=given).state.label_studio is given


def test_the_periodic_sync_writes_through_the_applier_it_was_given(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    targets: list[Any] = []

    def sync(target: Any, **_: Any) -> labelstudio.SyncResult:
        targets.append(target)
        return labelstudio.SyncResult()

    monkeypatch.setattr(labelstudio, "sync_label_studio", sync)
    shared = Applier(store)
    label_studio_sync("http://ls:8080", "t0ken", 15, shared).run(store)
    assert targets == [shared]


def test_a_step_waits_for_the_one_under_way(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    entered: list[str] = []
    first_in, release = threading.Event(), threading.Event()
    real = apply_module._numeric_ids

    def numeric_ids(store: Store, batch: Batch) -> dict[int, str]:
        entered.append(threading.current_thread().name)
        if len(entered) == 1:  # the first step holds its turn until released
            first_in.set()
            release.wait(10)
        return real(store, batch)

    monkeypatch.setattr(apply_module, "_numeric_ids", numeric_ids)
    applier = Applier(store)
    people = People(store, SOURCE)
    first, second = (
        threading.Thread(target=applier.apply, args=(Batch(), people), name=name)
        for name in ("first", "second")
    )
    first.start()
    assert first_in.wait(10)
    second.start()
    second.join(0.3)
    assert entered == ["first"]  # the second step waits for the first to store
    release.set()
    first.join(10)
    second.join(10)
    assert entered == ["first", "second"]
