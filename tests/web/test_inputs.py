"""Robust inputs, honest errors and empty states (issue 15): time zones as people type them on
pages, API and CLI; dates outside 1970–2100; unknown ids (404 for whoever may list them, 403
for the rest); error pages in words; empty states that say why."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from labelpulse.cli import app as cli
from labelpulse.errors import UsageError
from labelpulse.ingest import ingest_records
from labelpulse.store import Store
from tests.web.conftest import WINDOW
from tests.web.test_access_matrix import PAGES
from tests.web.test_pages import HTML, get_page, parse

SignedIn = Callable[[str], TestClient]
WIDE = {"from": "2026-03-01", "to": "2026-03-06"}


WINDOWLESS_PAGES = ("/projects", "/admin/members", "/pay/rates")


def report_routes(app: FastAPI) -> list[str]:
    """Every route that takes the report window (`from`): the API's from its OpenAPI schema,
    the pages from the role matrix (where every page must be listed), new ones too."""
    paths = [
        path
        for path, operations in app.openapi()["paths"].items()
        if any(
            param.get("name") == "from"
            for method, operation in operations.items()
            if method == "get"  # (POST /api/pay/close: its own test, test_pay_pages)
            for param in operation.get("parameters", [])
        )
    ]
    paths += [page.path for page in PAGES if page.path not in WINDOWLESS_PAGES]
    ids = {"member_id": "ann", "member": "ann", "project_id": "p-cars", "project": "p-cars"}
    return sorted({re.sub(r"{(\w+)}", lambda m: ids.get(m.group(1), "x"), p) for p in paths})


def error_of(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["error"]
    return body


# ---- time zones ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [("utc", "UTC"), (" UTC ", "UTC"), ("+02:00", "Etc/GMT-2"), ("UTC+2", "Etc/GMT-2"),
     ("GMT-3", "Etc/GMT+3"), ("europe/berlin", "Europe/Berlin")],
)  # fmt: skip
def test_the_api_takes_a_zone_as_typed(signed_in: SignedIn, typed: str, canonical: str) -> None:
    owner = signed_in("owner")
    response = owner.get("/api/reports/members", params={**WINDOW, "tz": typed})
    assert response.status_code == 200, response.text
    assert response.json()["window"]["tz"] == canonical


def test_an_offset_counts_days_as_its_city_zone_does(signed_in: SignedIn) -> None:
    """DuckDB's days in `-10:00` are Honolulu's: Anna's submission at 09:00 UTC on March 2
    (a1) falls on March 1 there, hers at 09:00 UTC on March 3 (a3) on March 2."""
    owner = signed_in("owner")

    def daily(tz: str) -> dict[str, int]:
        params = {**WIDE, "tz": tz}
        data = owner.get("/api/members/ann/report", params=params).json()
        return {row["date"]: row["submitted"] for row in data["daily"] if row["submitted"]}

    assert daily("-10:00") == {"2026-03-01": 1, "2026-03-02": 1}
    assert daily("-10:00") == daily("Pacific/Honolulu") == daily("utc-10")
    assert daily("utc") == {"2026-03-02": 1, "2026-03-03": 1}


@pytest.mark.parametrize("typed", ["Mars/Base", "+05:30", "+15"])
def test_the_api_refuses_an_unknown_zone_naming_tz(signed_in: SignedIn, typed: str) -> None:
    response = signed_in("owner").get("/api/reports/insights", params={**WINDOW, "tz": typed})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "bad_request"
    assert error["details"][0]["field"] == "tz"


def test_a_page_takes_a_zone_as_typed(signed_in: SignedIn) -> None:
    doc = get_page(signed_in("owner"), "/work", {**WINDOW, "tz": "+02:00"})
    field = doc.one("label", **{"class": "tz-field"}).one("input", name="tz")
    assert field.attrs["value"] == "Etc/GMT-2"
    assert not doc.all(data_error="tz")


def test_an_unknown_zone_on_a_page_keeps_the_filters_and_says_why_beside_the_field(
    signed_in: SignedIn,
) -> None:
    params = {**WINDOW, "tz": "Mars/Base", "project": "p-cars", "member": "ann"}
    doc = get_page(signed_in("owner"), "/insights", params, status=400)
    field = doc.one("label", **{"class": "tz-field"})
    assert field.one("input", name="tz").attrs["value"] == "Mars/Base"
    assert field.one("input", name="tz").attrs["aria-invalid"] == "true"
    assert "unknown time zone 'Mars/Base'" in field.one(data_error="tz").text()
    assert doc.one("input", name="from").attrs["value"] == WINDOW["from"]
    assert doc.one("input", name="to").attrs["value"] == WINDOW["to"]
    project = doc.one("select", name="project")
    assert [o.attrs["value"] for o in project.all("option", selected=None)] == ["p-cars"]
    member = doc.one("select", name="member")
    assert [o.attrs["value"] for o in member.all("option", selected=None)] == ["ann"]
    # The report is there, in the server's zone (UTC): Anna's labeling in Cars.
    assert doc.one("tr", data_row="ann/p-cars")
    exports = [a.attrs["href"] for a in doc.all("a", data_export=None)]
    assert exports and all("tz=UTC" in href for href in exports)


def test_the_zone_field_offers_every_iana_zone_common_ones_first(signed_in: SignedIn) -> None:
    doc = get_page(signed_in("annotator"), "/work", WINDOW)
    zones = [o.attrs["value"] for o in doc.one("datalist", id="tz-list").all("option")]
    assert zones[0] == "UTC"
    assert zones.index("Asia/Tokyo") < zones.index("Africa/Abidjan")
    assert {"Asia/Tokyo", "Etc/GMT-2", "America/Argentina/Buenos_Aires"} <= set(zones)
    assert len(zones) == len(set(zones)) > 400
    field = doc.one("label", **{"class": "tz-field"}).one("input", name="tz")
    assert field.attrs["list"] == "tz-list"


def test_the_cli_takes_a_zone_as_typed(org_store: Store) -> None:
    db = org_store.url
    org_store.close()
    runner = CliRunner()
    args = ["--db", db, "report", "members", "--from", "2026-03-02", "--to", "2026-03-06"]
    env = {"LABELPULSE_TZ": None, "LABELPULSE_DB": None}
    shown = runner.invoke(cli, [*args, "--tz", " UTC+2 ", "--format", "json"], env=env)
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["window"]["tz"] == "Etc/GMT-2"
    refused = runner.invoke(cli, [*args, "--tz", "+05:30"], env=env)
    assert refused.exit_code != 0
    # (A real process prints the message and exits 2, as for every UsageError: test_cli.)
    assert isinstance(refused.exception, UsageError)
    assert "not a whole-hour offset" in refused.exception.message


# ---- dates outside 1970–2100 ------------------------------------------------------------------

BAD_DATES = [
    ({"from": "9999-12-30", "to": "9999-12-31"}, "from"),
    ({"from": "0001-01-01", "to": "0001-01-05", "tz": "Asia/Tokyo"}, "from"),
    ({"from": "2026-03-02", "to": "9999-12-31"}, "to"),
    ({"from": "1969-12-31", "to": "2026-03-06", "tz": "-05:00"}, "from"),
]


def test_every_report_route_refuses_dates_outside_1970_to_2100(
    app: FastAPI, signed_in: SignedIn
) -> None:
    owner = signed_in("owner")
    routes = report_routes(app)
    assert {"/", "/insights", "/work", "/api/reports/items", "/api/members/ann/report"} <= set(
        routes
    )
    problems = []
    for path in routes:
        for params, field in BAD_DATES:
            api = owner.get(path, params=params)
            page = owner.get(path, params=params, headers=HTML, follow_redirects=False)
            if api.status_code != 400 or error_of(api)["details"][0].get("field") != field:
                problems.append(f"{path} {params}: {api.status_code} {api.text[:200]}")
            html = page.headers["content-type"].startswith("text/html")
            if page.status_code != 400 or html == path.startswith("/api/"):
                problems.append(f"{path} {params} (page): {page.status_code}")
    assert not problems, "\n".join(problems)


def test_a_bad_date_page_names_the_field_in_words(signed_in: SignedIn) -> None:
    doc = get_page(signed_in("annotator"), "/insights", BAD_DATES[1][0], status=400)
    section = doc.one("section", data_status="400")
    assert "from must be a date from 1970-01-01 to 2100-12-31" in section.text()
    assert section.one("li", data_field="from").text() == "from : outside 1970–2100"
    assert doc.one("header").one("a", href="/insights")  # the nav is there


# ---- unknown ids: 404 for whoever may list them, 403 for the rest -----------------------------

UNKNOWN_IDS = [
    # (path, params, field, {role: status})
    ("/projects/p99/members", {}, "project",
     {"owner": 404, "admin": 404, "manager": 403, "reviewer": 403, "annotator": 403}),
    ("/insights", {"member": "zzz"}, "member",
     {"owner": 404, "admin": 404, "manager": 404, "reviewer": 403, "annotator": 403}),
    ("/members/zzz", {}, "member",
     {"owner": 404, "admin": 404, "manager": 404, "reviewer": 403, "annotator": 403}),
    ("/work", {"workspace": "ws99"}, "workspace",
     {"owner": 404, "admin": 404, "manager": 403, "reviewer": 403, "annotator": 403}),
    ("/api/reports/members", {"project": "p99"}, "project",
     {"owner": 404, "admin": 404, "manager": 403, "reviewer": 403, "annotator": 403}),
    ("/api/reports/items", {"member": "zzz"}, "member",
     {"owner": 404, "admin": 404, "manager": 404, "reviewer": 403, "annotator": 403}),
    ("/api/members/zzz/timeline", {}, "member",
     {"owner": 404, "admin": 404, "manager": 404, "reviewer": 403, "annotator": 403}),
]  # fmt: skip


@pytest.mark.parametrize(("path", "params", "field", "statuses"), UNKNOWN_IDS)
def test_an_unknown_id_is_404_only_for_whoever_may_list_ids(
    signed_in: SignedIn, path: str, params: dict[str, str], field: str, statuses: dict[str, int]
) -> None:
    for role, status in statuses.items():
        client = signed_in(role)
        response = client.get(path, params={**WINDOW, **params}, headers=HTML)
        assert response.status_code == status, (role, path, response.text[:300])
        as_json = client.get(path, params={**WINDOW, **params})
        assert as_json.status_code == status
        if path.startswith("/api/") and status == 404:
            assert error_of(as_json)["details"][0]["field"] == field


def test_ids_known_only_from_events_are_not_unknown(org_store: Store, signed_in: SignedIn) -> None:
    """A member or project with events but no directory record is answered, not 404."""
    event = {
        "id": "ghost-1", "type": "annotation.submitted", "time": "2026-03-03T09:00:00Z",
        "actor": "ghost", "project": "p-ghost", "task": "t-g", "annotation": "g1",
    }  # fmt: skip
    ingest_records(org_store, [event])
    owner = signed_in("owner")
    response = owner.get("/api/reports/insights", params={**WINDOW, "member": "ghost"})
    assert response.status_code == 200
    assert [row["member"] for row in response.json()["rows"]] == ["ghost"]
    assert (
        owner.get("/api/reports/work", params={**WINDOW, "project": "p-ghost"}).status_code == 200
    )
    assert owner.get("/projects/p-ghost/members", params=WINDOW, headers=HTML).status_code == 200


# ---- error pages in words ---------------------------------------------------------------------


def test_the_403_page_says_what_was_refused_in_words(signed_in: SignedIn) -> None:
    response = signed_in("annotator").get("/members/ann2", params=WINDOW, headers=HTML)
    assert response.status_code == 403
    assert "{'field'" not in response.text and "&#39;field&#39;" not in response.text
    section = parse(response.text).one("section", data_status="403")
    assert section.one("h1").text() == "Not yours to see"
    assert section.one("p", data_code="forbidden").text() == (
        "you may not see the work of member 'ann2': as an annotator, you may see only your "
        "own work."
    )
    # No name: asking cannot tell an annotator whose the id is.
    assert "Bianca" not in response.text


def test_the_403_page_for_a_project_and_the_404_page(signed_in: SignedIn) -> None:
    manager = signed_in("manager")
    refused = get_page(manager, "/insights", {**WINDOW, "project": "p-inv"}, status=403)
    assert (
        refused.one("p", data_code="forbidden")
        .text()
        .startswith("you may not see project 'p-inv': you are not a member of it")
    )
    missing = get_page(signed_in("owner"), "/projects/p99/members", WINDOW, status=404)
    section = missing.one("section", data_status="404")
    assert section.one("h1").text() == "Not found"
    assert "no project 'p99'" in section.one("p", data_code="not_found").text()
    assert section.one("a", href="/")


# ---- empty states say why ---------------------------------------------------------------------


def test_a_manager_reads_that_work_outside_their_projects_is_not_shown(
    signed_in: SignedIn,
) -> None:
    doc = get_page(signed_in("manager"), "/members/ann2", WINDOW)
    empty = doc.one("p", data_empty="member").text()
    assert empty.startswith("No submitted annotations or reviews by Bianca Books between")
    assert "Bianca Books's work outside your projects is not shown to you." in empty


def test_a_reviewers_empty_insights_points_to_their_reviews(signed_in: SignedIn) -> None:
    doc = get_page(signed_in("reviewer"), "/insights", {**WINDOW, "project": "p-cars"})
    empty = doc.one("p", data_empty="insights")
    assert "Insights counts labeling per labeler" in empty.text()
    links = {a.text(): a.attrs["href"] for a in empty.all("a")}
    assert set(links) == {"Home", "Work"}
    assert links["Work"].startswith("/work?") and "project=p-cars" in links["Work"]
    assert links["Home"].startswith("/?") and "from=2026-03-02" in links["Home"]


def test_an_empty_window_or_filter_says_what_to_try(signed_in: SignedIn) -> None:
    april = {"from": "2026-04-01", "to": "2026-04-05", "tz": "UTC"}
    anna = get_page(signed_in("annotator"), "/work", april)
    text = anna.one("p", data_empty="work").text()
    assert text == (
        "No labeling, review or edit work by you between 2026-04-01 and 2026-04-05. As an "
        "annotator, you see only your own work. Try a longer window."
    )
    owner = get_page(signed_in("owner"), "/work", {**april, "project": "p-cars"})
    assert (
        owner.one("p", data_empty="work")
        .text()
        .endswith("in Cars. Try a longer window or fewer filters.")
    )
