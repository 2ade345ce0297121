"""The overview: the home of owners, admins and managers (issue 15).

Its totals are the members and reviewers tables' totals, its change against the previous
window is worked out by hand on the small organisation of conftest.py, and the "needs
attention" rules are checked on a hand-built April added to it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.testclient import TestClient

from labelpulse.access import add_membership
from labelpulse.ingest import ingest_records
from labelpulse.metrics import glossary
from labelpulse.store import Store
from labelpulse.web import overview
from tests.web.conftest import WINDOW
from tests.web.test_pages import HTML, Node, api, get_page

SignedIn = Callable[[str], TestClient]


def total(doc: Node, key: str) -> Node:
    return doc.one("div", data_total=key)


def value_of(doc: Node, key: str) -> str:
    return total(doc, key).one("span", **{"class": "value"}).text()


def change_of(doc: Node, key: str) -> str:
    return total(doc, key).one("span", data_change=None).text()


def attention(doc: Node, key: str) -> list[tuple[str, str, str]]:
    """(name, why, href) of each member a "needs attention" list names."""
    found = []
    for item in doc.one("div", data_attention=key).all("li"):
        link = item.one("a")
        found.append((link.text(), item.one("span", **{"class": "why"}).text(), link.attrs["href"]))
    return found


# ---- whose home is what ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "admin", "manager"])
def test_owners_admins_and_managers_land_on_the_overview(signed_in: SignedIn, role: str) -> None:
    doc = get_page(signed_in(role), "/", WINDOW)
    assert doc.one("h1").text() == "Overview"
    assert doc.all("div", data_attention="inactive")
    # Their own report is one click away: "My report" in the top bar.
    mine = [a for a in doc.one("nav").all("a") if a.text() == "My report"]
    assert len(mine) == 1
    own = {"owner": "own", "admin": "adm", "manager": "mgr"}[role]
    assert mine[0].attrs["href"] == f"/members/{own}"


@pytest.mark.parametrize("role", ["annotator", "reviewer"])
def test_annotators_and_reviewers_keep_their_own_report(signed_in: SignedIn, role: str) -> None:
    doc = get_page(signed_in(role), "/", WINDOW)
    assert "Your performance" in doc.one("h1").text()
    assert not doc.all("div", data_attention=None)
    assert not [a for a in doc.one("nav").all("a") if a.text() == "My report"]


# ---- totals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "manager"])
@pytest.mark.parametrize("extra", [{}, {"project": "p-cars"}])
def test_totals_are_the_members_and_reviewers_tables_totals(
    signed_in: SignedIn, role: str, extra: dict[str, str]
) -> None:
    client = signed_in(role)
    params = {**WINDOW, **extra}
    doc = get_page(client, "/", params)
    members = api(client, "/api/reports/members", params)
    reviewers = api(client, "/api/reports/reviewers", params)
    t = members["totals"]
    shown = {key: total(doc, key).attrs["data-value"] for key in ("submitted", "reviews")}
    assert shown == {"submitted": str(t["submitted"]), "reviews": str(reviewers["totals"]["total"])}
    assert float(total(doc, "total_time").attrs["data-value"]) == t["total_time"]
    assert float(total(doc, "active_time").attrs["data-value"]) == t["active_time"]
    assert float(total(doc, "acceptance_score").attrs["data-value"]) == t["acceptance_score"]
    assert total(doc, "active_members").attrs["data-value"] == str(len(members["rows"]))
    # And the chart's days add up to the same totals.
    daily = api(client, "/api/reports/throughput", params)
    assert daily["totals"]["submitted"] == t["submitted"]
    assert daily["totals"]["reviews"] == reviewers["totals"]["total"]


def test_the_owners_figures_and_their_change_by_hand(signed_in: SignedIn) -> None:
    """03-03..03-06 against 02-27..03-02 (four days each).

    Now: a3 (ann, 03-03), b1 and b2 (ann2, 03-04) completed; b1 fix-accepted: submitted 3,
    acceptance 1/1. Reviews: rev accepts a1, rejects a2 (03-03), fix-accepts b1 (03-05): 3.
    Members with events: ann, rev, ann2 = 3.
    Before: a1 (accepted) and a2 (rejected) completed 03-02: submitted 1, acceptance 1/2;
    no review; ann alone was active.
    """
    doc = get_page(signed_in("owner"), "/", {"from": "2026-03-03", "to": "2026-03-06", "tz": "UTC"})
    span = "2026-02-27–2026-03-02"
    assert value_of(doc, "submitted") == "3"
    assert change_of(doc, "submitted") == f"+200% vs {span}"
    assert value_of(doc, "reviews") == "3"
    assert change_of(doc, "reviews") == f"was 0 in {span}"
    assert value_of(doc, "acceptance_score") == "100%"
    assert change_of(doc, "acceptance_score") == f"+50 pts vs {span}"
    assert value_of(doc, "rejection_rate") == "0%"
    assert change_of(doc, "rejection_rate") == f"-50 pts vs {span}"
    assert value_of(doc, "active_members") == "3"
    assert change_of(doc, "active_members") == f"+200% vs {span}"
    # a3 took 60 s, b1 200 s, b2 400 s; before, a1 took 120 s: (660 - 120) / 120 = +450%
    assert value_of(doc, "total_time") == "11 m 00 s"
    assert change_of(doc, "total_time") == f"+450% vs {span}"


def test_the_chart_holds_every_day_of_the_window(signed_in: SignedIn) -> None:
    client = signed_in("owner")
    doc = get_page(client, "/", WINDOW)
    spec: dict[str, Any] = json.loads(doc.one("script", id="chart-throughput-daily-data").raw())
    assert spec["x"] == [f"2026-03-0{d}" for d in range(2, 7)]
    series = {s["key"]: s["y"] for s in spec["series"]}
    # Submitted by state: a1 (03-02; a2 rejected), a3 (03-03), b1, b2 (03-04); reviews on 03-03
    # (two) and 03-05 (one); 03-06 has nothing and is a zero, not a gap.
    assert series == {"submitted": [1, 1, 2, 0, 0], "reviews": [0, 2, 0, 1, 0]}


def test_a_member_filter_opens_that_members_report(signed_in: SignedIn) -> None:
    response = signed_in("owner").get(
        "/", params={**WINDOW, "member": "ann2"}, headers=HTML, follow_redirects=False
    )
    assert response.status_code == 303
    assert urlsplit(response.headers["location"]).path == "/members/ann2"


# ---- needs attention, on a hand-built April -------------------------------------------------

APRIL = {"from": "2026-04-01", "to": "2026-04-10", "tz": "UTC"}


def _april(store: Store) -> None:
    """cy: 12 annotations of 60 s (04-08), all accepted. dan: 20 of 300 s (04-02), 12 accepted
    and 8 rejected. fay: 3 of 600 s (04-05), all rejected (too little to judge). eve: nothing.
    rev reviews on 04-09. ann, ann2 (March's annotators) do nothing in April."""
    records: list[dict[str, Any]] = [
        {"kind": "member", "id": m, "name": name, "role": "annotator"}
        for m, name in (("cy", "Cy Careful"), ("dan", "Dan Dawdle"), ("fay", "Fay Few"),
                        ("eve", "Eve Idle"))
    ]  # fmt: skip
    n = 0

    def event(type_: str, day: str, actor: str, project: str, annotation: str, secs: int) -> None:
        nonlocal n
        n += 1
        records.append({
            "id": f"apr{n}", "type": type_, "time": f"2026-04-{day}:{n % 60:02d}Z",
            "actor": actor, "project": project, "task": f"t-{annotation}",
            "annotation": annotation, "duration": secs,
        })  # fmt: skip

    for i in range(12):
        event("annotation.submitted", "08T10:00", "cy", "p-cars", f"cy{i}", 60)
        event("review.accepted", "09T10:00", "rev", "p-cars", f"cy{i}", 10)
    for i in range(20):
        event("annotation.submitted", "02T10:00", "dan", "p-inv", f"dan{i}", 300)
        verdict = "review.accepted" if i < 12 else "review.rejected"
        event(verdict, "09T11:00", "rev", "p-inv", f"dan{i}", 10)
    for i in range(3):
        event("annotation.submitted", "05T10:00", "fay", "p-cars", f"fay{i}", 600)
        event("review.rejected", "09T12:00", "rev", "p-cars", f"fay{i}", 10)
    ingest_records(store, records)
    for member, project in (("cy", "p-cars"), ("dan", "p-inv"), ("fay", "p-cars"),
                            ("eve", "p-cars")):  # fmt: skip
        add_membership(store, member, "project", project)


def test_attention_names_who_is_below_the_team_and_says_why(
    org_store: Store, signed_in: SignedIn
) -> None:
    _april(org_store)
    client = signed_in("owner")
    doc = get_page(client, "/", APRIL)
    href = "/members/dan?" + "&".join(f"{k}={v}" for k, v in APRIL.items())
    # Performance: cy 12/12, dan 12/20 = 60%, fay 0/3; team 24/35 = 69%. fay has 3 reviewed
    # annotations, under the threshold of 10: left out.
    assert attention(doc, "performance") == [
        ("Dan Dawdle", "Performance score 60% vs team 69%", href)
    ]
    # Rejection by state: dan 8/20 = 40%; team 11/35 = 31%; fay (3/3) too little to judge.
    assert attention(doc, "rejection") == [
        ("Dan Dawdle", "Rejection rate 40% vs team 31% (8 of 20 reviewed)", href)
    ]
    # Median of the submitted ones: cy 60 s, dan 300 s; the team's is the report's.
    team = api(client, "/api/reports/members", APRIL)["totals"]["median_time"]
    assert 60 < team < 300
    [(name, why, _)] = attention(doc, "median")
    assert name == "Dan Dawdle" and why.startswith("Median 5 m 00 s per annotation vs team")
    # No activity 04-04..04-10: dan's last was 04-02; ann, ann2 and eve none in April at all.
    # Owners, admins and managers are not expected to label: never listed.
    inactive = attention(doc, "inactive")
    assert [name for name, _, _ in inactive] == [
        "Anna Annotator", "Bianca Books", "Dan Dawdle", "Eve Idle",
    ]  # fmt: skip
    whys = {name: why for name, why, _ in inactive}
    assert whys["Dan Dawdle"] == "No activity in the 7 days to 2026-04-10."
    assert (
        whys["Eve Idle"] == "No activity in the 7 days to 2026-04-10, nor anywhere in the window."
    )
    for _, _, link in inactive:
        assert set(parse_qsl(urlsplit(link).query)) == set(APRIL.items())


def test_inactive_days_is_a_parameter(org_store: Store, signed_in: SignedIn) -> None:
    _april(org_store)
    client = signed_in("owner")
    # Nine days back from 04-10 reach dan's 04-02.
    doc = get_page(client, "/", {**APRIL, "inactive_days": "9"})
    names = [name for name, _, _ in attention(doc, "inactive")]
    assert "Dan Dawdle" not in names and "Eve Idle" in names
    assert doc.one("input", name="inactive_days").attrs["value"] == "9"
    for bad in ("0", "x", "400"):
        response = client.get("/", params={**APRIL, "inactive_days": bad}, headers=HTML)
        assert response.status_code == 400, bad
        assert "inactive_days must be a whole number" in response.text


def test_a_manager_sees_only_their_projects_members(org_store: Store, signed_in: SignedIn) -> None:
    _april(org_store)
    doc = get_page(signed_in("manager"), "/", APRIL)
    section = doc.one("section", id="attention").text()
    # Dan and Bianca work in Invoices, outside Maya's Vision workspace.
    assert "Dan Dawdle" not in section and "Bianca Books" not in section
    assert [name for name, _, _ in attention(doc, "inactive")] == ["Anna Annotator", "Eve Idle"]
    # Her totals are Vision's: cy's 12 and nothing of dan's 12.
    assert value_of(doc, "submitted") == "12"


def test_totals_carry_the_glossarys_help(signed_in: SignedIn) -> None:
    # The words are the glossary's: every total shows its text, the overview's own first.
    doc = get_page(signed_in("owner"), "/", WINDOW)
    for key, _, _, (report, figure) in overview.TOTALS:
        text = glossary.help_for("overview", key) or glossary.help_for(report, figure)
        assert text, key
        assert total(doc, key).one("span", role="tooltip").text() == text
