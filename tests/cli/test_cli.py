"""The `labelpulse` command, driven as a user would.

Exit codes and error messages are checked on real processes (`python -m labelpulse`); those
processes start in parallel, each on its own database, to keep the suite fast. Report contents
are checked in-process with Typer's CliRunner against the same app.
"""

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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from typer.testing import CliRunner, Result

from labelpulse.cli import app
from labelpulse.errors import UsageError
from labelpulse.store import Store, connect
from labelpulse.store.check import check_state
from tests.conftest import SHARED, load_scenario

SCENARIO = SHARED / "scenarios" / "member-dashboard-basics.json"
MARCH = ("--from", "2026-03-01", "--to", "2026-03-31")
CLEAN_ENV = {"LABELPULSE_DB": None, "LABELPULSE_TZ": None, "LABELPULSE_FIX_ACCEPT_CREDIT": None}

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
GOOD_EVENT = {
    "id": "x1",
    "type": "annotation.submitted",
    "time": "2026-03-02T10:00:00Z",
    "actor": "ann",
    "project": "p1",
    "task": "t1",
    "annotation": "a1",
}


def command() -> list[str]:
    """How to start the real command: `python -m labelpulse`, else the console script."""
    if importlib.util.find_spec("labelpulse.__main__") is not None:
        return [sys.executable, "-m", "labelpulse"]
    script = shutil.which("labelpulse") or str(Path(sys.executable).parent / "labelpulse")
    return [script]


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `labelpulse --db DB ARGS...` as a process; no output may contain a traceback."""
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


def invoke(db: Path, *args: str) -> Result:
    """Run the app in-process; every store it opens is closed afterwards."""
    opened: list[Store] = []

    def tracking_connect(url: str) -> Store:
        store = connect(url)
        opened.append(store)
        return store

    with mock.patch("labelpulse.store.connect", tracking_connect):
        try:
            result = CliRunner().invoke(app, ["--db", str(db), *args], env=CLEAN_ENV)
        finally:
            for store in opened:
                store.close()
    assert "Traceback" not in result.output
    return result


def write_scenario(path: Path) -> Path:
    records = load_scenario(SCENARIO)["records"]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def event_ids(db: Path) -> list[str]:
    store = connect(str(db))
    try:
        ids: list[str] = store.query("SELECT id FROM events ORDER BY id").column("id").to_pylist()
        assert check_state(store).differences == 0
    finally:
        store.close()
    return ids


# -- real processes, started together ---------------------------------------------------------

USAGE_ERRORS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "bad-date": (("--from", "2026-13-01", "--to", "2026-03-31"), ("2026-13-01", "YYYY-MM-DD")),
    "reversed-window": (("--from", "2026-03-31", "--to", "2026-03-01"), ("before it starts",)),
    "unknown-tz": ((*MARCH, "--tz", "Mars/Olympus"), ("Mars/Olympus",)),
    "bad-format": ((*MARCH, "--format", "xml"), ("xml",)),
    "year-9999": (("--from", "9999-12-01", "--to", "9999-12-31"), ("from must be", "2100-12-31")),
    "year-1": (("--from", "0001-01-01", "--to", "0001-01-31"), ("from must be", "1970-01-01")),
}


@pytest.fixture(scope="module")
def processes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every process-level case, run in parallel, each on its own database."""
    folder = tmp_path_factory.mktemp("processes")
    bad = folder / "bad.ndjson"
    bad.write_text(json.dumps(GOOD_EVENT) + "\n" + '{"id": "x2", "durration": 5}\n', "utf-8")
    scenario = write_scenario(folder / "basics.ndjson")
    member = ("report", "member", "--member")
    jobs: dict[str, tuple[Path, tuple[str, ...]]] = {
        "help": (folder / "help.duckdb", ("report", "member", "--help")),
        "unknown-member": (folder / "unknown.duckdb", (*member, "nobody", *MARCH)),
        "missing-member": (folder / "missing.duckdb", ("report", "member", *MARCH)),
        "missing-file": (folder / "file.duckdb", ("import", str(folder / "missing.ndjson"))),
        "bad-import": (
            folder / "bad.duckdb",
            ("import", str(bad), "--rejects", str(folder / "why.ndjson")),
        ),
        "scenario": (folder / "scenario.duckdb", ("import", str(scenario))),
    }
    for name, (args, _) in USAGE_ERRORS.items():
        jobs[name] = (folder / f"{name}.duckdb", (*member, "ann", *args))
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(run, db, *args) for name, (db, args) in jobs.items()}
        results: dict[str, Any] = {name: f.result() for name, f in futures.items()}
    # A report on the imported scenario, once the import has finished.
    results["scenario-report"] = run(
        folder / "scenario.duckdb", *member, "ann", *MARCH, "--format", "json"
    )
    results["folder"] = folder
    return results


