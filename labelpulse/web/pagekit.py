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
from labelpulse.errors import UsageError
from labelpulse.metrics import Directory
from labelpulse.metrics.glossary import help_for
from labelpulse.metrics.paging import split_sort
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
    # A project's workspace (the filters narrow projects to the chosen workspaces), and
    # whether it is outside them: listed for the script to bring back, but not selectable.
    workspace: str | None = None
    disabled: bool = False


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
    # The role filter of the members tables; None hides it.
    roles: list[Option] | None = None
    # The page's table state (sorts, rows with no work shown) kept across Apply.
    hidden: Params = field(default_factory=list)
    # Why the zone typed (left in `tz`) was not used: shown beside the field.
    tz_error: str | None = None

    def many(self, options: Iterable[Option]) -> bool:
        """Several chosen (from a hand-made URL): show a multiple select so none is lost."""
        return sum(o.selected for o in options) > 1

    @property
    def members_multiple(self) -> bool:
        """Several labelers may be chosen, except where the select chooses whose report."""
        return self.everyone is not None

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
    roles: bool = False,
) -> FilterForm:
    """The filters a viewer may use: only their own workspaces and projects (as GET /api/me)."""
    directory = directory_of(request)
    assert q.start is not None and q.end is not None and q.tz is not None
    state = table_state(request)
    keep = q.params() if chosen_member is None else without(q.params(), "member")
    chosen_roles = state.roles if roles else []
    extra = [*[(ROLE_PARAM, r) for r in chosen_roles], *state.kept]
    form = FilterForm(action, q.start, q.end, q.tz, presets(action, q, [*keep, *extra]))
    form.hidden = state.kept
    if roles:
        form.roles = [Option(r, r.capitalize(), r in chosen_roles) for r in ROLES]
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
        # Projects outside the chosen workspaces are not offered (the script brings them back
        # when their workspace is chosen); a project of no workspace is outside every one.
        outside = bool(q.workspaces) and row["workspace"] not in q.workspaces
        ws = "" if row["workspace"] is None else str(row["workspace"])
        option = Option(p, str(row["name"]), p in q.projects and not outside, ws, outside)
        groups.setdefault(group, []).append(option)
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


# ---- table state in the URL: sorts, rows with no work, roles ----------------------------------

SORT_PARAM = "sort"
ALL_PARAM = "all"
ROLE_PARAM = "role"
ROLES = ("owner", "admin", "manager", "reviewer", "annotator")
TEXT_KINDS = frozenset({"text", "id", "name", "date", "datetime"})
# A row of these kinds, all zero or blank, is a member with no work in the window.
WORK_KINDS = frozenset({"count", "duration"})


@dataclass(frozen=True)
class TableState:
    """How the page's tables are shown, from its URL: `sort=TABLE:COLUMN[:desc]` (one per
    table), `all=1` (rows with no work shown too) and `role=` (repeatable)."""

    path: str
    params: Params
    show_all: bool
    roles: list[str]

    def sort_of(self, table: str) -> tuple[str, bool] | None:
        """The column a table is sorted by and whether descending; None: the report's order."""
        for name, value in reversed(self.params):
            parts = value.split(":")
            if name == SORT_PARAM and len(parts) in (2, 3) and parts[0] == table:
                return split_sort(":".join(parts[1:]))
        return None

    def sort_href(self, table: str, key: str, descending: bool) -> str:
        """This page with one table sorted anew; every other parameter kept."""
        kept = [(n, v) for n, v in self.params if n != SORT_PARAM or not v.startswith(f"{table}:")]
        value = f"{table}:{key}:desc" if descending else f"{table}:{key}"
        return url(self.path, [*kept, (SORT_PARAM, value)])

    def all_href(self, show: bool) -> str:
        kept = without(self.params, ALL_PARAM)
        return url(self.path, [*kept, (ALL_PARAM, "1")] if show else kept)

    @property
    def kept(self) -> Params:
        """What the filters form carries over hidden: the sorts and the no-work toggle."""
        return [(n, v) for n, v in self.params if n in (SORT_PARAM, ALL_PARAM)]


def table_state(request: Request) -> TableState:
    params = list(request.query_params.multi_items())
    roles = [v for n, v in params if n == ROLE_PARAM and v]
    for role in roles:
        if role not in ROLES:
            message = f"role: one of {', '.join(ROLES)}, not {role!r}"
            raise UsageError(message, details=[{"field": "role", "message": message}])
    shown = any(n == ALL_PARAM and v not in ("", "0") for n, v in params)
    return TableState(request.url.path, params, shown, roles)


