"""`labelpulse copy`: a whole DuckDB database onto every backend, then back; reports equal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from typer.testing import CliRunner

from labelpulse.access import authenticate, check_token, create_token, set_password
from labelpulse.cli import app
from labelpulse.config import Settings
from labelpulse.copy import copy_store, count_events
from labelpulse.demo import DEMO_LOGINS, generate
from labelpulse.ingest import ingest_records
from labelpulse.metrics import REPORTS, Directory, report
from labelpulse.store import Store, connect

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
        assert backend_store.state_differences() == 0
        # Accounts, tokens and tools' ids came along: the same people sign in.
        viewer = authenticate(
            backend_store, Directory.load(source).members["ann-01"]["email"], "copy me please"
        )
        assert viewer is not None and viewer.id == "ann-01"
        found = check_token(backend_store, token)
        assert found is not None and found[0].id == "owner"
        assert backend_store.get("external_ids") == source.get("external_ids")
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
