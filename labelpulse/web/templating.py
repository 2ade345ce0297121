"""Rendering a page: every template gets the viewer and the session's CSRF token."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from labelpulse.web.auth import csrf_token, optional_viewer


def page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    full = {"viewer": optional_viewer(request), "csrf": csrf_token(request), **context}
    response: Response = templates.TemplateResponse(request, template, full, status_code=status)
    return response
