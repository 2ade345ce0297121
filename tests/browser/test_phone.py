"""Phones and keyboards: every page at 390 px for every role, the folding navigation, menus
that close (Esc, a click outside, another menu), Apply with the Export menu open, the skip link.

"Fits" is checked by script: no drawn element reaches outside the viewport sideways unless it is
inside its own scroll box (an ancestor with overflow-x auto or scroll, as .table-wrap), and the
page itself never scrolls sideways.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Download, Page, expect

from tests.browser.harness import new_context_options, wait_for_charts

PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000

# Every drawn element whose box leaves the viewport sideways, outside any scroll box. Plotly's
# measuring <svg> sits at left -10000 px on purpose; closed <details> content is not drawn.
OUTSIDE = """() => {
  const width = window.innerWidth;
  const scrolls = el => {
    for (let a = el.parentElement; a; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX;
      if (o === 'auto' || o === 'scroll') return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('#js-plotly-tester, .visually-hidden') || !el.checkVisibility()) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if ((r.left < -0.5 || r.right > width + 0.5) && !scrolls(el)) {
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + (typeof el.className === 'string' && el.className ? '.' + el.className : '');
      out.push(name + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
    }
  }
  return out;
}"""
SIDEWAYS = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"

ALL_PAGES = (
    "/",
    "/org/members",
    "/projects",
    "/projects/p1/members",
    "/insights",
    "/work",
    "/flags",  # FLAGS (issue 16)
    "/admin/members",
    "/admin/tokens",
    "/members/no-such-member",  # an error page, whichever status the role gets
)
# The member report each role opens: someone else's where the role may, else its own.
MEMBER_PAGE = {
    "owner": "/members/ann-01",
    "admin": "/members/ann-01",
    "mgr-01": "/members/ann-01",
    "rev-01": "/members/rev-01",
    "ann-01": "/members/ann-01",
}


@pytest.fixture
def phone(browser: Browser, base_url: str) -> Iterator[BrowserContext]:
    """A fresh context the size of an iPhone 12."""
    opened = browser.new_context(**{**new_context_options(base_url), "viewport": PHONE})
    opened.set_default_timeout(TIMEOUT_MS)
    yield opened
    opened.close()


@pytest.fixture
def phone_page(phone: BrowserContext) -> Iterator[Page]:
    """A phone page that fails the test on any uncaught script error."""
    opened = phone.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(f"{opened.url}: {exc}"))
    yield opened
    assert not errors, "script errors in the page:\n" + "\n".join(errors)


def assert_fits(page: Page, where: str) -> None:
    outside: list[str] = page.evaluate(OUTSIDE)
    assert outside == [], (where, outside[:10])
    scroll_width, width = page.evaluate(SIDEWAYS)
    assert scroll_width <= width, (where, scroll_width, width)


def nav_links(page: Page) -> list[str]:
    links: list[str] = page.locator("header nav a").all_inner_texts()
    return links


def assert_nav_menu_shows_every_link(page: Page, where: str) -> None:
    toggle = page.locator(".topbar .nav-toggle")
    links = page.locator("header nav a")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(links.first).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    assert links.count() >= 3, where
    for i in range(links.count()):
        expect(links.nth(i)).to_be_visible()
        expect(links.nth(i)).to_be_in_viewport()
    expect(page.locator("header .who button", has_text="Sign out")).to_be_in_viewport()
    assert_fits(page, where + " with the menu open")
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(links.first).to_be_hidden()


@pytest.mark.parametrize("member", list(MEMBER_PAGE))
def test_every_page_fits_a_phone(
    phone_page: Page, login: Callable[[Page, str], None], member: str
) -> None:
    login(phone_page, member)
    for path in (MEMBER_PAGE[member], *ALL_PAGES):
        response = phone_page.goto(path)
        assert response is not None, path
        expect(phone_page.locator("h1")).to_be_visible()
        if response.ok:
            wait_for_charts(phone_page)
        where = f"{member} {path} ({response.status})"
        assert_fits(phone_page, where)
        assert_nav_menu_shows_every_link(phone_page, where)


def test_the_sign_in_page_fits_a_phone(phone_page: Page) -> None:
    phone_page.goto("/login")
    expect(phone_page.locator("input[name=email]")).to_be_in_viewport()
    expect(phone_page.locator("form[action='/login'] button[type=submit]")).to_be_visible()
    assert_fits(phone_page, "/login")


def test_without_script_the_navigation_wraps_and_stays_usable(
    browser: Browser, base_url: str, login: Callable[[Page, str], None]
) -> None:
    options: dict[str, Any] = {**new_context_options(base_url), "viewport": PHONE}
    context = browser.new_context(**options, java_script_enabled=False)
    try:
        page = context.new_page()
        login(page, "owner")
        page.goto("/work")
        expect(page.locator(".topbar .nav-toggle")).to_be_hidden()
        assert nav_links(page) == [
            "Home",
            "My report",
            "Organisation",
            "Projects",
            "Insights",
            "Work",
            "Flags",  # FLAGS (issue 16)
            "Pay",  # PAY (issue 16)
            "Manage members",
            "API tokens",
            "Pay rates",  # RATES (issue 16)
        ]
        links = page.locator("header nav a")
        for i in range(links.count()):
            expect(links.nth(i)).to_be_in_viewport()
        assert_fits(page, "/work without script")
    finally:
        context.close()


def test_the_navigation_works_from_the_keyboard(
    phone_page: Page, login: Callable[[Page, str], None]
) -> None:
    login(phone_page, "mgr-01")
    toggle = phone_page.locator(".topbar .nav-toggle")
    toggle.focus()
    phone_page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    phone_page.keyboard.press("Tab")
    expect(phone_page.locator("header nav a").first).to_be_focused()
    phone_page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    # Open again, then a tap outside the top bar folds it.
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    phone_page.locator("main h1").click()
    expect(toggle).to_have_attribute("aria-expanded", "false")


def test_the_skip_link_is_the_first_tab_stop(
    phone_page: Page, login: Callable[[Page, str], None]
) -> None:
    login(phone_page, "ann-01")
    skip = phone_page.get_by_role("link", name="Skip to content")
    expect(skip).not_to_be_in_viewport()
    phone_page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    phone_page.keyboard.press("Enter")
    expect(phone_page.locator("main#content")).to_be_focused()
    assert urlsplit(phone_page.url).fragment == "content", phone_page.url


def test_menus_close_on_escape_outside_clicks_and_each_other(
    page: Page, login: Callable[[Page, str], None]
) -> None:
    login(page, "mgr-01")
    page.goto("/members/ann-01")
    export = page.locator("details.menu.exports")
    summary = export.locator("summary")

    summary.click()
    expect(export).to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(export).not_to_have_attribute("open", "")
    expect(summary).to_be_focused()

    summary.click()
    expect(export.locator("a").first).to_be_visible()
    page.locator("main h1").click()
    expect(export).not_to_have_attribute("open", "")

    # From the keyboard: Tab out of an open menu closes it.
    summary.focus()
    page.keyboard.press("Enter")
    expect(export).to_have_attribute("open", "")
    for _ in range(export.locator("a").count() + 1):
        page.keyboard.press("Tab")
    expect(export).not_to_have_attribute("open", "")

    page.goto("/projects/p1/members")
    rows = page.locator("details.row-menu")
    assert rows.count() >= 2
    rows.nth(0).locator("summary").click()
    expect(rows.nth(0).locator("a").first).to_be_visible()
    rows.nth(1).locator("summary").click()
    expect(rows.nth(1)).to_have_attribute("open", "")
    expect(rows.nth(0)).not_to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(page.locator("details.menu[open]")).to_have_count(0)


@pytest.mark.parametrize("width", [390, 900, 1366])
def test_apply_with_the_export_menu_open_applies_the_filters(
    browser: Browser, base_url: str, login: Callable[[Page, str], None], width: int
) -> None:
    context = browser.new_context(
        **{**new_context_options(base_url), "viewport": {"width": width, "height": 844}}
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        downloads: list[Download] = []
        page.on("download", lambda download: downloads.append(download))
        login(page, "mgr-01")
        page.goto("/members/ann-01")
        page.fill("form.filters input[name=from]", "2026-11-20")
        export = page.locator("details.menu.exports")
        export.locator("summary").click()
        expect(export.locator("a").first).to_be_visible()
        apply = page.locator("form.filters button[type=submit]")
        # Nothing of the open menu lies over Apply: what is under its centre is Apply itself.
        box = apply.bounding_box()
        assert box is not None
        hit = page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y)?.closest('button')?.textContent",
            [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
        )
        assert hit == "Apply", (width, hit)
        with page.expect_navigation():
            apply.click()
        query = parse_qs(urlsplit(page.url).query)
        assert query.get("from") == ["2026-11-20"], page.url
        expect(page.locator("details.menu[open]")).to_have_count(0)
        page.wait_for_timeout(300)  # a download would have started by now
        assert downloads == [], [d.suggested_filename for d in downloads]
    finally:
        context.close()


def test_screenshots_script_takes_phone_shots(monkeypatch: pytest.MonkeyPatch) -> None:
    """scripts/screenshots.py lists phone shots at 390 px, saved as phone-*.png."""
    script = Path(__file__).resolve().parents[2] / "scripts" / "screenshots.py"
    spec = importlib.util.spec_from_file_location("screenshots", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "screenshots", module)  # its dataclass looks itself up
    spec.loader.exec_module(module)
    phones = [s for s in module.SHOTS if s.name.startswith("phone-")]
    assert phones, [s.name for s in module.SHOTS]
    assert all(s.viewport == PHONE for s in phones), phones


@pytest.mark.parametrize("width", [600, 801, 1024])
def test_the_widest_top_bar_fits_between_phone_and_desktop(
    browser: Browser, base_url: str, login: Callable[[Page, str], None], width: int
) -> None:
    """The owner's bar, the longest, at a small tablet, just above the fold and a laptop."""
    context = browser.new_context(
        **{**new_context_options(base_url), "viewport": {"width": width, "height": 800}}
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        login(page, "owner")
        page.goto("/work")
        if width > 800:
            expect(page.locator(".topbar .nav-toggle")).to_be_hidden()
            links = page.locator("header nav a")
            for i in range(links.count()):
                expect(links.nth(i)).to_be_in_viewport()
        else:
            assert_nav_menu_shows_every_link(page, f"/work at {width} px")
        assert_fits(page, f"/work at {width} px")
    finally:
        context.close()
