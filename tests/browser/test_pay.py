"""The pay page in a browser (issue 16, PAY): the demo's closed fortnight, the adjustment after
it, a member's audit list, and no Pay for an annotator."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from playwright.sync_api import Page, expect


def _days() -> tuple[dt.date, dt.date, dt.date]:
    """The demo's first day, the closed fortnight's last, and today (the demo's 30 days)."""
    today = dt.datetime.now(dt.UTC).date()
    first = today - dt.timedelta(days=29)
    return first, first + dt.timedelta(days=13), today


def test_the_pay_page_shows_a_closed_period_and_the_adjustment_after_it(
    page: Page, login: Callable[[Page, str], None]
) -> None:
    login(page, "owner")
    expect(page.locator("nav a[href='/pay']")).to_be_visible()
    first, last, today = _days()
    page.goto(f"/pay?from={first}&to={last}&tz=UTC")
    expect(page.locator("[data-period=closed]")).to_be_visible()
    expect(page.locator("[data-close-button]")).to_have_count(0)
    after = last + dt.timedelta(days=1)
    page.goto(f"/pay?from={after}&to={today}&tz=UTC")
    expect(page.locator("[data-period=open]")).to_be_visible()
    adjustments = page.locator("#pay tbody td[data-key=adjustment]").all_inner_texts()
    assert any(Decimal(text.replace(",", "")) > 0 for text in adjustments if text != "–")
    expect(page.locator("#pay tfoot tr[data-total=EUR]")).to_have_count(1)
    expect(page.locator("[data-close-button]")).to_be_visible()
    page.locator("#pay tbody tr").first.locator("a[data-lines]").click()
    expect(page.locator("h1")).to_have_text("Pay audit")
    assert page.locator("#pay-lines tbody tr").count() > 0


def test_an_annotator_has_no_pay(page: Page, login: Callable[[Page, str], None]) -> None:
    login(page, "ann-01")
    expect(page.locator("nav a[href='/pay']")).to_have_count(0)
    response = page.goto("/pay")
    assert response is not None and response.status == 403
