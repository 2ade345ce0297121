"""`labelpulse pay report|lines|close|periods`: the worked example through the command line."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labelpulse.cli import app
from labelpulse.ingest import ingest_records
from labelpulse.store import connect
from tests.cli.test_cli import CLEAN_ENV, invoke
from tests.metrics.org import member
from tests.metrics.test_pay import EVENTS, LATE, RATES

MARCH = ("--from", "2026-03-01", "--to", "2026-03-31")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "pay.duckdb"
    store = connect(str(path))
    numbered = [{"id": f"e{n:03d}", **e} for n, e in enumerate(EVENTS, start=1)]
    ingest_records(store, [member("ann", "Ann"), member("rev", "Rev", "reviewer"), *RATES,
                           *numbered])  # fmt: skip
    store.close()
    return path


def test_pay_report_as_json_csv_and_table(db: Path) -> None:
    data = json.loads(invoke(db, "pay", "report", *MARCH, "-f", "json").output)
    assert {t["currency"]: t["amount"] for t in data["currency_totals"]} == {
        "": "0.00", "EUR": "17.20", "USD": "2.39"}  # fmt: skip
    rows = list(
        csv.DictReader(io.StringIO(invoke(db, "pay", "report", *MARCH, "-f", "csv").output))
    )
    totals = [(r["currency"], r["amount"]) for r in rows if r["member"] == "total"]
    assert totals == [("", "0.00"), ("EUR", "17.20"), ("USD", "2.39")]
    table = invoke(db, "pay", "report", *MARCH).output
    assert "16.20" in table and "no rate" in table
    # the registry's own command is the same report
    same = json.loads(invoke(db, "report", "pay", *MARCH, "-f", "json").output)
    assert same["rows"] == data["rows"]


def test_pay_lines_pages(db: Path) -> None:
    every = json.loads(invoke(db, "pay", "lines", *MARCH, "-f", "json").output)
    page = json.loads(invoke(db, "pay", "lines", *MARCH, "--limit", "4", "--offset", "2",
                             "-f", "json").output)  # fmt: skip
    assert page["rows"] == every["rows"][2:6]


def test_close_then_periods_then_an_overlap_is_refused(db: Path) -> None:
    closed = invoke(db, "pay", "close", "--from", "2026-03-01", "--to", "2026-03-15", "--tz",
                    "UTC", "--by", "lead", "-f", "json")  # fmt: skip
    assert closed.exit_code == 0, closed.output
    listed = json.loads(invoke(db, "pay", "periods", "-f", "json").output)["rows"]
    assert [(p["from"], p["to"], p["closed_by"]) for p in listed] == [
        ("2026-03-01", "2026-03-15", "lead")]  # fmt: skip
    store = connect(str(db))
    ingest_records(store, LATE)
    store.close()
    later = json.loads(invoke(db, "pay", "report", "--from", "2026-03-16", "--to", "2026-03-31",
                              "-f", "json").output)  # fmt: skip
    ann = next(r for r in later["rows"] if (r["member"], r["project"]) == ("ann", "p1"))
    assert (ann["earned"], ann["adjustment"], ann["amount"]) == ("8.30", "1.90", "10.20")
    overlap = subprocess.run(
        [sys.executable, "-m", "labelpulse", "--db", str(db), "pay", "close", "--from",
         "2026-03-10", "--to", "2026-03-20"],
        capture_output=True, text=True, check=False, env={**_env(), "LABELPULSE_TZ": "UTC"},
    )  # fmt: skip
    assert overlap.returncode == 2
    words = " ".join(overlap.stderr.split())  # the terminal wraps the message
    assert "overlaps the closed period 2026-03-01..2026-03-15" in words


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}


def test_pay_help_names_its_commands() -> None:
    result = CliRunner().invoke(app, ["pay", "--help"])
    assert result.exit_code == 0
    for command in ("report", "lines", "close", "periods"):
        assert command in result.output
