"""HTML pages: home and the member performance report (seed 000's Annotator Dashboard).

The other dashboards live in their own modules and are gathered into this `router`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from labelpulse.access import Viewer
from labelpulse.metrics.glossary import TIME_HELP, help_for
from labelpulse.metrics.registry import SPECS
from labelpulse.readable import format_value
from labelpulse.web import dashboards, flags, tables
from labelpulse.web.auth import page_viewer
from labelpulse.web.charts import member_charts
from labelpulse.web.overview import overview_page
from labelpulse.web.pagekit import (
    Link,
    TableView,
    directory_of,
    export_links,
    filter_form,
    keep_query,
    nothing_because,
    scope_params,
    segment,
    table_view,
    url,
)
from labelpulse.web.query import ReportQuery, report_query, run_report
from labelpulse.web.templating import page
from labelpulse.web.times import member_times

router = APIRouter(include_in_schema=False)
router.include_router(dashboards.router)
router.include_router(tables.router)
router.include_router(flags.router)  # FLAGS (issue 16)

Asker = Annotated[Viewer, Depends(page_viewer)]
Question = Annotated[ReportQuery, Depends(report_query)]

# What the member page shows of the member report (the registry names and words each one).
MEMBER_REPORT = SPECS["member"]
DAILY_COLUMNS = MEMBER_REPORT.pick(
    "date", "submitted", "updated", "skipped", "total_time", "median_time", "mean_time"
)
DAILY_REVIEW_COLUMNS = MEMBER_REPORT.pick(
    "reviews_accepted", "reviews_rejected", "reviews_fixed_and_accepted", "review_time"
)
CARDS = MEMBER_REPORT.pick(
    "annotations.submitted", "annotations.total_time", "annotations.total_time_median",
    "annotations.median_time", "annotations.mean_time", "annotations.performance_score",
    "annotations.skipped", "annotations.updated",
)  # fmt: skip
REVIEW_CARDS = MEMBER_REPORT.pick("reviews.total", "reviews.review_time")


@dataclass(frozen=True)
class Card:
    key: str
    label: str
    text: str
    value: Any
    help: str | None = None


@router.get("/")
def home(request: Request, viewer: Asker, query: Question) -> Response:
    """Owners, admins and managers land on the team's overview (a manager's cut to their
    projects); annotators and reviewers on their own report. Choosing a member in the filters
    moves to that member's page."""
    if viewer.sees_every_member:
        if query.members:
            return _other_member(query, "") or overview_page(request, viewer, query)
        return overview_page(request, viewer, query)
    chosen = _other_member(query, viewer.id)
    if chosen is not None:
        return chosen
    return member_page(request, viewer, viewer.id, query, action="/", nav="home")


@router.get("/members/{member_id}")
def member(request: Request, viewer: Asker, member_id: str, query: Question) -> Response:
    chosen = _other_member(query, member_id)
    if chosen is not None:
        return chosen
    # The tab a viewer most likely came from: their home, the organisation, or a project.
    own = "mine" if viewer.sees_every_member else "home"  # their home is the overview
    nav = own if member_id == viewer.id else "org" if viewer.may_open_organisation else "projects"
    action = f"/members/{segment(member_id)}"
    return member_page(request, viewer, member_id, query, action=action, nav=nav)


def _other_member(query: ReportQuery, current: str) -> Response | None:
    """The member select of the filters form names the member: their report is their page."""
    if not query.members or query.members[0] == current:
        return None
    target = f"/members/{segment(query.members[0])}"
    return RedirectResponse(url(target, scope_params(query)), status_code=303)


