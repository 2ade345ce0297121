"""Every report of metrics.md, as library calls: `report(store, name, ...)`."""

from __future__ import annotations

from typing import Any

from labelpulse.config import Settings, load_settings
from labelpulse.errors import NotFoundError, UsageError
from labelpulse.metrics.insights import insights_table
from labelpulse.metrics.performance import member_report, members_table, reviewers_table
from labelpulse.metrics.query import Params, run
from labelpulse.metrics.scope import Scope, Window, make_scope, make_window
from labelpulse.metrics.timeline import comments_received, timeline
from labelpulse.metrics.workunits import items_table, work_table
from labelpulse.store.base import Store
from labelpulse.store.directory import Directory

MEMBER_REPORTS = ("member", "timeline", "comments")
TABLE_REPORTS = ("members", "reviewers", "insights", "work", "items")
REPORTS = (*MEMBER_REPORTS, *TABLE_REPORTS)

__all__ = [
    "MEMBER_REPORTS",
    "REPORTS",
    "TABLE_REPORTS",
    "Directory",
    "Scope",
    "Window",
    "compute",
    "make_scope",
    "make_window",
    "report",
]


def report(
    store: Store,
    name: str,
    *,
    start: str,
    end: str,
    tz: str | None = None,
    member: str | None = None,
    projects: list[str] | None = None,
    workspaces: list[str] | None = None,
    members: list[str] | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Compute one report by name over a window and scope; the JSON format of metrics.md."""
    settings = settings or load_settings(store.url)
    window = make_window(start, end, settings.timezone if tz is None else tz)
    directory = Directory.load(store)
    scope = make_scope(directory, workspaces=workspaces, projects=projects, members=members)
    return compute(store, name, window, scope, member=member, settings=settings)


def compute(
    store: Store,
    name: str,
    window: Window,
    scope: Scope,
    *,
    member: str | None = None,
    settings: Settings,
) -> dict[str, Any]:
    """One report over a window and an already decided scope (see `labelpulse.access`)."""
    if name not in REPORTS:
        raise UsageError(f"unknown report {name!r}: choose one of {', '.join(REPORTS)}")
    directory = Directory.load(store)
    if name in MEMBER_REPORTS:
        if not member:
            raise UsageError(f"the {name} report needs a member")
        if member not in directory.members and not _has_events(store, member):
            raise NotFoundError(f"no member {member!r}: not in the directory and no events")
        if name == "member":
            return member_report(
                store,
                member,
                window,
                scope,
                directory=directory,
                credit=settings.fix_accept_credit,
            )
        if name == "timeline":
            return timeline(store, member, window, scope, directory=directory)
        return comments_received(store, member, window, scope, directory=directory)
    if name == "members":
        return members_table(
            store, window, scope, directory=directory, credit=settings.fix_accept_credit
        )
    if name == "reviewers":
        return reviewers_table(store, window, scope, directory=directory)
    if name == "insights":
        return insights_table(store, window, scope, directory=directory)
    if name == "work":
        return work_table(store, window, scope, directory=directory)
    return items_table(store, window, scope, directory=directory)


def _has_events(store: Store, member: str) -> bool:
    def build(con: Any, p: Params) -> Any:
        e = con.table("events")
        return e.filter((e.actor == p.string("member")) | (e.author == p.string("member")))[
            ["id"]
        ].limit(1)

    return bool(run(store, "has_events", build, {"member": member}))
