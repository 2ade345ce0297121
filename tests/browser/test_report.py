"""The member performance report in a browser: Plotly draws every chart from the report's own
figures, and the filters form (presets, dates, time zone, project, member) changes them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

from playwright.sync_api import Page, expect

from tests.browser.harness import DemoOrg, wait_for_charts

ANNOTATION_CHARTS = {
    "annotation-summary",
    "annotations-daily",
    "total-time-daily",
    "time-per-annotation",
}
REVIEW_CHARTS = {"review-time-daily", "reviews-daily"}
LINE_CHARTS = {"time-per-annotation"}


def query_of(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def api_report(page: Page) -> dict[str, Any]:
    """The JSON API's member report for exactly the question the page answered: its URL's
    filters, and the window the form shows (a page without dates in its URL means the last 30
    days as of when it was drawn)."""
    parts = urlsplit(page.url)
    member = parts.path.rstrip("/").rsplit("/", 1)[-1] if "/members/" in parts.path else None
    if member is None:  # home: the signed-in member's own report
        member = page.request.get("/api/me").json()["member"]["id"]
    params = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("from", "to", "tz")]
    for field in ("from", "to", "tz"):
        params.append((field, page.input_value(f"form.filters input[name={field}]")))
    response = page.request.get(f"/api/members/{member}/report?{urlencode(params)}")
    assert response.ok, response.text()
    data: dict[str, Any] = response.json()
    return data


def card(page: Page, key: str) -> float:
    value = page.locator(f"[data-figure='{key}']").get_attribute("data-value")
    assert value is not None, key
    return float(value)


def plotted(page: Page, chart: str) -> list[dict[str, Any]]:
    """The traces Plotly holds for a chart: name, x, y and whether shown."""
    traces: list[dict[str, Any]] = page.eval_on_selector(
        f"[data-chart='{chart}']",
        "el => el.data.map(t => ({name: t.name, x: t.x, y: t.y, visible: t.visible}))",
    )
    return traces


def apply_filters(page: Page) -> None:
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    wait_for_charts(page)


def check_drawn(charts: list[dict[str, Any]]) -> None:
    """Each chart has Plotly's SVG and real marks in it, not just its container."""
    for chart in charts:
        assert chart["rendered"] == "true", chart
        assert chart["svgs"] >= 1 and chart["traces"] >= 1, chart
        if chart["chart"] in LINE_CHARTS:
            assert chart["lines"] >= 1 and chart["markers"] >= 1, chart
        else:
            assert chart["bars"] >= 1, chart


def test_a_managers_view_of_an_annotator_draws_every_chart(
    page: Page, org: DemoOrg, login: Callable[[Page, str], None]
) -> None:
    login(page, "mgr-01")
    page.goto("/members/ann-01")
    charts = wait_for_charts(page)
    assert {c["chart"] for c in charts} == ANNOTATION_CHARTS
    check_drawn(charts)
    # An annotator who reviewed nothing: the review graphs are left out, and the page says so.
    expect(page.locator("[data-left-out=reviews]")).to_be_visible()

    report = api_report(page)
    a = report["annotations"]
    assert card(page, "annotations.submitted") == a["submitted"]
    assert card(page, "annotations.total_time") == a["total_time"]
    summary = plotted(page, "annotation-summary")
    assert summary[0]["y"] == [a["submitted"], a["skipped"], a["updated"]]
    daily = {t["name"]: t for t in plotted(page, "annotations-daily")}
    assert daily["Submitted"]["x"] == [day["date"] for day in report["daily"]]
    assert sum(daily["Submitted"]["y"]) == a["submitted"]
    rows = page.locator("[data-table=daily] tbody tr")
    expect(rows).to_have_count(len(report["daily"]))

    # The Sum/Median toggle of the total time graph swaps the series shown.
    toggle = page.locator(
        "input[data-toggle-chart='chart-total-time-daily'][value=total_time_median]"
    )
    toggle.check()
    chart = page.locator("[data-chart='total-time-daily']")
    expect(chart).to_have_attribute("data-mode", "total_time_median")
    shown = [t["name"] for t in plotted(page, "total-time-daily") if t["visible"] is True]
    assert len(shown) == 1 and "median" in shown[0].lower(), shown


