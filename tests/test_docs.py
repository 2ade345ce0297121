"""Docs kept honest: every command and setting the code has is in the README."""

from __future__ import annotations

from labelpulse.cli import app
from labelpulse.cli.report import app as report_app
from labelpulse.config import ENVIRONMENT, Settings
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_command_is_in_the_readme() -> None:
    commands = [c.name for c in app.registered_commands] + ["report"]
    reports = [c.name for c in report_app.registered_commands]
    assert commands and reports
    for name in commands:
        assert f"labelpulse {name}" in README or f"`{name}" in README, name
    for name in reports:
        assert f"report {name}" in README, name


def test_every_setting_is_in_the_readme() -> None:
    for variable in ENVIRONMENT.values():
        assert variable in README, variable
    for name in Settings.__dataclass_fields__:
        assert f"`{name}`" in README, name
    assert "LABELPULSE_CONFIG" in README


def test_the_quick_start_is_the_two_commands() -> None:
    quick_start = README.split("## Quick start", 1)[1].split("```", 2)[1]
    commands = [line.split("#")[0].strip() for line in quick_start.splitlines() if line.strip()]
    assert commands[1:] == ["make run", "make test"]


def test_every_api_route_is_in_the_readme() -> None:
    from labelpulse.store import connect
    from labelpulse.web.app import create_app

    store = connect(":memory:")
    try:
        app = create_app(store)
        paths = set(app.openapi()["paths"])
    finally:
        store.close()
    assert len(paths) > 10
    for path in sorted(paths):
        assert path in README, path
