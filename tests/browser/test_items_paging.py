"""The Work page's items table in a real browser: headers sort it on the server, pages move
through it, and the count of every item is shown."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from labelpulse.web.tables import ITEMS_SHOWN


def values(page: Page, key: str) -> list[float]:
    cells = page.locator(f"section[data-table='items'] tbody td[data-key='{key}']")
    return [float(v) for v in cells.evaluate_all("els => els.map(e => e.dataset.value)")]


def test_items_sort_by_header_and_page_through(
    page: Page, login: Callable[[Page, str], None]
) -> None:
    login(page, "mgr-01")
    page.goto("/work")
    items = page.locator("section[data-table='items']")
    total = page.request.get("/api/reports/items?limit=0").json()["page"]["total_rows"]
    assert total > ITEMS_SHOWN, "the demo manager's items fill more than one page"
    expect(items.locator(".note")).to_contain_text(
        f"Showing the {ITEMS_SHOWN} items with the most time of {total:,}"
    )
    assert items.locator("tbody tr").count() == ITEMS_SHOWN

    items.locator("a[data-sort='label_time']").click()
    expect(items.locator("th[aria-sort='descending']")).to_contain_text("Label time")
    assert parse_qs(urlsplit(page.url).query)["sort"] == ["label_time:desc"]
    first = values(page, "label_time")
    assert first == sorted(first, reverse=True) and len(first) == ITEMS_SHOWN
    expect(items.locator(".note")).to_contain_text(f"Items 1–{ITEMS_SHOWN} of {total:,}")

    items.locator("a[data-page='next']").click()
    expect(items.locator(".note")).to_contain_text(f"Items {ITEMS_SHOWN + 1}–")
    second = values(page, "label_time")
    assert second == sorted(second, reverse=True) and max(second) <= min(first)

    items.locator("a[data-page='prev']").click()
    expect(items.locator(".note")).to_contain_text(f"Items 1–{ITEMS_SHOWN} of {total:,}")
    assert values(page, "label_time") == first

    # The sorted header again: the other way round, the least first.
    items.locator("a[data-sort='label_time']").click()
    expect(items.locator("th[aria-sort='ascending']")).to_contain_text("Label time")
    least = values(page, "label_time")
    assert least == sorted(least) and least[0] <= min(first)

    # The search box: only tasks holding the text, in the order chosen.
    task = items.locator("tbody td[data-key='task']").first.inner_text()
    items.locator("input[name='search']").fill(task)
    items.locator("form[data-search='items'] button").click()
    expect(items.locator(".note")).to_contain_text(f"matching {task!r}")
    tasks = items.locator("tbody td[data-key='task']").all_inner_texts()
    assert tasks and all(task in shown for shown in tasks)
    expect(items.locator("th[aria-sort='ascending']")).to_contain_text("Label time")
