"""Reports as a viewer may see them: the only way the web layer computes a report."""

from __future__ import annotations

from typing import Any

from labelpulse.access.policy import Viewer, cut_scope
from labelpulse.config import Settings
from labelpulse.errors import ForbiddenError, UsageError
from labelpulse.metrics import MEMBER_REPORTS, REPORTS, Directory, compute, make_window
from labelpulse.metrics.registry import SPECS, Paging
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
    check_audience(viewer, name, settings)
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


def may_see_pay(viewer: Viewer, settings: Settings) -> bool:
    """PAY: owners and admins see pay; managers when `pay_visible_to_managers` is set (their
    reports are then cut to their projects like any other); reviewers and annotators never."""
    if viewer.sees_everything:
        return True
    return viewer.role == "manager" and settings.pay_visible_to_managers


def check_audience(viewer: Viewer, name: str, settings: Settings) -> None:
    """Refuse (403) a report whose audience the viewer is not in (`ReportSpec.audience`)."""
    if SPECS[name].audience == "pay" and not may_see_pay(viewer, settings):
        message = f"you may not see the {name} report: pay is for owners and admins" + (
            " (and managers, when the organisation allows it)" if viewer.role == "manager" else ""
        )
        raise ForbiddenError(message)
