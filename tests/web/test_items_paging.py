"""The items report over the API and on the Work page: sorted, searched and paged on the
server, a bad parameter a 400 naming it, downloads of every row."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.testclient import TestClient

from labelpulse.web import tables
from tests.web.conftest import WINDOW
from tests.web.test_pages import HTML, SignedIn, api, get_page, rows_of

ITEMS = "/api/reports/items"


def keys(data: dict[str, Any]) -> list[str]:
    return [f"{row['project']}/{row['task']}" for row in data["rows"]]


def test_api_sorts_pages_and_searches_items(signed_in: SignedIn) -> None:
    client = signed_in("owner")
    whole = api(client, ITEMS, WINDOW)
    assert whole["page"]["limit"] is None and whole["page"]["total_rows"] == len(whole["rows"])
    by_label = sorted(whole["rows"], key=lambda r: -r["label_time"])
    page = api(client, ITEMS, {**WINDOW, "sort": "label_time:desc", "limit": 2, "offset": 1})
    assert [r["label_time"] for r in page["rows"]] == [r["label_time"] for r in by_label[1:3]]
    assert page["page"] == {
        "total_rows": len(whole["rows"]), "limit": 2, "offset": 1, "sort": "label_time:desc",
        "search": None,
    }  # fmt: skip
    assert page["totals"] == whole["totals"]
    task = whole["rows"][0]["task"]
    found = api(client, ITEMS, {**WINDOW, "search": task.upper()})
    assert found["rows"] and all(task in row["task"] for row in found["rows"])
    assert found["page"]["total_rows"] == len(found["rows"])
    # Counting alone: no rows, the count and totals of every match.
    count = api(client, ITEMS, {**WINDOW, "limit": 0})
    assert count["rows"] == [] and count["totals"] == whole["totals"]


def test_api_items_stay_cut_to_an_annotators_own_work(signed_in: SignedIn) -> None:
    owner = api(signed_in("owner"), ITEMS, {**WINDOW, "member": "ann", "project": "p-cars"})
    anna = api(signed_in("annotator"), ITEMS, {**WINDOW, "sort": "task:desc", "limit": 100})
    assert sorted(keys(anna)) == sorted(keys(owner))
    assert anna["totals"] == owner["totals"]
    assert anna["page"]["total_rows"] == owner["page"]["total_rows"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"sort": "colour"}, "sort", "unknown sort key 'colour'"),
        ({"sort": "task:sideways"}, "sort", "sort order must be asc or desc"),
        ({"limit": 10_001}, "limit", "limit must be at most 10000"),
        ({"limit": -1}, "limit", "limit must be from 0 to"),
        ({"offset": -1}, "offset", "offset must be from 0 to"),
        ({"offset": 2**70}, "offset", "offset must be from 0 to"),
        ({"limit": "many"}, "limit", ""),
    ],
)
def test_bad_paging_is_a_400_naming_the_field(
    signed_in: SignedIn, params: dict[str, Any], field: str, message: str
) -> None:
    response = signed_in("owner").get(ITEMS, params={**WINDOW, **params})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "bad_request"
    assert error["message"].startswith(message)
    assert [d["field"] for d in error["details"]] == [field]


def test_other_reports_take_no_paging(signed_in: SignedIn) -> None:
    # They have no such parameters: the same answer as without them.
    client = signed_in("owner")
    assert api(client, "/api/reports/work", {**WINDOW, "sort": "x"}) == api(
        client, "/api/reports/work", WINDOW
    )


def test_downloads_hold_every_matching_row_in_the_asked_order(signed_in: SignedIn) -> None:
    client = signed_in("owner")
    whole = api(client, ITEMS, {**WINDOW, "sort": "label_time:desc"})
    response = client.get(ITEMS, params={**WINDOW, "sort": "label_time:desc", "format": "csv"})
    assert response.status_code == 200
    *rows, totals = list(csv.DictReader(io.StringIO(response.text)))
    assert [f"{r['project']}/{r['task']}" for r in rows] == keys(whole)
    assert totals["project"] == "total"  # one table: the totals are its last row
    assert client.get(ITEMS, params={**WINDOW, "format": "json"}).json() == api(
        client, ITEMS, WINDOW
    )


def test_work_page_sorts_by_header_and_pages(
    signed_in: SignedIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = signed_in("owner")
    whole = api(client, ITEMS, {**WINDOW, "sort": "label_time:desc"})
    monkeypatch.setattr(tables, "ITEMS_SHOWN", 2)
    doc = get_page(client, "/work", WINDOW)
    section = doc.one("section", data_table="items")
    header = section.one("a", data_sort="label_time")
    first = get_page(client, header.attrs["href"])
    assert rows_of(first, "items")[:-1] == keys(whole)[:2]
    head = first.one("section", data_table="items").one("a", data_sort="label_time")
    assert head.text().endswith("▼")
    total = whole["page"]["total_rows"]
    assert f"Items 1–2 of {total}, by label time" in first.text()
    following = first.one("nav", data_pages="items").one("a", data_page="next")
    second = get_page(client, following.attrs["href"])
    assert rows_of(second, "items")[:-1] == keys(whole)[2:4]
    assert f"Items 3–4 of {total}, by label time" in second.text()
    back = second.one("nav", data_pages="items").one("a", data_page="prev")
    assert rows_of(get_page(client, back.attrs["href"]), "items") == rows_of(first, "items")
    # Clicking the sorted header again turns the order round.
    ascending = get_page(client, head.attrs["href"])
    least = api(client, ITEMS, {**WINDOW, "sort": "label_time", "limit": 2})
    assert rows_of(ascending, "items")[:-1] == keys(least)


def test_work_page_refuses_a_bad_page_or_sort(signed_in: SignedIn) -> None:
    client: TestClient = signed_in("owner")
    for params in ({"page": "0"}, {"sort": "colour"}):
        response = client.get("/work", params={**WINDOW, **params}, headers=HTML)
        assert response.status_code == 400


def test_work_page_searches_items_and_keeps_the_search_in_its_links(
    signed_in: SignedIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = signed_in("owner")
    whole = api(client, ITEMS, WINDOW)
    task = whole["rows"][0]["task"]
    found = api(client, ITEMS, {**WINDOW, "search": task, "sort": "total_time:desc"})
    monkeypatch.setattr(tables, "ITEMS_SHOWN", 1)
    doc = get_page(client, "/work", {**WINDOW, "search": task.upper()})
    form = doc.one("form", data_search="items")
    assert form.one("input", name="search").attrs["value"] == task.upper()
    assert rows_of(doc, "items")[:-1] == keys(found)[:1]
    assert f"matching {task.upper()!r}" in doc.text()
    header = doc.one("section", data_table="items").one("a", data_sort="task")
    assert ("search", task.upper()) in parse_qsl(urlsplit(header.attrs["href"]).query)
    none = get_page(client, "/work", {**WINDOW, "search": "no-such-task"})
    assert none.one("p", data_empty="items").text() == (
        "No item's task holds 'no-such-task' in this window and scope."
    )


def test_a_page_past_the_last_item_says_so_and_links_back(signed_in: SignedIn) -> None:
    doc = get_page(signed_in("owner"), "/work", {**WINDOW, "page": "99"})
    total = api(signed_in("owner"), ITEMS, {**WINDOW, "limit": 0})["page"]["total_rows"]
    assert doc.one("p", data_empty="items").text() == (
        f"Page 99 is past the last item ({total} in all)."
    )
    back = doc.one("nav", data_pages="items").one("a", data_page="prev")
    assert ("page", "98") in parse_qsl(urlsplit(back.attrs["href"]).query)
