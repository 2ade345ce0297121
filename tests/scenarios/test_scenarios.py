"""Every worked example in ../shared/scenarios, with its exact expected figures."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest

from labelpulse.ingest import ingest_records
from labelpulse.metrics import report
from labelpulse.store import Store
from labelpulse.store.check import check_state
from tests.conftest import load_scenario, scenario_files

KEY_FIELDS = ("member", "project", "task")


def run_check(store: Store, check: dict[str, Any]) -> dict[str, Any]:
    params = check["params"]
    return report(
        store,
        check["report"],
        start=params["from"],
        end=params["to"],
        tz=params.get("tz"),
        member=params.get("member"),
        projects=params.get("projects"),
        workspaces=params.get("workspaces"),
        members=params.get("members"),
    )


def lookup(result: dict[str, Any], path: str) -> Any:
    """A dotted path; `daily[2026-03-06]` picks the daily row of that date."""
    value: Any = result
    for part in path.split("."):
        picked = re.fullmatch(r"(\w+)\[([^\]]+)\]", part)
        if picked:
            rows = [row for row in value[picked.group(1)] if row["date"] == picked.group(2)]
            assert len(rows) == 1, f"{path}: no single row for {picked.group(2)}"
            value = rows[0]
        else:
            value = value[part]
    return value


def same(actual: Any, expected: Any) -> bool:
    if expected is None or actual is None:
        return actual is expected
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        return isinstance(actual, int | float) and math.isclose(actual, expected, rel_tol=1e-6)
    return bool(actual == expected)


def check_result(result: dict[str, Any], check: dict[str, Any]) -> list[str]:
    problems = []
    for path, expected in check.get("expect", {}).items():
        actual = lookup(result, path)
        if not same(actual, expected):
            problems.append(f"{path}: expected {expected!r}, got {actual!r}")
    for expected_row in check.get("expect_rows", []):
        keys = {k: v for k, v in expected_row.items() if k in KEY_FIELDS}
        matches = [r for r in result["rows"] if all(r.get(k) == v for k, v in keys.items())]
        if len(matches) != 1:
            problems.append(f"{keys}: {len(matches)} matching rows")
            continue
        for name, expected in expected_row.items():
            if not same(matches[0].get(name), expected):
                problems.append(
                    f"{keys} {name}: expected {expected!r}, got {matches[0].get(name)!r}"
                )
    return problems


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.stem)
def test_scenario(store: Store, path: Path) -> None:
    scenario = load_scenario(path)
    ingest_records(store, scenario["records"])
    assert check_state(store).differences == 0
    problems = []
    for number, check in enumerate(scenario["checks"], start=1):
        for problem in check_result(run_check(store, check), check):
            problems.append(f"check {number} ({check['report']}): {problem}")
    assert not problems, "\n".join(problems)
