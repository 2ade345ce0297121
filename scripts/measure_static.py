"""Measure what static files cost: plotly.min.js's bytes over the wire (as a browser asks for
it, gzip accepted) and the first chart page's load after signing in, in headless Chromium on
localhost (or over an emulated link: `--mbps 20`). Run from a checkout:
`python scripts/measure_static.py [--runs 5] [--mbps 20]`.

The demo organisation is built (`labelpulse demo`, 5,000 events) in a temporary folder and
served by a real `labelpulse serve`; each run is a fresh browser context (empty cache), timed
from pressing "Sign in" to every chart of the landing page (ann-01's own report) drawn.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright

from tests.browser.harness import (
    CHARTS_DRAWN,
    PASSWORD,
    build_demo,
    launch_chromium,
    new_context_options,
    serve,
)

MEMBER = "ann-01"


def plotly_url(base: str) -> str:
    """Where the landing page loads plotly.js from (a hashed URL after issue 15)."""
    request = urllib.request.Request(f"{base}/static/vendor/plotly.min.js")
    with urllib.request.urlopen(request) as response:
        return str(response.url)


def wire_bytes(url: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    with urllib.request.urlopen(request) as response:
        return len(response.read()), response.headers.get("Content-Encoding") or "identity"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--mbps", type=float, default=0, help="Emulate a link of this many Mbit/s (0: localhost)."
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        org = build_demo(Path(folder), events=5000)
        with serve(org.db, Path(folder) / "serve.log") as base:
            size, encoding = wire_bytes(plotly_url(base))
            print(f"plotly.min.js over the wire: {size:,} bytes ({encoding})")
            times, after = [], []
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                for _ in range(args.runs):
                    context = browser.new_context(**new_context_options(base))
                    page = context.new_page()
                    if args.mbps:
                        cdp = context.new_cdp_session(page)
                        cdp.send("Network.enable")
                        rate = args.mbps * 1_000_000 / 8  # bytes per second
                        cdp.send(
                            "Network.emulateNetworkConditions",
                            {"offline": False, "latency": 20, "downloadThroughput": rate,
                             "uploadThroughput": rate},
                        )  # fmt: skip
                    page.goto("/login")
                    page.fill("input[name=email]", org.emails[MEMBER])
                    page.fill("input[name=password]", PASSWORD)
                    started = time.perf_counter()
                    with page.expect_navigation(wait_until="commit"):
                        page.click("form[action='/login'] button[type=submit]")
                    landed = time.perf_counter()
                    page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
                    done = time.perf_counter()
                    times.append(done - started)
                    after.append(done - landed)
                    context.close()
                browser.close()
            for label, values in (("sign-in click", times), ("landing page's answer", after)):
                shown = ", ".join(f"{t * 1000:.0f}" for t in values)
                median = statistics.median(values) * 1000
                print(f"{label} to charts drawn (ms): {shown}; median {median:.0f}")


if __name__ == "__main__":
    main()
