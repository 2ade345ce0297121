"""Security headers on every response, and the session cookie `Secure` over https.

Pages run no inline script (charts read their data from `<script type="application/json">`
blocks through /static/charts.js), so the Content-Security-Policy allows scripts from this
origin only. /docs (Swagger UI, loaded from its CDN by FastAPI) gets a policy of its own that
names that CDN and the hash of its one inline script, nothing wider.

The session cookie is marked `Secure` exactly when the request came over https: the scheme
uvicorn reports, which behind a proxy (`labelpulse serve --behind-proxy`) is the one the proxy
says it received in `X-Forwarded-Proto`. Starlette's SessionMiddleware only knows a fixed
`https_only`, so this wraps the response instead of changing it.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# plotly.js styles what it draws with inline `style` attributes and a <style> element it adds,
# hence 'unsafe-inline' for styles only; scripts stay strictly same-origin.
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
SWAGGER_CDN = "https://cdn.jsdelivr.net"
SWAGGER_FAVICON = "https://fastapi.tiangolo.com"


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


def docs_page(app: FastAPI) -> HTMLResponse:
    """Swagger UI as FastAPI serves it, with a CSP that allows exactly what it loads."""
    response = get_swagger_ui_html(openapi_url=app.openapi_url or "", title=f"{app.title} - API")
    html = bytes(response.body).decode()
    inline = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in inline
    )
    policy = "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' {SWAGGER_CDN} {hashes}",
            f"style-src 'self' 'unsafe-inline' {SWAGGER_CDN}",
            f"img-src 'self' data: {SWAGGER_FAVICON}",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )
    response.headers["Content-Security-Policy"] = policy
    return response


def install(app: FastAPI) -> None:
    """The headers middleware, and /docs with its own policy (create the app with docs_url=None)."""
    app.add_middleware(SecurityHeaders)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return docs_page(app)