@pytest.fixture(scope="module")
def scenario_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the member-dashboard-basics scenario, imported in-process."""
    folder = tmp_path_factory.mktemp("scenario")
    db = folder / "cli.duckdb"
    result = invoke(db, "import", "--quiet", str(write_scenario(folder / "basics.ndjson")))
    assert result.exit_code == 0, result.output
    return db


def member_report(db: Path, *extra: str) -> Result:
    return invoke(db, "report", "member", "--member", "ann", *MARCH, *extra)


# -- help ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("words", HELP_COMMANDS, ids=lambda w: " ".join(w) or "root")
def test_help_of_every_command(words: list[str]) -> None:
    result = CliRunner().invoke(app, [*words, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.stdout
    assert result.exception is None


def test_help_from_the_real_process(processes: dict[str, Any]) -> None:
    result = processes["help"]
    assert result.returncode == 0
    assert "--member" in result.stdout
    assert "--format" in result.stdout
    assert not (processes["folder"] / "help.duckdb").exists()


# -- import then report, as processes -----------------------------------------------------------


def test_import_then_report_member_json(processes: dict[str, Any]) -> None:
    imported = processes["scenario"]
    assert imported.returncode == 0, imported.stderr
    assert "stored" in imported.stdout
    assert "11" in imported.stdout
    assert "4 new/changed" in imported.stdout
    assert not list(processes["folder"].glob("basics.ndjson.rejects.ndjson"))

    result = processes["scenario-report"]
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["member"]["name"] == "Ann Annotator"
    assert data["window"] == {"from": "2026-03-01", "to": "2026-03-31", "tz": "UTC"}
    assert data["annotations"]["submitted"] == 4
    assert data["annotations"]["total_time"] == 550
    assert data["annotations"]["acceptance_score"] == 0.5


# -- errors: exit codes and messages, never a traceback ----------------------------------------


@pytest.mark.parametrize("case", list(USAGE_ERRORS))
def test_bad_usage_exits_2(processes: dict[str, Any], case: str) -> None:
    result = processes[case]
    assert result.returncode == 2
    assert result.stdout == ""
    for needle in USAGE_ERRORS[case][1]:
        assert needle in result.stderr


def test_missing_member_option_exits_2(processes: dict[str, Any]) -> None:
    result = processes["missing-member"]
    assert result.returncode == 2
    assert "--member" in result.stderr


def test_unknown_member_exits_1(processes: dict[str, Any]) -> None:
    result = processes["unknown-member"]
    assert result.returncode == 1
    assert "nobody" in result.stderr
    assert result.stdout == ""


def test_import_with_a_bad_line_exits_1_and_writes_rejects(processes: dict[str, Any]) -> None:
    result = processes["bad-import"]
    folder: Path = processes["folder"]
    rejects = folder / "why.ndjson"
    assert result.returncode == 1
    assert "stored" in result.stdout
    assert "rejected" in result.stdout
    assert "durration" in result.stderr
    assert str(rejects) in result.stderr
    entries = [json.loads(x) for x in rejects.read_text(encoding="utf-8").splitlines()]
    assert [(e["position"], e["id"]) for e in entries] == [(2, "x2")]
    assert event_ids(folder / "bad.duckdb") == ["x1"]


def test_import_of_a_missing_file_exits_1(processes: dict[str, Any]) -> None:
    result = processes["missing-file"]
    assert result.returncode == 1
    assert "missing.ndjson" in result.stderr


# -- import and reports, in-process -------------------------------------------------------------


def test_import_twice_counts_directory_records_as_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "twice.duckdb"
    path = write_scenario(tmp_path / "basics.ndjson")
    first = invoke(db, "import", "--quiet", str(path))
    assert first.exit_code == 0, first.output
    assert "4 new/changed, 0 same" in first.stdout
    again = invoke(db, "import", "--quiet", str(path))
    assert again.exit_code == 0, again.output
    assert "0 new/changed, 4 same" in again.stdout
    assert len(event_ids(db)) == 11


def test_report_member_csv_to_stdout_and_to_a_file(scenario_db: Path, tmp_path: Path) -> None:
    shown = member_report(scenario_db, "--format", "csv")
    assert shown.exit_code == 0, shown.output
    summary = shown.stdout.split("\n\n")[0]
    figures = {
        (r["section"], r["figure"]): r["value"] for r in csv.DictReader(io.StringIO(summary))
    }
    assert float(figures[("annotations", "submitted")]) == 4
    assert float(figures[("annotations", "total_time")]) == 550

    out = tmp_path / "ann.csv"
    written = member_report(scenario_db, "--format", "csv", "--output", str(out))
    assert written.exit_code == 0, written.output
    assert written.stdout == ""
    assert out.read_text(encoding="utf-8") == shown.stdout


def test_report_json_and_table_to_a_file(scenario_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "ann.json"
    result = member_report(scenario_db, "--format", "json", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["annotations"]["submitted"] == 4

    table = tmp_path / "ann.txt"
    result = member_report(scenario_db, "--output", str(table))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "Ann Annotator" in table.read_text(encoding="utf-8")


def test_member_table_shows_the_members_name(scenario_db: Path) -> None:
    result = member_report(scenario_db)
    assert result.exit_code == 0, result.output
    assert "Ann Annotator" in result.stdout
    assert "submitted" in result.stdout


def test_members_table_shows_full_names_not_ids(scenario_db: Path) -> None:
    result = invoke(scenario_db, "report", "members", *MARCH)
    assert result.exit_code == 0, result.output
    assert "Ann Annotator" in result.stdout
    assert "Rui Reviewer" in result.stdout


@pytest.mark.parametrize("name", ["members", "reviewers", "insights", "work", "items"])
def test_every_table_report_gives_json(scenario_db: Path, name: str) -> None:
    result = invoke(scenario_db, "report", name, *MARCH, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["window"]["from"] == "2026-03-01"
    assert data["rows"]


def test_table_report_with_member_filter(scenario_db: Path) -> None:
    result = invoke(
        scenario_db, "report", "reviewers", *MARCH, "--member", "rev", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    assert [(r["member"], r["member_name"], r["total"]) for r in rows] == [
        ("rev", "Rui Reviewer", 3)
    ]


def test_timeline_lists_the_members_actions(scenario_db: Path) -> None:
    result = invoke(scenario_db, "report", "timeline", "--member", "ann", *MARCH, "-f", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    times = [r["time"] for r in rows]
    assert len(rows) == 8  # ann's eight annotation events
    assert times == sorted(times)


def test_comments_report_runs(scenario_db: Path) -> None:
    result = invoke(scenario_db, "report", "comments", "--member", "ann", *MARCH, "-f", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"] == []


# -- demo ---------------------------------------------------------------------------------------


def test_demo_then_members_report_has_rows(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    result = invoke(db, "demo", "--members", "8", "--days", "5", "--events", "2000", "--seed", "3")
    assert result.exit_code == 0, result.output
    assert "2,000" in result.stdout
    today = dt.date.today()
    window = ("--from", (today - dt.timedelta(days=5)).isoformat(), "--to", today.isoformat())
    report = invoke(db, "report", "members", *window, "--format", "json")
    assert report.exit_code == 0, report.output
    data: dict[str, Any] = json.loads(report.stdout)
    assert data["rows"]
    assert all(r["member_name"] for r in data["rows"])
    assert sum(r["submitted"] for r in data["rows"]) > 0


def test_demo_refuses_a_database_that_already_holds_events(tmp_path: Path) -> None:
    db = tmp_path / "twice.duckdb"
    first = run(db, "demo", "--members", "6", "--days", "2", "--events", "300")
    assert first.returncode == 0, first.stderr
    second = run(db, "demo", "--members", "6", "--days", "2", "--events", "300")
    assert second.returncode == 2
    assert "already holds 300 events" in second.stderr
    assert "Traceback" not in second.stderr


def test_import_of_deep_json_or_binary_csv_is_a_clear_error(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000, encoding="utf-8")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"id,type\ne1,annotation.submitted\n\x89PNG\r\n\x1a\n\x00\x00\xff\n")
    result = run(tmp_path / "db.duckdb", "import", "--quiet", str(deep))
    assert result.returncode == 2
    assert "deep.json is not valid JSON: unexpected end of data at line 1 column" in result.stderr
    result = run(tmp_path / "db.duckdb", "import", "--quiet", str(binary))
    assert result.returncode == 2
    assert "binary.csv: line 3 is not valid UTF-8" in result.stderr


# -- items: sorted, searched and paged -----------------------------------------------------------


def test_items_sort_limit_offset_and_search(scenario_db: Path) -> None:
    whole = json.loads(invoke(scenario_db, "report", "items", *MARCH, "-f", "json").stdout)
    by_label = sorted(whole["rows"], key=lambda r: -r["label_time"])
    args = ("--sort", "label_time:desc", "--limit", "2", "--offset", "1", "-f", "json")
    result = invoke(scenario_db, "report", "items", *MARCH, *args)
    assert result.exit_code == 0, result.output
    page = json.loads(result.stdout)
    assert [r["label_time"] for r in page["rows"]] == [r["label_time"] for r in by_label[1:3]]
    assert page["page"] == {
        "total_rows": len(whole["rows"]), "limit": 2, "offset": 1, "sort": "label_time:desc",
        "search": None,
    }  # fmt: skip
    assert page["totals"] == whole["totals"]
    task = whole["rows"][0]["task"]
    found = invoke(scenario_db, "report", "items", *MARCH, "--search", task.upper(), "-f", "csv")
    assert found.exit_code == 0, found.output
    assert task in found.stdout
    table = invoke(scenario_db, "report", "items", *MARCH, "--limit", "1")
    assert f"rows 1–1 of {len(whole['rows'])}, sorted by project_name:asc" in table.stdout


def test_items_bad_sort_names_the_choices(scenario_db: Path) -> None:
    result = invoke(scenario_db, "report", "items", *MARCH, "--sort", "colour")
    # `main` prints it as every usage error, with exit code 2.
    assert isinstance(result.exception, UsageError)
    assert str(result.exception).startswith("unknown sort key 'colour': choose one of project,")
    assert str(result.exception).endswith("annotations, total_time")


def test_items_csv_streams_every_row(scenario_db: Path, tmp_path: Path) -> None:
    whole = json.loads(invoke(scenario_db, "report", "items", *MARCH, "-f", "json").stdout)
    out = tmp_path / "items.csv"
    result = invoke(scenario_db, "report", "items", *MARCH, "-f", "csv", "-o", str(out))
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    # a header, every row, the totals row (marked `total`)
    assert len(lines) == 1 + len(whole["rows"]) + 1
    assert lines[-1].startswith("total,")
