"""Fixtures for tests against a real Label Studio: one server for the whole test session.

The first use on a machine installs label-studio (~1 GB, about a minute) and migrates a template
data dir (30-60 s), both cached in ~/.cache/labelpulse; `make test` does it beforehand through
`make label-studio`. A failure to install or start is an error, never a skip: CI must run these.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.labelstudio.server import (
    Client,
    LabelStudio,
    LabelStudioSetupError,
    Say,
    WebhookReceiver,
    prepare,
    running,
)

TIMINGS = pytest.StashKey[dict[str, float]]()


def _say(config: pytest.Config) -> Say:
    """Progress messages that reach the terminal through pytest's output capture."""
    capture = config.pluginmanager.getplugin("capturemanager")

    def say(message: str) -> None:
        if capture is None:
            print(message, file=sys.stderr, flush=True)
            return
        with capture.global_and_fixture_disabled():
            print(f"\n{message}", file=sys.stderr, flush=True)

    return say


@pytest.fixture(scope="session")
def label_studio(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LabelStudio]:
    """A real Label Studio on 127.0.0.1, on a fresh copy of the template data dir."""
    say = _say(request.config)
    timings = request.config.stash.setdefault(TIMINGS, {})
    started = time.monotonic()
    try:
        prepare(say)
    except LabelStudioSetupError as exc:
        pytest.fail(str(exc), pytrace=False)
    timings["prepare (install + template; ~0 when cached)"] = time.monotonic() - started
    started = time.monotonic()
    try:
        with running(tmp_path_factory.mktemp("label-studio"), say) as server:
            timings["copy template + start"] = time.monotonic() - started
            timings["start until /health"] = server.start_seconds
            yield server
            started = time.monotonic()
    except LabelStudioSetupError as exc:
        pytest.fail(str(exc), pytrace=False)
    timings["stop"] = time.monotonic() - started


@pytest.fixture(scope="session")
def admin(label_studio: LabelStudio) -> Client:
    return label_studio.client()


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    timings = terminalreporter.config.stash.get(TIMINGS, None)
    if timings:
        shown = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items())
        terminalreporter.write_line(f"label-studio: {shown}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The harness's tests first among this folder's: its scenario records the server's user
    list and ids as its samples have them, before other tests add users and projects."""
    here = Path(__file__).parent
    slots = [i for i, item in enumerate(items) if item.path.parent == here]
    ours = [items[i] for i in slots]
    ours.sort(key=lambda item: item.path.name != "test_harness.py")  # stable: order kept
    for slot, item in zip(slots, ours, strict=True):
        items[slot] = item
