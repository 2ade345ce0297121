"""An unexpected error answers our 500, logs its traceback, and leaves the connection usable.

Over a real socket to a real uvicorn: a keep-alive client whose request fails sends its next
request on the same connection, and gets its answer.
"""

from __future__ import annotations

import http.client
import json
import logging
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI

from labelpulse.config import Settings
from labelpulse.store import Store
from labelpulse.web.app import create_app
from tests.web.live import serving


class Broken(Exception):
    """What the failing route raises: no error of ours, so the server did not expect it."""


def failing_app(store: Store) -> FastAPI:
    app = create_app(store, Settings(db=store.url, timezone="UTC"))

    def fail() -> dict[str, Any]:
        raise Broken("secret detail 42")

    app.add_api_route("/api/fail", fail, methods=["GET"])
    app.add_api_route("/fail-page", fail, methods=["GET"])
    return app


def test_an_internal_error_keeps_the_connection_open(
    org_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    with serving(failing_app(org_store)) as url:
        conn = http.client.HTTPConnection(urlsplit(url).netloc, timeout=30)
        try:
            conn.request("GET", "/api/health")
            assert conn.getresponse().read()
            sock = conn.sock
            assert sock is not None
            local = sock.getsockname()

            conn.request("GET", "/api/fail")
            failed = conn.getresponse()
            body = json.loads(failed.read())
            assert failed.status == 500
            assert failed.getheader("content-type") == "application/json"
            assert body == {
                "error": {"code": "internal", "message": "internal error: Broken", "details": []}
            }
            assert "close" not in (failed.getheader("connection") or "")

            conn.request("GET", "/api/health")  # on the same connection
            again = conn.getresponse()
            assert again.status == 200
            assert json.loads(again.read())["status"] == "ok"
            assert conn.sock is sock and sock.getsockname() == local
        finally:
            conn.close()
    logged = [r for r in caplog.records if r.name == "labelpulse.web" and r.exc_info]
    assert logged, "the traceback was not logged"
    assert "GET /api/fail" in logged[0].getMessage()
    assert isinstance(logged[0].exc_info and logged[0].exc_info[1], Broken)


def test_an_internal_error_page_for_a_browser(org_store: Store) -> None:
    with serving(failing_app(org_store)) as url:
        conn = http.client.HTTPConnection(urlsplit(url).netloc, timeout=30)
        try:
            logging.getLogger("labelpulse.web").disabled = True  # expected; not the point here
            conn.request("GET", "/fail-page", headers={"Accept": "text/html"})
            failed = conn.getresponse()
            page = failed.read().decode()
            assert failed.status == 500
            assert failed.getheader("content-type", "").startswith("text/html")
            assert "internal error: Broken" in page and "secret detail" not in page
            conn.request("GET", "/api/health")
            assert conn.getresponse().status == 200
        finally:
            logging.getLogger("labelpulse.web").disabled = False
            conn.close()
