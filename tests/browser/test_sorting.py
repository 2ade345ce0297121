"""Tables that sort in a real browser (static/tables.js): a header click reorders the rows by
number, the URL follows so a reload or a shared link keeps the order, Enter on a focused
header sorts too; the toggle shows the members with no work; the filters form's project list
narrows to the chosen workspaces."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from tests.browser.harness import DemoOrg

MEMBERS = "section[data-table='members']"


def values(page: Page, table: str, key: str) -> list[float | None]:
    """The cells' numbers in the order shown; None for a blank cell."""
    cells = page.locator(f"section[data-table='{table}'] tbody td[data-key='{key}']")
    found: list[str | None] = cells.evaluate_all("els => els.map(e => e.dataset.value ?? null)")
    return [None if v is None else float(v) for v in found]


def sorts(page: Page) -> list[str]:
    return parse_qs(urlsplit(page.url).query).get("sort", [])


def in_order(shown: list[float | None], descending: bool) -> bool:
    numbers = [v for v in shown if v is not None]
    blanks_last = shown[len(numbers) :] == [None] * (len(shown) - len(numbers))
    return blanks_last and numbers == sorted(numbers, reverse=descending)


def test_a_header_click_sorts_numerically_and_the_url_keeps_it(
    page: Page, login: Callable[[Page, str], None]
) -> None:
    login(page, "owner")
    page.goto("/org/members?all=1")
    table = page.locator(MEMBERS)
    rows = table.locator("tbody tr").count()
    assert rows > 3, "the demo team fills the members table"
    totals = table.locator("tfoot tr[data-row='totals']").inner_text()

    # A click sorts in place (no page load): most first, numbers as numbers.
    page.evaluate("window.__same_page = true")
    table.locator("a[data-sort='total_time']").click()
    expect(table.locator("th[aria-sort='descending']")).to_contain_text("Total time")
    assert page.evaluate("window.__same_page === true")
    shown = values(page, "members", "total_time")
    assert in_order(shown, descending=True) and len(shown) == rows
    assert sorts(page) == ["members:total_time:desc"]
    assert table.locator("tfoot tr[data-row='totals']").inner_text() == totals
    assert table.locator("th[aria-sort]").count() == 1

    # Again: the least first; the mark follows.
    table.locator("a[data-sort='total_time']").click()
    expect(table.locator("th[aria-sort='ascending']")).to_contain_text("Total time")
    ascending = values(page, "members", "total_time")
    assert in_order(ascending, descending=False)
    assert sorts(page) == ["members:total_time"]

    # A reload (a shared link) shows the same order, drawn by the server.
    page.reload()
    expect(table.locator("th[aria-sort='ascending']")).to_contain_text("Total time")
    assert values(page, "members", "total_time") == ascending
    assert parse_qs(urlsplit(page.url).query)["all"] == ["1"]


def test_enter_on_a_focused_header_sorts(page: Page, login: Callable[[Page, str], None]) -> None:
    login(page, "owner")
    page.goto("/org/members")
    table = page.locator(MEMBERS)
    header = table.locator("a[data-sort='submitted']")
    header.focus()
    page.keyboard.press("Enter")
    expect(table.locator("th[aria-sort='descending']")).to_contain_text("Submitted")
    assert in_order(values(page, "members", "submitted"), descending=True)
    assert sorts(page) == ["members:submitted:desc"]
    # Another table's order rides along in the URL.
    reviewers = page.locator("section[data-table='reviewers']")
    reviewers.locator("a[data-sort='review_time']").focus()
    page.keyboard.press("Enter")
    expect(reviewers.locator("th[aria-sort='descending']")).to_contain_text("Review time")
    assert sorts(page) == ["members:submitted:desc", "reviewers:review_time:desc"]
    # The presets and Apply keep both orders (the script updated the page's links and form).
    preset = page.locator(".presets a").first.get_attribute("href") or ""
    assert parse_qs(urlsplit(preset).query)["sort"] == sorts(page)
    with page.expect_navigation():
        page.locator("form.filters button[type=submit]").click()
    assert sorts(page) == ["members:submitted:desc", "reviewers:review_time:desc"]
    assert in_order(values(page, "reviewers", "review_time"), descending=True)
    assert in_order(values(page, "members", "submitted"), descending=True)


def test_names_sort_a_to_z_and_the_daily_table_sorts_too(
    page: Page, login: Callable[[Page, str], None]
) -> None:
    login(page, "mgr-01")
    page.goto("/work")
    work = page.locator("section[data-table='work']")
    work.locator("a[data-sort='member_name']").click()
    expect(work.locator("th[aria-sort='ascending']")).to_contain_text("Member")
    names = work.locator("tbody td[data-key='member_name']").all_inner_texts()
    assert names == sorted(names, key=str.casefold) and len(names) > 1
    assert sorts(page) == ["work:member_name"]

    page.goto("/members/ann-01")
    daily = page.locator("section[data-table='daily']")
    daily.locator("a[data-sort='submitted']").click()
    expect(daily.locator("th[aria-sort='descending']")).to_contain_text("Submitted")
    assert in_order(values(page, "daily", "submitted"), descending=True)
    expect(daily.locator("tfoot tr[data-row='totals']")).to_have_count(1)


def test_the_toggle_shows_the_members_with_no_work(
    page: Page, login: Callable[[Page, str], None]
) -> None:
    login(page, "owner")
    page.goto("/org/members")
    table = page.locator(MEMBERS)
    shown = table.locator("tbody tr").count()
    toggle = page.locator("a[data-idle-toggle='members']")
    text = toggle.inner_text()
    assert text.startswith("Show ") and text.endswith("with no work"), text
    hidden = int(text.split()[1])
    assert table.locator("tbody tr[data-idle]").count() == 0
    with page.expect_navigation():
        toggle.click()
    expect(table.locator("tbody tr")).to_have_count(shown + hidden)
    expect(table.locator("tbody tr[data-idle]")).to_have_count(hidden)
    expect(page.locator("a[data-idle-toggle='members']")).to_contain_text("Hide")


def test_projects_narrow_to_the_chosen_workspaces(
    page: Page, org: DemoOrg, login: Callable[[Page, str], None]
) -> None:
    login(page, "owner")
    page.goto("/insights")
    form = page.locator("form.filters")
    workspace = sorted(org.directory.workspaces)[0]
    inside = {p for p, row in org.directory.projects.items() if row["workspace"] == workspace}
    outside = set(org.directory.projects) - inside
    assert inside and outside
    project = form.locator("select[name=project]")
    form.locator("select[name=workspace]").select_option(workspace)

    def offered() -> set[str]:
        found: list[str] = project.evaluate(
            "s => Array.from(s.options).filter(o => o.value && !o.disabled && !o.hidden)"
            ".map(o => o.value)"
        )
        return set(found)

    assert offered() == inside
    # "All workspaces" again: every project is back.
    form.locator("select[name=workspace]").select_option("")
    assert offered() == inside | outside

    # Several projects chosen reach the report; the URL names each.
    first, second = sorted(inside | outside)[:2]
    project.select_option([first, second])
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert sorted(parse_qs(urlsplit(page.url).query)["project"]) == sorted([first, second])
    chosen: list[str] = project.evaluate("s => Array.from(s.selectedOptions).map(o => o.value)")
    assert sorted(chosen) == sorted([first, second])
