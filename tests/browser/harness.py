"""The machinery of the browser tests (and of scripts/screenshots.py): a demo database, a real
`labelpulse serve` in a subprocess, Debian's Chromium driven by Playwright, and signing in.

Playwright's own browser download is never used: Chromium is the system one at /usr/bin/chromium
(`make test` installs it with apt-get when it is missing).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, Playwright

import labelpulse
from labelpulse import demo
from labelpulse.metrics import Directory
from labelpulse.store import connect

CHROMIUM = Path(os.environ.get("LABELPULSE_CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking flags Chromium keeps calling home, which a closed network
# answers with a flood of refused connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # A container's /dev/shm is often 64 MB, too small for Chromium's shared memory: use /tmp.
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1366, "height": 900}
PASSWORD = demo.DEMO_PASSWORD
SERVER_START_SECONDS = 30.0


class BrowserSetupError(RuntimeError):
    """The browser tests cannot run here; the message says what to install."""


@dataclass
class DemoOrg:
    """The demo database and who is in it (read before the server opens the file)."""

    db: Path
    directory: Directory
    emails: dict[str, str] = field(default_factory=dict)

    def name(self, member: str) -> str:
        return str(self.directory.members[member]["name"])

    def projects_of(self, member: str) -> list[str]:
        return sorted(self.directory.member_projects(member))


def _clean_env() -> dict[str, str]:
    """The environment of our subprocesses: no LABELPULSE_* setting of the caller leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABELPULSE_")}
    env["LABELPULSE_TZ"] = "UTC"
    # The server runs the code under test, wherever it is checked out (a worktree, say), not
    # whichever copy the virtualenv happens to have installed.
    source = str(Path(labelpulse.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (source, env.get("PYTHONPATH")) if p)
    return env


def build_demo(folder: Path, events: int = 5000, members: int = 24) -> DemoOrg:
    """`labelpulse demo` into folder/demo.duckdb: the CLI path a user takes, demo logins set."""
    db = folder / "demo.duckdb"
    command = [sys.executable, "-m", "labelpulse", "--db", str(db), "demo"]
    command += ["--events", str(events), "--members", str(members)]
    done = subprocess.run(
        command, cwd=folder, env=_clean_env(), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"labelpulse demo failed ({done.returncode}):\n{done.stderr}")
    store = connect(str(db))
    try:
        directory = Directory.load(store)
    finally:
        store.close()
    emails = {m: str(directory.members[m]["email"]) for m in demo.DEMO_LOGINS}
    return DemoOrg(db=db, directory=directory, emails=emails)


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve(db: Path, log: Path) -> Iterator[str]:
    """`labelpulse serve` on a free port until the block ends; yields its base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "labelpulse", "--db", str(db), "serve"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=db.parent, env=_clean_env(), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        _wait_healthy(process, url, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_healthy(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"labelpulse serve exited with {process.returncode}:\n{log.read_text()}"
            )
        try:
            with urllib.request.urlopen(f"{url}/api/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"labelpulse serve did not answer /api/health in time:\n{log.read_text()}")


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless; a clear error when it is not installed."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        raise BrowserSetupError(
            f"the browser tests need Chromium at {CHROMIUM}, which is missing: run `make test` "
            "(it installs it), or `apt-get install -y chromium` as root"
        )
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )


def new_context_options(base_url: str) -> dict[str, Any]:
    return {"base_url": base_url, "viewport": VIEWPORT, "accept_downloads": True}


def sign_in(page: Page, org: DemoOrg, member: str) -> None:
    """Sign in through the /login form as a demo member; lands on the home page."""
    page.goto("/login")
    page.fill("input[name=email]", org.emails[member])
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form[action='/login'] button[type=submit]")
    if "/login" in page.url:
        raise AssertionError(f"signing in as {member} failed: still on {page.url}")


# ---- on a page -------------------------------------------------------------------------------

CHARTS_DRAWN = (
    "() => [...document.querySelectorAll('[data-chart]')]"
    ".every(el => el.getAttribute('data-rendered') === 'true')"
)
# What Plotly drew in each chart: its SVG layers, traces, and marks (bars, line paths, markers).
CHART_MARKS = """els => els.map(el => ({
    id: el.id,
    chart: el.dataset.chart,
    rendered: el.dataset.rendered,
    svgs: el.querySelectorAll('svg.main-svg').length,
    traces: el.querySelectorAll('g.trace').length,
    bars: el.querySelectorAll('g.trace.bars g.point path').length,
    lines: [...el.querySelectorAll('g.trace.scatter path.js-line')]
        .filter(p => (p.getAttribute('d') || '').length > 2).length,
    markers: el.querySelectorAll('g.trace.scatter path.point').length,
}))"""


def wait_for_charts(page: Page, timeout_ms: float = 20_000) -> list[dict[str, Any]]:
    """Until every [data-chart] says Plotly has drawn it; then what each one drew."""
    page.wait_for_function(CHARTS_DRAWN, timeout=timeout_ms)
    marks: list[dict[str, Any]] = page.eval_on_selector_all("[data-chart]", CHART_MARKS)
    return marks
