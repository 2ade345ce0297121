"""One error shape for every error: `{"error": {"code", "message", "details"}}`, and its page.

A browser (Accept: text/html) gets an HTML page with the same message instead, or for 401 a
redirect to the sign-in page that comes back to the same question.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response

from labelpulse.access import Viewer
from labelpulse.access.policy import check_member
from labelpulse.config import Settings
from labelpulse.store import Store
from labelpulse.web.app import create_app
from labelpulse.web.auth import page_viewer
from labelpulse.web.errors import STATUS
from tests.web.conftest import EMAILS, PASSWORD, WINDOW, csrf_of

HTML = {"Accept": "text/html,application/xhtml+xml"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def bad_event(**more: Any) -> dict[str, Any]:
    return {
        "id": "x1",
        "type": "annotation.submitted",
        "time": "2026-03-06T08:00:00Z",
        "actor": "ann",
        "project": "p-cars",
        "task": "t",
        "annotation": "x1",
        **more,
    }


def assert_error_shape(response: Response, status: int, what: str) -> dict[str, Any]:
    assert response.status_code == status, (what, response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/json"), what
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, (what, body)
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, (what, error)
    assert isinstance(error["code"], str) and error["code"], what
    assert isinstance(error["message"], str) and error["message"].strip(), what
    assert isinstance(error["details"], list), what
    assert STATUS[error["code"]] == status, (what, error["code"])
    return dict(error)


def test_every_error_has_one_shape(
    app: FastAPI,
    org_store: Store,
    anonymous: TestClient,
    token_for: Callable[[str, str], str],
) -> None:
    owner = bearer(token_for("own", "read"))
    anna = bearer(token_for("ann", "read"))
    ingest = bearer(token_for("own", "ingest"))
    small = TestClient(create_app(org_store, Settings(db=org_store.url, max_request_mb=0.001)))
    get, post = anonymous.get, anonymous.post
    cases: list[tuple[str, Callable[[], Response], int, str]] = [
        ("no credentials", lambda: get("/api/me"), 401, "unauthorized"),
        (
            "no credentials, export",
            lambda: get("/api/reports/members", params={"format": "csv"}),
            401,
            "unauthorized",
        ),
        (
            "unknown token",
            lambda: get("/api/me", headers=bearer("lp_abc_def")),
            401,
            "unauthorized",
        ),
        ("ingest without a token", lambda: post("/api/events", json=[]), 401, "unauthorized"),
        (
            "another member's report",
            lambda: get("/api/members/ann2/report", params=WINDOW, headers=anna),
            403,
            "forbidden",
        ),
        (
            "a project not hers",
            lambda: get("/api/reports/items", params={**WINDOW, "project": "p-inv"}, headers=anna),
            403,
            "forbidden",
        ),
        ("ingest token reads", lambda: get("/api/me", headers=ingest), 403, "forbidden"),
        (
            "read token ingests",
            lambda: post("/api/events", json=[], headers=owner),
            403,
            "forbidden",
        ),
        ("unknown route", lambda: get("/api/nope", headers=owner), 404, "not_found"),
        ("unknown route, anonymous", lambda: get("/api/nope"), 404, "not_found"),
        (
            "unknown member",
            lambda: get("/api/members/nobody/report", params=WINDOW, headers=owner),
            404,
            "not_found",
        ),
        (
            "bad date",
            lambda: get("/api/reports/members", params={"from": "2026-02-30"}, headers=owner),
            400,
            "bad_request",
        ),
        (
            "not a date",
            lambda: get("/api/reports/members", params={"to": "yesterday"}, headers=owner),
            400,
            "bad_request",
        ),
        (
            "window backwards",
            lambda: get(
                "/api/reports/members",
                params={"from": "2026-03-06", "to": "2026-03-02"},
                headers=owner,
            ),
            400,
            "bad_request",
        ),
        (
            "bad time zone",
            lambda: get(
                "/api/reports/work", params={**WINDOW, "tz": "Mars/Olympus"}, headers=owner
            ),
            400,
            "bad_request",
        ),
        (
            "bad format value",
            lambda: get("/api/reports/members", params={**WINDOW, "format": "pdf"}, headers=owner),
            400,
            "bad_request",
        ),
        (
            "two members for one report",
            lambda: get(
                "/api/reports/timeline",
                params=[("member", "ann"), ("member", "rev")],
                headers=owner,
            ),
            400,
            "bad_request",
        ),
        (
            "body not JSON",
            lambda: post("/api/events", content=b"{oops", headers=ingest),
            400,
            "bad_request",
        ),
        (
            "wrong method on a report",
            lambda: post("/api/reports/members", headers=owner),
            405,
            "method_not_allowed",
        ),
        (
            "wrong method on ingest",
            lambda: anonymous.delete("/api/events"),
            405,
            "method_not_allowed",
        ),
        (
            "body too large",
            lambda: small.post("/api/events", content=b"[" + b" " * 4096 + b"]", headers=ingest),
            413,
            "too_large",
        ),
        (
            "bad records",
            lambda: post("/api/events", json=[bad_event(durration=1)], headers=ingest),
            422,
            "invalid_records",
        ),
        (
            "conflict",
            lambda: post("/api/events", json=[bad_event(id="e1")], headers=ingest),
            422,
            "invalid_records",
        ),
    ]
    seen: dict[int, int] = {}
    for what, send, status, code in cases:
        error = assert_error_shape(send(), status, what)
        assert error["code"] == code, what
        seen[status] = seen.get(status, 0) + 1
    assert set(seen) == {400, 401, 403, 404, 405, 413, 422}
    small.close()


def test_error_details_name_what_was_wrong(
    anonymous: TestClient, token_for: Callable[[str, str], str]
) -> None:
    anna = bearer(token_for("ann", "read"))
    refused = anonymous.get("/api/members/ann2/timeline", params=WINDOW, headers=anna).json()
    assert refused["error"]["details"] == [{"field": "member", "value": "ann2"}]
    wrong = anonymous.get("/api/reports/members", params={"format": "pdf"}, headers=anna).json()
    assert [d["field"] for d in wrong["error"]["details"]] == ["format"]
    ingest = bearer(token_for("own", "ingest"))
    bad = anonymous.post("/api/events", json=[bad_event(durration=1)], headers=ingest).json()
    assert [(d["position"], d["id"], d["field"]) for d in bad["error"]["details"]] == [
        (1, "x1", "durration")
    ]


# ---------------------------------------------------------------- browsers


Asker = Annotated[Viewer, Depends(page_viewer)]


def probe_page(viewer: Asker) -> dict[str, str]:
    return {"viewer": viewer.id}


def probe_member(member_id: str, viewer: Asker) -> dict[str, str]:
    check_member(viewer, member_id)
    return {"member": member_id}


def add_probe_pages(app: FastAPI) -> None:
    """Two page routes that lean on the page guard and the policy, as every page does.

    They keep these tests about errors.py, whatever the dashboard pages look like.
    """
    app.add_api_route("/_probe/page", probe_page, methods=["GET"], include_in_schema=False)
    app.add_api_route(
        "/_probe/members/{member_id}", probe_member, methods=["GET"], include_in_schema=False
    )


def assert_error_page(response: Response, status: int, message: str) -> None:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    assert html.escape(message, quote=True) in response.text or message in response.text
    assert "<html" in response.text.lower()


def test_browser_gets_a_page_for_403_and_404(
    app: FastAPI, anonymous: TestClient, signed_in: Callable[[str], TestClient]
) -> None:
    add_probe_pages(app)
    assert_error_page(anonymous.get("/no-such-page", headers=HTML), 404, "Not Found")
    # A stale sign-in form (no CSRF token): refused with a page, not JSON.
    stale = anonymous.post("/login", data={"email": "x@y.z", "password": "p"}, headers=HTML)
    assert_error_page(stale, 403, "the form is stale")
    anna = signed_in("annotator")
    assert anna.get("/_probe/members/ann", headers=HTML).json() == {"member": "ann"}
    assert_error_page(
        anna.get("/_probe/members/ann2", headers=HTML), 403, "you may see only your own work"
    )
    # The API answers JSON, whatever the browser accepts.
    api = anna.get("/api/members/ann2/report", headers=HTML)
    assert_error_shape(api, 403, "API from a browser")
    assert_error_shape(anna.get("/api/nope", headers=HTML), 404, "unknown API route")


def test_browser_not_signed_in_is_sent_to_sign_in_and_back(
    app: FastAPI, anonymous: TestClient
) -> None:
    add_probe_pages(app)
    response = anonymous.get(
        "/_probe/page",
        params={"from": "2026-03-02", "to": "2026-03-06"},
        headers=HTML,
        follow_redirects=False,
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/login?next=/_probe/page")
    # The sign-in form carries the whole question back, and signing in returns to it.
    login = anonymous.get(location)
    assert login.status_code == 200
    assert 'value="/_probe/page?from=2026-03-02&amp;to=2026-03-06"' in login.text
    signed = anonymous.post(
        "/login",
        data={
            "email": EMAILS["ann"],
            "password": PASSWORD,
            "csrf": csrf_of(login.text),
            "next": "/_probe/page?from=2026-03-02&to=2026-03-06",
        },
        follow_redirects=False,
    )
    assert signed.status_code == 303
    assert signed.headers["location"] == "/_probe/page?from=2026-03-02&to=2026-03-06"
    assert anonymous.get(signed.headers["location"], headers=HTML).json() == {"viewer": "ann"}
    # An API client is not redirected: it gets the 401 body.
    anonymous.cookies.clear()
    assert_error_shape(anonymous.get("/api/me", headers=HTML), 401, "API from a browser")
