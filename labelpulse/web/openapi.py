"""The OpenAPI description, true to what the server answers.

Every error is `{"error": {"code", "message", "details"}}` (`ErrorResponse`), and each route
lists the statuses it can answer with (`errors(...)`). FastAPI's own 422 `HTTPValidationError`
is taken out: a bad parameter is our 400. The ingest routes read their body themselves (a JSON
array or NDJSON), so their request bodies are described here, built from the same field table
and models `labelpulse.events` validates with.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

from labelpulse.connectors.labelstudio import SECRET_HEADER
from labelpulse.events import (
    EVENT_FIELDS,
    FieldRule,
    Member,
    Membership,
    Project,
    Rate,
    Workspace,
)
from labelpulse.metrics import MEMBER_REPORTS
from labelpulse.web.auth import SESSION_COOKIE

DIRECTORY_MODELS: dict[str, type[BaseModel]] = {
    "member": Member,
    "workspace": Workspace,
    "project": Project,
    "membership": Membership,
    "rate": Rate,
}


class ErrorInfo(BaseModel):
    code: str = Field(description="What went wrong, for a program: bad_request, not_found, ...")
    message: str = Field(description="What went wrong, for a person.")
    details: list[dict[str, Any]] = Field(
        description="The particulars, e.g. each bad record with its position, id, field and rule."
    )


class ErrorResponse(BaseModel):
    """Every error the server answers with, whatever the status."""

    error: ErrorInfo


WHY = {
    400: "Bad request: a parameter or the body is not what the route takes.",
    401: "Not signed in, or the API token is missing, unknown or revoked.",
    403: "Signed in, but not allowed: the role, the token's scope or the member's scope.",
    404: "No such member, project, workspace or page (to owners and admins; to managers, no such "
    "member): an id nothing has. Others get 403 for it, as for any id outside their scope.",
    413: "The request body is larger than `max_request_mb`.",
    422: "Records broke the event schema: nothing was stored; `details` names each bad record.",
    429: "Too many requests: wait as long as `Retry-After` says.",
    500: "An internal error (its type only); nothing half-done was stored.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route that can answer with these error statuses."""
    return {status: {"model": ErrorResponse, "description": WHY[status]} for status in statuses}


REPORT_ERRORS = errors(400, 401, 403, 404, 500)
INGEST_ERRORS = errors(400, 401, 403, 413, 422, 500)

