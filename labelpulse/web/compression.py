"""Responses gzip-compressed when the client accepts it (Starlette's GZipMiddleware).

Bodies under `MINIMUM_SIZE` are sent as they are (compressing them saves nothing worth the
header); ZIP and Excel files are compressed already and pass through. A streamed download
(CSV, JSON, ZIP of a paged report) stays streamed: each piece is compressed and flushed as it
comes, with no Content-Length. A compressed body is not the bytes its strong ETag named, so
the ETag is made weak (`W/`) on the way out. Static files come gzipped from `assets`, with an
ETag of their own, and the middleware leaves them alone.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MINIMUM_SIZE = 1024
LEVEL = 6
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXCLUDED = (*DEFAULT_EXCLUDED_CONTENT_TYPES, XLSX)


class WeakETags:
    """Marks the ETag of a response that GZipMiddleware (inside this) compressed as weak."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_weak(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                etag = headers.get("etag")
                compressed = headers.get("content-encoding") == "gzip"
                if compressed and etag and not etag.startswith("W/") and "-gzip" not in etag:
                    headers["etag"] = "W/" + etag
            await send(message)

        await self.app(scope, receive, send_weak)


def install(app: FastAPI) -> None:
    """GZip on every response worth it; call before the middlewares that must see the
    compressed answer (security headers) are added."""
    app.add_middleware(
        GZipMiddleware, minimum_size=MINIMUM_SIZE, compresslevel=LEVEL,
        exclude_content_types=EXCLUDED,
    )  # fmt: skip
    app.add_middleware(WeakETags)
