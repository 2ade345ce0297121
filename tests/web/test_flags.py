"""Quality flags on the web (issue 16): API and CSV cut by role, the /flags page, the badges
on the members tables and the member report, and `labelpulse report flags`.

On the small organisation of conftest.py, a hand-built April (2026-04-01..04-10):

    ann  submits 20 annotations in Cars: 18 of 100 s, 2 of 5 s (median 100 s: 2 too fast)
    ann2 submits 20 in Invoices: 18 of 100 s, 2 of 4 s (median 100 s: 2 too fast)
    rev  accepts all 40 in 2 s each: 100% accepted, median 2 s (a rubber stamp)

A manager (Vision: Cars, Signs) sees ann's flags and rev's over Cars (20 accepts, still a
rubber stamp), not ann2's; ann sees only her own, rev only his.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from labelpulse.cli import app as cli
from labelpulse.ingest import ingest_records
from labelpulse.store import Store
from tests.web.test_access_matrix import xlsx_text
from tests.web.test_pages import api, get_page

SignedIn = Callable[[str], TestClient]
APRIL = {"from": "2026-04-01", "to": "2026-04-10", "tz": "UTC"}


def _april(store: Store) -> None:
    records: list[dict[str, Any]] = []
    n = 1000
    for who, project, fast in (("ann", "p-cars", 5), ("ann2", "p-inv", 4)):
        for i in range(20):
            n += 1
            annotation = f"{who}-apr-{i}"
            records.append(
                {
                    "id": f"e{n}",
                    "type": "annotation.submitted",
                    "time": f"2026-04-02T09:{i:02d}:00Z",
                    "actor": who,
                    "project": project,
                    "task": "t-" + annotation,
                    "annotation": annotation,
                    "duration": fast if i < 2 else 100,
                }
            )
            n += 1
            records.append(
                {
                    "id": f"e{n}",
                    "type": "review.accepted",
                    "time": f"2026-04-03T09:{i:02d}:00Z",
                    "actor": "rev",
                    "project": project,
                    "task": "t-" + annotation,
                    "annotation": annotation,
                    "duration": 2,
                }
            )
    ingest_records(store, records)


@pytest.fixture
def april(org_store: Store) -> Store:
    _april(org_store)
    return org_store


def _rules(data: dict[str, Any]) -> set[tuple[str, str]]:
    return {(row["member"], row["rule"]) for row in data["rows"]}


ALL_FLAGS = {("ann", "too_fast"), ("ann2", "too_fast"), ("rev", "rubber_stamp")}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("owner", ALL_FLAGS),
        ("admin", ALL_FLAGS),
        ("manager", {("ann", "too_fast"), ("rev", "rubber_stamp")}),
        ("annotator", {("ann", "too_fast")}),
        ("reviewer", {("rev", "rubber_stamp")}),
    ],
)
def test_flags_are_cut_by_role(
    april: Store, signed_in: SignedIn, role: str, expected: set[tuple[str, str]]
) -> None:
    client = signed_in(role)
    assert _rules(api(client, "/api/reports/flags", APRIL)) == expected
    fast = api(client, "/api/reports/flagged_annotations", APRIL)
    members = {m for m, rule in expected if rule == "too_fast"}
    assert {row["member"] for row in fast["rows"]} == members
    assert len(fast["rows"]) == 2 * len(members)
    # The CSV export holds the same rows, under the registry's columns.
    response = client.get("/api/reports/flags", params={**APRIL, "format": "csv"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert {(r["member"], r["rule"]) for r in rows} == expected
    assert {"member", "member_name", "rule", "reason", "value", "baseline", "basis"} <= set(rows[0])


def test_the_excel_and_json_downloads(april: Store, signed_in: SignedIn) -> None:
    client = signed_in("manager")
    response = client.get("/api/reports/flags", params={**APRIL, "format": "xlsx"})
    assert response.status_code == 200
    text = xlsx_text(response.content)
    assert "rubber_stamp" in text and "too_fast" in text and "Bianca Books" not in text
    response = client.get("/api/reports/flagged_annotations", params={**APRIL, "format": "json"})
    assert {row["member"] for row in json.loads(response.content)["rows"]} == {"ann"}


def test_the_reasons_say_the_figures(april: Store, signed_in: SignedIn) -> None:
    data = api(signed_in("owner"), "/api/reports/flags", APRIL)
    by = {(r["member"], r["rule"]): r for r in data["rows"]}
    stamp = by[("rev", "rubber_stamp")]
    assert (stamp["value"], stamp["baseline"], stamp["basis"]) == (1.0, 2.0, 40)
    assert stamp["reason"].startswith("Accepted 40 of 40 review actions (100%)")
    fast = by[("ann", "too_fast")]
    assert (fast["value"], fast["basis"]) == (2, 20)
    assert fast["member_name"] == "Anna Annotator"


def test_the_flags_page(april: Store, signed_in: SignedIn) -> None:
    doc = get_page(signed_in("owner"), "/flags", APRIL)
    assert doc.one("h1").text() == "Quality flags"
    table = doc.one("section", data_table="flags")
    names = [td.text() for td in table.all("td", data_key="member_name")]
    assert sorted(names) == ["Anna Annotator", "Bianca Books", "Rico Reviewer"]
    # Each name links to the member's report with the same filters.
    link = table.all("td", data_key="member_name")[0].one("a").attrs["href"]
    assert link.startswith("/members/") and "from=2026-04-01" in link and "to=2026-04-10" in link
    reasons = " ".join(td.text() for td in table.all("td", data_key="reason"))
    assert "took under 20% of their project's median time" in reasons
    fast = doc.one("section", data_table="flagged_annotations")
    assert len(fast.all("td", data_key="annotation")) == 4
    assert doc.one("details", data_rules=None).text().count("Rubber stamp") == 1
    nav = [a.text() for a in doc.one("nav").all("a")]
    assert "Flags" in nav


def test_an_annotator_sees_only_her_own_flags_on_the_page(
    april: Store, signed_in: SignedIn
) -> None:
    doc = get_page(signed_in("annotator"), "/flags", APRIL)
    table = doc.one("section", data_table="flags")
    assert [td.text() for td in table.all("td", data_key="member_name")] == ["Anna Annotator"]
    assert "Rico Reviewer" not in doc.raw() and "Bianca Books" not in doc.raw()


def test_badges_on_the_members_tables(april: Store, signed_in: SignedIn) -> None:
    doc = get_page(signed_in("owner"), "/org/members", APRIL)
    members = doc.one("section", data_table="members")
    badges = {
        row.attrs["data-row"]: row.one("a", **{"class": "flag-badge"}).attrs
        for row in members.all("tr")
        if row.attrs.get("data-row") not in (None, "totals")
        and row.all("a", **{"class": "flag-badge"})
    }
    assert set(badges) == {"ann", "ann2"}
    assert badges["ann"]["title"] == "1 quality flag: too fast"
    assert badges["ann"]["href"].startswith("/flags?") and "member=ann" in badges["ann"]["href"]
    reviewers = doc.one("section", data_table="reviewers")
    stamped = [
        row.attrs["data-row"]
        for row in reviewers.all("tr")
        if row.all("a", **{"class": "flag-badge"})
    ]
    assert stamped == ["rev"]
    # A manager's project page: Cars' members only, flagged by Cars' figures.
    doc = get_page(signed_in("manager"), "/projects/p-cars/members", APRIL)
    assert len(doc.one("section", data_table="members").all("a", **{"class": "flag-badge"})) == 1


def test_badge_on_the_member_report(april: Store, signed_in: SignedIn) -> None:
    doc = get_page(signed_in("owner"), "/members/ann", APRIL)
    badge = doc.one("p", **{"class": "member-flags"}).one("a")
    assert badge.attrs["data-flags"] == "1"
    assert "member=ann" in badge.attrs["href"]
    # Nothing flagged in March: no badge.
    doc = get_page(
        signed_in("owner"), "/members/ann", {**APRIL, "from": "2026-03-01", "to": "2026-03-10"}
    )
    assert not doc.all("p", **{"class": "member-flags"})


def test_the_cli_reports_flags(april: Store, tmp_path: Path) -> None:
    url = april.url
    result = CliRunner().invoke(
        cli,
        [
            "--db",
            url,
            "report",
            "flags",
            "--from",
            "2026-04-01",
            "--to",
            "2026-04-10",
            "--format",
            "csv",
        ],
        env={"LABELPULSE_DB": None},
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert {(r["member"], r["rule"]) for r in rows} == ALL_FLAGS
