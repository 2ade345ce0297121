"""Annotation insights per labeler and project (seed 002) and work by type (seed 003).

Every role may open these: the access layer cuts the rows (annotators see only their own).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from labelpulse.access import Viewer
from labelpulse.errors import UsageError
from labelpulse.metrics.paging import DESCENDING, make_paging
from labelpulse.metrics.registry import SPECS
from labelpulse.web.auth import page_viewer
from labelpulse.web.insights_charts import insights_daily_chart
from labelpulse.web.pagekit import (
    ALL_PARAM,
    Link,
    SearchBox,
    TableView,
    directory_of,
    export_links,
    filter_form,
    nothing_because,
    table_view,
    url,
)
from labelpulse.web.query import ReportQuery, report_query, run_report
from labelpulse.web.templating import page

router = APIRouter(include_in_schema=False)

Asker = Annotated[Viewer, Depends(page_viewer)]
Question = Annotated[ReportQuery, Depends(report_query)]

# The items table can hold millions of tasks: the page shows this many at a time, sorted and
# paged by the database, those with the most time first unless a header says otherwise.
ITEMS_SHOWN = 50
ITEMS_SORT = "total_time:desc"

# What each table shows of its report (the registry names and words each column).
INSIGHTS_COLUMNS = SPECS["insights"].pick(
    "member_name", "project_name", "items_labeled", "net_annotations", "annotations_added",
    "annotations_removed", "annotations_updated", "model_assisted", "marked_null", "approved",
    "rejected", "approval_rate",
)  # fmt: skip
INSIGHTS_PROJECT_COLUMNS = SPECS["insights_projects"].pick(
    "project_name", "items_labeled", "net_annotations", "annotations_added", "annotations_removed",
    "annotations_updated", "model_assisted", "marked_null", "approved", "rejected",
    "approval_rate",
)  # fmt: skip
INSIGHTS_DAILY_COLUMNS = SPECS["insights_daily"].pick(
    "date", "items_labeled", "net_annotations", "annotations_added", "annotations_removed",
    "annotations_updated", "model_assisted", "marked_null", "approved", "rejected",
    "approval_rate",
)  # fmt: skip
WORK_COLUMNS = SPECS["work"].pick(
    "member_name", "labeled", "label_time", "mean_label_time", "reviewed", "review_time",
    "mean_review_time", "edited", "edit_time", "mean_edit_time",
)  # fmt: skip
ITEMS_COLUMNS = SPECS["items"].pick(
    "project_name", "task", "label_time", "review_time", "edit_time", "rejected", "frames",
    "annotations",
)  # fmt: skip


@router.get("/insights")
def insights(request: Request, viewer: Asker, query: Question) -> Response:
    """Insights per labeler and project, per project (subtotals) and by date (a chart and a
    daily table): three reports of the registry, each with its own exports."""
    q, data = run_report(request, viewer, "insights", query)
    _, per_project = run_report(request, viewer, "insights_projects", query)
    _, daily = run_report(request, viewer, "insights_daily", query)
    params = q.params()
    empty = nothing_because(viewer, directory_of(request), q, "labeling", report="insights")
    labelers = table_view(
        id="insights",
        title="Labeler statistics",
        columns=INSIGHTS_COLUMNS,
        data=data,
        q=q,
        exports=export_links("/api/reports/insights", params),
        empty=empty,
        request=request,
    )
    projects = table_view(
        id="insights_projects",
        title="By project",
        columns=INSIGHTS_PROJECT_COLUMNS,
        data=per_project,
        q=q,
        exports=export_links("/api/reports/insights_projects", params),
        empty=empty,
        note="Each project's labelers added up; its approval rate from its own reviews.",
        request=request,
    )
    by_date = table_view(
        id="insights_daily",
        title="By date",
        columns=INSIGHTS_DAILY_COLUMNS,
        data=daily,
        q=q,
        exports=export_links("/api/reports/insights_daily", params),
        empty=empty,
        request=request,
    )
    return page(
        request,
        "insights.html",
        {
            "title": "Annotation insights",
            "heading": "Annotation insights",
            "intro": "Labeling per labeler and project, per project and by date. Approval rate "
            "is first-pass acceptance; Rejected counts every rejection, also of work later "
            "approved.",
            "nav": "insights",
            "q": q,
            "form": filter_form(request, viewer, q, action="/insights"),
            "tables": [labelers, projects, by_date],
            "labelers": labelers,
            "projects": projects,
            "daily": by_date,
            "chart": insights_daily_chart(daily) if daily["rows"] else None,
            "twin": url("/api/reports/insights", params),
        },
    )


@router.get("/work")
def work(
    request: Request,
    viewer: Asker,
    query: Question,
    sort: Annotated[
        list[str] | None,
        Query(description="The items' sort COLUMN[:desc]; WORK's as work:COLUMN[:desc]."),
    ] = None,
    number: Annotated[int, Query(alias="page", description="The page of items, from 1.")] = 1,
    search: Annotated[str | None, Query(description="Only items whose task holds this.")] = None,
) -> Response:
    directory = directory_of(request)
    if number < 1:
        message = f"page must be 1 or more, got {number}"
        raise UsageError(message, details=[{"field": "page", "message": message}])
    offset = (number - 1) * ITEMS_SHOWN
    # `sort=work:COLUMN` sorts the per-member table (pagekit.TableState); any other `sort` is
    # the items' (their URLs predate the per-member table's), `items:` before it allowed.
    items_sort = [v.removeprefix("items:") for v in sort or [] if not v.startswith("work:")]
    kept = [("sort", v) for v in sort or [] if v.startswith("work:")]
    kept += [(n, v) for n, v in request.query_params.multi_items() if n == ALL_PARAM]
    paging = make_paging(
        SPECS["items"],
        sort=items_sort[-1] if items_sort else ITEMS_SORT,
        limit=ITEMS_SHOWN,
        offset=offset,
        search=search,
    )
    q, per_member = run_report(request, viewer, "work", query)
    _, per_item = run_report(request, viewer, "items", query, paging=paging)
    params = q.params()
    tables = [
        table_view(
            id="work",
            title="Per member",
            columns=WORK_COLUMNS,
            data=per_member,
            q=q,
            exports=export_links("/api/reports/work", params),
            empty=nothing_because(viewer, directory, q, "labeling, review or edit work"),
            request=request,
        ),
        _items_view(
            table_view(
                id="items",
                title="Per item",
                columns=ITEMS_COLUMNS,
                data=per_item,
                q=q,
                exports=export_links("/api/reports/items", params),
                empty=nothing_because(viewer, directory, q, "work on any item"),
            ),
            per_item["page"],
            params,
            number,
            kept,
        ),
    ]
    return page(
        request,
        "tables.html",
        {
            "title": "Work",
            "heading": "Work by type",
            "intro": "Labeling, review and edit work and their active time (idle time left "
            "out), per member and per item.",
            "nav": "work",
            "q": q,
            "form": filter_form(request, viewer, q, action="/work"),
            "tables": tables,
            "twin": url("/api/reports/work", params),
        },
    )


def _items_view(
    view: TableView,
    shown: dict[str, Any],
    params: list[tuple[str, str]],
    page: int,
    kept: list[tuple[str, str]],
) -> TableView:
    """The items table with sort links on its headers, the count and the pages around it;
    `kept` is the per-member table's state (its sort, rows with no work shown)."""
    sort, _, order = shown["sort"].partition(":")
    descending = order == DESCENDING
    searched = [("search", shown["search"])] if shown["search"] else []

    def link(sort_text: str, number: int) -> str:
        return url("/work", [*params, *kept, *searched, ("sort", sort_text), ("page", str(number))])

    headers = []
    for header in view.columns:
        now = None
        if header.key == sort:
            now = "descending" if descending else "ascending"
        # A second click turns the order round; a first one shows the most first, names A-Z.
        first_desc = header.kind not in ("text", "id", "name")
        desc = not descending if header.key == sort else first_desc
        href = link(f"{header.key}:{DESCENDING}" if desc else header.key, 1)
        headers.append(replace(header, href=href, sorted=now))
    total, size = shown["total_rows"], shown["limit"]
    first, last = shown["offset"] + 1, shown["offset"] + len(view.rows)
    matching = f" matching {shown['search']!r}" if shown["search"] else ""
    if shown["sort"] == ITEMS_SORT and page == 1 and total > size:
        note = f"Showing the {size} items with the most time of {total:,}{matching}"
    elif first == 1 and last >= total:
        note = f"{total:,} items{matching}"
    else:
        labels = {h.key: h.label for h in view.columns} | {"total_time": "Total time"}
        note = f"Items {first:,}–{last:,} of {total:,}{matching}, by {labels[sort].lower()}"
    note += "; the downloads hold every item." if total > len(view.rows) else "."
    before = Link("← Previous", link(shown["sort"], page - 1)) if page > 1 else None
    after = Link("Next →", link(shown["sort"], page + 1)) if last < total else None
    pages = (before, after) if before or after else None
    box = SearchBox("/work", [*params, *kept, ("sort", shown["sort"])], shown["search"] or "")
    empty = view.empty
    if shown["search"] and not total:
        empty = f"No item's task holds {shown['search']!r} in this window and scope."
    elif total and not view.rows:
        empty = f"Page {page} is past the last item ({total:,} in all)."
    # Without rows, the empty line says why; a count of nothing says nothing more.
    shown_note = note if view.rows else None
    return replace(view, columns=headers, note=shown_note, pages=pages, search=box, empty=empty)
