"""The overview in a browser: an owner signs in and lands on it, its chart draws, an attention
row opens the member's report with the same filters; charts of 1-3-day windows have whole-day
ticks, and they fit a 390 px phone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from tests.browser.harness import DemoOrg, sign_in, wait_for_charts

TICKS = "el => [...el.querySelectorAll('.xtick text')].map(t => t.textContent)"


def ticks(page: Page, chart: str) -> list[str]:
    found: list[str] = page.eval_on_selector(f"[data-chart='{chart}']", TICKS)
    return found


def test_an_owner_lands_on_the_overview_and_follows_an_attention_row(
    page: Page, org: DemoOrg
) -> None:
    sign_in(page, org, "owner")
    assert urlsplit(page.url).path == "/", page.url
    expect(page.locator("h1")).to_have_text("Overview")
    charts = wait_for_charts(page)
    assert [c["chart"] for c in charts] == ["throughput-daily"]
    assert charts[0]["svgs"] >= 1 and charts[0]["traces"] == 2, charts
    # The totals' change names the previous window: as many days, ending the day before.
    start = page.input_value("form.filters input[name=from]")
    end = page.input_value("form.filters input[name=to]")
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    before = first - (last - first) - dt.timedelta(days=1)
    span = f"{before.isoformat()}–{(first - dt.timedelta(days=1)).isoformat()}"
    expect(page.locator("[data-total=submitted] [data-change]")).to_contain_text(span)
    rows = page.locator("[data-attention] li a")
    assert rows.count() >= 1, "the demo team has someone to look at"
    name = rows.first.inner_text()
    with page.expect_navigation():
        rows.first.click()
    at = urlsplit(page.url)
    assert at.path.startswith("/members/"), page.url
    assert parse_qs(at.query)["from"] == [start], page.url
    expect(page.locator("h1")).to_contain_text(name)


def test_short_windows_have_whole_day_ticks(page: Page, login: Callable[[Page, str], None]) -> None:
    login(page, "owner")
    today = dt.date.today()
    for days in (1, 2, 3):
        start = (today - dt.timedelta(days=days - 1)).isoformat()
        window = f"from={start}&to={today.isoformat()}&tz=UTC"
        for path, chart in (("/", "throughput-daily"), ("/members/ann-01", "annotations-daily")):
            page.goto(f"{path}?{window}")
            if not page.locator(f"[data-chart='{chart}']").count():
                continue  # nothing in so short a window: no chart to check
            wait_for_charts(page)
            shown = ticks(page, chart)
            assert shown, (path, days)
            # Days, never times of day ("23:59:59.9996 Nov 19") or repeated days.
            assert not [t for t in shown if ":" in t], (path, days, shown)
            assert len(shown) == len(set(shown)) <= days, (path, days, shown)


def test_the_chart_fits_a_phone(page: Page, login: Callable[[Page, str], None]) -> None:
    login(page, "owner")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    wait_for_charts(page)
    box = page.locator("[data-chart='throughput-daily'] svg.main-svg").first.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    # A few day ticks, and the legend below the plot, not over the bars.
    assert 1 <= len(ticks(page, "throughput-daily")) <= 5
    legend = page.locator("[data-chart='throughput-daily'] g.legend").bounding_box()
    plot = page.locator("[data-chart='throughput-daily'] g.cartesianlayer").bounding_box()
    assert legend is not None and plot is not None
    assert legend["y"] >= plot["y"] + plot["height"] - 1, (legend, plot)
