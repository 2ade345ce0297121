"""Security headers on every response, and the session cookie `Secure` over https.

Pages run no inline script (charts read their data from `<script type="application/json">`
blocks through /static/charts.js), so the Content-Security-Policy allows scripts from this
origin only. /docs too: Swagger UI's files come from this server (`labelpulse.web.apidocs`),
so one policy fits every page and names no other origin.

The session cookie is marked `Secure` exactly when the request came over https: the scheme
uvicorn reports, which behind a proxy (`labelpulse serve --behind-proxy`) is the one the proxy
says it received in `X-Forwarded-Proto`. Starlette's SessionMiddleware only knows a fixed
`https_only`, so this wraps the response instead of changing it.
"""

from __future__ import annotations

import re

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# plotly.js (and Swagger UI on /docs) style what they draw with inline `style` attributes and
# <style> elements they add, hence 'unsafe-inline' for styles only; scripts stay same-origin.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class SecurityHeaders:
    """Adds the headers above to every HTTP response (a route's own CSP wins), and `Secure`
    to every cookie set over https."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                if https:
                    _secure_cookies(headers)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _secure_cookies(headers: MutableHeaders) -> None:
    cookies = headers.getlist("set-cookie")
    if not cookies:
        return
    del headers["set-cookie"]
    for cookie in cookies:
        if not re.search(r";\s*secure\s*(;|$)", cookie, re.IGNORECASE):
            cookie += "; secure"
        headers.append("set-cookie", cookie)


def install(app: FastAPI) -> None:
    """The headers middleware: added last, so that it wraps every answer."""
    app.add_middleware(SecurityHeaders)
