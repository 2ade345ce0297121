"""Webhooks from labeling tools: `POST /api/hooks/label-studio`.

Authenticated by a shared secret header (made and registered by `labelpulse hook
label-studio`), not by a session or token: Label Studio can send only fixed headers. The body is
stored before the answer (a few milliseconds): Label Studio waits for it, with a 1 s timeout.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from labelpulse.connectors.labelstudio import (
    SECRET_HEADER,
    Applier,
    WebhookResult,
    ingest_webhook,
    webhook_secret,
)
from labelpulse.errors import UnauthorizedError, UsageError
from labelpulse.store.base import Store
from labelpulse.web.bodies import read_body
from labelpulse.web.openapi import errors
from labelpulse.web.priority import WritesFirst

router = APIRouter(prefix="/api/hooks", tags=["ingest"])


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
