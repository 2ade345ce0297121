"""Every connector of the registry is reachable from the command line and documented, and the
registry costs nothing at startup."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labelpulse.cli import app
from labelpulse.connectors.registry import CONNECTORS, Connector, ImportOptions
from labelpulse.ingest import IngestSummary
from labelpulse.store.base import Store
from tests.conftest import REPO

NAMES = sorted(CONNECTORS)


def test_the_registry_lists_the_three_tools_by_their_source_names() -> None:
    assert NAMES == ["cvat", "label-studio", "segments"]
    assert all(name == c.name for name, c in CONNECTORS.items())


@pytest.mark.parametrize("name", NAMES)
def test_each_connector_has_both_entry_points(name: str) -> None:
    module = importlib.import_module(CONNECTORS[name].module)
    assert callable(module.import_file) and callable(module.sync)


@pytest.mark.parametrize("name", NAMES)
def test_labelpulse_import_source_goes_through_the_registry(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[Path, ImportOptions]] = []

    def import_file(store: Store, path: Path, options: ImportOptions) -> IngestSummary:
        seen.append((path, options))
        return IngestSummary(stored=4321)

    monkeypatch.setattr(CONNECTORS[name].entry_points(), "import_file", import_file)
    export = tmp_path / "export.json"
    export.write_text("[]", encoding="utf-8")
    args = ["--db", str(tmp_path / "db.duckdb"), "import", name, str(export), "--dataset", "a/b"]
    result = CliRunner().invoke(app, args, env={"LABELPULSE_DB": None})
    assert result.exit_code == 0, result.output
    assert "4,321" in result.output
    assert seen == [(export, ImportOptions(dataset="a/b"))]


@pytest.mark.parametrize("name", NAMES)
def test_labelpulse_sync_source_exists(name: str) -> None:
    result = CliRunner().invoke(app, ["sync", name, "--help"])
    assert result.exit_code == 0, result.output
    assert f"sync {name}" in result.output


@pytest.mark.parametrize("connector", CONNECTORS.values(), ids=NAMES)
def test_each_connector_is_documented(connector: Connector) -> None:
    page = (REPO / connector.doc).read_text(encoding="utf-8")
    assert f"labelpulse import {connector.name}" in page
    assert f"labelpulse sync {connector.name}" in page
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert connector.doc in readme


def test_listing_the_connectors_loads_no_heavy_module() -> None:
    heavy = ("pydantic", "duckdb", "pyarrow", "ibis", "labelpulse.ingest", "labelpulse.store")
    code = (
        "import sys\n"
        "import labelpulse.connectors.registry\n"
        f"print(sorted(m for m in sys.modules if m.startswith({heavy!r})))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert found.stdout.strip() == "[]"
