"""Annotation insights per labeler and project (seed 002) and work by type (seed 003).

Every role may open these: the access layer cuts the rows (annotators see only their own).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from labelpulse.access import Viewer
from labelpulse.web.auth import page_viewer
from labelpulse.web.pagekit import (
    Column,
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

# The items table can hold thousands of tasks: the page shows those with the most time.
ITEMS_SHOWN = 50

MEMBER = Column("member_name", "Labeler", "text")
PROJECT = Column("project_name", "Project", "text")
INSIGHTS_COLUMNS = (
    MEMBER,
    PROJECT,
    Column("items_labeled", "Items labeled"),
    Column("net_annotations", "Net annotations"),
    Column("annotations_added", "Added"),
    Column("annotations_removed", "Removed"),
    Column("annotations_updated", "Updated"),
    Column("model_assisted", "Model assisted"),
    Column("marked_null", "Marked null"),
    Column("approved", "Approved"),
    Column("rejected", "Rejected"),
    Column("approval_rate", "Approval rate", "score"),
)
WORK_COLUMNS = (
    Column("member_name", "Member", "text"),
    Column("labeled", "Labeled"),
    Column("label_time", "Label time", "duration"),
    Column("mean_label_time", "Average label time", "duration"),
    Column("reviewed", "Reviewed"),
    Column("review_time", "Review time", "duration"),
    Column("mean_review_time", "Average review time", "duration"),
    Column("edited", "Edited"),
    Column("edit_time", "Edit time", "duration"),
    Column("mean_edit_time", "Average edit time", "duration"),
)
ITEMS_COLUMNS = (
    PROJECT,
    Column("task", "Item", "text"),
    Column("label_time", "Label time", "duration"),
    Column("review_time", "Review time", "duration"),
    Column("edit_time", "Edit time", "duration"),
    Column("rejected", "Rejections"),
    Column("frames", "Frames"),
    Column("annotations", "Annotations"),
)


@router.get("/insights")
def insights(request: Request, viewer: Asker, query: Question) -> Response:
    q, data = run_report(request, viewer, "insights", query)
    params = q.params()
    table = table_view(
        id="insights",
        title="Labeler statistics",
        columns=INSIGHTS_COLUMNS,
        data=data,
        q=q,
        exports=export_links("/api/reports/insights", params),
        empty=nothing_because(viewer, directory_of(request), q, "labeling or review"),
    )
    return page(
        request,
        "tables.html",
        {
            "title": "Annotation insights",
            "heading": "Annotation insights",
            "intro": "Labeling per labeler and project. Approval rate is first-pass "
            "acceptance; Rejected counts every rejection, also of work later approved.",
            "nav": "insights",
            "q": q,
            "form": filter_form(request, viewer, q, action="/insights"),
            "tables": [table],
            "twin": url("/api/reports/insights", params),
        },
    )


@router.get("/work")
def work(request: Request, viewer: Asker, query: Question) -> Response:
    directory = directory_of(request)
    q, per_member = run_report(request, viewer, "work", query)
    _, per_item = run_report(request, viewer, "items", query)
    params = q.params()
    items: list[dict[str, Any]] = sorted(per_item["rows"], key=_item_time, reverse=True)
    note = None
    if len(items) > ITEMS_SHOWN:
        note = (
            f"Showing the {ITEMS_SHOWN} items with the most time of {len(items):,}; "
            "the downloads hold them all."
        )
    tables = [
        table_view(
            id="work",
            title="Per member",
            columns=WORK_COLUMNS,
            data=per_member,
            q=q,
            exports=export_links("/api/reports/work", params),
            empty=nothing_because(viewer, directory, q, "labeling, review or edit work"),
        ),
        table_view(
            id="items",
            title="Per item",
            columns=ITEMS_COLUMNS,
            data=per_item,
            rows=items[:ITEMS_SHOWN],
            q=q,
            exports=export_links("/api/reports/items", params),
            empty=nothing_because(viewer, directory, q, "work on any item"),
            note=note,
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


def _item_time(row: dict[str, Any]) -> float:
    return float(sum(row.get(key) or 0 for key in ("label_time", "review_time", "edit_time")))
