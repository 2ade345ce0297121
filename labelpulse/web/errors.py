"""One error shape for every error the server returns: `{"error": {code, message, details}}`.

JSON for the API (and any client that asks for JSON); a page with the same message for a
browser; a sign-in redirect for a browser that is not signed in.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from labelpulse.errors import LabelpulseError
from labelpulse.web.templating import page

STATUS = {
    "bad_request": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "too_large": 413,
    "invalid_records": 422,
    "too_many_requests": 429,
    "store_error": 500,
    "internal": 500,
    "busy": 503,
}
_CODES = {status: code for code, status in STATUS.items()}
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
log = logging.getLogger("labelpulse.web")


def error_body(
    code: str, message: str, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or []}}


def wants_json(request: Request) -> bool:
    if request.url.path.startswith("/api/") or request.url.path in ("/docs", "/openapi.json"):
        return True
    return "text/html" not in request.headers.get("accept", "")


def error_response(request: Request, status: int, body: dict[str, Any]) -> Response:
    if wants_json(request):
        return JSONResponse(body, status_code=status)
    if status == 401:
        # Back to the same question after signing in: the path and its filters, URL-encoded.
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)
    return page(request, "error.html", {"status": status, "error": body["error"]}, status=status)


def allowed_methods(request: Request, exc: StarletteHTTPException) -> str:
    """Every method some route takes at this path (Starlette names only the first route's)."""

    def taken(method: str) -> bool:
        scope = {**request.scope, "method": method}
        return any(route.matches(scope)[0] is Match.FULL for route in request.app.routes)

    methods = [method for method in METHODS if taken(method)]
    if not methods or request.method in methods:
        # A mount (/static) answered for itself, with its own Allow.
        return (exc.headers or {}).get("Allow", ", ".join(methods))
    return ", ".join(methods)


def internal_response(request: Request, exc: Exception) -> Response:
    """The 500 of an unexpected error: its type, never its text (which may hold data)."""
    body = error_body("internal", f"internal error: {type(exc).__name__}")
    try:
        return error_response(request, 500, body)
    except Exception:  # the page itself failed (the store is down, say): the JSON then
        return JSONResponse(body, status_code=500)


class InternalErrors:
    """Answers an unexpected error with our 500, and the connection stays open for the next
    request. (Starlette's outermost middleware, given a handler for `Exception`, sends its
    answer and raises the error again, on which uvicorn closes a keep-alive connection without
    `Connection: close`: the client's next request on it fails.) The traceback is logged here.
    An error after the answer began cannot be answered: it goes on to the server, which ends
    the connection, as it must with half a response sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            if started:
                raise
            log.error("internal error: %s %s", scope.get("method"), scope.get("path"), exc_info=exc)
            await internal_response(Request(scope), exc)(scope, receive, send)


class KeptInputErrors:
    """A page that answered in spite of a bad input answers 400: the handler kept the rest of
    the question (an unknown time zone: the report in the default zone, the message beside
    the field) and marked the request (`request.state.input_error`, see `web/query.py`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            state = scope.get("state") or {}
            start = message["type"] == "http.response.start"
            if start and state.get("input_error") and message["status"] == 200:
                message = {**message, "status": 400}
            await send(message)

        await self.app(scope, receive, sending)


def install(app: FastAPI) -> None:
    """Route every kind of error through `error_response`."""
    app.add_middleware(KeptInputErrors)
    # Outside every middleware added before this call (sessions): an error in them is ours too.
    app.add_middleware(InternalErrors)

    @app.exception_handler(LabelpulseError)
    async def labelpulse_error(request: Request, exc: LabelpulseError) -> Response:
        response = error_response(request, STATUS.get(exc.code, 400), exc.as_dict())
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        details = [
            {
                "field": ".".join(str(part) for part in err.get("loc", ())[1:]) or None,
                "message": err.get("msg", ""),
            }
            for err in exc.errors()
        ]
        fields = ", ".join(str(d["field"]) for d in details if d["field"])
        message = f"invalid request: {fields}" if fields else "invalid request"
        return error_response(request, 400, error_body("bad_request", message, details))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = _CODES.get(exc.status_code, "error")
        message = str(exc.detail) if exc.detail else code.replace("_", " ")
        response = error_response(request, exc.status_code, error_body(code, message))
        if exc.status_code == 405:
            response.headers["Allow"] = allowed_methods(request, exc)
        return response

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:
        # Only for an error in a middleware added after `install` (InternalErrors has the rest).
        return internal_response(request, exc)
