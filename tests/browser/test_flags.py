"""Quality flags in a browser (issue 16): the demo's flagged members carry a badge on the
organisation's members tables; the badge opens /flags for that member with the same window,
whose name links back to their report; the rules unfold."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from tests.browser.harness import DemoOrg


def test_a_badge_opens_the_members_flags_and_the_name_their_report(
    page: Page, org: DemoOrg, login: Callable[[Page, str], None]
) -> None:
    login(page, "owner")
    page.goto("/org/members")
    badges = page.locator("[data-table=members] a.flag-badge, [data-table=reviewers] a.flag-badge")
    assert badges.count() >= 1, "the demo has a rubber stamp and a rushing annotator"
    badge = badges.first
    member = badge.locator("xpath=ancestor::tr").get_attribute("data-row")
    assert member is not None
    start = page.input_value("form.filters input[name=from]")
    with page.expect_navigation():
        badge.click()
    at = urlsplit(page.url)
    assert at.path == "/flags" and parse_qs(at.query)["member"] == [member], page.url
    assert parse_qs(at.query)["from"] == [start], page.url
    expect(page.locator("h1")).to_have_text("Quality flags")
    names = page.locator("[data-table=flags] td[data-key=member_name]")
    expect(names.first).to_have_text(org.name(member))
    page.click("details[data-rules] summary")
    expect(page.locator("details[data-rules] dl")).to_contain_text("Rubber stamp")
    with page.expect_navigation():
        names.first.locator("a").click()
    assert urlsplit(page.url).path == f"/members/{member}", page.url
    expect(page.locator("p.member-flags a.flag-badge")).to_be_visible()


def test_an_annotator_sees_only_their_own_flags(
    page: Page, org: DemoOrg, login: Callable[[Page, str], None]
) -> None:
    login(page, "ann-01")
    page.goto("/flags")
    expect(page.locator("h1")).to_have_text("Quality flags")
    names = page.locator("[data-table=flags] td[data-key=member_name]")
    for i in range(names.count()):
        expect(names.nth(i)).to_have_text(org.name("ann-01"))
    assert page.locator("nav a", has_text="Flags").count() == 1
