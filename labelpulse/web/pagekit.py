"""What every dashboard page shares: the filters form, links that keep the filters, export
links, tables as rows of readable cells, and empty states that say why there is nothing.

Pages compute figures only through `run_report`; this module only arranges and words them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from markupsafe import Markup

from labelpulse.access import Viewer
from labelpulse.access.policy import visible_projects, visible_workspaces
from labelpulse.config import all_timezones
from labelpulse.metrics import Directory
from labelpulse.metrics.registry import Column, ColumnKind
from labelpulse.readable import format_value
from labelpulse.web.query import ReportQuery

Params = list[tuple[str, str]]
EXPORT_FORMATS = (("csv", "CSV"), ("json", "JSON"), ("xlsx", "Excel"))
# Offered first in the time-zone field, then every other IANA zone; offsets can be typed in.
COMMON_ZONES = (
    "UTC", "Europe/London", "Europe/Berlin", "Europe/Paris", "Europe/Madrid", "Europe/Warsaw",
    "Europe/Kyiv", "Africa/Lagos", "Africa/Nairobi", "Asia/Dubai", "Asia/Kolkata",
    "Asia/Manila", "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney",
    "America/Sao_Paulo", "America/New_York", "America/Chicago", "America/Denver",
    "America/Los_Angeles",
)  # fmt: skip


def directory_of(request: Request) -> Directory:
    return Directory.load(request.app.state.store)


def url(path: str, params: Iterable[tuple[str, str]] = ()) -> str:
    query = urlencode(list(params))
    return f"{path}?{query}" if query else path


def segment(value: str) -> str:
    """An id as one path segment: ids come from event data and may hold any character."""
    return quote(value, safe="")


def without(params: Params, *names: str) -> Params:
    return [(k, v) for k, v in params if k not in names]


def scope_params(q: ReportQuery) -> Params:
    """The window and workspace/project filters, without members: what a member link keeps."""
    return without(q.params(), "member")


def member_href(member: str, q: ReportQuery) -> str:
    return url(f"/members/{segment(member)}", scope_params(q))


@dataclass(frozen=True)
class Link:
    label: str
    href: str
    active: bool = False


def export_links(api_path: str, params: Params) -> list[Link]:
    """CSV / JSON / Excel downloads of the same question from the page's API twin."""
    return [Link(label, url(api_path, [*params, ("format", fmt)])) for fmt, label in EXPORT_FORMATS]


# ---- the filters form ------------------------------------------------------------------------


@cache
def zone_choices() -> tuple[str, ...]:
    """The time-zone field's list: the common zones first, then every IANA zone A-Z."""
    common = set(COMMON_ZONES)
    return (*COMMON_ZONES, *(z for z in all_timezones() if z not in common))


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    selected: bool = False


@dataclass
class FilterForm:
    """The GET form on top of every report page; None/empty lists hide a field."""

    action: str
    start: str
    end: str
    tz: str
    presets: list[Link]
    workspaces: list[Option] = field(default_factory=list)
    projects: list[tuple[str, list[Option]]] = field(default_factory=list)
    members: list[Option] | None = None
    # The label of the "no member filter" option; None when one member must be chosen.
    everyone: str | None = "Whole team"
    timezones: Sequence[str] = field(default_factory=zone_choices)
    # Why the zone typed (left in `tz`) was not used: shown beside the field.
    tz_error: str | None = None

    def many(self, options: Iterable[Option]) -> bool:
        """Several chosen (from a hand-made URL): show a multiple select so none is lost."""
        return sum(o.selected for o in options) > 1

    def project_options(self) -> list[Option]:
        return [option for _, group in self.projects for option in group]


def presets(path: str, q: ReportQuery, keep: Params) -> list[Link]:
    """Last 7 days, last 30 days, this month, last month: in the report's time zone."""
    today = dt.datetime.now(ZoneInfo(q.tz or "UTC")).date()
    first = today.replace(day=1)
    last_month_end = first - dt.timedelta(days=1)
    ranges = (
        ("Last 7 days", today - dt.timedelta(days=6), today),
        ("Last 30 days", today - dt.timedelta(days=29), today),
        ("This month", first, today),
        ("Last month", last_month_end.replace(day=1), last_month_end),
    )
    links = []
    for label, start, end in ranges:
        dates = [("from", start.isoformat()), ("to", end.isoformat())]
        params = [*dates, *without(keep, "from", "to")]
        active = (q.start, q.end) == (start.isoformat(), end.isoformat())
        links.append(Link(label, url(path, params), active))
    return links


