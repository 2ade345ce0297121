"""`labelpulse check` and `labelpulse check --repair`, driven as an operator would."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from labelpulse.cli import app
from labelpulse.ingest import ingest_records
from labelpulse.store import connect
from tests.cli.test_cli import SCENARIO, invoke
from tests.conftest import load_scenario


def _database(tmp_path: Path, *, damaged: bool) -> Path:
    db = tmp_path / "check.duckdb"
    store = connect(str(db))
    try:
        ingest_records(store, load_scenario(SCENARIO)["records"])
    finally:
        store.close()
    if damaged:
        con = duckdb.connect(str(db))
        try:
            first = con.execute("SELECT min(annotation) FROM state").fetchone()
            assert first is not None
            con.execute("UPDATE state SET lead_us = lead_us + 1 WHERE annotation = ?", first)
        finally:
            con.close()
    return db


def test_agreeing_tables_exit_zero(tmp_path: Path) -> None:
    db = _database(tmp_path, damaged=False)
    result = invoke(db, "check")
    assert result.exit_code == 0, result.output
    assert "agree" in result.output
    body = json.loads(invoke(db, "check", "--format", "json").output)
    assert body["agrees"] is True and body["differences"] == 0 and body["repaired"] is None


def test_a_damaged_state_is_named_and_exits_one(tmp_path: Path) -> None:
    db = _database(tmp_path, damaged=True)
    result = invoke(db, "check")
    assert result.exit_code == 1, result.output
    assert "--repair" in result.output
    body = json.loads(invoke(db, "check", "--format", "json").output)
    assert body["agrees"] is False and body["differences"] == 2
    state = next(t for t in body["tables"] if t["table"] == "state")
    assert (state["stored_only"], state["rebuilt_only"], len(state["examples"])) == (1, 1, 1)
    assert state["examples"][0] in result.output


def test_repair_rebuilds_the_state(tmp_path: Path) -> None:
    db = _database(tmp_path, damaged=True)
    repaired = invoke(db, "check", "--repair", "--format", "json")
    assert repaired.exit_code == 0, repaired.output
    body = json.loads(repaired.output)
    assert body["agrees"] is False and body["repaired"] is True
    assert invoke(db, "check").exit_code == 0


def test_help_says_what_it_does() -> None:
    result = CliRunner().invoke(app, ["check", "--help"])
    assert result.exit_code == 0
    assert "--repair" in result.output and "--format" in result.output
