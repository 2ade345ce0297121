"""Security headers on every response, Secure session cookies over https, Allow on 405.

In-process against the real app (TestClient); `serve --behind-proxy` against a real server.
"""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from labelpulse.config import Settings, load_settings
from labelpulse.errors import UsageError
from labelpulse.store import Store
from labelpulse.web.auth import SESSION_COOKIE
from labelpulse.web.headers import CONTENT_SECURITY_POLICY
from tests.web.conftest import WINDOW
from tests.web.serving import served

HTML = {"Accept": "text/html"}


def directives(policy: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


# Pages, API answers, errors, downloads, static files: every kind of response the app gives.
RESPONSES = [
    ("GET", "/login", None, 200),
    ("GET", "/", "annotator", 200),
    ("GET", "/admin/members", "admin", 200),
    ("GET", "/api/me", "annotator", 200),
    ("GET", "/api/reports/members?format=csv", "admin", 200),
    ("GET", "/api/health", None, 200),
    ("GET", "/api/nowhere", None, 404),
    ("GET", "/admin/members", "annotator", 403),
    ("DELETE", "/login", None, 405),
    ("GET", "/static/charts.js", None, 200),
    ("GET", "/static/vendor/plotly.min.js", None, 200),
    ("GET", "/openapi.json", None, 200),
]


@pytest.mark.parametrize(("method", "path", "who", "status"), RESPONSES)
def test_every_response_carries_the_security_headers(
    signed_in: Callable[[str], TestClient],
    anonymous: TestClient,
    method: str,
    path: str,
    who: str | None,
    status: int,
) -> None:
    client = signed_in(who) if who else anonymous
    response = client.request(method, path, params=WINDOW if "reports" in path else None)
    assert response.status_code == status, response.text
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]  # no inline script, no eval, no other origin
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]


def test_pages_have_no_inline_script(signed_in: Callable[[str], TestClient]) -> None:
    """What the CSP forbids, the pages must not need: every <script> has a src or is data."""
    client = signed_in("owner")
    for path in ("/", "/members/ann", "/org/members", "/projects", "/insights", "/work",
                 "/admin/members", "/login"):  # fmt: skip
        html = client.get(path, params=WINDOW, headers=HTML).text
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
        assert not re.search(r"\son[a-z]+\s*=", html), path  # no onclick= and the like


def test_docs_get_the_pages_policy_and_no_inline_script(anonymous: TestClient) -> None:
    """Swagger UI comes from this server (labelpulse.web.apidocs): no CDN, no inline script."""
    response = anonymous.get("/docs")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL) == []
    assert not re.search(r"(https?:)?//", response.text)  # no other origin
    assert response.headers["X-Frame-Options"] == "DENY"


def _session_cookie(response: Any) -> str:
    cookies = [c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)]
    assert len(cookies) == 1, response.headers
    return str(cookies[0])


def test_session_cookie_is_secure_exactly_over_https(app: Any) -> None:
    with TestClient(app, base_url="https://labelpulse.test") as client:
        cookie = _session_cookie(client.get("/login"))
        assert re.search(r";\s*secure\b", cookie, re.IGNORECASE), cookie
        assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    with TestClient(app, base_url="http://labelpulse.test") as client:
        cookie = _session_cookie(client.get("/login"))
        assert "secure" not in cookie.lower(), cookie


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/login", "GET, POST"),  # two routes share the path: both methods named
        ("PUT", "/api/events", "POST"),
        ("POST", "/api/health", "GET"),
        ("PATCH", "/api/members", "POST"),
        ("POST", "/api/members/ann/report", "GET"),
        ("DELETE", "/admin/members", "GET, POST"),
        ("POST", "/static/app.css", "GET, HEAD"),
    ],
)
def test_405_says_which_methods_the_path_takes(
    anonymous: TestClient, method: str, path: str, allow: str
) -> None:
    response = anonymous.request(method, path)
    assert response.status_code == 405
    assert response.headers["Allow"] == allow
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_405_page_for_a_browser_says_allow_too(anonymous: TestClient) -> None:
    response = anonymous.request("DELETE", "/login", headers=HTML)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, POST"
    assert response.headers["content-type"].startswith("text/html")


# ---- a real server behind a proxy -------------------------------------------------------------


def _login_cookie(url: str, forwarded_proto: str) -> str:
    request = urllib.request.Request(f"{url}/login", headers={"X-Forwarded-Proto": forwarded_proto})
    with urllib.request.urlopen(request, timeout=10) as response:
        cookies = [c for c in response.headers.get_all("set-cookie") or []
                   if c.startswith(SESSION_COOKIE)]  # fmt: skip
    assert len(cookies) == 1
    return str(cookies[0]).lower()


@pytest.fixture
def db_file(org_store: Store, tmp_path: Path) -> Path:
    path = Path(org_store.url)
    org_store.close()
    return path


def test_behind_proxy_a_forwarded_https_makes_the_cookie_secure(db_file: Path) -> None:
    with served(db_file, "--behind-proxy") as url:
        assert "secure" in _login_cookie(url, "https")
        assert "secure" not in _login_cookie(url, "http")


def test_without_behind_proxy_forwarded_headers_do_not_count(db_file: Path) -> None:
    with served(db_file) as url:
        assert "secure" not in _login_cookie(url, "https")


def test_behind_proxy_from_the_environment(db_file: Path) -> None:
    with served(db_file, env={"LABELPULSE_BEHIND_PROXY": "true"}) as url:
        assert "secure" in _login_cookie(url, "https")


def test_behind_proxy_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LABELPULSE_CONFIG", raising=False)
    monkeypatch.delenv("LABELPULSE_BEHIND_PROXY", raising=False)
    assert load_settings().behind_proxy is False
    (tmp_path / "labelpulse.toml").write_text("behind_proxy = true\n")
    assert load_settings().behind_proxy is True
    monkeypatch.setenv("LABELPULSE_BEHIND_PROXY", "no")
    assert load_settings() == Settings(behind_proxy=False)
    monkeypatch.setenv("LABELPULSE_BEHIND_PROXY", "maybe")
    with pytest.raises(UsageError, match="behind_proxy must be true or false"):
        load_settings()
