"""The query parameters every report takes, on pages and in the API alike."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Query, Request

from labelpulse.access import Viewer, report_for
from labelpulse.config import Settings, check_timezone
from labelpulse.metrics.registry import Paging
from labelpulse.metrics.scope import check_date
from labelpulse.store.base import Store
from labelpulse.web.priority import WritesFirst

DEFAULT_DAYS = 30


@dataclass
class ReportQuery:
    """`from`, `to`, `tz`, `project`, `workspace`, `member`: one report's question."""

    start: str | None = None
    end: str | None = None
    tz: str | None = None
    projects: list[str] = field(default_factory=list)
    workspaces: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)

    def resolved(self, settings: Settings) -> ReportQuery:
        """Blank dates become the last 30 days up to today, in the report's time zone."""
        tz = self.tz or settings.timezone
        check_timezone(tz)
        today = dt.datetime.now(ZoneInfo(tz)).date()
        if self.start:
            check_date(self.start, "from")
        end = self.end or today.isoformat()
        last = check_date(end, "to")
        start = self.start or (last - dt.timedelta(days=DEFAULT_DAYS - 1)).isoformat()
        return ReportQuery(start, end, tz, self.projects, self.workspaces, self.members)

    def params(self) -> list[tuple[str, str]]:
        """The query string of this question, for links between pages, API and exports."""
        out: list[tuple[str, str]] = []
        for name, value in (("from", self.start), ("to", self.end), ("tz", self.tz)):
            if value:
                out.append((name, value))
        out += [("workspace", w) for w in self.workspaces]
        out += [("project", p) for p in self.projects]
        out += [("member", m) for m in self.members]
        return out


def report_query(
    start: Annotated[
        str | None,
        Query(alias="from", description="First date, YYYY-MM-DD (default: 29 days before `to`)."),
    ] = None,
    end: Annotated[
        str | None, Query(alias="to", description="Last date, YYYY-MM-DD (default: today).")
    ] = None,
    tz: Annotated[
        str | None,
        Query(description="IANA time zone of the dates (default: the server's setting)."),
    ] = None,
    project: Annotated[
        list[str] | None, Query(description="Only these projects (repeatable).")
    ] = None,
    workspace: Annotated[
        list[str] | None, Query(description="Only projects of these workspaces (repeatable).")
    ] = None,
    member: Annotated[
        list[str] | None,
        Query(description="Only these members (repeatable); for a member report, the member."),
    ] = None,
) -> ReportQuery:
    return ReportQuery(
        start=start or None,
        end=end or None,
        tz=tz or None,
        projects=[p for p in project or [] if p],
        workspaces=[w for w in workspace or [] if w],
        members=[m for m in member or [] if m],
    )


def run_report(
    request: Request,
    viewer: Viewer,
    name: str,
    query: ReportQuery,
    member: str | None = None,
    paging: Paging | None = None,
) -> tuple[ReportQuery, dict[str, Any]]:
    """The report as this viewer may see it (access rules applied), and the resolved query."""
    settings: Settings = request.app.state.settings
    store: Store = request.app.state.store
    q = query.resolved(settings)
    assert q.start is not None and q.end is not None
    priority: WritesFirst = request.app.state.priority
    with priority.reading():
        data = report_for(
            store,
            viewer,
            name,
            start=q.start,
            end=q.end,
            tz=q.tz,
            member=member,
            projects=q.projects or None,
            workspaces=q.workspaces or None,
            members=None if member else (q.members or None),
            settings=settings,
            paging=paging,
        )
    return q, data
