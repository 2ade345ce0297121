"""Rendering a page: every template gets the viewer and the session's CSRF token."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from labelpulse.access.reports import may_see_pay
from labelpulse.web.auth import csrf_token, optional_viewer


def page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    viewer = optional_viewer(request)
    full = {"viewer": viewer, "csrf": csrf_token(request), **context}
    # PAY: the nav's Pay link, for whoever may see pay.
    full["may_see_pay"] = viewer is not None and may_see_pay(viewer, request.app.state.settings)
    response: Response = templates.TemplateResponse(request, template, full, status_code=status)
    return response
