"""/docs: Swagger UI over /openapi.json, its files served from this server (`swagger-ui-bundle-v2`
under /static/vendor/swagger-ui/), so the page works with no network and under the same
Content-Security-Policy as every page: no inline script, no other origin."""

from __future__ import annotations

from html import escape

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from labelpulse.web.assets import Assets


def docs_html(assets: Assets, title: str, openapi_url: str) -> str:
    css = assets.url("vendor/swagger-ui/swagger-ui.css")
    bundle = assets.url("vendor/swagger-ui/swagger-ui-bundle.js")
    start = assets.url("docs.js")
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{escape(title)}</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="{escape(css)}">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{escape(openapi_url)}"></div>
<script src="{escape(bundle)}"></script>
<script src="{escape(start)}"></script>
</body>
</html>
"""


def install(app: FastAPI, assets: Assets) -> None:
    """/docs (create the app with docs_url=None, so that FastAPI's CDN page is not served)."""

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(docs_html(assets, f"{app.title} - API", app.openapi_url or ""))
