"""Pay rates: the /pay/rates page (owners and admins) and the API's GET and DELETE /api/rates.

The page lists the rates with member and project names, adds a rate (a form whose mistakes come
back in words beside their fields) and removes one; every POST checks the session's CSRF token
first, then the role. `POST /api/rates` (storing rate records) is the API's directory route;
who may write rates is `labelpulse.access.owners.check_rates`'s one rule, on every path.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from labelpulse.access import Viewer
from labelpulse.access.rates import (
    RATE_FIELDS,
    RateProblems,
    check_may_read_rates,
    check_may_write_rates,
    rate_record,
    remove_rate,
    set_rate,
    visible_rates,
)
from labelpulse.config import Settings
from labelpulse.errors import NotFoundError
from labelpulse.exports.rates import rates_csv, rates_json, rates_xlsx
from labelpulse.metrics import Directory
from labelpulse.metrics.rates import EVERY_PROJECT_NAME, load_rates, rate_rows
from labelpulse.store.base import Store
from labelpulse.web.auth import check_csrf, ingest_viewer, page_viewer, read_viewer
from labelpulse.web.openapi import errors
from labelpulse.web.templating import page

PAGE = "/pay/rates"
pages = APIRouter(prefix=PAGE, include_in_schema=False)
api = APIRouter(prefix="/api", tags=["directory"])

Asker = Annotated[Viewer, Depends(page_viewer)]
FormText = Annotated[str, Form()]
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def managers_see_pay(request: Request) -> bool:
    """PAY's setting `pay_visible_to_managers` (off when this build has no such setting)."""
    settings: Settings = request.app.state.settings
    return bool(getattr(settings, "pay_visible_to_managers", False))


def _rows(store: Store, viewer: Viewer, directory: Directory) -> list[dict[str, Any]]:
    return rate_rows(visible_rates(viewer, directory, load_rates(store)), directory)


# ---------------------------------------------------------------- the page


def _by_name(rows: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    """(id, name) of each directory row, by name: a picker's options."""
    return sorted(
        ((key, str(row["name"])) for key, row in rows.items()), key=lambda p: p[1].casefold()
    )


def _page(
    request: Request,
    viewer: Viewer,
    *,
    problems: dict[str, str] | None = None,
    given: dict[str, str] | None = None,
) -> Response:
    store = _store(request)
    directory = Directory.load(store)
    flash = request.session.pop("flash", None)
    context = {
        "title": "Pay rates",
        "nav": "rates",
        "rates": _rows(store, viewer, directory),
        "members": _by_name(directory.members),
        "projects": _by_name(directory.projects),
        "every_project": EVERY_PROJECT_NAME,
        "problems": problems or {},
        "given": given or {},
        "flash": flash if isinstance(flash, list) and len(flash) == 2 else None,
        "twin": "/api/rates",
    }  # fmt: skip
    return page(request, "rates.html", context, status=422 if problems else 200)


@pages.get("")
def rates_page(request: Request, viewer: Asker) -> Response:
    check_may_write_rates(viewer)
    return _page(request, viewer)


@pages.post("")
def add_rate(
    request: Request,
    viewer: Asker,
    csrf: FormText = "",
    member: FormText = "",
    project: FormText = "",
    effective: FormText = "",
    currency: FormText = "",
    per_hour: FormText = "",
    per_accepted: FormText = "",
    per_region: FormText = "",
) -> Response:
    """Add a rate (or replace the member's rate for the same project and date)."""
    check_csrf(request, csrf)
    check_may_write_rates(viewer)
    store = _store(request)
    directory = Directory.load(store)
    given = {"member": member, "project": project, "effective": effective,
             "currency": currency, "per_hour": per_hour, "per_accepted": per_accepted,
             "per_region": per_region}  # fmt: skip
    try:
        record = rate_record(dict(given), directory)
    except RateProblems as exc:
        return _page(request, viewer, problems=_beside_fields(exc), given=given)
    set_rate(store, record, by=viewer)
    where = directory.project_name(record.project) if record.project else EVERY_PROJECT_NAME
    who = directory.member_name(record.member)
    request.session["flash"] = ["ok", f"Rate of {who} in {where} from {record.effective} set."]
    return RedirectResponse(PAGE, status_code=303)


def _beside_fields(exc: RateProblems) -> dict[str, str]:
    """The problems by form field (a rule of the whole record goes above the amounts)."""
    problems = exc.by_field()
    if "form" in problems:
        problems["amounts"] = problems.pop("form")
    return {k: v for k, v in problems.items() if k in (*RATE_FIELDS, "amounts")}


@pages.post("/remove")
def remove(
    request: Request,
    viewer: Asker,
    csrf: FormText = "",
    member: FormText = "",
    project: FormText = "",
    effective: FormText = "",
) -> Response:
    check_csrf(request, csrf)
    check_may_write_rates(viewer)
    store = _store(request)
    directory = Directory.load(store)
    where = directory.project_name(project) if project else EVERY_PROJECT_NAME
    try:
        remove_rate(store, member, project or None, effective, by=viewer)
    except NotFoundError as exc:
        request.session["flash"] = ["error", exc.message]
    else:
        who = directory.member_name(member)
        request.session["flash"] = ["ok", f"Rate of {who} in {where} from {effective} removed."]
    return RedirectResponse(PAGE, status_code=303)


# ---------------------------------------------------------------- the API


RATES_FORMATS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The rates: JSON inline, or with `format` a download (JSON, CSV, Excel).",
        "content": {
            "application/json": {},
            "text/csv": {"schema": {"type": "string"}},
            MEDIA["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@api.get("/rates", responses={**RATES_FORMATS, **errors(400, 401, 403, 500)})
def get_rates(
    request: Request,
    viewer: Annotated[Viewer, Depends(read_viewer)],
    fmt: Annotated[
        Literal["json", "csv", "xlsx"] | None,
        Query(alias="format", description="A download: json, csv or xlsx (default: JSON inline)."),
    ] = None,
) -> Response:
    """Pay rates with member and project names: owners and admins; managers only when the
    `pay_visible_to_managers` setting is on, then only the rates that bear on their projects."""
    check_may_read_rates(viewer, managers_see_pay(request))
    store = _store(request)
    rows = _rows(store, viewer, Directory.load(store))
    if fmt is None:
        return JSONResponse({"rows": rates_json(rows)})
    headers = {"Content-Disposition": f'attachment; filename="rates.{fmt}"'}
    if fmt == "json":
        return JSONResponse({"rows": rates_json(rows)}, headers=headers)
    if fmt == "csv":
        return Response(rates_csv(rows), media_type=MEDIA["csv"], headers=headers)
    return Response(rates_xlsx(rows), media_type=MEDIA["xlsx"], headers=headers)


@api.delete("/rates", responses=errors(400, 401, 403, 404, 500))
def delete_rate(
    request: Request,
    viewer: Annotated[Viewer, Depends(ingest_viewer)],
    member: Annotated[str, Query(description="The member's id.")],
    effective: Annotated[str, Query(description="The rate's first day, YYYY-MM-DD.")],
    project: Annotated[
        str | None, Query(description="The project's id (none: the every-project rate).")
    ] = None,
) -> dict[str, Any]:
    """Remove one rate (an owner's or admin's `ingest` token): 404 when there is none."""
    remove_rate(_store(request), member, project or None, effective, by=viewer)
    return {"removed": 1}
