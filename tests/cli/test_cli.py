"""The `labelpulse` command, driven as a user would: a real process, a real database file."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from labelpulse.cli import app
from labelpulse.store import connect
from tests.conftest import SHARED, load_scenario

SCENARIO = SHARED / "scenarios" / "member-dashboard-basics.json"
MARCH = ("--from", "2026-03-01", "--to", "2026-03-31")

HELP_COMMANDS = [
    [],
    ["import"],
    ["demo"],
    ["report"],
    ["report", "member"],
    ["report", "timeline"],
    ["report", "comments"],
    ["report", "members"],
    ["report", "reviewers"],
    ["report", "insights"],
    ["report", "work"],
    ["report", "items"],
]


def command() -> list[str]:
    """How to start the real command: `python -m labelpulse`, else the console script."""
    if importlib.util.find_spec("labelpulse.__main__") is not None:
        return [sys.executable, "-m", "labelpulse"]
    script = shutil.which("labelpulse") or str(Path(sys.executable).parent / "labelpulse")
    return [script]


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `labelpulse --db DB ARGS...`; no output may ever contain a traceback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABELPULSE_")}
    env.update(COLUMNS="200", NO_COLOR="1", TERM="dumb")
    result = subprocess.run(
        [*command(), "--db", str(db), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=db.parent,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in result.stdout + result.stderr
    return result


def write_scenario(path: Path) -> Path:
    records = load_scenario(SCENARIO)["records"]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def scenario_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the member-dashboard-basics scenario imported through the command."""
    folder = tmp_path_factory.mktemp("scenario")
    db = folder / "cli.duckdb"
    result = run(db, "import", str(write_scenario(folder / "basics.ndjson")))
    assert result.returncode == 0, result.stderr
    return db


