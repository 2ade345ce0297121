"""Static files under /static: the app's own (static/), plotly.js and Swagger UI from their
packages, each reachable by a URL that carries a hash of its content.

`static_url("app.css")` is `/static/app.css?v=<first 8 hex digits of its SHA-256>`: such a
URL never changes meaning, so it is cached for a year (`immutable`); a new release changes the
hash and so the URL. A URL without the hash, or with an old one, still answers, but must be
revalidated (`no-cache`, answered 304 by ETag when unchanged).
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.resources
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qs

import anyio
import plotly
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.types import Scope

HERE = Path(__file__).parent
STATIC = HERE / "static"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
DIGITS = 8
GZIP_LEVEL = 9
COMPRESSIBLE = ("application/javascript", "application/json", "image/svg+xml")


def swagger_ui_dir() -> Path:
    """Swagger UI's files, as the `swagger-ui-bundle-v2` package ships them."""
    vendor = Path(str(importlib.resources.files("swagger_ui_bundle"))) / "vendor"
    found = sorted(vendor.glob("swagger-ui-*"))
    if not found:
        raise RuntimeError(f"no Swagger UI in {vendor}: reinstall swagger-ui-bundle-v2")
    return found[-1]


def vendored() -> dict[str, Path]:
    """URL paths under /static/ (a file, or a folder ending in /) that packages provide."""
    return {"vendor/plotly.min.js": PLOTLY_JS, "vendor/swagger-ui/": swagger_ui_dir()}


class Assets:
    """Where each static file is, and its content hash (kept until the file changes)."""

    def __init__(self, directory: Path = STATIC, extra: Mapping[str, Path] | None = None) -> None:
        self.directory = directory
        self.extra = dict(vendored() if extra is None else extra)
        self._digests: dict[str, tuple[tuple[int, int], str]] = {}

    def path(self, name: str) -> Path | None:
        """The file behind /static/`name`, or None."""
        name = os.path.normpath(name).replace(os.sep, "/")
        if name.startswith(("/", "..")) or name == ".":
            return None
        for prefix, target in self.extra.items():
            if prefix.endswith("/") and name.startswith(prefix):
                return _inside(target, name.removeprefix(prefix))
            if name == prefix:
                return target
        return _inside(self.directory, name)

    def digest(self, name: str) -> str:
        """The first hex digits of the SHA-256 of the file's content."""
        path = self.path(name)
        if path is None or not path.is_file():
            raise FileNotFoundError(f"no static file {name!r}")
        stat = path.stat()
        key = (stat.st_mtime_ns, stat.st_size)
        held = self._digests.get(name)
        if held is None or held[0] != key:
            held = (key, hashlib.sha256(path.read_bytes()).hexdigest()[:DIGITS])
            self._digests[name] = held
        return held[1]

    def url(self, name: str) -> str:
        """The file's URL with its content hash: cached for a year by browsers and proxies."""
        return f"/static/{name}?v={self.digest(name)}"


def _inside(root: Path, name: str) -> Path | None:
    path = (root / name).resolve()
    return path if path.is_relative_to(root.resolve()) else None


class StaticAssets(StaticFiles):
    """/static over `Assets`: ETag and 304s as StaticFiles does, and the caching of the hash."""

    def __init__(self, assets: Assets) -> None:
        super().__init__(directory=assets.directory)
        self.assets = assets
        self._gzips: dict[str, tuple[tuple[int, int], bytes]] = {}

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        found = self.assets.path(path)
        if found is None:
            return "", None
        try:
            return str(found), found.stat()
        except (FileNotFoundError, NotADirectoryError):
            return "", None

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        # Hashing (and gzipping) a file reads it whole: once per file and change, in a thread.
        return await anyio.to_thread.run_sync(self._finish, path, response, scope)

    def _finish(self, path: str, response: Response, scope: Scope) -> Response:
        """The caching that the URL's hash allows, and the gzipped body when it is asked for."""
        name = path.replace(os.sep, "/")
        asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v", [])
        fresh = bool(asked) and asked[-1] == self.assets.digest(name)
        response.headers["Cache-Control"] = IMMUTABLE if fresh else REVALIDATE
        headers = Headers(scope=scope)
        if (
            isinstance(response, FileResponse)
            and response.status_code == 200
            and "gzip" in headers.get("accept-encoding", "")
            and _compressible(response.media_type)
        ):
            return self._gzipped(name, response, headers)
        return response

    def _gzipped(self, name: str, response: FileResponse, request: Headers) -> Response:
        """The file gzipped once (kept while it is unchanged), with its own ETag and exact
        Content-Length; the GZip middleware leaves an answer that is already encoded alone."""
        stat = Path(response.path).stat()
        key = (stat.st_mtime_ns, stat.st_size)
        held = self._gzips.get(name)
        if held is None or held[0] != key:
            held = (key, gzip.compress(Path(response.path).read_bytes(), GZIP_LEVEL, mtime=0))
            self._gzips[name] = held
        etag = response.headers["etag"].removesuffix('"') + '-gzip"'
        headers = {
            "ETag": etag,
            "Last-Modified": response.headers["last-modified"],
            "Cache-Control": response.headers["cache-control"],
            "Content-Encoding": "gzip",
            "Vary": "Accept-Encoding",
        }
        if etag in [tag.strip().removeprefix("W/") for tag in
                    request.get("if-none-match", "").split(",")]:  # fmt: skip
            return Response(status_code=304, headers=headers)
        return Response(held[1], media_type=response.media_type, headers=headers)


def _compressible(media_type: str | None) -> bool:
    kind = (media_type or "").partition(";")[0].strip()
    return kind.startswith("text/") or kind in COMPRESSIBLE
