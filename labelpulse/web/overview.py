"""The overview: the home page of owners, admins and managers (cut to their projects).

Every figure comes from a registry report run as the viewer may see it (`run_report`): the
team's totals are the members and reviewers tables' totals, the chart is the throughput
report, and "needs attention" reads the members table's rows. So the overview says what the
other pages say, to the last figure; this module only compares and words them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from labelpulse.access import Viewer
from labelpulse.access.policy import visible_projects
from labelpulse.errors import UsageError
from labelpulse.metrics import Directory
from labelpulse.readable import format_value
from labelpulse.team import TOTALS as TOTALS
from labelpulse.team import rejection as _rejection
from labelpulse.team import team_figures, totals
from labelpulse.web.charts import throughput_chart
from labelpulse.web.forecast_views import deadlines
from labelpulse.web.pagekit import (
    directory_of,
    filter_form,
    keep_query,
    member_href,
    nothing_because,
    scope_params,
    url,
)
from labelpulse.web.query import ReportQuery, run_report
from labelpulse.web.templating import page

# "No activity" looks back this many days from the window's end unless `inactive_days` says.
INACTIVE_DAYS = 7
MAX_INACTIVE_DAYS = 366
# Too little work to judge: a member's score, rejection rate or median is listed only with at
# least this many annotations behind it: reviewed ones (accepted, fixed + accepted or rejected
# by their state) for the performance score and the rejection rate, submitted ones for the
# median time.
MIN_JUDGED = 10
# Each "needs attention" list shows at most this many members.
SHOWN = 3
# The roles whose members are expected to label or review: only they can be "inactive".
WORKING_ROLES = ("annotator", "reviewer")
EARLIEST = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class Flag:
    """A member who needs attention, why (in words), and a link to their report."""

    member: str
    name: str
    href: str
    why: str


@dataclass(frozen=True)
class Attention:
    key: str
    title: str
    flags: list[Flag]
    empty: str


def inactive_days(value: str | None) -> int:
    """The `inactive_days` query parameter: a whole number of days, 1 to a year."""
    if value is None or value.strip() == "":
        return INACTIVE_DAYS
    try:
        days = int(value)
    except ValueError:
        days = 0
    if not 1 <= days <= MAX_INACTIVE_DAYS:
        raise UsageError(
            f"inactive_days must be a whole number from 1 to {MAX_INACTIVE_DAYS}",
            details=[{"field": "inactive_days", "value": value}],
        )
    return days


def previous_window(q: ReportQuery) -> tuple[str, str] | None:
    """The window of the same length just before `q`'s; None when it would start before 1970."""
    assert q.start is not None and q.end is not None
    start, end = dt.date.fromisoformat(q.start), dt.date.fromisoformat(q.end)
    length = (end - start).days + 1
    first = start - dt.timedelta(days=length)
    if first < EARLIEST:
        return None
    return first.isoformat(), (start - dt.timedelta(days=1)).isoformat()


def _ranked(
    rows: list[dict[str, Any]],
    value: Callable[[dict[str, Any]], float | None],
    judged: Callable[[dict[str, Any]], bool],
    worse: Callable[[float], bool],
    *,
    highest: bool,
) -> list[dict[str, Any]]:
    """The members (rows) worse than the team on a figure, worst first, enough work to judge."""
    scored = [(v, row) for row in rows if judged(row) and (v := value(row)) is not None]
    scored = [(v, row) for v, row in scored if worse(v)]
    scored.sort(key=lambda pair: (-pair[0] if highest else pair[0], str(pair[1]["member_name"])))
    return [row for _, row in scored[:SHOWN]]


def _reviewed(row: dict[str, Any]) -> int:
    return int(row["accepted"]) + int(row["fixed_and_accepted"]) + int(row["rejected"])


