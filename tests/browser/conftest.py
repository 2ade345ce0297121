"""Browser tests: Debian's Chromium, through Playwright, against a real `labelpulse serve`.

One demo database, one server and one browser for the whole session; a fresh browser context
(cookies, downloads) per test. Chromium missing is a failure, never a skip: CI must run these.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    sync_playwright,
)

from tests.browser.harness import (
    BrowserSetupError,
    DemoOrg,
    build_demo,
    launch_chromium,
    new_context_options,
    serve,
    sign_in,
)

EVENTS = int(os.environ.get("LABELPULSE_BROWSER_EVENTS", "5000"))
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def org(tmp_path_factory: pytest.TempPathFactory) -> DemoOrg:
    """The demo organisation (`labelpulse demo`), with one sign-in per role."""
    return build_demo(tmp_path_factory.mktemp("browser"), events=EVENTS)


@pytest.fixture(scope="session")
def base_url(org: DemoOrg) -> Iterator[str]:
    """A real server over the demo database, up for the whole session."""
    with serve(org.db, org.db.parent / "serve.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        try:
            launched = launch_chromium(playwright)
        except BrowserSetupError as exc:
            pytest.fail(str(exc), pytrace=False)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser, base_url: str) -> Iterator[BrowserContext]:
    """A fresh context per test: no cookies, no session, downloads accepted."""
    opened = browser.new_context(**new_context_options(base_url))
    opened.set_default_timeout(TIMEOUT_MS)
    yield opened
    opened.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A page that fails the test on any uncaught script error (a chart that threw, say)."""
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(f"{opened.url}: {exc}"))

    def on_console(message: ConsoleMessage) -> None:
        # A 403 or 404 page logs "Failed to load resource": that is the page, not a script.
        if message.type == "error" and "Failed to load resource" not in message.text:
            errors.append(f"{opened.url}: console: {message.text}")

    opened.on("console", on_console)
    yield opened
    assert not errors, "script errors in the page:\n" + "\n".join(errors)


@pytest.fixture(scope="session")
def _session_cookies() -> dict[str, list[Any]]:
    return {}


@pytest.fixture
def login(org: DemoOrg, _session_cookies: dict[str, list[Any]]) -> Callable[[Page, str], None]:
    """`login(page, "mgr-01")`: signed in as that demo member, on the home page.

    The first time per member through the /login form; after that with the session cookie the
    form gave (Argon2 makes each real sign-in cost a second): test_signin signs in for real.
    """

    def sign(page: Page, member: str) -> None:
        cookies = _session_cookies.get(member)
        if cookies is None:
            sign_in(page, org, member)
            _session_cookies[member] = list(page.context.cookies())
        else:
            page.context.add_cookies(cookies)
            page.goto("/")  # where the form lands

    return sign


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder
