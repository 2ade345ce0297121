"""The query parameters every report takes, on pages and in the API alike."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Query, Request

from labelpulse.access import Viewer, report_for
from labelpulse.access.policy import check_known
from labelpulse.access.reports import check_audience
from labelpulse.config import Settings, normalize_timezone
from labelpulse.errors import UsageError
from labelpulse.metrics.registry import Paging
from labelpulse.metrics.scope import check_date
from labelpulse.store.base import Store
from labelpulse.store.directory import Directory
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
    # A page (not the API) answers an unknown zone with its report in the default zone and the
    # message beside the field (`tz_error`), the zone as typed left in it (`tz_typed`).
    on_page: bool = field(default=False, compare=False)
    tz_error: str | None = None
    tz_typed: str | None = None

    def resolved(self, settings: Settings) -> ReportQuery:
        """Blank dates become the last 30 days up to today, in the report's time zone; the zone
        becomes its canonical IANA name (`utc`, `+02:00` → `UTC`, `Etc/GMT-2`)."""
        tz_error, typed = self.tz_error, self.tz_typed
        try:
            tz = normalize_timezone(self.tz or settings.timezone)
        except UsageError as exc:
            if not self.on_page:
                raise
            tz, tz_error, typed = normalize_timezone(settings.timezone), exc.message, self.tz
        today = dt.datetime.now(ZoneInfo(tz)).date()
        if self.start:
            check_date(self.start, "from")
        end = self.end or today.isoformat()
        last = check_date(end, "to")
        start = self.start or (last - dt.timedelta(days=DEFAULT_DAYS - 1)).isoformat()
        return replace(self, start=start, end=end, tz=tz, tz_error=tz_error, tz_typed=typed)

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
    request: Request,
    start: Annotated[
        str | None,
        Query(alias="from", description="First date, YYYY-MM-DD (default: 29 days before `to`)."),
    ] = None,
    end: Annotated[
        str | None, Query(alias="to", description="Last date, YYYY-MM-DD (default: today).")
    ] = None,
    tz: Annotated[
        str | None,
        Query(
            description="IANA time zone of the dates, in any case (`europe/berlin`), or a "
            "whole-hour offset (`+02:00`, `UTC-5`); default: the server's setting."
        ),
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
        on_page=not request.url.path.startswith("/api/"),
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
    if q.tz_error:
        # The page is answered (other filters kept, the message beside the field), as a 400.
        request.state.input_error = True
    check_audience(viewer, name, settings)  # PAY: who may see the report at all, first
    asked = [member] if member else q.members
    check_known(
        viewer,
        Directory.load(store),
        store,
        members=asked,
        projects=q.projects,
        workspaces=q.workspaces,
    )
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
