"""Webhooks from labeling tools: `POST /api/hooks/label-studio`.

Authenticated by a shared secret header (made and registered by `labelpulse hook
label-studio`), not by a session or token: Label Studio can send only fixed headers. The body is
stored before the answer (a few milliseconds): Label Studio waits for it, with a 1 s timeout.
What the first delivery would pay once is paid by `warm_up` before the server accepts
connections.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message

from labelpulse.connectors.labelstudio import (
    HOOK_PATH,
    SECRET_HEADER,
    Applier,
    WebhookResult,
    ingest_webhook,
    webhook_secret,
)
from labelpulse.errors import UnauthorizedError, UsageError
from labelpulse.ingest import ingest_records
from labelpulse.store.base import Store
from labelpulse.web.bodies import read_body
from labelpulse.web.openapi import errors
from labelpulse.web.priority import WritesFirst

router = APIRouter(prefix="/api/hooks", tags=["ingest"])
log = logging.getLogger("labelpulse")

# A delivery that names no annotation: the route's whole path, storing nothing.
NOTHING = {"action": "ANNOTATIONS_CREATED", "annotation": []}


@router.post(
    "/label-studio",
    responses=errors(400, 401, 413, 500),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def label_studio(request: Request) -> dict[str, Any]:
    """A Label Studio webhook delivery, with the `X-Labelpulse-Secret` header.

    Annotations created, updated and deleted, tasks deleted (their annotations with them),
    projects created and updated; Enterprise reviews. Other actions are answered and not read.
    """
    store: Store = request.app.state.store
    check_secret(store, request.headers.get(SECRET_HEADER))
    body = await read_body(request)
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"the webhook body is not JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise UsageError("the webhook body must be a JSON object")
    priority: WritesFirst = request.app.state.priority
    # The app's one applier: deliveries take turns with each other and with its periodic sync.
    applier: Applier = request.app.state.label_studio

    def write() -> WebhookResult:
        with priority.writing():
            return ingest_webhook(applier, payload)

    result = await run_in_threadpool(write)
    return result.as_dict()


def check_secret(store: Store, given: str | None) -> None:
    """UnauthorizedError unless `given` is this database's Label Studio webhook secret."""
    expected = webhook_secret(store)
    if expected is None:
        raise UnauthorizedError(
            "no Label Studio webhook is set up for this database: "
            "run labelpulse hook label-studio --url ... --token ... --public-url ..."
        )
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise UnauthorizedError(f"the {SECRET_HEADER} header is missing or wrong")


async def warm_up(app: ASGIApp, store: Store) -> None:
    """Deliver NOTHING to the app itself before the server accepts connections, so that the
    first real delivery does not pay, against Label Studio's 1 s timeout, for what only a first
    request does (FastAPI building its routes' handlers, a worker thread and its database
    cursor, the applier's first reads), nor for the record validator's prepared statements
    (made here through an empty batch: a validator is kept for the next one). Skipped while no
    webhook is set up: every delivery is refused then."""
    started = time.monotonic()
    secret = await run_in_threadpool(webhook_secret, store)
    if secret is None:
        return
    await run_in_threadpool(ingest_records, store, [])
    status = await _post(app, HOOK_PATH, {SECRET_HEADER: secret}, json.dumps(NOTHING).encode())
    seconds = time.monotonic() - started
    if status == 200:
        log.info("Label Studio webhooks: warmed up in %.2f s", seconds)
    else:  # the server still starts: its first delivery is only slower
        log.warning("Label Studio webhooks: the warm-up delivery was answered %d", status)


async def _post(app: ASGIApp, path: str, headers: dict[str, str], body: bytes) -> int:
    """POST `body` to `app` in this process, as a client on 127.0.0.1 would: the status."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *((name.lower().encode(), value.encode()) for name, value in headers.items()),
        ],
        "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", 0),
    }
    request: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]
    status = 0

    async def receive() -> Message:
        return request.pop() if request else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])

    await app(scope, receive, send)
    return status
