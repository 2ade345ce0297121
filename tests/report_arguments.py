"""The keyword arguments tests pass to `metrics.report` and `access.report_for` in dicts
(`**window`, `**scope`), typed so that mypy checks each key against the parameter it lands on."""

from __future__ import annotations

from typing import NotRequired, TypedDict

from labelpulse.config import Settings


class WindowArguments(TypedDict):
    """The dates a report covers, and its time zone (else the settings' own)."""

    start: str
    end: str
    tz: NotRequired[str]


class SettledWindowArguments(WindowArguments):
    """A window with the settings it is computed under (its time zone among them)."""

    settings: Settings


class ScopeArguments(TypedDict, total=False):
    """The work a report covers; a key left out means no limit on it."""

    workspaces: list[str]
    projects: list[str]
    members: list[str]
