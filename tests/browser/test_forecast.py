"""Forecasts in a browser (FC): the demo has a project at risk; the overview's Deadlines card
lists it, and its link opens the project's page, whose projected chart draws."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from tests.browser.harness import wait_for_charts


def test_a_project_at_risk_leads_to_its_forecast(
    page: Page, login: Callable[[Page, str], None]
) -> None:
    login(page, "owner")
    risky = page.locator("[data-deadlines] li", has=page.locator(".fc-at-risk"))
    assert risky.count() >= 1, "the demo has a project at risk"
    project = risky.first.get_attribute("data-project")
    with page.expect_navigation():
        risky.first.locator("a").click()
    assert urlsplit(page.url).path == f"/projects/{project}/members", page.url
    expect(page.locator("[data-table=forecast] [data-key=status]")).to_have_text("at risk")
    charts = wait_for_charts(page)
    assert [c["chart"] for c in charts] == ["forecast"], charts
    assert charts[0]["svgs"] >= 1 and charts[0]["traces"] == 4, charts
    expect(page.locator("[data-table=forecast_members] tbody tr").first).to_be_visible()


def test_the_projects_list_shows_statuses(page: Page, login: Callable[[Page, str], None]) -> None:
    login(page, "mgr-01")
    page.goto("/projects")
    statuses = page.locator("[data-key=status]").all_inner_texts()
    assert statuses and all(s.strip() for s in statuses), statuses
