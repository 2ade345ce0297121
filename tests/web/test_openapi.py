"""The OpenAPI description tells the truth: the one error shape, the real statuses, the POST
bodies; and schemathesis, run against a real server with a read and an ingest token, finds no
5xx and nothing the description does not say."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from labelpulse.events import EVENT_FIELDS
from labelpulse.store import Store
from tests.web.serving import SOURCE, served

HERE = Path(__file__).parent
CONFIG = HERE / "schemathesis.toml"
ERROR = {"$ref": "#/components/schemas/ErrorResponse"}
# Examples per operation and run: the whole test stays near a minute on two cores.
EXAMPLES = int(os.environ.get("LABELPULSE_SCHEMATHESIS_EXAMPLES", "8"))


@pytest.fixture
def spec(anonymous: TestClient) -> dict[str, Any]:
    response = anonymous.get("/openapi.json")
    assert response.status_code == 200
    found: dict[str, Any] = response.json()
    return found


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    ]


def test_every_error_status_uses_the_one_error_shape(spec: dict[str, Any]) -> None:
    error = spec["components"]["schemas"]["ErrorResponse"]
    assert error["required"] == ["error"]
    info = spec["components"]["schemas"]["ErrorInfo"]
    assert set(info["properties"]) == {"code", "message", "details"}
    for method, path, operation in operations(spec):
        statuses = set(operation["responses"])
        assert "500" in statuses, (method, path)
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == ERROR, (method, path, status)


def test_no_fastapi_422_that_the_server_never_sends(spec: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for method, path, operation in operations(spec):
        if "422" in operation["responses"]:
            assert method == "POST" and path != "/api/hooks/label-studio", (method, path)


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("GET", "/api/health", {"200", "500"}),
        ("GET", "/api/me", {"200", "401", "403", "500"}),
        ("GET", "/api/reports/members", {"200", "400", "401", "403", "404", "500"}),
        ("GET", "/api/members/{member_id}/report", {"200", "400", "401", "403", "404", "500"}),
        ("POST", "/api/events", {"200", "400", "401", "403", "413", "422", "500"}),
        ("POST", "/api/members", {"200", "400", "401", "403", "413", "422", "500"}),
        ("POST", "/api/hooks/label-studio", {"200", "400", "401", "413", "500"}),
    ],
)
def test_each_route_lists_its_statuses(
    spec: dict[str, Any], method: str, path: str, statuses: set[str]
) -> None:
    assert set(spec["paths"][path][method.lower()]["responses"]) == statuses


def test_report_downloads_document_their_content_types(spec: dict[str, Any]) -> None:
    content = spec["paths"]["/api/reports/work"]["get"]["responses"]["200"]["content"]
    assert set(content) == {
        "application/json",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/zip",
    }


def test_post_bodies_are_described_from_the_field_table(spec: dict[str, Any]) -> None:
    event = spec["components"]["schemas"]["Event"]
    assert set(event["properties"]) == {"kind", *(rule.name for rule in EVENT_FIELDS)}
    assert set(event["required"]) == {rule.name for rule in EVENT_FIELDS if rule.required}
    assert event["properties"]["type"]["enum"][0] == "annotation.draft"
    body = spec["paths"]["/api/events"]["post"]["requestBody"]
    assert set(body["content"]) == {"application/json", "application/x-ndjson"}
    records = body["content"]["application/json"]["schema"]["anyOf"]
    assert records[0]["type"] == "array"
    members = spec["paths"]["/api/members"]["post"]["requestBody"]["content"]
    member = members["application/json"]["schema"]["anyOf"][1]
    assert member["title"] == "Member" and "role" in member["required"]
    assert set(member["properties"]["role"]["enum"]) >= {"owner", "annotator"}


def test_every_documented_operation_answers_a_documented_status(
    spec: dict[str, Any], signed_in: Callable[[str], TestClient]
) -> None:
    """A quick in-process pass: each GET as the owner answers one of its documented statuses."""
    client = signed_in("owner")
    for method, path, operation in operations(spec):
        if method != "GET":
            continue
        response = client.get(path.replace("{member_id}", "ann"))
        assert str(response.status_code) in operation["responses"], (path, response.text)


def schemathesis(
    url: str, token: str, method: str, report: Path
) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run",
        f"{url}/openapi.json", "--header", f"Authorization: Bearer {token}",
        "--include-method", method, "--checks", "all", "--max-examples", str(EXAMPLES),
        "--seed", "11", "--workers", "1", "--no-shrink", "--request-timeout", "30",
        # The coverage phase is left out: it is not bounded by --max-examples (about 600 cases
        # per report route, minutes on two cores). Fuzzing and stateful runs are.
        "--phases", "fuzzing,stateful",
        "--report", "junit", "--report-junit-path", str(report),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": SOURCE, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": ""}
    return subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=report.parent, check=False
    )


def test_schemathesis_finds_no_server_error_and_nothing_undocumented(
    org_store: Store, token_for: Callable[[str, str], str], tmp_path: Path
) -> None:
    read, ingest = token_for("owner", "read"), token_for("owner", "ingest")
    db = Path(org_store.url)
    org_store.close()
    started = time.monotonic()
    with served(db) as url:
        runs = {
            "GET": schemathesis(url, read, "GET", tmp_path / "get.xml"),
            "POST": schemathesis(url, ingest, "POST", tmp_path / "post.xml"),
        }
    seconds = time.monotonic() - started
    for method, run in runs.items():
        assert run.returncode == 0, f"schemathesis over the {method} operations:\n" + run.stdout
    assert seconds < 180, seconds
