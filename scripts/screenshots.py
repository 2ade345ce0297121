"""Screenshots of every dashboard page over the demo data, for the docs.

    .venv/bin/python scripts/screenshots.py                 # all of them into docs/screenshots/
    .venv/bin/python scripts/screenshots.py member-report   # just some

It builds a fresh demo database in a temporary folder, serves it with `labelpulse serve`, signs in
through the login form with Debian's Chromium (/usr/bin/chromium, as in the browser tests) and
saves a PNG per page once every chart has drawn. The phone-* shots are taken at 390 px wide
(an iPhone 12's viewport), the others at the browser tests' 1366 px; `phone-nav` shows the top
bar's navigation unfolded.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from playwright.sync_api import FloatRect, Page, sync_playwright  # noqa: E402

from tests.browser.harness import (  # noqa: E402
    DemoOrg,
    build_demo,
    launch_chromium,
    new_context_options,
    serve,
    sign_in,
    wait_for_charts,
)

MAX_HEIGHT = 2600  # a very long table is cut here: the picture is of the page, not of every row
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Shot:
    name: str
    who: str | None  # the demo member signed in; None: nobody
    path: str
    caption: str
    viewport: dict[str, int] | None = None  # None: the browser tests' desktop size
    open_nav: bool = False  # unfold the top bar's navigation (phone widths) before the shot


SHOTS = (
    Shot("login", None, "/login", "Sign in"),
    Shot("home", "ann-01", "/", "Home: an annotator's own report"),
    Shot("overview", "owner", "/", "Overview: the home of owners, admins and managers"),
    Shot("member-report", "mgr-01", "/members/ann-01", "A manager viewing an annotator's report"),
    Shot("org-members", "owner", "/org/members", "Organisation: members and reviewers"),
    Shot("projects", "mgr-01", "/projects", "A manager's projects"),
    Shot("project-members", "mgr-01", "/projects/p1/members", "A project's Members dashboard"),
    Shot("insights", "owner", "/insights", "Annotation insights"),
    Shot("work", "owner", "/work", "Labeling, review and edit work; time per item"),
    Shot("admin-members", "admin", "/admin/members", "Manage members"),
    Shot("flags", "owner", "/flags", "Quality flags: flagged members and too-fast annotations"),
    Shot("pay-rates", "owner", "/pay/rates", "Pay rates: who earns what, from when"),  # RATES
    # FC (issue 16): the demo's first project is planned at risk (cli/demo_plans.py).
    Shot("project-forecast", "owner", "/projects/p1/members", "A project's deadline forecast"),
    Shot("projects-forecast", "mgr-01", "/projects", "Projects with their forecasts"),
    Shot("pay", "owner", "/pay", "Pay: amounts per member and project, adjustments"),  # PAY
    Shot("phone-home", "ann-01", "/", "An annotator's own report on a phone", PHONE),
    Shot(
        "phone-project-members",
        "mgr-01",
        "/projects/p1/members",
        "A project's members on a phone: the table scrolls in its box",
        PHONE,
    ),
    Shot("phone-nav", "owner", "/work", "The navigation unfolded on a phone", PHONE, True),
)


def take(page: Page, shot: Shot, out: Path) -> Path:
    response = page.goto(shot.path)
    status = response.status if response else 0
    if status >= 400:
        print(f"warning: {shot.path} answered {status}", file=sys.stderr)
    page.wait_for_load_state("networkidle")
    wait_for_charts(page)
    if shot.open_nav:
        page.click(".topbar .nav-toggle")
    page.wait_for_timeout(300)  # Plotly's transitions
    height = page.evaluate("() => document.documentElement.scrollHeight")
    target = out / f"{shot.name}.png"
    width = page.viewport_size["width"] if page.viewport_size else 1366
    clip: FloatRect = {"x": 0, "y": 0, "width": width, "height": min(height, MAX_HEIGHT)}
    page.screenshot(path=str(target), full_page=True, clip=clip)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("names", nargs="*", help=f"only these: {[s.name for s in SHOTS]}")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--events", type=int, default=20_000, help="demo events to generate")
    args = parser.parse_args(argv)
    unknown = set(args.names) - {s.name for s in SHOTS}
    if unknown:
        parser.error(f"unknown screenshot(s): {sorted(unknown)}")
    shots = [s for s in SHOTS if not args.names or s.name in args.names]
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        org: DemoOrg = build_demo(Path(folder), events=args.events)
        with (
            serve(org.db, Path(folder) / "serve.log") as url,
            sync_playwright() as playwright,
        ):
            browser = launch_chromium(playwright)
            try:
                for shot in shots:
                    options = new_context_options(url)
                    if shot.viewport:
                        options["viewport"] = shot.viewport
                    context = browser.new_context(**options)
                    page = context.new_page()
                    if shot.who:
                        sign_in(page, org, shot.who)
                    path = take(page, shot, args.out)
                    context.close()
                    print(
                        f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}"
                        f"  ({shot.who or 'signed out'}: {shot.caption})"
                    )
            finally:
                browser.close()
    print(f"{len(shots)} screenshots in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