# A report inline as JSON, or a download in the format asked for.
REPORT_FORMATS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report: JSON inline, or with `format` a download (CSV text, Excel, "
        "or a ZIP of one CSV per table plus about.csv).",
        "content": {
            "application/json": {},
            "text/csv": {"schema": {"type": "string"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
            "application/zip": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def _field_schema(rule: FieldRule) -> dict[str, Any]:
    schema: dict[str, Any]
    if rule.kind in ("id", "text"):
        schema = {"type": "string"}
        if rule.kind == "id":
            schema["minLength"] = 1
        if rule.max_length is not None:
            schema["maxLength"] = rule.max_length
        if rule.choices:
            schema["enum"] = list(rule.choices)
    elif rule.kind == "timestamp":
        schema = {"type": "string", "format": "date-time"}
    elif rule.kind in ("number", "count"):
        schema = {"type": "number" if rule.kind == "number" else "integer"}
        if rule.minimum is not None:
            schema["minimum"] = rule.minimum
        if rule.maximum is not None:
            schema["maximum"] = rule.maximum
    elif rule.kind == "boolean":
        schema = {"type": "boolean"}
    else:
        schema = {"type": "object"}
    return schema


def event_schema() -> dict[str, Any]:
    """One event (events.md), from the field table validation reads its rules from."""
    event = {"type": "string", "enum": ["event"]}
    properties: dict[str, Any] = {"kind": {"anyOf": [event, {"type": "null"}]}}
    for rule in EVENT_FIELDS:
        field = _field_schema(rule)
        # An optional field may be null: validation reads null as absent.
        properties[rule.name] = field if rule.required else {"anyOf": [field, {"type": "null"}]}
    return {
        "title": "Event",
        "type": "object",
        "properties": properties,
        "required": [rule.name for rule in EVENT_FIELDS if rule.required],
        "additionalProperties": False,
    }


def directory_schemas() -> dict[str, dict[str, Any]]:
    """Member, Workspace, Project, Membership: the JSON Schemas of their Pydantic models."""
    schemas = {}
    for kind, model in DIRECTORY_MODELS.items():
        schema = model.model_json_schema()
        schema["title"] = model.__name__
        schema["properties"]["kind"].pop("default", None)
        schemas[kind] = schema
    return schemas


def _body(record: dict[str, Any], what: str) -> dict[str, Any]:
    return {
        "required": True,
        "description": f"{what}: a JSON array of records (or one record), or NDJSON with "
        "`Content-Type: application/x-ndjson`. Stored whole, or nothing (422).",
        "content": {
            "application/json": {"schema": {"anyOf": [{"type": "array", "items": record}, record]}},
            "application/x-ndjson": {
                "schema": {"type": "string", "description": "One JSON record per line."}
            },
        },
    }


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def events_body() -> dict[str, Any]:
    """`POST /api/events`: events, and directory records with their `kind`."""
    records = [_ref("Event")] + [
        {"allOf": [_ref(s["title"])], "required": ["kind"]} for s in directory_schemas().values()
    ]
    return {"requestBody": _body({"anyOf": records}, "Events and directory records")}


def directory_body(kind: str) -> dict[str, Any]:
    """`POST /api/members` and the like: records of that kind; the endpoint sets `kind`."""
    record = directory_schemas()[kind]
    record["properties"]["kind"] = {"description": "Ignored: the endpoint decides the kind."}
    return {"requestBody": _body(record, f"{record['title']} records")}


# A calendar date (YYYY-MM-DD), or blank for the default.
DATE = [{"type": "string", "format": "date"}, {"type": "string", "enum": [""]}]
SECURITY_SCHEMES = {
    "token": {"type": "http", "scheme": "bearer", "description": "An API token (read or ingest)."},
    "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE},
    "webhook_secret": {"type": "apiKey", "in": "header", "name": SECRET_HEADER},
}
# Reports name one member at most at these paths (more is a 400).
ONE_MEMBER = {f"/api/reports/{name}" for name in MEMBER_REPORTS}


def _describe(path: str, operation: dict[str, Any]) -> None:
    """What the code checks that the parameters' own types do not say; who may call."""
    for parameter in operation.get("parameters", []):
        name, schema = parameter["name"], parameter.get("schema", {})
        if name in ("from", "to"):
            parameter["schema"] = {"anyOf": [*DATE, {"type": "null"}], "title": schema.get("title")}
        elif name in ("project", "workspace", "member"):
            # A query string cannot tell one value from a list of one: say both are fine.
            for option in schema.get("anyOf", []):
                if option.get("type") == "array" and name == "member" and path in ONE_MEMBER:
                    option["maxItems"] = 1
            schema["anyOf"] = [*schema.get("anyOf", []), {"type": "string"}]
    responses = operation.get("responses", {})
    if path.startswith("/api/hooks/"):
        operation["security"] = [{"webhook_secret": []}]
    elif "401" in responses:
        ingest = "413" in responses
        operation["security"] = [{"token": []}] if ingest else [{"token": []}, {"session": []}]


def install(app: FastAPI) -> None:
    """The app's OpenAPI: the record schemas as components, FastAPI's unused 422 taken out."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Event"] = event_schema()
        for record in directory_schemas().values():
            components[record["title"]] = record
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                responses = operation.get("responses", {})
                unused = responses.get("422", {}).get("content", {}).get("application/json", {})
                if unused.get("schema") == _ref("HTTPValidationError"):
                    del responses["422"]
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        schema["components"]["securitySchemes"] = SECURITY_SCHEMES
        for path, operations in schema.get("paths", {}).items():
            for operation in operations.values():
                _describe(path, operation)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