def test_a_reviewers_own_report_draws_the_review_charts(
    page: Page, login: Callable[[Page, str], None]
) -> None:
    login(page, "rev-01")
    page.goto("/")
    expect(page.locator("h1")).to_contain_text("Your performance")
    charts = wait_for_charts(page)
    assert {c["chart"] for c in charts} >= REVIEW_CHARTS
    check_drawn(charts)
    reviews = api_report(page)["reviews"]
    assert card(page, "reviews.total") == reviews["total"] > 0
    per_day = plotted(page, "reviews-daily")
    assert sum(sum(v or 0 for v in t["y"]) for t in per_day) == reviews["total"]


def test_filters_change_the_report(
    page: Page, org: DemoOrg, login: Callable[[Page, str], None]
) -> None:
    login(page, "mgr-01")
    page.goto("/members/ann-01")
    wait_for_charts(page)
    everything = card(page, "annotations.submitted")
    assert everything == api_report(page)["annotations"]["submitted"] > 0
    start = page.input_value("form.filters input[name=from]")
    end = page.input_value("form.filters input[name=to]")

    # A project: the URL says so, and the figures are that project's.
    page.select_option("form.filters select[name=project]", "p1")
    apply_filters(page)
    assert query_of(page)["project"] == ["p1"]
    assert (query_of(page)["from"], query_of(page)["to"]) == ([start], [end])
    in_p1 = card(page, "annotations.submitted")
    assert in_p1 == api_report(page)["annotations"]["submitted"]
    assert 0 < in_p1 < everything  # ann-01 also works in p2 (Dashcam Video Tracking)
    expect(page.locator("form.filters select[name=project]")).to_have_value("p1")

    # A project she has no work in: the empty state says why, and no chart is drawn.
    page.select_option("form.filters select[name=project]", "p3")
    apply_filters(page)
    assert query_of(page)["project"] == ["p3"]
    assert api_report(page)["annotations"]["submitted"] == 0
    empty = page.locator("[data-empty=member]")
    expect(empty).to_be_visible()
    expect(empty).to_contain_text(org.directory.projects["p3"]["name"])
    expect(page.locator("[data-chart]")).to_have_count(0)
    assert card(page, "annotations.submitted") == 0

    # Typed dates and another time zone, every project again.
    page.select_option("form.filters select[name=project]", "")
    page.fill("form.filters input[name=from]", start)
    page.fill("form.filters input[name=to]", end)
    page.fill("form.filters input[name=tz]", "Asia/Tokyo")
    apply_filters(page)
    q = query_of(page)
    assert (q["from"], q["to"], q["tz"]) == ([start], [end], ["Asia/Tokyo"])
    assert "project" not in q
    expect(page.locator("p.intro")).to_contain_text("(Asia/Tokyo)")
    report = api_report(page)
    assert report["window"] == {"from": start, "to": end, "tz": "Asia/Tokyo"}
    assert card(page, "annotations.submitted") == report["annotations"]["submitted"]

    # Another member from the member select: their own page, the window kept.
    page.select_option("form.filters select[name=member]", "ann-02")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    page.wait_for_url("**/members/ann-02?**")
    wait_for_charts(page)
    q = query_of(page)
    assert (q["from"], q["to"], q["tz"]) == ([start], [end], ["Asia/Tokyo"])
    expect(page.locator("h1")).to_contain_text(org.name("ann-02"))
    assert card(page, "annotations.submitted") == api_report(page)["annotations"]["submitted"]

    # A date preset: a 7-day window, marked active, seven days in the daily graph.
    preset = page.locator(".presets a", has_text="Last 7 days")
    with page.expect_navigation():
        preset.click()
    charts = wait_for_charts(page)
    expect(page.locator(".presets a.active")).to_have_text("Last 7 days")
    q = query_of(page)
    report = api_report(page)
    assert (q["from"], q["to"]) == ([report["window"]["from"]], [report["window"]["to"]])
    assert len(report["daily"]) == 7
    if charts:  # ann-02 may have had a quiet week; then the empty state shows instead
        check_drawn(charts)
        assert len(plotted(page, "annotations-daily")[0]["x"]) == 7
    else:
        expect(page.locator("[data-empty=member]")).to_be_visible()
    assert card(page, "annotations.submitted") == report["annotations"]["submitted"]
