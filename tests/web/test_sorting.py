"""Tables that sort and filter (issue 15): each table in the order its URL asks, members with
no work hidden until asked for, the role filter, multi-select filters and projects narrowed to
the chosen workspaces. The organisation is conftest's; the browser side is
tests/browser/test_sorting.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from labelpulse.metrics import glossary
from tests.web.conftest import WINDOW
from tests.web.test_pages import HTML, Node, SignedIn, api, get_page, query_of, rows_of

TEXT = {"member_name", "project_name", "date"}


def row_id(row: dict[str, Any]) -> str:
    return "/".join(str(row[k]) for k in ("member", "project", "task", "date") if row.get(k))


def expected(rows: list[dict[str, Any]], key: str, descending: bool) -> list[str]:
    """The order the page must show: numbers as numbers, words ignoring case, blanks last."""
    present = [r for r in rows if r.get(key) not in (None, "")]
    blank = [r for r in rows if r.get(key) in (None, "")]

    def order(row: dict[str, Any]) -> Any:
        return str(row[key]).casefold() if key in TEXT else float(row[key])

    return [row_id(r) for r in sorted(present, key=order, reverse=descending) + blank]


def header(doc: Node, table: str, key: str) -> Node:
    section = doc.one("section", data_table=table)
    return next(th for th in section.all("th") if th.all("a", data_sort=key))


# (page, table, the page's API twin of that table, column)
CASES = [
    ("/org/members", "members", "/api/reports/members", "submitted"),
    ("/org/members", "members", "/api/reports/members", "total_time"),
    ("/org/members", "members", "/api/reports/members", "member_name"),
    ("/work", "work", "/api/reports/work", "member_name"),
    ("/projects/p-cars/members", "members", "/api/reports/members", "total_time"),
    ("/insights", "insights", "/api/reports/insights", "items_labeled"),
    ("/insights", "insights", "/api/reports/insights", "project_name"),
    ("/work", "work", "/api/reports/work", "label_time"),
    ("/members/ann", "daily", "/api/members/ann/report", "submitted"),
]


@pytest.mark.parametrize(("path", "table", "twin", "key"), CASES)
@pytest.mark.parametrize("descending", [False, True])
def test_each_table_shows_its_rows_in_the_urls_order(
    signed_in: SignedIn, path: str, table: str, twin: str, key: str, descending: bool
) -> None:
    client = signed_in("owner")
    value = f"{table}:{key}:desc" if descending else f"{table}:{key}"
    doc = get_page(client, path, {**WINDOW, "sort": value, "all": "1"})
    scope = {**WINDOW, "project": "p-cars"} if path.startswith("/projects") else WINDOW
    data = api(client, twin, scope)
    rows = data["daily"] if table == "daily" else data["rows"]
    want = expected(rows, key, descending)
    assert len(want) >= 2, "a table of one row shows no order"
    assert rows_of(doc, table) == [*want, "totals"]  # the totals row stays last
    th = header(doc, table, key)
    assert th.attrs["aria-sort"] == ("descending" if descending else "ascending")
    # Its link turns the order round; the other headers start most-first (figures) or A-Z.
    flipped = f"{table}:{key}" if descending else f"{table}:{key}:desc"
    assert ("sort", flipped) in query_of(th.one("a").attrs["href"])
    section = doc.one("section", data_table=table)
    assert len(section.all("th", aria_sort=None)) == 1
    assert doc.one("table", data_client_sort=table)


def test_a_first_click_sorts_figures_most_first_and_words_a_to_z(signed_in: SignedIn) -> None:
    doc = get_page(signed_in("owner"), "/org/members", WINDOW)
    submitted = header(doc, "members", "submitted").one("a").attrs["href"]
    name = header(doc, "members", "member_name").one("a").attrs["href"]
    assert ("sort", "members:submitted:desc") in query_of(submitted)
    assert ("sort", "members:member_name") in query_of(name)
    assert urlsplit(submitted).path == "/org/members"
    assert set(WINDOW.items()) <= set(query_of(submitted))


def test_one_tables_sort_keeps_the_others_and_the_filters(signed_in: SignedIn) -> None:
    client = signed_in("owner")
    params = [*WINDOW.items(), ("project", "p-cars"), ("sort", "members:total_time:desc")]
    doc = get_page(client, "/org/members", params)
    href = header(doc, "reviewers", "total").one("a").attrs["href"]
    query = query_of(href)
    assert ("sort", "members:total_time:desc") in query
    assert ("sort", "reviewers:total:desc") in query
    assert ("project", "p-cars") in query
    # Applying the filters keeps the sorts too.
    form = doc.one("form", **{"class": "filters card"})
    hidden = [(i.attrs["name"], i.attrs["value"]) for i in form.all("input", type="hidden")]
    assert ("sort", "members:total_time:desc") in hidden


def test_the_items_table_keeps_its_urls_beside_the_per_member_sort(signed_in: SignedIn) -> None:
    client = signed_in("owner")
    params = [*WINDOW.items(), ("sort", "work:label_time"), ("sort", "task:desc")]
    doc = get_page(client, "/work", params)
    items = api(client, "/api/reports/items", {**WINDOW, "sort": "task:desc"})
    assert rows_of(doc, "items")[:-1] == [row_id(r) for r in items["rows"]]
    work = api(client, "/api/reports/work", WINDOW)
    assert rows_of(doc, "work")[:-1] == expected(work["rows"], "label_time", False)
    # Either table's links keep the other's order.
    items_head = header(doc, "items", "frames").one("a").attrs["href"]
    assert ("sort", "work:label_time") in query_of(items_head)
    work_head = header(doc, "work", "labeled").one("a").attrs["href"]
    assert ("sort", "task:desc") in query_of(work_head)
    # The items table is sorted by the server only: every row is not on the page.
    assert not doc.all("table", data_client_sort="items")


@pytest.mark.parametrize(
    "sort", ["members:colour", "members:submitted:sideways", "reviewers:submitted"]
)
def test_an_unknown_sort_is_a_400_naming_the_field(signed_in: SignedIn, sort: str) -> None:
    response = signed_in("owner").get("/org/members", params={**WINDOW, "sort": sort}, headers=HTML)
    assert response.status_code == 400
    assert "sort" in response.text


def test_members_with_no_work_are_hidden_until_asked_for(signed_in: SignedIn) -> None:
    client = signed_in("admin")
    data = api(client, "/api/reports/members", WINDOW)
    idle = [r["member"] for r in data["rows"] if not r["submitted"] and not r["total_time"]]
    assert idle, "the organisation has members with no annotation work"
    hidden = get_page(client, "/org/members", WINDOW)
    shown_ids = rows_of(hidden, "members")
    assert not set(idle) & set(shown_ids)
    toggle = hidden.one("a", data_idle_toggle="members")
    noun = "member" if len(idle) == 1 else "members"
    assert toggle.text() == f"Show {len(idle)} {noun} with no work"
    assert ("all", "1") in query_of(toggle.attrs["href"])

    everyone = get_page(client, toggle.attrs["href"])
    assert rows_of(everyone, "members") == [r["member"] for r in data["rows"]] + ["totals"]
    section = everyone.one("section", data_table="members")
    assert sorted(tr.attrs["data-row"] for tr in section.all("tr", data_idle=None)) == sorted(idle)
    again = everyone.one("a", data_idle_toggle="members")
    assert again.text().startswith("Hide") and ("all", "1") not in query_of(again.attrs["href"])
    # Hiding rows leaves the totals the report's.
    hidden_section = hidden.one("section", data_table="members")
    totals = [td.text() for td in hidden_section.one("tr", data_row="totals").all("td")]
    assert totals == [td.text() for td in section.one("tr", data_row="totals").all("td")]


def test_every_row_with_work_needs_no_toggle(signed_in: SignedIn) -> None:
    doc = get_page(signed_in("owner"), "/insights", WINDOW)
    assert not doc.all("a", data_idle_toggle="insights")
    assert len(rows_of(doc, "insights")) > 2


def test_the_role_filter_asks_the_reports_for_those_members(signed_in: SignedIn) -> None:
    client = signed_in("owner")
    doc = get_page(client, "/org/members", [*WINDOW.items(), ("role", "annotator")])
    both = api(client, "/api/reports/members", {**WINDOW, "member": ["ann", "ann2"]})
    assert rows_of(doc, "members") == [r["member"] for r in both["rows"]] + ["totals"]
    assert {r["member"] for r in both["rows"]} == {"ann", "ann2"}
    total = doc.one("section", data_table="members").one("tr", data_row="totals")
    assert total.one("td", data_key="submitted").attrs["data-value"] == str(
        both["totals"]["submitted"]
    )
    assert not doc.all("tr", data_row="rev")
    # The reviewers table holds reviewers' work only: none among annotators.
    assert doc.one("p", data_empty="reviewers").text().endswith("among annotators.")
    select = doc.one("form", **{"class": "filters card"}).one("select", name="role")
    chosen = [o.attrs["value"] for o in select.all("option", selected=None)]
    assert chosen == ["annotator"] and "multiple" in select.attrs

    several = [*WINDOW.items(), ("role", "reviewer"), ("role", "annotator")]
    reviewers = get_page(client, "/org/members", several)
    assert rows_of(reviewers, "reviewers") == ["rev", "totals"]
    owners = get_page(client, "/org/members", [*WINDOW.items(), ("role", "owner"), ("all", "1")])
    assert owners.one("p", data_empty="members").text().endswith("among owners.")


def test_the_role_filter_on_a_project_and_a_bad_role(signed_in: SignedIn) -> None:
    client = signed_in("manager")
    doc = get_page(client, "/projects/p-cars/members", {**WINDOW, "role": "annotator"})
    assert rows_of(doc, "members") == ["ann", "totals"]
    nobody = get_page(
        client, "/projects/p-cars/members", {**WINDOW, "role": "admin", "member": "ann"}
    )
    assert "No member of those chosen" in nobody.one("p", data_empty="members").text()
    bad = client.get("/org/members", params={**WINDOW, "role": "boss"}, headers=HTML)
    assert bad.status_code == 403  # a manager may not open it, whatever the role asked
    owner = signed_in("owner").get("/org/members", params={**WINDOW, "role": "boss"}, headers=HTML)
    assert owner.status_code == 400 and "role" in owner.text
    # Only the members tables offer roles.
    insights = get_page(client, "/insights", WINDOW)
    assert not insights.all("select", name="role")


def test_multi_select_filters_reach_the_report(signed_in: SignedIn) -> None:
    client = signed_in("owner")
    params = [*WINDOW.items(), ("member", "ann"), ("member", "ann2"), ("all", "1")]
    doc = get_page(client, "/insights", params)
    data = api(client, "/api/reports/insights", {**WINDOW, "member": ["ann", "ann2"]})
    assert rows_of(doc, "insights")[:-1] == [row_id(r) for r in data["rows"]]
    assert {r["member"] for r in data["rows"]} == {"ann", "ann2"}
    form = doc.one("form", **{"class": "filters card"})
    members = form.one("select", name="member")
    assert "multiple" in members.attrs
    assert {o.attrs["value"] for o in members.all("option", selected=None)} == {"ann", "ann2"}

    two = [*WINDOW.items(), ("project", "p-cars"), ("project", "p-inv")]
    page = get_page(client, "/org/members", two)
    both = api(client, "/api/reports/members", {**WINDOW, "project": ["p-cars", "p-inv"]})
    total = page.one("section", data_table="members").one("tr", data_row="totals")
    value = total.one("td", data_key="submitted").attrs["data-value"]
    assert value == str(both["totals"]["submitted"]) != "0"
    chosen = page.one("select", name="project").all("option", selected=None)
    assert {o.attrs["value"] for o in chosen} == {"p-cars", "p-inv"}
    workspaces = page.one("select", name="workspace")
    assert "multiple" in workspaces.attrs
    # Nothing chosen: the "All …" line is.
    assert workspaces.one("option", selected=None).attrs["value"] == ""


def test_the_member_pages_member_select_stays_single(signed_in: SignedIn) -> None:
    doc = get_page(signed_in("owner"), "/members/ann", WINDOW)
    select = doc.one("form", **{"class": "filters card"}).one("select", name="member")
    assert "multiple" not in select.attrs
    assert [o.attrs["value"] for o in select.all("option", selected=None)] == ["ann"]
    assert "multiple" in doc.one("select", name="project").attrs


def test_projects_narrow_to_the_chosen_workspaces(signed_in: SignedIn) -> None:
    client: TestClient = signed_in("owner")
    doc = get_page(client, "/insights", {**WINDOW, "workspace": "ws-doc"})
    options = doc.one("select", name="project").all("option")
    offered = {o.attrs["value"] for o in options if "disabled" not in o.attrs} - {""}
    assert offered == {"p-inv"}
    outside = {o.attrs["value"]: o for o in options if "disabled" in o.attrs}
    assert set(outside) == {"p-cars", "p-signs"}
    # Listed for the script to bring back, with their workspace, but hidden and not chosen.
    assert outside["p-cars"].attrs["data-workspace"] == "ws-vis"
    assert "hidden" in outside["p-cars"].attrs and "selected" not in outside["p-cars"].attrs
    # A project outside the chosen workspaces is not shown as chosen, even from the URL.
    mixed = get_page(client, "/insights", {**WINDOW, "workspace": "ws-doc", "project": "p-cars"})
    cars = mixed.one("select", name="project").one("option", value="p-cars")
    assert "selected" not in cars.attrs and "disabled" in cars.attrs
    everything = get_page(client, "/insights", WINDOW)
    assert not everything.one("select", name="project").all("option", disabled=None)


def test_headers_show_the_columns_help(signed_in: SignedIn) -> None:
    text = glossary.help_for("members", "acceptance_score")
    assert text
    doc = get_page(signed_in("owner"), "/org/members", WINDOW)
    th = header(doc, "members", "acceptance_score")
    assert th.one("span", role="tooltip").text() == text
    assert th.one("button").attrs["aria-label"].startswith("About ")
    # A name column is explained by its label alone: no tip.
    assert glossary.help_for("members", "member_name") is None
    assert not header(doc, "members", "member_name").all("button")