def filter_form(
    request: Request,
    viewer: Viewer,
    q: ReportQuery,
    *,
    action: str,
    scope_fields: bool = True,
    chosen_member: str | None = None,
) -> FilterForm:
    """The filters a viewer may use: only their own workspaces and projects (as GET /api/me)."""
    directory = directory_of(request)
    assert q.start is not None and q.end is not None and q.tz is not None
    keep = q.params() if chosen_member is None else without(q.params(), "member")
    form = FilterForm(action, q.start, q.end, q.tz, presets(action, q, keep))
    if q.tz_error:
        form.tz, form.tz_error = q.tz_typed or "", q.tz_error
    if scope_fields:
        form.workspaces, form.projects = _scope_options(viewer, directory, q)
    if viewer.sees_every_member:
        chosen = {chosen_member} if chosen_member else set(q.members)
        form.members = [
            Option(m, str(row["name"]), m in chosen)
            for m, row in sorted(directory.members.items(), key=lambda kv: str(kv[1]["name"]))
        ]
        form.everyone = None if chosen_member else "Whole team"
    return form


def _scope_options(
    viewer: Viewer, directory: Directory, q: ReportQuery
) -> tuple[list[Option], list[tuple[str, list[Option]]]]:
    allowed_ws = visible_workspaces(viewer, directory)
    allowed_p = visible_projects(viewer, directory)
    workspaces = [
        Option(w, str(row["name"]), w in q.workspaces)
        for w, row in sorted(directory.workspaces.items(), key=lambda kv: str(kv[1]["name"]))
        if allowed_ws is None or w in allowed_ws
    ]
    groups: dict[str, list[Option]] = {}
    for p, row in sorted(directory.projects.items(), key=lambda kv: str(kv[1]["name"])):
        if allowed_p is not None and p not in allowed_p:
            continue
        group = _workspace_name(directory, row["workspace"])
        groups.setdefault(group, []).append(Option(p, str(row["name"]), p in q.projects))
    return workspaces, sorted(groups.items())


def _workspace_name(directory: Directory, workspace: Any) -> str:
    if workspace is None:
        return "No workspace"
    row = directory.workspaces.get(workspace)
    return str(row["name"]) if row else str(workspace)


# ---- why a report is empty -------------------------------------------------------------------


def scope_phrase(directory: Directory, q: ReportQuery) -> str:
    """' in Cars', ' in Vision (workspace)': the filters in words, for an empty state."""
    names = [str(directory.project_name(p)) for p in q.projects]
    names += [f"{_workspace_name(directory, w)} (workspace)" for w in q.workspaces]
    if q.members:
        names += [f"by {directory.member_name(m)}" for m in q.members]
    return f" in {', '.join(names)}" if names else ""


def nothing_because(
    viewer: Viewer,
    directory: Directory,
    q: ReportQuery,
    what: str,
    *,
    who: str | None = None,
    report: str | None = None,
) -> str:
    """Why a report is empty, in words: 'No submitted annotations between 2026-03-02 and
    2026-03-06 in Cars.', then what cuts it: the viewer's role (a manager does not see work
    outside their projects; annotators and reviewers see only their own), the filters, the
    window. A viewer in no project has nothing to see whatever the filters.

    `report="insights"`: Insights counts labeling per labeler, so a reviewer's empty Insights
    points to where their reviews are (Home and Work), with links that keep the filters."""
    projects = visible_projects(viewer, directory)
    if projects is not None and not projects:
        return (
            "You are not a member of any project yet, so there is no work you may see. "
            "An owner or admin can add you to a project."
        )
    # Whoever sees only their own work reads "by you": the filters alone do not explain it.
    by = f" by {who}" if who else "" if viewer.sees_every_member else " by you"
    text = f"No {what}{by} between {q.start} and {q.end}{scope_phrase(directory, q)}."
    if report == "insights" and not viewer.sees_every_member and viewer.role != "annotator":
        return Markup(
            "No labeling by you between {} and {}{}. Insights counts labeling per labeler: "
            'your reviews are on your <a href="{}">Home</a> and <a href="{}">Work</a> pages.'
        ).format(q.start, q.end, scope_phrase(directory, q), url("/", q.params()),
                 url("/work", q.params()))  # fmt: skip
    if projects is not None and viewer.sees_every_member:
        # A manager sees everyone, but only their work in the manager's projects.
        named = [who] if who and who != "you" else [directory.member_name(m) for m in q.members]
        whose = " and ".join(f"{name}'s" for name in named if name)
        text += (
            f" {whose + ' work' if whose else 'Work'} outside your projects is not shown to you."
        )
    elif not viewer.sees_every_member and viewer.role == "annotator":
        text += " As an annotator, you see only your own work."
    filtered = q.projects or q.workspaces or (q.members and viewer.sees_every_member)
    text += " Try a longer window" + (" or fewer filters." if filtered else ".")
    return text


