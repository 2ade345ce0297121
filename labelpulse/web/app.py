"""The web application: pages, the JSON API, static files and one error shape, over one store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from labelpulse import __version__
from labelpulse.config import Settings, load_settings
from labelpulse.connectors.labelstudio import Applier
from labelpulse.store import Store, connect
from labelpulse.web import (
    admin,
    api,
    apidocs,
    compression,
    errors,
    headers,
    hooks,
    openapi,
    pages,
    pay,  # PAY
    rates,
    signin,
)
from labelpulse.web.assets import Assets, StaticAssets
from labelpulse.web.auth import SESSION_COOKIE, SESSION_DAYS, session_secret
from labelpulse.web.background import Job
from labelpulse.web.filters import install_filters
from labelpulse.web.priority import WritesFirst

HERE = Path(__file__).parent


def create_app(
    store: Store | None = None,
    settings: Settings | None = None,
    jobs: Sequence[Job] = (),
    label_studio: Applier | None = None,
) -> FastAPI:
    """The app over `store` (default: the settings' database), running `jobs` while it serves.

    `label_studio`: the applier over `store` that Label Studio's webhooks write through, given
    when a job (a periodic sync) writes through it too; default: one of the app's own."""
    settings = settings or load_settings()
    store = store or connect(settings.db)
    opened = store

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await hooks.warm_up(app, opened)
        for job in jobs:
            job.start(opened)
        try:
            yield
        finally:
            for job in jobs:
                job.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="labelpulse",
        version=__version__,
        description=(
            "Analytics for data-labeling teams. Every report takes `from`, `to`, `tz`, "
            "`project`, `workspace` and `member`, and answers only with what the asker may see."
        ),
        docs_url=None,  # apidocs serves /docs, from this server's own files
        redoc_url=None,
    )
    app.state.store = store
    app.state.settings = settings
    app.state.priority = WritesFirst()
    app.state.label_studio = label_studio or Applier(store)
    templates = Jinja2Templates(directory=HERE / "templates")
    install_filters(templates.env)
    assets = Assets()
    app.state.assets = assets
    # `static_url('app.css')`: the file's URL with its content hash, cached for a year.
    templates.env.globals["static_url"] = assets.url
    app.state.templates = templates
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(store),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_DAYS * 86_400,
        same_site="lax",
    )
    errors.install(app)
    compression.install(app)
    # Last, so outermost: its headers reach every answer, errors too, and it sees the session
    # cookie to mark it Secure over https.
    headers.install(app)
    app.include_router(api.router)
    app.include_router(hooks.router)
    app.include_router(signin.router)
    app.include_router(pages.router)
    app.include_router(admin.router)
    app.include_router(rates.api)  # RATES: GET and DELETE /api/rates
    app.include_router(rates.pages)  # RATES: /pay/rates
    app.include_router(pay.router)  # PAY
    app.include_router(pay.api_router)  # PAY
    openapi.install(app)
    apidocs.install(app, assets)
    # The app's own files, plotly.js (charts work with no network) and Swagger UI (/docs).
    app.mount("/static", StaticAssets(assets), name="static")

    return app
