"""Signing in and out: email + password form, CSRF-checked, into a signed session cookie."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from labelpulse.access import authenticate
from labelpulse.errors import TooManyRequestsError
from labelpulse.web.auth import check_csrf, optional_viewer, sign_in, sign_out
from labelpulse.web.errors import wants_json
from labelpulse.web.templating import page
from labelpulse.web.throttle import sign_in_throttle

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to another host."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    if optional_viewer(request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return page(request, "login.html", {"next": _safe_next(next), "failed": False, "email": ""})


@router.post("/login")
def login(
    request: Request,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    check_csrf(request, csrf)
    throttle = sign_in_throttle(request.app.state)
    address = request.client.host if request.client else "unknown"
    wait = throttle.retry_after(email, address)
    if wait:
        # Refused before the password is checked: a throttled guess costs no Argon2 work.
        message = f"too many failed sign-ins; try again in {wait} second(s)"
        if wants_json(request):
            raise TooManyRequestsError(message, retry_after=wait)
        context = {"next": _safe_next(next), "failed": False, "email": email, "wait": wait}
        response = page(request, "login.html", context, status=429)
        response.headers["Retry-After"] = str(wait)
        return response
    viewer = authenticate(request.app.state.store, email, password)
    if viewer is None:
        throttle.failed(email, address)
        context = {"next": _safe_next(next), "failed": True, "email": email}
        return page(request, "login.html", context, status=401)
    throttle.succeeded(email)
    sign_in(request, viewer)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf)
    sign_out(request)
    return RedirectResponse("/login", status_code=303)