def sort_rows(
    rows: Sequence[dict[str, Any]], key: str, kind: str, descending: bool
) -> list[dict[str, Any]]:
    """Rows by one column: numbers as numbers, words A-Z ignoring case, blanks always last."""
    present = [r for r in rows if r.get(key) not in (None, "")]
    blank = [r for r in rows if r.get(key) in (None, "")]

    def order(row: dict[str, Any]) -> Any:
        value = row[key]
        if kind in TEXT_KINDS:
            return str(value).casefold()
        return float(value)

    return sorted(present, key=order, reverse=descending) + blank


def has_work(row: dict[str, Any], columns: Sequence[Column]) -> bool:
    """A row with any figure of work; rows that are not a member's always count as work."""
    if not row.get("member"):
        return True
    return any(row.get(c.key) for c in columns if c.kind in WORK_KINDS)


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
    # The link that sorts by this column, and how it is sorted now ("ascending",
    # "descending"; None when it is not the sort column).
    href: str | None = None
    sorted: str | None = None
    # What the column means (metrics/glossary.py), shown as a help tip beside the label.
    help: str | None = None
    # The order of a first click: figures most first, words A-Z.
    first: str = "asc"


@dataclass(frozen=True)
class Cell:
    text: str
    kind: str
    key: str
    value: Any = None
    href: str | None = None
    # FLAGS (issue 16): a member's quality-flags badge beside their name, and its words.
    badge: Link | None = None
    badge_title: str | None = None

    @property
    def sort_value(self) -> str | None:
        """What a browser sorts a cell by besides numbers (`data-value`): dates as ISO text."""
        if self.value is None or isinstance(self.value, (int, float)):
            return None
        if isinstance(self.value, (dt.date, dt.datetime)):
            return self.value.isoformat()
        return str(self.value) if self.kind == "time" else None


@dataclass
class Row:
    id: str
    cells: list[Cell]
    menu: list[Link] = field(default_factory=list)
    # A member with no work in the window, shown because the page asked for every row.
    idle: bool = False


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
    # A small table the browser may sort itself (every row is on the page).
    client_sort: bool = False
    # The link that shows (or hides again) the members with no work in the window.
    idle: Link | None = None


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
    request: Request | None = None,
    report: str | None = None,
) -> TableView:
    """Rows of a table report as cells; `member_name` links to that member's report.

    With the page's `request`, the table sorts by its `sort=` parameter (headers link to each
    order) and hides members with no work in the window unless `all=1`; the totals stay the
    report's. `report` names the report whose help texts the headers show (default: `id`).
    """
    tz = q.tz or "UTC"
    shown = list(data["rows"] if rows is None else rows)
    state = table_state(request) if request is not None else None
    sort = state.sort_of(id) if state is not None else None
    kinds = {col.key: col.kind for col in columns}
    if sort is not None:
        if sort[0] not in kinds:
            message = f"sort: the {id} table has no column {sort[0]!r}; one of {', '.join(kinds)}"
            raise UsageError(message, details=[{"field": "sort", "message": message}])
        shown = sort_rows(shown, sort[0], kinds[sort[0]], sort[1])
    idle_count = 0
    out_rows = []
    for row in shown:
        idle = state is not None and not has_work(row, columns)
        if idle:
            idle_count += 1
            assert state is not None
            if not state.show_all:
                continue
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
        out_rows.append(Row(key, cells, links, idle))
    totals = None
    if data.get("totals") is not None:
        totals = []
        for i, col in enumerate(columns):
            value = data["totals"].get(col.key)
            css = CSS_CLASS[col.kind]
            text = "Total" if i == 0 else "" if css == "text" else format_value(col.kind, value, tz)
            totals.append(Cell(text, css, col.key, value))
    headers = [_header(col, id, report or id, state, sort) for col in columns]
    view = TableView(id, title, headers, out_rows, totals, exports, empty, note, menu is not None)
    if state is not None:
        view.client_sort = True
        view.idle = _idle_link(state, idle_count)
    return view


def _header(
    col: Column,
    table: str,
    report: str,
    state: TableState | None,
    sort: tuple[str, bool] | None,
) -> Header:
    kind = CSS_CLASS[col.kind]
    first = "asc" if col.kind in TEXT_KINDS else "desc"
    header = Header(col.key, col.label, kind, help=help_for(report, col.key), first=first)
    if state is None:
        return header
    now = None
    descending = first == "desc"
    if sort is not None and sort[0] == col.key:
        now = "descending" if sort[1] else "ascending"
        # A second click turns the order round.
        descending = not sort[1]
    return replace(header, href=state.sort_href(table, col.key, descending), sorted=now)


def _idle_link(state: TableState, count: int) -> Link | None:
    """'Show 3 members with no work' (or hide them again); None when every row has work."""
    if not count:
        return None
    who = "member" if count == 1 else "members"
    if state.show_all:
        return Link(f"Hide {count} {who} with no work", state.all_href(False), True)
    return Link(f"Show {count} {who} with no work", state.all_href(True))


def keep_query(query: ReportQuery, **changes: Any) -> ReportQuery:
    return replace(query, **changes)
