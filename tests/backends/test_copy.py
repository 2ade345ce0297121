"""`labelpulse copy`: a whole DuckDB database onto every backend, then back; reports equal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from typer.testing import CliRunner

from labelpulse.access import (
    add_member,
    authenticate,
    check_token,
    create_token,
    disable_member,
    enable_member,
    set_password,
    viewer_for,
)
from labelpulse.access.sessions import end_sessions, session_viewer, start_session
from labelpulse.cli import app
from labelpulse.config import Settings
from labelpulse.copy import copy_store, count_events
from labelpulse.demo import DEMO_LOGINS, generate
from labelpulse.ingest import ingest_records
from labelpulse.metrics import REPORTS, Directory, report
from labelpulse.store import Store, connect
from labelpulse.store.check import check_state

END = dt.date(2026, 3, 20)


def demo_source(path: Path) -> tuple[Store, str]:
    source = connect(str(path))
    ingest_records(source, list(generate(members=12, days=10, events=3000, seed=5, end=END)))
    set_password(source, "ann-01", "copy me please")
    token = create_token(source, "owner", name="ci", scope="read")[1]
    source.put(
        "external_ids",
        {"source": "label-studio", "kind": "member", "external_id": "7", "internal_id": "ann-01"},
    )
    disable_member(source, "ann-02")
    start_session(source, viewer_for(Directory.load(source), "ann-01"))
    return source, token


def reports(store: Store) -> dict[str, object]:
    settings = Settings(db=store.url, timezone="Europe/Berlin")
    out: dict[str, object] = {}
    for name in REPORTS:
        member = "ann-01" if name in ("member", "timeline", "comments") else None
        out[name] = report(
            store, name, member=member, start="2026-03-11", end="2026-03-20", settings=settings
        )
    return out


def test_copy_moves_everything_and_reports_stay_equal(backend_store: Store, tmp_path: Path) -> None:
    source, token = demo_source(tmp_path / "source.duckdb")
    try:
        summary = copy_store(source, backend_store, batch=700)  # several keyset pages
        assert summary.events_read == count_events(source) == count_events(backend_store)
        assert summary.events_stored == summary.events_read and summary.conflicts == 0
        assert reports(backend_store) == reports(source)
        assert check_state(backend_store).differences == 0
        # Accounts, tokens and tools' ids came along: the same people sign in.
        viewer = authenticate(
            backend_store, Directory.load(source).members["ann-01"]["email"], "copy me please"
        )
        assert viewer is not None and viewer.id == "ann-01"
        found = check_token(backend_store, token)
        assert found is not None and found[0].id == "owner"
        assert backend_store.get("external_ids") == source.get("external_ids")
        # Disabled members stay disabled; sessions stay behind (a copy signs everyone out).
        assert backend_store.get("disabled_members") == source.get("disabled_members") != []
        assert source.get("sessions") != [] and backend_store.get("sessions") == []
        assert sorted(backend_store.get("secrets"), key=str) == sorted(
            source.get("secrets"), key=str
        )
        # Copying again stores nothing twice.
        again = copy_store(source, backend_store)
        assert again.events_stored == 0 and again.events_already_there == summary.events_read
        assert reports(backend_store) == reports(source)
    finally:
        source.close()


def test_copy_command_round_trip(store_url: str, tmp_path: Path) -> None:
    source, _ = demo_source(tmp_path / "a.duckdb")
    expected = reports(source)
    source.close()
    runner = CliRunner()
    there = runner.invoke(app, ["copy", "--from", str(tmp_path / "a.duckdb"), "--to", store_url])
    assert there.exit_code == 0, there.output
    back = runner.invoke(app, ["copy", "--from", store_url, "--to", str(tmp_path / "b.duckdb")])
    assert back.exit_code == 0, back.output
    assert "events now in the target" in back.output
    copied = connect(str(tmp_path / "b.duckdb"))
    try:
        assert reports(copied) == expected
        assert all(m in Directory.load(copied).members for m in DEMO_LOGINS)
    finally:
        copied.close()


def test_sessions_and_disabled_members_on_every_backend(backend_store: Store) -> None:
    """The two record tables of sessions and disabled members, through each backend's SQL."""
    add_member(backend_store, "o", name="O", email="o@x.test", role="owner", password="long pass 1")
    add_member(
        backend_store, "a", name="A", email="a@x.test", role="annotator", password="pass 22 x"
    )
    viewer = viewer_for(Directory.load(backend_store), "a")
    first, second = start_session(backend_store, viewer), start_session(backend_store, viewer)
    assert session_viewer(backend_store, first) == viewer == session_viewer(backend_store, second)
    assert disable_member(backend_store, "a")
    assert session_viewer(backend_store, first) is None and backend_store.get("sessions") == []
    assert authenticate(backend_store, "a@x.test", "pass 22 x") is None
    assert enable_member(backend_store, "a")
    assert authenticate(backend_store, "a@x.test", "pass 22 x") == viewer
    third = start_session(backend_store, viewer)
    assert end_sessions(backend_store, "a") == 1 and session_viewer(backend_store, third) is None
