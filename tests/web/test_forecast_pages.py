"""Forecasts on the pages (FC): the projects list, a project's page and the overview's
Deadlines card, cut by role (conftest's organisation; tasks and deadlines as in
test_forecast_api: Cars 10 tasks due 2026-03-20 with one done, Invoices 2 tasks, both done)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from labelpulse.ingest import ingest_records
from labelpulse.store import Store
from tests.web.conftest import WINDOW
from tests.web.test_forecast_api import PROJECT_RECORDS


@pytest.fixture
def planned(org_store: Store) -> Store:
    ingest_records(org_store, PROJECT_RECORDS)
    return org_store


def cell(html: str, row: str, key: str) -> str:
    found = re.search(rf'<tr data-row="{row}">.*?data-key="{key}"[^>]*>(.*?)</td>', html, re.S)
    assert found, f"no {key} cell in row {row}"
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def test_the_projects_list_shows_each_forecast(
    planned: Store, signed_in: Callable[[str], TestClient]
) -> None:
    html = signed_in("owner").get("/projects").text
    assert (cell(html, "p-cars", "tasks"), cell(html, "p-cars", "done")) == ("10", "1")
    assert cell(html, "p-cars", "deadline") == "2026-03-20"
    assert cell(html, "p-inv", "status") == "done"
    assert cell(html, "p-signs", "status") == "no data"
    manager = signed_in("manager").get("/projects").text
    assert "p-inv" not in manager and "Invoices" not in manager


def test_a_project_page_has_its_forecast_table_and_chart(
    planned: Store, signed_in: Callable[[str], TestClient]
) -> None:
    response = signed_in("manager").get("/projects/p-cars/members", params=WINDOW)
    assert response.status_code == 200
    html = response.text
    assert 'data-table="forecast"' in html and 'data-table="forecast_members"' in html
    # As of 03-06, over 14 days: one task done (03-02), 9 left at 1/14 a day: late.
    assert cell(html, "p-cars", "remaining") == "9"
    assert cell(html, "p-cars", "status") == "late"
    spec = re.search(r'id="chart-forecast-data">(.*?)</script>', html, re.S)
    assert spec, "no forecast chart"
    chart = json.loads(spec.group(1))
    # To the later of the deadline and the expected finish (03-06 + 126 days), at most 120 days.
    assert chart["x"][0] == "2026-03-06" and chart["x"][-1] == "2026-07-04"
    assert "2026-03-20" in chart["x"]
    tasks = next(s for s in chart["series"] if s["key"] == "tasks")
    assert set(tasks["y"]) == {10}
    assert "Invoices" not in html


def test_the_overview_lists_projects_at_risk_or_late(
    planned: Store, signed_in: Callable[[str], TestClient]
) -> None:
    html = signed_in("owner").get("/", params=WINDOW).text
    card = html[html.index("data-deadlines") :]
    card = card[: card.index("</section>")]
    assert re.findall(r'data-project="([^"]+)"', card) == ["p-cars"]
    assert "late" in card and "/projects/p-cars/members" in card
    manager = signed_in("manager").get("/", params=WINDOW).text
    assert "Invoices" not in manager


def test_nothing_at_risk_says_so(org_store: Store, signed_in: Callable[[str], TestClient]) -> None:
    html = signed_in("owner").get("/", params=WINDOW).text
    assert 'data-empty="deadlines"' in html
