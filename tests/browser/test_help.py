"""Figure help in a browser: each "?" is reached by Tab, shows its tooltip on focus, hides it on
Esc, toggles on a click or a tap (phones), and stays on screen at 390 px; a reviewer's home
shows their review work first."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from labelpulse.metrics.glossary import help_for
from tests.browser.harness import DemoOrg, new_context_options, sign_in, wait_for_charts

FOCUSED_HELP = (
    "() => { const el = document.activeElement;"
    " return el && el.matches('.help-tip [data-help]') ? el.getAttribute('aria-label') : null; }"
)


def tab_to_help(page: Page, limit: int = 80) -> str:
    """Press Tab until a help button has the focus; its accessible name."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        label: str | None = page.evaluate(FOCUSED_HELP)
        if label:
            return label
    raise AssertionError(f"no help button within {limit} presses of Tab")


def test_tab_reaches_a_help_button_its_tooltip_shows_and_esc_hides_it(
    page: Page, login: Callable[[Page, str], None]
) -> None:
    login(page, "ann-01")
    label = tab_to_help(page)
    button = page.locator(f".help-tip [data-help][aria-label='{label}']").first
    tooltip = button.locator("xpath=following-sibling::*[@role='tooltip']")
    expect(tooltip).to_be_visible()
    # The tooltip names the button for screen readers, and holds the glossary's words.
    described = button.get_attribute("aria-describedby")
    assert described and tooltip.get_attribute("id") == described
    figure = button.locator("xpath=ancestor::*[@data-figure]").get_attribute("data-figure")
    assert figure and tooltip.inner_text() == help_for("member", figure)
    page.keyboard.press("Escape")
    expect(tooltip).to_be_hidden()
    assert page.evaluate(FOCUSED_HELP) == label  # the focus stays where it was
    # Tab on: the next help button shows its own tooltip, and the first stays hidden.
    tab_to_help(page)
    expect(tooltip).to_be_hidden()
    expect(page.locator(".help-tip:focus-within [role=tooltip]")).to_be_visible()


def test_a_click_toggles_a_tooltip_and_a_click_elsewhere_closes_it(
    page: Page, login: Callable[[Page, str], None]
) -> None:
    login(page, "ann-01")
    tip = page.locator("[data-figure='annotations.performance_score'] .help-tip")
    button, tooltip = tip.locator("[data-help]"), tip.locator("[role=tooltip]")
    expect(tooltip).to_be_hidden()
    button.click()
    expect(tooltip).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "true")
    assert "accepted counts 1, rejected 0" in tooltip.inner_text()
    button.click()
    expect(tooltip).to_be_hidden()
    expect(button).to_have_attribute("aria-expanded", "false")
    button.click()
    expect(tooltip).to_be_visible()
    page.locator("h1").click()
    expect(tooltip).to_be_hidden()


@pytest.fixture
def phone(browser: Browser, base_url: str) -> Iterator[Page]:
    options = {
        **new_context_options(base_url),
        "viewport": {"width": 390, "height": 844},
        "has_touch": True,
        "is_mobile": True,
    }
    context = browser.new_context(**options)
    yield context.new_page()
    context.close()


def test_a_tap_toggles_a_tooltip_on_a_phone_and_it_stays_on_screen(
    phone: Page, org: DemoOrg
) -> None:
    sign_in(phone, org, "ann-01")
    for key in ("annotations.submitted", "annotations.performance_score"):
        tip = phone.locator(f"[data-figure='{key}'] .help-tip")
        button, tooltip = tip.locator("[data-help]"), tip.locator("[role=tooltip]")
        button.tap()
        expect(tooltip).to_be_visible()
        box = tooltip.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (key, box)
        button.tap()
        expect(tooltip).to_be_hidden()


def test_lead_active_and_idle_time_are_shown_with_their_help(
    page: Page, login: Callable[[Page, str], None]
) -> None:
    login(page, "ann-01")
    rows = page.locator(".times [data-time]")
    expect(rows.first).to_be_visible()
    text = rows.first.inner_text()
    assert "Lead time" in text and "Active" in text and "Idle" in text
    assert rows.first.locator("[data-help]").count() == 1


def test_a_reviewers_home_lists_their_reviews_first(
    page: Page, login: Callable[[Page, str], None]
) -> None:
    login(page, "rev-01")
    cards = page.locator("[data-figure]").evaluate_all("els => els.map(el => el.dataset.figure)")
    assert cards[:2] == ["reviews.total", "reviews.review_time"], cards
    assert page.locator(".times [data-time]").first.get_attribute("data-time") == "review"
    charts = wait_for_charts(page)
    assert charts and charts[0]["chart"].startswith("review"), charts
    # The first chart on the page is a review chart, drawn above any annotation chart.
    first = page.locator("[data-chart]").first
    assert (first.get_attribute("data-chart") or "").startswith("review")
