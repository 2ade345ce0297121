"""Annotation insights per labeler and project (seed 002) and work by type (seed 003).

Every role may open these: the access layer cuts the rows (annotators see only their own).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from labelpulse.access import Viewer
from labelpulse.metrics.registry import SPECS
from labelpulse.web.auth import page_viewer
from labelpulse.web.pagekit import (
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

# What each table shows of its report (the registry names and words each column).
INSIGHTS_COLUMNS = SPECS["insights"].pick(
    "member_name", "project_name", "items_labeled", "net_annotations", "annotations_added",
    "annotations_removed", "annotations_updated", "model_assisted", "marked_null", "approved",
    "rejected", "approval_rate",
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