def attention(
    members: dict[str, Any],
    recent: dict[str, Any],
    in_scope: list[str],
    directory: Directory,
    q: ReportQuery,
    days: int,
) -> list[Attention]:
    """The four "needs attention" lists, from the window's members table (`members`), the
    members table of the last `days` days (`recent`) and the working members in scope."""
    rows: list[dict[str, Any]] = members["rows"]
    t = members["totals"]
    tz = q.tz or "UTC"
    team_score, team_median = t["performance_score"], t["median_time"]
    team_rejection = _rejection(t)

    def flag(row: dict[str, Any], why: str) -> Flag:
        member = str(row["member"])
        return Flag(member, str(row["member_name"]), member_href(member, q), why)

    def score(v: Any) -> str:
        return format_value("score", v, tz)

    def score_words(r: dict[str, Any]) -> str:
        return f"Performance score {score(r['performance_score'])} vs team {score(team_score)}"

    def rejection_words(r: dict[str, Any]) -> str:
        of = f"{r['rejected']:,} of {_reviewed(r):,} reviewed"
        return f"Rejection rate {score(_rejection(r))} vs team {score(team_rejection)} ({of})"

    def median_words(r: dict[str, Any]) -> str:
        mine, team = (format_value("duration", v, tz) for v in (r["median_time"], team_median))
        return f"Median {mine} per annotation vs team {team}"

    def enough(r: dict[str, Any]) -> bool:
        return int(r["submitted"]) >= MIN_JUDGED

    low = _ranked(
        rows,
        lambda r: r["performance_score"],
        lambda r: _reviewed(r) >= MIN_JUDGED,
        lambda v: team_score is None or v < team_score,
        highest=False,
    )
    rejecting = _ranked(
        rows,
        _rejection,
        lambda r: _reviewed(r) >= MIN_JUDGED,
        lambda v: team_rejection is None or v > team_rejection,
        highest=True,
    )
    slow = _ranked(
        rows,
        lambda r: r["median_time"],
        enough,
        lambda v: team_median is None or v > team_median,
        highest=True,
    )
    return [
        Attention(
            "performance",
            "Lowest performance score",
            [flag(r, score_words(r)) for r in low],
            "Nobody below the team's performance score.",
        ),
        Attention(
            "rejection",
            "Highest rejection rate",
            [flag(r, rejection_words(r)) for r in rejecting],
            "Nobody above the team's rejection rate.",
        ),
        Attention(
            "median",
            "Slowest median time",
            [flag(r, median_words(r)) for r in slow],
            "Nobody slower than the team's median.",
        ),
        _inactive(rows, recent, in_scope, directory, q, days),
    ]


def _inactive(
    rows: list[dict[str, Any]],
    recent: dict[str, Any],
    in_scope: list[str],
    directory: Directory,
    q: ReportQuery,
    days: int,
) -> Attention:
    active = {str(row["member"]) for row in recent["rows"]}
    in_window = {str(row["member"]) for row in rows}
    flags = []
    for member in sorted(in_scope, key=lambda m: (str(directory.member_name(m)).lower(), m)):
        if member in active:
            continue
        why = f"No activity in the {days} days to {q.end}"
        why += "" if member in in_window else ", nor anywhere in the window"
        name = str(directory.member_name(member))
        flags.append(Flag(member, name, member_href(member, q), why + "."))
    return Attention(
        "inactive",
        f"No activity for {days} days",
        flags,
        f"Every annotator and reviewer in view was active in the {days} days to {q.end}.",
    )


def working_members(viewer: Viewer, directory: Directory, q: ReportQuery) -> list[str]:
    """The annotators and reviewers in the viewer's scope (and the filters' projects): for a
    manager, those who belong to one of the manager's projects."""
    allowed = visible_projects(viewer, directory)
    asked = set(q.projects) | {
        p for p, row in directory.projects.items() if row["workspace"] in set(q.workspaces)
    }
    out = []
    for member, row in directory.members.items():
        if row["role"] not in WORKING_ROLES:
            continue
        theirs = directory.member_projects(member)
        if allowed is not None and not theirs & allowed:
            continue
        if asked and not theirs & asked:
            continue
        out.append(member)
    return out


def overview_page(request: Request, viewer: Viewer, query: ReportQuery) -> Response:
    days = inactive_days(request.query_params.get("inactive_days"))
    q, members = run_report(request, viewer, "members", query)
    _, reviewers = run_report(request, viewer, "reviewers", q)
    _, daily = run_report(request, viewer, "throughput", q)
    assert q.start is not None and q.end is not None
    tz = q.tz or "UTC"
    before = previous_window(q)
    previous = None
    span = ""
    if before is not None:
        earlier = keep_query(q, start=before[0], end=before[1])
        previous = team_figures(
            run_report(request, viewer, "members", earlier)[1],
            run_report(request, viewer, "reviewers", earlier)[1],
        )
        span = f"{before[0]}–{before[1]}"
    end = dt.date.fromisoformat(q.end)
    recent_start = max(EARLIEST, end - dt.timedelta(days=days - 1)).isoformat()
    _, recent = run_report(request, viewer, "members", keep_query(q, start=recent_start))
    directory = directory_of(request)
    params = scope_params(q)
    chart = throughput_chart(daily, q.start, q.end)
    context = {
        "title": "Overview",
        "nav": "home",
        "q": q,
        "form": filter_form(request, viewer, q, action="/"),
        "totals": totals(team_figures(members, reviewers), previous, tz, span),
        "charts": [chart] if daily["rows"] else [],
        "chart": chart,
        "attention": attention(
            members, recent, working_members(viewer, directory, q), directory, q, days
        ),
        "days": days,
        "min_judged": MIN_JUDGED,
        "hidden": params,
        "cut": not viewer.sees_everything,
        "empty": nothing_because(viewer, directory, q, "annotations or reviews"),
        # The page's JSON twin: the chart's report (the totals are the members and reviewers
        # reports' own, at /api/reports/members and /api/reports/reviewers).
        "twin": url("/api/reports/throughput", params),
        # FC: the projects at risk or late, as of the window's end.
        "deadlines": deadlines(request, viewer, q),
        "deadlines_twin": url("/api/reports/forecast", params),
    }
    return page(request, "overview.html", context)
