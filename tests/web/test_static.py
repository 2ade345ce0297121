"""Static files (issue 15): gzip on the wire, a year's cache on hashed URLs, hashes that follow
the content, and /docs served from this server with no other origin."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from labelpulse.web.assets import IMMUTABLE, PLOTLY_JS, REVALIDATE, Assets
from labelpulse.web.headers import CONTENT_SECURITY_POLICY
from tests.web.conftest import WINDOW

GZIP = {"Accept-Encoding": "gzip"}


def raw(
    client: TestClient, url: str, headers: dict[str, str] | None = None
) -> tuple[int, bytes, dict[str, str]]:
    """The status, the bytes as sent (not decoded) and the headers of a GET."""
    with client.stream("GET", url, headers=headers or {}) as response:
        body = b"".join(response.iter_raw())
        return response.status_code, body, dict(response.headers)


def test_pages_reference_static_files_by_content_hash(
    signed_in: Callable[[str], TestClient],
) -> None:
    client = signed_in("annotator")
    html = client.get("/", params=WINDOW).text
    assets = Assets()
    for name in ("app.css", "vendor/plotly.min.js", "charts.js"):
        assert f'"/static/{name}?v={assets.digest(name)}"' in html, name


def test_hashed_urls_are_cached_for_a_year_others_revalidate(anonymous: TestClient) -> None:
    assets = Assets()
    for name in (
        "app.css",
        "charts.js",
        "vendor/plotly.min.js",
        "vendor/swagger-ui/swagger-ui.css",
    ):
        hashed = anonymous.get(assets.url(name))
        assert hashed.status_code == 200, name
        assert hashed.headers["cache-control"] == IMMUTABLE == "public, max-age=31536000, immutable"
        plain = anonymous.get(f"/static/{name}")
        assert plain.status_code == 200 and plain.content == hashed.content, name
        assert plain.headers["cache-control"] == REVALIDATE
        stale = anonymous.get(f"/static/{name}?v=00000000")
        assert stale.headers["cache-control"] == REVALIDATE, "an old hash is not this content"
    assert anonymous.get("/static/../app.py").status_code == 404
    assert anonymous.get("/static/vendor/swagger-ui/../../app.py").status_code == 404


def test_the_hash_follows_the_content(tmp_path: Path) -> None:
    (tmp_path / "app.css").write_text("body { color: black; }")
    assets = Assets(tmp_path, extra={})
    before = assets.url("app.css")
    assert re.fullmatch(r"/static/app\.css\?v=[0-9a-f]{8}", before)
    assert assets.url("app.css") == before  # the same content, the same URL
    (tmp_path / "app.css").write_text("body { color: navy; }")
    assert assets.url("app.css") != before


def test_static_files_go_gzipped_with_exact_length_and_their_own_etag(
    anonymous: TestClient,
) -> None:
    url = Assets().url("vendor/plotly.min.js")
    status, body, headers = raw(anonymous, url, GZIP)
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert int(headers["content-length"]) == len(body)
    assert gzip.decompress(body) == PLOTLY_JS.read_bytes()
    assert len(body) < PLOTLY_JS.stat().st_size / 3  # 4.8 MB to about 1.4 MB
    assert headers["etag"].endswith('-gzip"') and "accept-encoding" in headers["vary"].lower()
    # a cache that holds the gzipped copy revalidates it by its own ETag
    again = anonymous.get(url, headers={**GZIP, "If-None-Match": headers["etag"]})
    assert again.status_code == 304
    plain_status, plain, plain_headers = raw(anonymous, url, {"Accept-Encoding": "identity"})
    assert plain_status == 200 and plain == PLOTLY_JS.read_bytes()
    assert "content-encoding" not in plain_headers and plain_headers["etag"] != headers["etag"]


def test_pages_and_api_answers_are_gzipped_small_ones_not(
    signed_in: Callable[[str], TestClient], anonymous: TestClient
) -> None:
    client = signed_in("owner")
    status, body, headers = raw(
        client, "/org/members?" + "&".join(f"{k}={v}" for k, v in WINDOW.items()), GZIP
    )
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert b"<html" in gzip.decompress(body)
    status, body, headers = raw(anonymous, "/api/health", GZIP)
    assert status == 200 and "content-encoding" not in headers  # under 1 KB: as it is


def test_streamed_csv_stays_streamed_and_zip_xlsx_are_not_recompressed(
    signed_in: Callable[[str], TestClient],
) -> None:
    client = signed_in("owner")
    query = "&".join(f"{k}={v}" for k, v in WINDOW.items())
    status, body, headers = raw(client, f"/api/reports/items?{query}&format=csv", GZIP)
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert "content-length" not in headers  # streamed: sent as it is written
    assert gzip.decompress(body).decode().startswith("project,")
    for fmt in ("zip", "xlsx"):
        status, body, headers = raw(client, f"/api/reports/members?{query}&format={fmt}", GZIP)
        assert status == 200 and "content-encoding" not in headers, fmt
        assert body[:2] == b"PK", fmt  # the ZIP container itself, not gzip around it


def test_docs_load_swagger_ui_from_this_server(anonymous: TestClient) -> None:
    response = anonymous.get("/docs")
    assert response.status_code == 200
    html = response.text
    sources = re.findall(r'<(?:script src|link rel="stylesheet" href)="([^"]+)"', html)
    assert sources and all(src.startswith("/static/") for src in sources), sources
    assert any("vendor/swagger-ui/swagger-ui-bundle.js?v=" in src for src in sources)
    for src in sources:
        assert anonymous.get(src).status_code == 200, src
    assert not re.search(r"(https?:)?//", html)  # no other origin in the page
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "http" not in CONTENT_SECURITY_POLICY  # ... nor in its policy
    assert 'data-openapi-url="/openapi.json"' in html
