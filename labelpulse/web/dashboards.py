"""Members dashboards: the organisation's (owner, admin) and each project's (owner, admin,
manager with access to the project), with the projects list that leads to the latter."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from labelpulse.access import Viewer
from labelpulse.access.policy import check_project, visible_projects
from labelpulse.errors import ForbiddenError
from labelpulse.metrics import Directory
from labelpulse.metrics.registry import SPECS
from labelpulse.web.auth import page_viewer
from labelpulse.web.flags import badges, with_badges
from labelpulse.web.forecast_views import project_forecasts, project_tables
from labelpulse.web.pagekit import (
    Link,
    TableView,
    directory_of,
    export_links,
    filter_form,
    keep_query,
    member_href,
    nothing_because,
    segment,
    table_state,
    table_view,
    url,
)
from labelpulse.web.query import ReportQuery, report_query, run_report
from labelpulse.web.templating import page

router = APIRouter(include_in_schema=False)

Asker = Annotated[Viewer, Depends(page_viewer)]
Question = Annotated[ReportQuery, Depends(report_query)]

# What each table shows of its report (the registry names and words each column).
MEMBERS_COLUMNS = SPECS["members"].pick(
    "member_name", "submitted", "updated", "skipped", "accepted", "fixed_and_accepted",
    "rejected", "acceptance_score", "performance_score", "total_time", "mean_time",
    "median_time", "last_active",
)  # fmt: skip
REVIEWERS_COLUMNS = SPECS["reviewers"].pick(
    "member_name", "total", "accepted", "rejected", "fixed_and_accepted", "review_time",
    "mean_review_time", "median_review_time",
)  # fmt: skip


def members_tables(
    request: Request, viewer: Viewer, q: ReportQuery, *, menu: Any = None
) -> tuple[ReportQuery, list[TableView]]:
    """The annotation summary (members report) and reviewers tables of one question.

    A role filter (`role=`, repeatable) asks the reports for the members of those roles, so
    the totals are those members' too; the returned query is the one the page was asked.
    """
    directory = directory_of(request)
    roles = table_state(request).roles
    asked = q.resolved(request.app.state.settings)
    members = role_members(directory, roles, asked.members) if roles else asked.members
    if roles and not members:
        return asked, [
            _no_role_table(tid, title, viewer, request, asked, roles)
            for tid, title in (("members", "Annotation summary"), ("reviewers", "Reviewers"))
        ]
    resolved, summary = run_report(request, viewer, "members", keep_query(asked, members=members))
    _, reviewers = run_report(request, viewer, "reviewers", resolved)
    params = resolved.params()
    among = f" among {_role_words(roles)}" if roles else ""
    views = [
        table_view(
            id="members",
            title="Annotation summary",
            columns=MEMBERS_COLUMNS,
            data=summary,
            q=asked,
            exports=export_links("/api/reports/members", params),
            empty=_among(nothing_because(viewer, directory, asked, "work by anyone"), among),
            menu=menu,
            request=request,
        ),
        table_view(
            id="reviewers",
            title="Reviewers",
            columns=REVIEWERS_COLUMNS,
            data=reviewers,
            q=asked,
            exports=export_links("/api/reports/reviewers", params),
            empty=_among(nothing_because(viewer, directory, asked, "review actions"), among),
            menu=menu,
            request=request,
        ),
    ]
    flagged = badges(request, viewer, resolved)  # FLAGS (issue 16): one report per page
    return asked, [with_badges(view, flagged) for view in views]


def role_members(directory: Directory, roles: list[str], chosen: list[str]) -> list[str]:
    """The directory's members with one of these roles (of those chosen, when some are)."""
    return [
        m
        for m, row in sorted(directory.members.items())
        if row.get("role") in roles and (not chosen or m in chosen)
    ]


def _role_words(roles: list[str]) -> str:
    return " and ".join(f"{r}s" for r in roles)


def _among(sentence: str, among: str) -> str:
    return sentence[:-1] + among + "." if among and sentence.endswith(".") else sentence


