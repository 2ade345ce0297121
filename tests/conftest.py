"""Shared fixtures: a clean environment, a real DuckDB store in a temporary file, and the shared
scenarios."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from labelpulse.store import Store, connect

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LABELPULSE_SHARED", REPO.parent / "shared"))


@pytest.fixture(autouse=True)
def no_labelpulse_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts with no `LABELPULSE_*` variable, so that a setting left in the caller's
    shell (`LABELPULSE_FIX_ACCEPT_CREDIT=1 pytest`) cannot change a figure a test checks. Tests
    that mean a setting pass it, or set it with `monkeypatch`. The harness's own knobs
    (`LABELPULSE_SHARED`, `LABELPULSE_PG_BIN`, ...) are read when their modules are imported,
    before any test runs, so they still work."""
    for name in [name for name in os.environ if name.startswith("LABELPULSE_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = connect(str(tmp_path / "test.duckdb"))
    yield opened
    opened.close()


def scenario_files() -> list[Path]:
    folder = SHARED / "scenarios"
    files = sorted(folder.glob("*.json"))
    if not files:
        raise RuntimeError(f"no scenarios found in {folder}: set LABELPULSE_SHARED")
    return files


def load_scenario(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
