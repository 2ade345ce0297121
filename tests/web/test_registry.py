"""Every report of the registry appears everywhere a report is offered: a `labelpulse report`
command, its API routes (inline, CSV and JSON downloads), and the OpenAPI description.

Walks `SPECS`, so a report added with one registry entry is checked here without a new test.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from labelpulse.cli import app as cli_app
from labelpulse.exports.tabular import COLUMNS
from labelpulse.metrics.registry import SPECS, ReportSpec
from tests.web.conftest import WINDOW

CLEAN_ENV = {"LABELPULSE_DB": None, "LABELPULSE_TZ": None, "LABELPULSE_FIX_ACCEPT_CREDIT": None}
MEMBER = "ann"
NAMES = sorted(SPECS)


def command_of(spec: ReportSpec) -> str:
    return spec.name.replace("_", "-")


def routes_of(spec: ReportSpec) -> list[str]:
    """The GET routes of a report: a member report also by member id in the path."""
    if spec.kind == "member":
        return [f"/api/members/{MEMBER}/{spec.path}", f"/api/reports/{spec.name}"]
    return [f"/api/reports/{spec.name}"]


def header_of(spec: ReportSpec) -> list[str]:
    """The first CSV line: a report with rows opens with its columns, the member report (which
    has none) with its summary."""
    return list(COLUMNS[spec.name]) if spec.columns else ["section", "figure", "value"]


def first_line(text: str) -> list[str]:
    return next(csv.reader(io.StringIO(text)))


def test_report_help_lists_every_report() -> None:
    result = CliRunner().invoke(cli_app, ["report", "--help"], env=CLEAN_ENV)
    assert result.exit_code == 0, result.output
    for spec in SPECS.values():
        assert f" {command_of(spec)} " in result.stdout, spec.name


@pytest.mark.parametrize("name", NAMES)
def test_every_report_is_a_cli_command(name: str, org_template: Path, tmp_path: Path) -> None:
    spec = SPECS[name]
    shown = CliRunner().invoke(cli_app, ["report", command_of(spec), "--help"], env=CLEAN_ENV)
    assert shown.exit_code == 0, shown.output
    assert spec.help.split(":")[0].split(",")[0] in " ".join(shown.stdout.split()), shown.stdout
    db = tmp_path / "org.duckdb"
    shutil.copy(org_template, db)
    who = ["--member", MEMBER] if spec.kind == "member" else []
    args = ["--db", str(db), "report", command_of(spec), *who, "--from", WINDOW["from"]]
    args += ["--to", WINDOW["to"], "--tz", WINDOW["tz"], "--format", "csv"]
    result = CliRunner().invoke(cli_app, args, env=CLEAN_ENV)
    assert result.exit_code == 0, result.output
    assert first_line(result.stdout) == header_of(spec)


@pytest.mark.parametrize("name", NAMES)
def test_every_report_is_served_and_exported(
    name: str, anonymous: TestClient, token_for: Callable[[str, str], str]
) -> None:
    spec = SPECS[name]
    auth = {"Authorization": f"Bearer {token_for('own', 'read')}"}
    for route in routes_of(spec):
        params: dict[str, Any] = {**WINDOW}
        if route.startswith("/api/reports/") and spec.kind == "member":
            params["member"] = MEMBER
        inline = anonymous.get(route, params=params, headers=auth)
        assert inline.status_code == 200, (route, inline.text)
        assert inline.json()["window"]["from"] == WINDOW["from"]
        as_csv = anonymous.get(route, params={**params, "format": "csv"}, headers=auth)
        assert as_csv.status_code == 200, (route, as_csv.text)
        if spec.name == "member":
            # Several tables: a ZIP of one CSV per table and about.csv (issue 15).
            assert as_csv.headers["content-type"].startswith("application/zip")
            with zipfile.ZipFile(io.BytesIO(as_csv.content)) as archive:
                names = archive.namelist()
                summary = next(n for n in names if "summary" in n)
                text = archive.read(summary).decode("utf-8-sig")
            assert "about.csv" in names and len(names) >= 3
            assert first_line(text) == header_of(spec)
        else:
            assert as_csv.headers["content-type"].startswith("text/csv")
            assert first_line(as_csv.text) == header_of(spec)
        as_json = anonymous.get(route, params={**params, "format": "json"}, headers=auth)
        assert as_json.status_code == 200, (route, as_json.text)
        assert json.loads(as_json.text) == inline.json()


@pytest.mark.parametrize("name", NAMES)
def test_every_report_is_in_openapi(name: str, anonymous: TestClient) -> None:
    spec = SPECS[name]
    paths = anonymous.get("/openapi.json").json()["paths"]
    for route in routes_of(spec):
        template = route.replace(f"/members/{MEMBER}/", "/members/{member_id}/")
        operation = paths[template]["get"]
        assert "reports" in operation["tags"]
        assert "text/csv" in operation["responses"]["200"]["content"]
    assert (
        paths[routes_of(spec)[0].replace(f"/{MEMBER}/", "/{member_id}/")]["get"]["summary"]
        == spec.title
    )
