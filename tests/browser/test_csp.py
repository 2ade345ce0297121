"""The Content-Security-Policy in a real browser: every page draws its charts under it with no
violation, and no other site can frame a page."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.harness import wait_for_charts

# Recorded from the first script that runs in each document, before any of the page's own.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", e => window.__cspViolations.push(
    e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber
));
"""
PAGES = (
    "/",
    "/members/ann-01",
    "/org/members",
    "/projects",
    "/projects/p1/members",
    "/insights",
    "/work",
    "/admin/members",
)


def violations(page: Page) -> list[str]:
    found: list[str] = page.evaluate("window.__cspViolations || []")
    return found


def test_every_page_draws_its_charts_under_the_policy(
    page: Page, context: BrowserContext, login: Callable[[Page, str], None]
) -> None:
    context.add_init_script(LISTEN)
    refused: list[str] = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    login(page, "owner")
    for path in PAGES:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, policy
        charts = wait_for_charts(page)
        for chart in charts:
            assert chart["svgs"] >= 1 and chart["traces"] >= 1, (path, chart)
        if charts:
            # Hover labels and the modebar are drawn when used: use them.
            page.locator("[data-chart]").first.hover()
            toggle = page.locator("input[data-toggle-chart]")
            if toggle.count() > 1:
                toggle.nth(1).check()
                wait_for_charts(page)
        menu = page.locator("details.exports summary")
        if menu.count():
            menu.first.click()
        assert violations(page) == [], (path, violations(page))
    assert refused == []
    assert "/admin/members" in PAGES and len(PAGES) == 8


def test_no_other_site_can_frame_a_page(context: BrowserContext, base_url: str) -> None:
    """A page of another origin embeds /login: the browser refuses to show it in the frame.

    (Not the `page` fixture: the refusal is a console error, which that fixture fails on.)
    """
    page = context.new_page()
    with page.expect_console_message(
        lambda m: "frame-ancestors" in m.text or "X-Frame-Options" in m.text, timeout=10_000
    ) as refused:
        page.set_content(f'<iframe id="f" src="{base_url}/login"></iframe>')
    assert "blocked" in refused.value.text or "Refused" in refused.value.text, refused.value.text
    expect(page.frame_locator("#f").locator("form[action='/login']")).to_have_count(0)
    framed = [f.url for f in page.frames if f is not page.main_frame]
    assert framed and not framed[0].startswith(base_url), framed