def member_report(db: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run(db, "report", "member", "--member", "ann", *MARCH, *extra)


# -- help ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("words", HELP_COMMANDS, ids=lambda w: " ".join(w) or "root")
def test_help_of_every_command(words: list[str]) -> None:
    result = CliRunner().invoke(app, [*words, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    assert result.exception is None


def test_help_from_the_real_process(tmp_path: Path) -> None:
    result = run(tmp_path / "unused.duckdb", "report", "member", "--help")
    assert result.returncode == 0
    assert "--member" in result.stdout
    assert "--format" in result.stdout
    assert not (tmp_path / "unused.duckdb").exists()


# -- import and reports -------------------------------------------------------------------------


def test_import_prints_a_summary(tmp_path: Path) -> None:
    db = tmp_path / "import.duckdb"
    result = run(db, "import", str(write_scenario(tmp_path / "basics.ndjson")))
    assert result.returncode == 0, result.stderr
    assert "stored" in result.stdout
    assert "11" in result.stdout
    assert "4 new/changed" in result.stdout
    assert not list(tmp_path.glob("*.rejects.ndjson"))
    again = run(db, "import", str(tmp_path / "basics.ndjson"))
    assert again.returncode == 0, again.stderr
    assert "4 same" in again.stdout
    store = connect(str(db))
    try:
        assert store.query("SELECT count(*) AS n FROM events").column("n")[0].as_py() == 11
        assert store.state_differences() == 0
    finally:
        store.close()


def test_report_member_json(scenario_db: Path) -> None:
    result = member_report(scenario_db, "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["member"]["name"] == "Ann Annotator"
    assert data["window"] == {"from": "2026-03-01", "to": "2026-03-31", "tz": "UTC"}
    assert data["annotations"]["submitted"] == 4
    assert data["annotations"]["total_time"] == 550
    assert data["annotations"]["acceptance_score"] == 0.5


def test_report_member_csv_to_stdout_and_to_a_file(scenario_db: Path, tmp_path: Path) -> None:
    shown = member_report(scenario_db, "--format", "csv")
    assert shown.returncode == 0, shown.stderr
    summary = shown.stdout.split("\n\n")[0]
    rows = list(csv.DictReader(io.StringIO(summary)))
    figures = {(r["section"], r["figure"]): r["value"] for r in rows}
    assert float(figures[("annotations", "submitted")]) == 4
    assert float(figures[("annotations", "total_time")]) == 550

    out = tmp_path / "ann.csv"
    written = member_report(scenario_db, "--format", "csv", "--output", str(out))
    assert written.returncode == 0, written.stderr
    assert written.stdout == ""
    assert out.read_text(encoding="utf-8") == shown.stdout


def test_report_json_and_table_to_a_file(scenario_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "ann.json"
    result = member_report(scenario_db, "--format", "json", "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["annotations"]["submitted"] == 4

    table = tmp_path / "ann.txt"
    result = member_report(scenario_db, "--output", str(table))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "Ann Annotator" in table.read_text(encoding="utf-8")


def test_member_table_shows_the_members_name(scenario_db: Path) -> None:
    result = member_report(scenario_db)
    assert result.returncode == 0, result.stderr
    assert "Ann Annotator" in result.stdout
    assert "submitted" in result.stdout


def test_members_table_shows_full_names_not_ids(scenario_db: Path) -> None:
    result = run(scenario_db, "report", "members", *MARCH)
    assert result.returncode == 0, result.stderr
    assert "Ann Annotator" in result.stdout
    assert "Rui Reviewer" in result.stdout


def test_table_reports_with_member_filter(scenario_db: Path) -> None:
    result = run(scenario_db, "report", "reviewers", *MARCH, "--member", "rev", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [(r["member"], r["member_name"], r["total"]) for r in data["rows"]] == [
        ("rev", "Rui Reviewer", 3)
    ]


def test_timeline_lists_the_members_actions(scenario_db: Path) -> None:
    result = run(scenario_db, "report", "timeline", "--member", "ann", *MARCH, "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    times = [r["time"] for r in rows]
    assert len(rows) == 8  # ann's eight annotation events
    assert times == sorted(times)


# -- errors: exit codes and messages, never a traceback ----------------------------------------


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        pytest.param(
            ("--from", "2026-13-01", "--to", "2026-03-31"),
            ("2026-13-01", "YYYY-MM-DD"),
            id="bad-date",
        ),
        pytest.param(
            ("--from", "2026-03-31", "--to", "2026-03-01"), ("before it starts",), id="reversed"
        ),
        pytest.param((*MARCH, "--tz", "Mars/Olympus"), ("Mars/Olympus",), id="unknown-tz"),
        pytest.param((*MARCH, "--format", "xml"), ("xml",), id="bad-format"),
    ],
)
def test_bad_usage_exits_2(scenario_db: Path, args: tuple[str, ...], needles: tuple[str]) -> None:
    result = run(scenario_db, "report", "member", "--member", "ann", *args)
    assert result.returncode == 2
    assert result.stdout == ""
    for needle in needles:
        assert needle in result.stderr


def test_missing_member_option_exits_2(scenario_db: Path) -> None:
    result = run(scenario_db, "report", "member", *MARCH)
    assert result.returncode == 2
    assert "--member" in result.stderr


def test_unknown_member_exits_1(scenario_db: Path) -> None:
    result = run(scenario_db, "report", "member", "--member", "nobody", *MARCH)
    assert result.returncode == 1
    assert "nobody" in result.stderr
    assert result.stdout == ""


def test_import_with_a_bad_line_exits_1_and_writes_rejects(tmp_path: Path) -> None:
    good = {
        "id": "x1",
        "type": "annotation.submitted",
        "time": "2026-03-02T10:00:00Z",
        "actor": "ann",
        "project": "p1",
        "task": "t1",
        "annotation": "a1",
    }
    path = tmp_path / "bad.ndjson"
    path.write_text(json.dumps(good) + "\n" + '{"id": "x2", "durration": 5}\n', encoding="utf-8")
    rejects = tmp_path / "why.ndjson"
    result = run(tmp_path / "bad.duckdb", "import", str(path), "--rejects", str(rejects))
    assert result.returncode == 1
    assert "stored" in result.stdout
    assert "rejected" in result.stdout
    assert "durration" in result.stderr
    assert str(rejects) in result.stderr
    entries = [json.loads(x) for x in rejects.read_text(encoding="utf-8").splitlines()]
    assert [(e["position"], e["id"]) for e in entries] == [(2, "x2")]
    store = connect(str(tmp_path / "bad.duckdb"))
    try:
        assert store.query("SELECT id FROM events").column("id").to_pylist() == ["x1"]
    finally:
        store.close()


def test_import_of_a_missing_file_exits_1(tmp_path: Path) -> None:
    result = run(tmp_path / "x.duckdb", "import", str(tmp_path / "missing.ndjson"))
    assert result.returncode == 1
    assert "missing.ndjson" in result.stderr


# -- demo ---------------------------------------------------------------------------------------


def test_demo_then_members_report_has_rows(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    result = run(db, "demo", "--members", "8", "--days", "5", "--events", "2000", "--seed", "3")
    assert result.returncode == 0, result.stderr
    assert "2,000" in result.stdout
    today = dt.date.today()
    window = ("--from", (today - dt.timedelta(days=5)).isoformat(), "--to", today.isoformat())
    report = run(db, "report", "members", *window, "--format", "json")
    assert report.returncode == 0, report.stderr
    data: dict[str, Any] = json.loads(report.stdout)
    assert data["rows"]
    assert all(r["member_name"] for r in data["rows"])
    assert sum(r["submitted"] for r in data["rows"]) > 0
