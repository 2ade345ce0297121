"""Reports as a viewer may see them: the only way the web layer computes a report."""

from __future__ import annotations

from typing import Any

from labelpulse.access.policy import Viewer, cut_scope
from labelpulse.config import Settings
from labelpulse.errors import UsageError
from labelpulse.metrics import MEMBER_REPORTS, REPORTS, Directory, compute, make_window
from labelpulse.metrics.registry import Paging
from labelpulse.store.base import Store


def report_for(
    store: Store,
    viewer: Viewer,
    name: str,
    *,
    start: str,
    end: str,
    tz: str | None = None,
    member: str | None = None,
    projects: list[str] | None = None,
    workspaces: list[str] | None = None,
    members: list[str] | None = None,
    settings: Settings,
    paging: Paging | None = None,
) -> dict[str, Any]:
    """`metrics.report` for one viewer: refused (403) or cut down to what they may see."""
    if name not in REPORTS:
        raise UsageError(f"unknown report {name!r}: choose one of {', '.join(REPORTS)}")
    window = make_window(start, end, settings.timezone if tz is None else tz)
    directory = Directory.load(store)
    if member is not None:
        member = directory.resolve_member(member)
    if name in MEMBER_REPORTS:
        member = member or viewer.id
    scope = cut_scope(
        viewer,
        directory,
        member=member if name in MEMBER_REPORTS else None,
        workspaces=workspaces,
        projects=projects,
        members=members,
    )
    return compute(store, name, window, scope, member=member, settings=settings, paging=paging)
