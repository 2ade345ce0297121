"""Signing in and out in a real browser, as every demo role."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from labelpulse.demo import DEMO_LOGINS
from tests.browser.harness import DemoOrg, sign_in

ROLE = {"owner": "owner", "admin": "admin", "mgr-01": "manager", "rev-01": "reviewer",
        "ann-01": "annotator"}  # fmt: skip
# Top navigation per role: which links each role sees.
# (issue 16: Flags for everyone, cut to their share; Pay and Pay rates for owners and admins)
ADMIN_LINKS = {"Manage members", "API tokens", "Pay", "Pay rates"}
EVERY_LINK = {
    "Home", "My report", "Organisation", "Projects", "Insights", "Work", "Flags"
} | ADMIN_LINKS  # fmt: skip
NAV = {
    "owner": EVERY_LINK,
    "admin": EVERY_LINK,
    "manager": {"Home", "My report", "Projects", "Insights", "Work", "Flags"},
    "reviewer": {"Home", "Insights", "Work", "Flags"},
    "annotator": {"Home", "Insights", "Work", "Flags"},
}


def test_server_health_and_local_plotly(page: Page) -> None:
    health = page.request.get("/api/health")
    assert health.ok
    assert health.json()["status"] == "ok"
    plotly = page.request.get("/static/vendor/plotly.min.js")
    assert plotly.ok
    assert "javascript" in plotly.headers["content-type"]
    assert len(plotly.body()) > 1_000_000  # the real plotly.js, served locally: no CDN


def test_wrong_password_is_refused(page: Page, org: DemoOrg) -> None:
    page.goto("/login")
    expect(page).to_have_title("Sign in · labelpulse")
    page.fill("input[name=email]", org.emails["owner"])
    page.fill("input[name=password]", "not-the-password")
    with page.expect_response(
        lambda r: r.url.endswith("/login") and r.request.method == "POST"
    ) as r:
        page.click("form[action='/login'] button[type=submit]")
    assert r.value.status == 401
    expect(page.get_by_role("alert")).to_contain_text("do not match")
    expect(page.locator("input[name=email]")).to_have_value(org.emails["owner"])
    assert "/login" in page.url


@pytest.mark.parametrize("member", DEMO_LOGINS)
def test_sign_in_as_each_role_then_sign_out(page: Page, org: DemoOrg, member: str) -> None:
    sign_in(page, org, member)  # through the form, every time
    role = ROLE[member]
    assert org.directory.members[member]["role"] == role
    expect(page.locator("header .who")).to_contain_text(f"{org.name(member)} · {role}")
    links = set(page.locator("header nav a").all_inner_texts())
    assert links == NAV[role], links

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    # Signed out for real: the session no longer reads the API.
    assert page.request.get("/api/me").status == 401
