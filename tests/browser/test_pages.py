"""Every page each demo role may open (through the top navigation, as a person would), the
403 page for one it may not, and the sign-in redirect for a visitor who is not signed in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, Response, expect

from tests.browser.harness import DemoOrg, sign_in, wait_for_charts

HEADINGS = {
    "Home": "Your performance",
    "Organisation": "Organisation members",
    "Projects": "Projects",
    "Insights": "Annotation insights",
    "Work": "Work by type",
    "Manage members": "Manage members",
    "API tokens": "API tokens",
    "Pay rates": "Pay rates",
}
PATHS = {
    "Home": "/",
    "Organisation": "/org/members",
    "Projects": "/projects",
    "Insights": "/insights",
    "Work": "/work",
    "Manage members": "/admin/members",
    "API tokens": "/admin/tokens",
    "Pay rates": "/pay/rates",
}


@dataclass(frozen=True)
class Role:
    nav: tuple[str, ...]
    deep: tuple[str, ...]  # more pages this role may open
    forbidden: tuple[str, ...]  # pages that answer 403
    member_filter: bool  # the filters form offers the member select
    sees_others: bool  # tables hold other members' rows


EVERYTHING = tuple(HEADINGS)
ROLES = {
    "owner": Role(EVERYTHING, ("/members/ann-01", "/projects/p1/members"), (), True, True),
    # An admin sees what an owner sees (checked above): only the pages of an owner's rights.
    "admin": Role(
        ("Organisation", "Manage members", "API tokens", "Pay rates"),
        ("/projects/p6/members",),
        (),
        True,
        True,
    ),
    "mgr-01": Role(
        ("Home", "Projects", "Insights", "Work"),
        ("/members/ann-01", "/projects/p1/members"),
        ("/org/members", "/admin/members", "/admin/tokens", "/projects/p4/members", "/pay/rates"),
        True,
        True,
    ),
    "rev-01": Role(
        ("Home", "Insights", "Work"),
        ("/members/rev-01",),
        ("/members/ann-01", "/projects", "/org/members"),
        False,
        False,
    ),
    "ann-01": Role(
        ("Home", "Insights", "Work"),
        ("/members/ann-01",),
        ("/members/rev-01", "/projects/p1/members", "/admin/members"),
        False,
        False,
    ),
}


def check_page(page: Page, org: DemoOrg, member: str, path: str, role: Role) -> None:
    """The page drew: a heading, no error, every chart drawn, tables cut to the role's scope."""
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("p.error[data-code]")).to_have_count(0)
    for chart in wait_for_charts(page):
        assert chart["svgs"] >= 1 and chart["traces"] >= 1, (path, chart)
    form = page.locator("form.filters")
    if form.count():
        member_select = form.locator("select[name=member]")
        expect(member_select).to_have_count(1 if role.member_filter else 0)
    names = set(page.locator("[data-table] tbody td[data-key=member_name]").all_inner_texts())
    if not role.sees_others:
        assert names <= {org.name(member)}, (path, names)
    elif path in ("/org/members", "/work", "/insights"):
        assert len(names) > 1, (path, names)  # the demo team has work in the window


@pytest.mark.parametrize("member", list(ROLES))
def test_each_role_opens_its_pages(
    page: Page, org: DemoOrg, login: Callable[[Page, str], None], member: str
) -> None:
    role = ROLES[member]
    login(page, member)
    for link in role.nav:
        with page.expect_navigation() as navigation:
            page.locator("header nav").get_by_role("link", name=link, exact=True).click()
        response: Response | None = navigation.value
        assert response is not None and response.status == 200, (link, response)
        assert page.url.split("?")[0].endswith(PATHS[link]), (link, page.url)
        # Home is the overview for those who see every member, else one's own report.
        overview = link == "Home" and role.member_filter
        expect(page.locator("h1")).to_contain_text("Overview" if overview else HEADINGS[link])
        expect(page.locator("header nav a.active")).to_have_text(link)
        check_page(page, org, member, PATHS[link], role)

    for path in role.deep:
        response = page.goto(path)
        assert response is not None and response.status == 200, (path, response)
        check_page(page, org, member, path, role)

    for path in role.forbidden:
        response = page.goto(path)
        assert response is not None and response.status == 403, (path, response)
        expect(page.locator("h1")).to_have_text("Not yours to see")
        expect(page.locator("p.error[data-code=forbidden]")).to_be_visible()
        # Still signed in, with the way back.
        expect(page.locator("header .who")).to_contain_text(org.name(member))
        expect(page.get_by_role("link", name="Back to your dashboard")).to_be_visible()


def test_a_visitor_signs_in_and_lands_where_they_were_going(page: Page, org: DemoOrg) -> None:
    response = page.goto("/members/ann-01?from=2026-01-01")
    assert response is not None and response.status == 200
    at = urlsplit(page.url)
    assert at.path == "/login", page.url
    assert parse_qs(at.query)["next"] == ["/members/ann-01?from=2026-01-01"], page.url
    page.fill("input[name=email]", org.emails["mgr-01"])
    page.fill("input[name=password]", "labelpulse-demo")
    with page.expect_navigation():
        page.click("form[action='/login'] button[type=submit]")
    landed = urlsplit(page.url)
    assert (landed.path, landed.query) == ("/members/ann-01", "from=2026-01-01"), page.url
    expect(page.locator("h1")).to_contain_text(org.name("ann-01"))


def test_signed_in_visitor_at_login_goes_home(page: Page, org: DemoOrg) -> None:
    sign_in(page, org, "ann-01")
    page.goto("/login")
    assert not page.url.split("?")[0].endswith("/login"), page.url
    expect(page.locator("h1")).to_contain_text("Your performance")