def _no_role_table(
    table: str, title: str, viewer: Viewer, request: Request, q: ReportQuery, roles: list[str]
) -> TableView:
    chosen = " of those chosen" if q.members else ""
    return table_view(
        id=table,
        title=title,
        columns=MEMBERS_COLUMNS if table == "members" else REVIEWERS_COLUMNS,
        data={"rows": [], "totals": None},
        q=q,
        exports=[],
        empty=f"No member{chosen} is one of the {_role_words(roles)}.",
        request=request,
    )


@router.get("/org/members")
def organisation_members(request: Request, viewer: Asker, query: Question) -> Response:
    """Seed 000's Organization → Members page: every member, each linking to their report."""
    if not viewer.may_open_organisation:
        raise ForbiddenError("only an owner or admin may open the organisation's members")
    q, views = members_tables(request, viewer, query)
    return page(
        request,
        "tables.html",
        {
            "title": "Organisation members",
            "heading": "Organisation members",
            "intro": "Everyone with work in the window. Select a name for their performance "
            "report.",
            "nav": "org",
            "q": q,
            "form": filter_form(request, viewer, q, action="/org/members", roles=True),
            "tables": views,
            "twin": url("/api/reports/members", q.params()),
        },
    )


@router.get("/projects")
def projects(request: Request, viewer: Asker) -> Response:
    if not viewer.may_open_project_dashboards:
        raise ForbiddenError("only an owner, admin or manager may open project dashboards")
    directory = directory_of(request)
    allowed = visible_projects(viewer, directory)
    rows = [
        {
            "id": p,
            "name": row["name"],
            "workspace": directory.workspaces.get(row["workspace"], {}).get(
                "name", row["workspace"] or "–"
            ),
            "href": f"/projects/{segment(p)}/members",
        }
        for p, row in sorted(directory.projects.items(), key=lambda kv: str(kv[1]["name"]))
        if allowed is None or p in allowed
    ]
    forecasts = project_forecasts(request, viewer)  # FC: each project's forecast, as of today
    for one in rows:
        one["forecast"] = forecasts.get(str(one["id"]))
    if rows:
        empty = ""
    elif allowed is None:
        empty = "There are no projects yet: they appear when events or directory records name them."
    else:
        empty = "You are not a member of any project yet. An owner or admin can add you to one."
    context = {
        "title": "Projects",
        "nav": "projects",
        "projects": rows,
        "empty": empty,
        "twin": "/api/me",
    }
    return page(request, "projects.html", context)


@router.get("/projects/{project_id}/members")
def project_members(request: Request, viewer: Asker, project_id: str, query: Question) -> Response:
    """A project's Members dashboard; each row's menu opens that member's report there."""
    if not viewer.may_open_project_dashboards:
        raise ForbiddenError("only an owner, admin or manager may open a project's members")
    directory = directory_of(request)
    check_project(viewer, directory, project_id)
    # The project is the page's: a workspace or project filter in the URL does not widen it.
    q = keep_query(query, projects=[project_id], workspaces=[]).resolved(request.app.state.settings)

    def menu(row: dict[str, Any]) -> list[Link]:
        return [Link("Annotator performance report", member_href(str(row["member"]), q))]

    q, views = members_tables(request, viewer, q, menu=menu)
    forecast, chart = project_tables(request, viewer, q)  # FC: the project's forecast
    name = directory.project_name(project_id)
    action = f"/projects/{segment(project_id)}/members"
    return page(
        request,
        "tables.html",
        {
            "title": f"{name} · members",
            "heading": f"{name}: members",
            "intro": "Annotation and review work in this project. The ⋯ menu of a row opens "
            "that member's performance report for this project.",
            "nav": "projects",
            "q": q,
            "form": filter_form(request, viewer, q, action=action, scope_fields=False, roles=True),
            "tables": [*forecast, *views],
            "forecast_chart": chart,
            "twin": url("/api/reports/members", q.params()),
            "back": Link("All projects", "/projects"),
        },
    )