# ---- tables ----------------------------------------------------------------------------------


# The CSS class of a column's cells: words sit left (`text`), figures right.
CSS_CLASS: dict[ColumnKind, str] = {
    "id": "text", "name": "text", "text": "text", "date": "text", "datetime": "time",
    "count": "count", "number": "count", "duration": "duration", "score": "score",
}  # fmt: skip


@dataclass(frozen=True)
class Header:
    """A column as the page's table head shows it; `kind` is its cells' CSS class."""

    key: str
    label: str
    kind: str
    # A table sorted on the server: the link that sorts by this column, and how it is sorted
    # now ("ascending", "descending"; None when it is not the sort column).
    href: str | None = None
    sorted: str | None = None


@dataclass(frozen=True)
class Cell:
    text: str
    kind: str
    key: str
    value: Any = None
    href: str | None = None


@dataclass
class Row:
    id: str
    cells: list[Cell]
    menu: list[Link] = field(default_factory=list)


@dataclass
class TableView:
    """A report table as the page shows it: readable cells, totals, exports, an empty state."""

    id: str
    title: str
    columns: list[Header]
    rows: list[Row]
    totals: list[Cell] | None
    exports: list[Link]
    empty: str
    note: str | None = None
    has_menu: bool = False
    # A table paged on the server: links to the previous and next pages (None at either end).
    pages: tuple[Link | None, Link | None] | None = None
    # A table searched on the server: its search form.
    search: SearchBox | None = None


@dataclass(frozen=True)
class SearchBox:
    """A GET form that searches a table: the page's other parameters ride along hidden."""

    action: str
    hidden: list[tuple[str, str]]
    value: str


def table_view(
    *,
    id: str,
    title: str,
    columns: Sequence[Column],
    data: dict[str, Any],
    q: ReportQuery,
    exports: list[Link],
    empty: str,
    rows: list[dict[str, Any]] | None = None,
    link_member: bool = True,
    menu: Any = None,
    note: str | None = None,
) -> TableView:
    """Rows of a table report as cells; `member_name` links to that member's report."""
    tz = q.tz or "UTC"
    shown = data["rows"] if rows is None else rows
    out_rows = []
    for row in shown:
        cells = []
        for col in columns:
            href = None
            if col.key == "member_name" and link_member and row.get("member"):
                href = member_href(str(row["member"]), q)
            value = row.get(col.key)
            text = format_value(col.kind, value, tz)
            cells.append(Cell(text, CSS_CLASS[col.kind], col.key, value, href))
        links = menu(row) if menu is not None else []
        key = "/".join(str(row[k]) for k in ("member", "project", "task", "date") if row.get(k))
        out_rows.append(Row(key, cells, links))
    totals = None
    if data.get("totals") is not None:
        totals = []
        for i, col in enumerate(columns):
            value = data["totals"].get(col.key)
            css = CSS_CLASS[col.kind]
            text = "Total" if i == 0 else "" if css == "text" else format_value(col.kind, value, tz)
            totals.append(Cell(text, css, col.key, value))
    headers = [Header(col.key, col.label, CSS_CLASS[col.kind]) for col in columns]
    return TableView(id, title, headers, out_rows, totals, exports, empty, note, menu is not None)


def keep_query(query: ReportQuery, **changes: Any) -> ReportQuery:
    return replace(query, **changes)