def member_page(
    request: Request, viewer: Viewer, member_id: str, query: ReportQuery, *, action: str, nav: str
) -> Response:
    q, data = run_report(request, viewer, "member", keep_query(query, members=[]), member_id)
    directory = directory_of(request)
    person = data["member"]
    a, r = data["annotations"], data["reviews"]
    # Graphs of work a member never does are noise: a reviewer's annotation graphs stay only
    # when they annotated, an annotator's review graphs only when they reviewed.
    with_reviews = person.get("role") not in (None, "annotator") or r["total"] > 0
    annotated = a["submitted"] + a["skipped"] + a["rejected"] > 0
    has_work = annotated or r["total"] > 0
    with_annotations = annotated or person.get("role") in (None, "annotator")
    # A reviewer's home is their review work: its cards, times, graphs and columns come first.
    reviews_first = person.get("role") == "reviewer" or (r["total"] > 0 and not annotated)
    tz = q.tz or "UTC"
    card_groups = [CARDS, REVIEW_CARDS if with_reviews else ()]
    if reviews_first:
        card_groups.reverse()
    cards = []
    for figure in (*card_groups[0], *card_groups[1]):
        section, key = figure.key.split(".")
        value = data[section][key]
        text = format_value(figure.kind, value, tz)
        cards.append(Card(figure.key, figure.label, text, value, help_for("member", figure.key)))
    charts = (
        member_charts(data, annotations=with_annotations, reviews=with_reviews) if has_work else []
    )
    if reviews_first:
        charts.sort(key=lambda chart: "review" not in chart.id)  # stable: each group's order
    api = f"/api/members/{segment(member_id)}"
    params = scope_params(q)
    exports = [
        Link("Report CSVs (ZIP)", url(f"{api}/report", [*params, ("format", "zip")])),
        Link("Report JSON", url(f"{api}/report", [*params, ("format", "json")])),
        Link("Report Excel", url(f"{api}/report", [*params, ("format", "xlsx")])),
        Link("Timeline CSV", url(f"{api}/timeline", [*params, ("format", "csv")])),
        Link("Comments received CSV", url(f"{api}/comments", [*params, ("format", "csv")])),
    ]
    who = "you" if member_id == viewer.id else str(person["name"])
    empty = nothing_because(viewer, directory, q, "submitted annotations or reviews", who=who)
    back = None
    if len(q.projects) == 1 and viewer.may_open_project_dashboards:
        project = q.projects[0]
        back = Link(
            f"{directory.project_name(project)} members",
            url(f"/projects/{segment(project)}/members", [p for p in params if p[0] != "project"]),
        )
    # FLAGS (issue 16): the member's quality flags in this window, as a badge by the name.
    badge = flags.badges(request, viewer, keep_query(q, members=[member_id])).get(member_id)
    context = {
        "flag_badge": badge,
        "title": f"{person['name']} · performance",
        "nav": nav,
        "person": person,
        "own": member_id == viewer.id,
        "q": q,
        "form": filter_form(request, viewer, q, action=action, chosen_member=member_id),
        "cards": cards,
        "times": member_times(data, reviews_first=reviews_first),
        "time_help": TIME_HELP["time"],
        "charts": charts,
        "daily": _daily_table(data, q, api, params, with_reviews, empty, reviews_first, request),
        "with_reviews": with_reviews,
        "reviews_first": reviews_first,
        "with_annotations": with_annotations,
        "has_work": has_work,
        "empty": empty,
        "exports": exports,
        "twin": url(f"{api}/report", params),
        "back": back,
    }
    return page(request, "member.html", context)


def _daily_table(
    data: dict[str, Any],
    q: ReportQuery,
    api: str,
    params: list[tuple[str, str]],
    with_reviews: bool,
    empty: str,
    reviews_first: bool = False,
    request: Request | None = None,
) -> TableView:
    a, r = data["annotations"], data["reviews"]
    # The daily table's totals are the report's own figures for the whole window.
    totals = {
        "submitted": a["submitted"],
        "updated": a["updated"],
        "skipped": a["skipped"],
        "total_time": a["total_time"],
        "median_time": a["median_time"],
        "mean_time": a["mean_time"],
        "reviews_accepted": r["accepted"],
        "reviews_rejected": r["rejected"],
        "reviews_fixed_and_accepted": r["fixed_and_accepted"],
        "review_time": r["review_time"],
    }
    columns = (*DAILY_COLUMNS, *(DAILY_REVIEW_COLUMNS if with_reviews else ()))
    if reviews_first:
        columns = (DAILY_COLUMNS[0], *DAILY_REVIEW_COLUMNS, *DAILY_COLUMNS[1:])
    return table_view(
        id="daily",
        title="Day by day",
        columns=columns,
        data={"rows": data["daily"], "totals": totals},
        q=q,
        exports=export_links(f"{api}/report", params),
        empty=empty,
        link_member=False,
        request=request,
    )
