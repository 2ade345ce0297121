"""The Label Studio REST calls the connector makes (standard library only).

A token is either a legacy API token (`Authorization: Token ...`) or a personal access token
(a JWT refresh token, exchanged at `POST /api/token/refresh` for an access token sent as
`Bearer`, and exchanged again when it expires). Label Studio's errors become labelpulse's: a
refused token a UsageError, a missing project a NotFoundError, anything else an upstream error.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from labelpulse.errors import LabelpulseError, NotFoundError, UsageError

PAGE_SIZE = 100  # GET /api/projects/ answers at most 100 a page
TIMEOUT = 120.0  # seconds; an export of a page of tasks is the slowest call
_JWT = re.compile(r"^[\w-]+\.[\w-]+\.[\w-]+$")

Query = Sequence[tuple[str, str | int]] | Mapping[str, str | int]


class LabelStudioHTTPError(LabelpulseError):
    """An answer with an error status; `status` is the HTTP status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message, code="upstream_error")
        self.status = status


class LabelStudioClient:
    """One Label Studio server, as the user whose token this is."""

    def __init__(self, url: str, token: str, *, timeout: float = TIMEOUT) -> None:
        if not url.startswith(("http://", "https://")):
            raise UsageError(f"--url must start with http:// or https://, not {url!r}")
        if not token.strip():
            raise UsageError(
                "a Label Studio token is required: Account & Settings → Access Token in "
                "Label Studio (a legacy token or a personal access token)"
            )
        self.url = url.rstrip("/")
        self.token = token.strip()
        self.timeout = timeout
        self._access: str | None = None

    # -- transport ------------------------------------------------------------------------------
    def request(
        self, method: str, path: str, *, query: Query | None = None, body: Any = None
    ) -> Any:
        """One call; the decoded JSON answer (None when empty)."""
        try:
            return self._send(method, path, query, body)
        except LabelStudioHTTPError as exc:
            if exc.status != 401 or self._access is None:
                raise
            self._access = None  # an access token expired: exchange the refresh token again
            return self._send(method, path, query, body)

    def _send(self, method: str, path: str, query: Query | None, body: Any) -> Any:
        target = self.url + path
        if query:
            items = query.items() if isinstance(query, Mapping) else query
            target += "?" + urllib.parse.urlencode([(k, str(v)) for k, v in items])
        headers = {"Authorization": self._authorization(), "Accept": "application/json"}
        return self._json(method, target, headers, body)

    def _json(self, method: str, target: str, headers: dict[str, str], body: Any) -> Any:
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers = {**headers, "Content-Type": "application/json"}
        request = urllib.request.Request(target, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            with exc:
                said = _said(exc.read())
            raise LabelStudioHTTPError(
                f"Label Studio ({self.url}) answered {method} {_path(target)} with HTTP "
                f"{exc.code}{': ' + said if said else ''}",
                exc.code,
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise LabelpulseError(
                f"cannot reach Label Studio at {self.url}: {reason}", code="upstream_error"
            ) from None
        try:
            return json.loads(raw) if raw.strip() else None
        except json.JSONDecodeError:
            raise LabelpulseError(
                f"Label Studio ({self.url}) answered {method} {_path(target)} with something "
                "that is not JSON: is --url the Label Studio server?",
                code="upstream_error",
            ) from None

    def _authorization(self) -> str:
        if not _JWT.match(self.token):
            return f"Token {self.token}"
        if self._access is None:
            answer = self._json(
                "POST",
                self.url + "/api/token/refresh",
                {"Accept": "application/json"},
                {"refresh": self.token},
            )
            if not isinstance(answer, dict) or not isinstance(answer.get("access"), str):
                raise UsageError(f"Label Studio ({self.url}) did not exchange the token")
            self._access = answer["access"]
        return f"Bearer {self._access}"

    def get(self, path: str, query: Query | None = None) -> Any:
        return self.request("GET", path, query=query)

    def optional(self, path: str, query: Query | None = None) -> Any | None:
        """GET what only some editions have: None when the server has no such endpoint (404)
        or does not let this user use it (403; 405 for a method it lacks)."""
        try:
            return self.get(path, query)
        except LabelStudioHTTPError as exc:
            if exc.status in (403, 404, 405):
                return None
            raise

    # -- reading --------------------------------------------------------------------------------
    def check(self) -> dict[str, Any]:
        """Who the token belongs to; a refused token is a UsageError saying so."""
        try:
            me = self.get("/api/current-user/whoami")
        except LabelStudioHTTPError as exc:
            if exc.status in (401, 403):
                raise UsageError(f"Label Studio ({self.url}) refused the token: {exc}") from None
            raise
        if not isinstance(me, dict):
            raise LabelpulseError(f"{self.url} is not a Label Studio server", code="upstream_error")
        return me

    def users(self) -> list[Any]:
        """The organization's users (a plain list on 1.23; a page object is read too)."""
        return list(self._all("/api/users/", {}))

    def projects(self) -> list[dict[str, Any]]:
        return [p for p in self._all("/api/projects/", {}) if isinstance(p, dict)]

    def project(self, project: int) -> dict[str, Any]:
        try:
            found = self.get(f"/api/projects/{project}/")
        except LabelStudioHTTPError as exc:
            if exc.status == 404:
                raise NotFoundError(
                    f"Label Studio ({self.url}) has no project {project} this token can see"
                ) from None
            raise
        if not isinstance(found, dict):
            message = f"Label Studio ({self.url}) answered project {project} with no project"
            raise LabelpulseError(message, code="upstream_error")
        return found

    def task_pages(
        self, project: int, page_size: int = PAGE_SIZE
    ) -> Iterator[tuple[list[int], int]]:
        """The project's task ids, a page at a time, with the total the server reports."""
        page = 1
        seen = 0
        while True:
            query: dict[str, str | int] = {"project": project, "page": page}
            query.update(page_size=page_size, fields="task_only")
            try:
                answer = self.get("/api/tasks/", query)
            except LabelStudioHTTPError as exc:
                if exc.status == 404 and page > 1:
                    return  # "Invalid page.": the page before was the last, and full
                raise
            tasks = answer.get("tasks", []) if isinstance(answer, dict) else []
            total = int(answer.get("total", 0)) if isinstance(answer, dict) else 0
            ids = [int(t["id"]) for t in tasks if isinstance(t, dict) and "id" in t]
            if not ids:
                return
            seen += len(ids)
            yield ids, total
            if seen >= total:
                return
            page += 1

    def export(self, project: int, tasks: Sequence[int]) -> list[dict[str, Any]]:
        """The JSON export of these tasks (all of them, annotated or not): the only API answer
        that carries an annotation's `unique_id`."""
        if not tasks:
            return []
        query: list[tuple[str, str | int]] = [("exportType", "JSON")]
        query.append(("download_all_tasks", "true"))
        query += [("ids[]", t) for t in tasks]
        found = self.get(f"/api/projects/{project}/export", query)
        return [t for t in found if isinstance(t, dict)] if isinstance(found, list) else []

    def optional_list(self, path: str, query: Mapping[str, str | int]) -> list[Any] | None:
        """Every item of an Enterprise list (plain or paged), or None without the feature."""
        first = self.optional(path, query)
        if first is None:
            return None
        return list(self._all(path, query, first))

    def _all(self, path: str, query: Mapping[str, str | int], first: Any = None) -> Iterator[Any]:
        """A plain list, or every page of a `{count, next, previous, results}` answer."""
        answer = first if first is not None else self.get(path, {**query, "page_size": PAGE_SIZE})
        page = 1
        while True:
            if isinstance(answer, list):
                yield from answer
                return
            if not isinstance(answer, dict):
                return
            yield from answer.get("results") or []
            if not answer.get("next"):
                return
            page += 1
            answer = self.get(path, {**query, "page": page, "page_size": PAGE_SIZE})

    # -- webhooks -------------------------------------------------------------------------------
    def webhooks(self, project: int) -> list[dict[str, Any]]:
        found = self.get("/api/webhooks/", {"project": project})
        items = found if isinstance(found, list) else []
        return [w for w in items if isinstance(w, dict) and w.get("project") == project]

    def create_webhook(self, body: Mapping[str, Any]) -> dict[str, Any]:
        made = self.request("POST", "/api/webhooks/", body=dict(body))
        return made if isinstance(made, dict) else {}

    def update_webhook(self, webhook: int, body: Mapping[str, Any]) -> dict[str, Any]:
        made = self.request("PATCH", f"/api/webhooks/{webhook}/", body=dict(body))
        return made if isinstance(made, dict) else {}


def _path(target: str) -> str:
    """The path of a URL, without its query (a task list can be long)."""
    return urllib.parse.urlsplit(target).path


def _said(raw: bytes) -> str:
    """What an error answer says: DRF's `detail`, or the start of the text (no HTML page)."""
    text = raw.decode("utf-8", errors="replace").strip()
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return "" if text.lstrip().startswith("<") else text[:300]
    if isinstance(data, dict) and data.get("detail"):
        return str(data["detail"])[:300]
    return text[:300]
