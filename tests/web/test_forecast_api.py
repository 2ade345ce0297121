"""Forecasts through the API, the exports and the CLI, cut by role (conftest's organisation).

Cars (p-cars) has 10 tasks and a deadline of 2026-03-20: only t-a1 is done (a2 was rejected).
Invoices (p-inv) has 2 tasks, both done by Bianca (ann2): b1 fix-accepted, b2 submitted.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from labelpulse.cli import app as cli
from labelpulse.ingest import ingest_records
from labelpulse.store import Store, connect
from tests.web.conftest import WINDOW

PROJECT_RECORDS = [
    {"kind": "project", "id": "p-cars", "name": "Cars", "workspace": "ws-vis", "tasks": 10,
     "deadline": "2026-03-20"},
    {"kind": "project", "id": "p-inv", "name": "Invoices", "workspace": "ws-doc", "tasks": 2,
     "deadline": "2026-03-05"},
]  # fmt: skip


@pytest.fixture
def planned(org_store: Store) -> Store:
    ingest_records(org_store, PROJECT_RECORDS)
    return org_store


def rows(client: TestClient, name: str = "forecast", **params: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/reports/{name}", params={**WINDOW, **params})
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["rows"]
    return found


def test_the_owner_sees_every_project(
    planned: Store, signed_in: Callable[[str], TestClient]
) -> None:
    by_project = {row["project"]: row for row in rows(signed_in("owner"))}
    assert sorted(by_project) == ["p-cars", "p-inv", "p-signs"]
    cars = by_project["p-cars"]
    assert (cars["tasks"], cars["done"], cars["remaining"]) == (10, 1, 9)
    assert cars["deadline"] == "2026-03-20"
    assert (by_project["p-inv"]["remaining"], by_project["p-inv"]["status"]) == (0, "done")
    assert by_project["p-signs"]["status"] == "no data"  # no task count


def test_a_manager_sees_their_projects_only(
    planned: Store, signed_in: Callable[[str], TestClient]
) -> None:
    manager = signed_in("manager")
    assert sorted(row["project"] for row in rows(manager)) == ["p-cars", "p-signs"]
    response = manager.get("/api/reports/forecast", params={**WINDOW, "project": "p-inv"})
    assert response.status_code == 403
    members = rows(manager, "forecast_members")
    assert [(r["project"], r["member"], r["done"], r["share"]) for r in members] == [
        ("p-cars", "ann", 1, 1.0),
        ("p-signs", "ann", 1, 1.0),
    ]


def test_an_annotator_sees_the_tasks_they_carried(
    planned: Store, signed_in: Callable[[str], TestClient]
) -> None:
    bianca = signed_in("ann2")
    assert [(r["project"], r["done"], r["status"]) for r in rows(bianca)] == [("p-inv", 2, "done")]
    members = rows(bianca, "forecast_members")
    assert [(r["member"], r["done"]) for r in members] == [("ann2", 2)]
    response = bianca.get("/api/reports/forecast_members", params={**WINDOW, "member": "ann"})
    assert response.status_code == 403


def test_the_csv_export_has_the_registrys_columns(
    planned: Store, signed_in: Callable[[str], TestClient]
) -> None:
    response = signed_in("manager").get("/api/reports/forecast", params={**WINDOW, "format": "csv"})
    assert response.status_code == 200
    table = list(csv.reader(io.StringIO(response.text)))
    assert table[0][:4] == ["project", "project_name", "tasks", "deadline"]
    assert "expected_finish" in table[0] and "status" in table[0]
    assert "Invoices" not in response.text
    cars = next(line for line in table if line[0] == "p-cars")
    assert cars[2:6] == ["10", "2026-03-20", "1", "9"]


def test_the_cli_report(org_template: Path, tmp_path: Path) -> None:
    path = tmp_path / "org.duckdb"
    shutil.copy(org_template, path)
    store = connect(str(path))
    ingest_records(store, PROJECT_RECORDS)
    store.close()
    args = ["--db", str(path), "report", "forecast", "--from", WINDOW["from"], "--to", WINDOW["to"]]
    env = {"LABELPULSE_DB": None, "LABELPULSE_TZ": None}
    result = CliRunner().invoke(cli, [*args, "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    by_project = {row["project"]: row for row in json.loads(result.stdout)["rows"]}
    assert (by_project["p-cars"]["done"], by_project["p-cars"]["remaining"]) == (1, 9)
    table = CliRunner().invoke(cli, args, env=env)
    assert table.exit_code == 0 and "Cars" in table.stdout and "no data" in table.stdout
