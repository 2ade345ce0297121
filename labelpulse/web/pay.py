"""The pay pages and pay's own API routes (PAY, issue 16).

- GET /pay: the pay report of the filters' period (names, not ids), totals per currency, the
  closed periods and (owners, admins) a Close form; each member row links to its audit list.
- GET /pay/lines: one member's (or everyone's) audit list, paged.
- POST /pay/close: close the period of the form (CSRF, owners and admins only).
- GET /api/pay/periods, POST /api/pay/close: the same through the API (closing with an owner's
  or admin's `ingest` token, like every API write).

Who may see pay is `access.reports.may_see_pay`; the reports themselves are refused by
`report_for` (the registry's `audience`), so pages, API and exports share the one gate.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from labelpulse.access import Viewer
from labelpulse.access.reports import may_see_pay
from labelpulse.config import Settings
from labelpulse.errors import ForbiddenError, UsageError
from labelpulse.metrics.glossary import help_for
from labelpulse.metrics.paging import make_paging
from labelpulse.metrics.pay_periods import close, periods_report
from labelpulse.metrics.registry import SPECS
from labelpulse.readable import format_value
from labelpulse.store.base import Store
from labelpulse.web.auth import check_csrf, ingest_viewer, page_viewer, read_viewer
from labelpulse.web.openapi import errors
from labelpulse.web.pagekit import Link, export_links, filter_form, url, without
from labelpulse.web.query import ReportQuery, report_query, run_report
from labelpulse.web.templating import page

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/pay", tags=["pay"])

Asker = Annotated[Viewer, Depends(page_viewer)]
Question = Annotated[ReportQuery, Depends(report_query)]
LINES_SHOWN = 50
PAY_COLUMNS = SPECS["pay"].pick(
    "member_name", "project_name", "currency", "accepted", "active_hours", "regions", "earned",
    "adjustment", "amount", "note",
)  # fmt: skip
LINE_COLUMNS = SPECS["pay_lines"].pick(
    "date", "member_name", "project_name", "task", "annotation", "quantity", "count", "rate",
    "currency", "amount", "note",
)  # fmt: skip


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _may_close(viewer: Viewer) -> None:
    if not viewer.may_manage_members:
        raise ForbiddenError("only an owner or admin may close a pay period")


def _cells(columns: Any, row: dict[str, Any], tz: str) -> list[dict[str, Any]]:
    return [
        {"key": c.key, "text": format_value(c.kind, row.get(c.key), tz), "kind": c.kind}
        for c in columns
    ]


@router.get("/pay")
def pay_page(request: Request, viewer: Asker, query: Question) -> Response:
    q, data = run_report(request, viewer, "pay", query)
    tz = q.tz or "UTC"
    params = q.params()
    rows = []
    for row in data["rows"]:
        # The row's own lines: its member and project (the row's currency is in them).
        only = [("member", str(row["member"])), ("project", str(row["project"]))]
        lines = url("/pay/lines", [*without(params, "member", "project", "workspace"), *only])
        rows.append({"cells": _cells(PAY_COLUMNS, row, tz), "lines": lines, "row": row})
    totals = [
        _cells(PAY_COLUMNS, {**t, "member_name": "Total"}, tz) for t in data["currency_totals"]
    ]
    flash = request.session.pop("flash", None)
    context = {
        "title": "Pay",
        "nav": "pay",
        "q": q,
        "form": filter_form(request, viewer, q, action="/pay"),
        "columns": PAY_COLUMNS,
        "helps": {c.key: help_for("pay", c.key) for c in PAY_COLUMNS},
        "rows": rows,
        "totals": totals,
        "period": data["period"],
        "periods": periods_report(_store(request))["rows"],
        "may_close": viewer.may_manage_members,
        "exports": export_links("/api/reports/pay", params),
        "lines_all": url("/pay/lines", params),
        "flash": flash if isinstance(flash, list) and len(flash) == 2 else None,
        "twin": url("/api/reports/pay", params),
    }
    return page(request, "pay.html", context)


@router.get("/pay/lines")
def pay_lines_page(
    request: Request,
    viewer: Asker,
    query: Question,
    number: Annotated[int, Query(alias="page", description="The page of lines, from 1.")] = 1,
) -> Response:
    if number < 1:
        message = f"page must be 1 or more, got {number}"
        raise UsageError(message, details=[{"field": "page", "message": message}])
    paging = make_paging(SPECS["pay_lines"], limit=LINES_SHOWN, offset=(number - 1) * LINES_SHOWN)
    q, data = run_report(request, viewer, "pay_lines", query, paging=paging)
    tz = q.tz or "UTC"
    params = q.params()
    total = int(data["page"]["total_rows"])
    pages = max(1, -(-total // LINES_SHOWN))
    links = []
    if number > 1:
        links.append(Link("← Previous", url("/pay/lines", [*params, ("page", str(number - 1))])))
    if number < pages:
        links.append(Link("Next →", url("/pay/lines", [*params, ("page", str(number + 1))])))
    context = {
        "title": "Pay audit",
        "nav": "pay",
        "q": q,
        "form": filter_form(request, viewer, q, action="/pay/lines"),
        "columns": LINE_COLUMNS,
        "lines": [_cells(LINE_COLUMNS, row, tz) for row in data["rows"]],
        "totals": data["currency_totals"],
        "total_rows": total,
        "number": number,
        "pages": pages,
        "links": links,
        "back": url("/pay", params),
        "exports": export_links("/api/reports/pay_lines", params),
        "twin": url("/api/reports/pay_lines", params),
    }
    return page(request, "pay_lines.html", context)


@router.post("/pay/close")
def close_form(
    request: Request,
    viewer: Asker,
    csrf: Annotated[str, Form()] = "",
    start: Annotated[str, Form(alias="from")] = "",
    end: Annotated[str, Form(alias="to")] = "",
    tz: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    _may_close(viewer)
    back = url("/pay", [("from", start), ("to", end), ("tz", tz)])
    try:
        period = close(_store(request), start, end, tz or _settings(request).timezone, viewer.id)
    except UsageError as exc:
        request.session["flash"] = ["error", exc.message]
    else:
        words = f"Closed {period.first} to {period.last}: its figures are kept as they are now."
        request.session["flash"] = ["ok", words]
    return RedirectResponse(back, status_code=303)


@api_router.get(
    "/periods", summary="The closed pay periods, oldest first", responses=errors(401, 403, 500)
)
def api_periods(
    request: Request, viewer: Annotated[Viewer, Depends(read_viewer)]
) -> dict[str, Any]:
    if not may_see_pay(viewer, _settings(request)):
        raise ForbiddenError("you may not see pay: pay is for owners and admins")
    return periods_report(_store(request))


@api_router.post(
    "/close",
    summary="Close a pay period: keep its figures, pay adjustments",
    status_code=201,
    responses=errors(400, 401, 403, 500),
)
def api_close(
    request: Request,
    viewer: Annotated[Viewer, Depends(ingest_viewer)],
    start: Annotated[str, Query(alias="from", description="First date, YYYY-MM-DD.")],
    end: Annotated[str, Query(alias="to", description="Last date, inclusive.")],
    tz: Annotated[str | None, Query(description="Time zone of the dates.")] = None,
) -> Response:
    _may_close(viewer)
    period = close(_store(request), start, end, tz or _settings(request).timezone, viewer.id)
    return JSONResponse(period.as_dict(), status_code=201)
