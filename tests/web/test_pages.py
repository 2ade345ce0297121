"""The dashboard pages: who may open which, figures equal to the API's, charts, exports,
filters and empty states. The organisation is conftest's (one member per role)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.testclient import TestClient

from labelpulse.readable import format_duration
from labelpulse.web import tables
from tests.web.conftest import ROLES, WINDOW

HTML = {"accept": "text/html"}
SignedIn = Callable[[str], TestClient]
APRIL = {"from": "2026-04-01", "to": "2026-04-05", "tz": "UTC"}

# ---- a small HTML reader (the standard library's parser; no dependency for tests) ----------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return re.sub(r"\s+", " ", " ".join(parts)).strip()

    def raw(self) -> str:
        return "".join(c if isinstance(c, str) else c.raw() for c in self.children)

    def all(self, tag: str | None = None, **attrs: str | None) -> list[Node]:
        """Descendants by tag and attributes (`data_row="x"` means data-row; None: present)."""
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        found = []
        for child in self.children:
            if isinstance(child, str):
                continue
            if (tag is None or child.tag == tag) and all(
                k in child.attrs and (v is None or child.attrs[k] == v) for k, v in wanted.items()
            ):
                found.append(child)
            found += child.all(tag, **attrs)
        return found

    def one(self, tag: str | None = None, **attrs: str | None) -> Node:
        found = self.all(tag, **attrs)
        assert len(found) == 1, f"{len(found)} <{tag} {attrs}> found"
        return found[0]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def get_page(client: TestClient, path: str, params: Any = None, status: int = 200) -> Node:
    response = client.get(path, params=params, headers=HTML, follow_redirects=False)
    assert response.status_code == status, (path, response.status_code, response.text[:500])
    return parse(response.text)


def api(client: TestClient, path: str, params: Any = None) -> dict[str, Any]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def figure(doc: Node, key: str) -> Node:
    return doc.one("div", data_figure=key)


def figure_text(doc: Node, key: str) -> str:
    return figure(doc, key).one("span", **{"class": "value"}).text()


def cell(doc: Node, table: str, row: str, key: str) -> Node:
    section = doc.one("section", data_table=table)
    return section.one("tr", data_row=row).one("td", data_key=key)


def rows_of(doc: Node, table: str) -> list[str]:
    section = doc.one("section", data_table=table)
    return [tr.attrs["data-row"] for tr in section.all("tr", data_row=None)]


def chart_spec(doc: Node, chart_id: str) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(doc.one("script", id=f"{chart_id}-data").raw())
    return spec


def query_of(href: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(href).query)


# ---- who may open what ----------------------------------------------------------------------

PAGES: dict[str, set[str]] = {
    "/": {"owner", "admin", "manager", "reviewer", "annotator"},
    "/members/ann": {"owner", "admin", "manager", "annotator"},
    "/members/ann2": {"owner", "admin", "manager"},
    "/org/members": {"owner", "admin"},
    "/projects": {"owner", "admin", "manager"},
    "/projects/p-cars/members": {"owner", "admin", "manager"},
    "/projects/p-inv/members": {"owner", "admin"},
    "/insights": {"owner", "admin", "manager", "reviewer", "annotator"},
    "/work": {"owner", "admin", "manager", "reviewer", "annotator"},
    "/admin/members": {"owner", "admin"},
}


@pytest.mark.parametrize("role", list(ROLES))
def test_each_page_opens_for_the_roles_allowed_and_refuses_the_others(
    signed_in: SignedIn, role: str
) -> None:
    client = signed_in(role)
    for path, allowed in PAGES.items():
        response = client.get(path, params=WINDOW, headers=HTML, follow_redirects=False)
        expected = 200 if role in allowed else 403
        assert response.status_code == expected, (role, path, response.text[:300])
        if expected == 403:
            assert "Not yours to see" in response.text


def test_anonymous_is_sent_to_sign_in(anonymous: TestClient) -> None:
    for path in PAGES:
        response = anonymous.get(path, headers=HTML, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/login?next={path}"


def test_every_page_links_its_json_twin(signed_in: SignedIn) -> None:
    client = signed_in("owner")
    for path in PAGES:
        twin = get_page(client, path, WINDOW).one("a", data_twin=None).attrs["href"]
        assert twin.startswith("/api/"), (path, twin)
        assert client.get(twin).status_code == 200, twin


# ---- the member report ----------------------------------------------------------------------


def test_home_is_the_members_own_report_with_the_api_figures(signed_in: SignedIn) -> None:
    client = signed_in("annotator")
    doc = get_page(client, "/", WINDOW)
    data = api(client, "/api/members/ann/report", WINDOW)
    # Anna sees only her own project (Cars): a1 counts, a2 was rejected, a3 is in Signs.
    assert data["annotations"]["submitted"] == 1
    assert figure_text(doc, "annotations.submitted") == "1"
    assert figure_text(doc, "annotations.total_time") == "2 m 00 s"
    for key in ("total_time", "total_time_median", "median_time", "mean_time"):
        shown = figure_text(doc, f"annotations.{key}")
        assert shown == format_duration(data["annotations"][key]), key
    assert figure_text(doc, "annotations.performance_score") == "50%"
    assert figure(doc, "annotations.skipped").attrs["data-value"] == "0"
    assert "Your performance" in doc.one("h1").text()
    # An annotator has no member select: she may see only her own work.
    assert not doc.all("select", name="member")


def test_an_owner_sees_all_of_a_members_work_and_the_filters_narrow_it(
    signed_in: SignedIn,
) -> None:
    client = signed_in("owner")
    doc = get_page(client, "/members/ann", WINDOW)
    assert figure_text(doc, "annotations.submitted") == "2"
    assert figure_text(doc, "annotations.total_time") == "3 m 00 s"
    assert "Anna Annotator" in doc.one("h1").text()
    cars = get_page(client, "/members/ann", {**WINDOW, "project": "p-cars"})
    assert figure_text(cars, "annotations.submitted") == "1"
    signs = get_page(client, "/members/ann", {**WINDOW, "workspace": "ws-doc"})
    assert figure_text(signs, "annotations.submitted") == "0"
    one_day = get_page(client, "/members/ann", {**WINDOW, "to": "2026-03-02"})
    assert figure_text(one_day, "annotations.submitted") == "1"


def test_chart_data_embedded_in_the_page_is_the_reports_daily_figures(
    signed_in: SignedIn,
) -> None:
    client = signed_in("owner")
    data = api(client, "/api/members/rev/report", WINDOW)
    doc = get_page(client, "/members/rev", WINDOW)
    daily = data["daily"]
    dates = [day["date"] for day in daily]
    containers = doc.all("div", data_chart=None)
    # Rico only reviews: the review graphs show, the empty annotation graphs are left out.
    assert [c.attrs["id"] for c in containers] == ["chart-review-time-daily", "chart-reviews-daily"]
    assert doc.all("p", data_left_out="annotations")
    for container in containers:
        assert container.attrs["data-source"] == f"{container.attrs['id']}-data"
        spec = chart_spec(doc, container.attrs["id"])
        assert spec["x"] == dates
        for series in spec["series"]:
            assert series["y"] == [day[series["key"]] for day in daily], series["key"]
    reviews = chart_spec(doc, "chart-reviews-daily")
    assert [sum(s["y"]) for s in reviews["series"]] == [1, 1, 1]

    anna = api(client, "/api/members/ann/report", WINDOW)
    page = get_page(client, "/members/ann", WINDOW)
    ids = [c.attrs["id"] for c in page.all("div", data_chart=None)]
    assert ids == [
        "chart-annotation-summary",
        "chart-annotations-daily",
        "chart-total-time-daily",
        "chart-time-per-annotation",
    ]
    summary = chart_spec(page, "chart-annotation-summary")["series"][0]["y"]
    a = anna["annotations"]
    assert summary == [a["submitted"], a["skipped"], a["updated"]]
    for chart_id in ids[1:]:
        for series in chart_spec(page, chart_id)["series"]:
            assert series["y"] == [day[series["key"]] for day in anna["daily"]]
    # The sum/median toggle names the series it switches between.
    toggles = page.all("input", data_toggle_chart="chart-total-time-daily")
    assert [t.attrs["value"] for t in toggles] == ["total_time", "total_time_median"]


def test_chart_scripts_are_served_from_this_server(signed_in: SignedIn) -> None:
    client = signed_in("annotator")
    doc = get_page(client, "/", WINDOW)
    sources = [s.attrs["src"] for s in doc.all("script") if "src" in s.attrs]
    # through static_url: each URL carries its file's content hash
    assert [src.split("?v=")[0] for src in sources] == [
        "/static/menus.js",
        "/static/help.js",
        "/static/vendor/plotly.min.js",
        "/static/charts.js",
        "/static/tables.js",
        "/static/tzfield.js",
    ]
    assert all(len(src.split("?v=")[1]) == 8 for src in sources)
    for src in sources:
        response = client.get(src)
        assert response.status_code == 200 and "javascript" in response.headers["content-type"]
    assert "data-rendered" in client.get("/static/charts.js").text


def test_the_daily_table_shows_every_date_with_readable_durations(signed_in: SignedIn) -> None:
    client = signed_in("owner")
    doc = get_page(client, "/members/ann", WINDOW)
    assert rows_of(doc, "daily") == [f"2026-03-0{d}" for d in range(2, 7)] + ["totals"]
    # a2 (300 s) was rejected, so 2 March holds a1 alone.
    assert cell(doc, "daily", "2026-03-02", "total_time").text() == "2 m 00 s"
    assert cell(doc, "daily", "2026-03-03", "total_time").text() == "1 m 00 s"
    assert cell(doc, "daily", "2026-03-04", "median_time").text() == "–"
    assert cell(doc, "daily", "totals", "submitted").text() == "2"


def test_member_exports_are_working_downloads_of_the_same_question(signed_in: SignedIn) -> None:
    client = signed_in("manager")
    doc = get_page(client, "/members/ann", {**WINDOW, "project": "p-cars"})
    menu = doc.one("details", **{"class": "menu exports"})
    links = {a.attrs["data-export"]: a.attrs["href"] for a in menu.all("a")}
    assert set(links) == {
        "Report CSVs (ZIP)", "Report JSON", "Report Excel", "Timeline CSV",
        "Comments received CSV",
    }  # fmt: skip
    expected = {
        "Report CSVs (ZIP)": ("/api/members/ann/report", "zip"),
        "Report JSON": ("/api/members/ann/report", "json"),
        "Report Excel": ("/api/members/ann/report", "xlsx"),
        "Timeline CSV": ("/api/members/ann/timeline", "csv"),
        "Comments received CSV": ("/api/members/ann/comments", "csv"),
    }
    for label, href in links.items():
        path, fmt = expected[label]
        assert urlsplit(href).path == path
        assert set(query_of(href)) >= {*WINDOW.items(), ("project", "p-cars"), ("format", fmt)}
        response = client.get(href)
        assert response.status_code == 200, (label, response.text)
        assert response.headers["content-disposition"].startswith("attachment;")
        assert response.headers["content-disposition"].endswith(f'.{fmt}"')
    report = json.loads(client.get(links["Report JSON"]).content)
    assert report["annotations"]["submitted"] == 1


def test_choosing_another_member_moves_to_their_page(signed_in: SignedIn) -> None:
    client = signed_in("manager")
    doc = get_page(client, "/", WINDOW)
    options = [o.attrs["value"] for o in doc.one("select", name="member").all("option")]
    # The overview (a manager's home) offers "Whole team" first: its own view.
    assert set(options) - {""} == {"own", "adm", "mgr", "rev", "ann", "ann2"}
    response = client.get(
        "/", params={**WINDOW, "member": "ann"}, headers=HTML, follow_redirects=False
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert urlsplit(location).path == "/members/ann"
    assert set(query_of(location)) == set(WINDOW.items())


def test_filter_selects_list_only_what_the_viewer_may_see(signed_in: SignedIn) -> None:
    def projects(role: str) -> set[str]:
        doc = get_page(signed_in(role), "/insights", WINDOW)
        return {o.attrs["value"] for o in doc.one("select", name="project").all("option")} - {""}

    assert projects("owner") == {"p-cars", "p-signs", "p-inv"}
    assert projects("manager") == {"p-cars", "p-signs"}
    assert projects("annotator") == {"p-cars"}


def test_date_presets_keep_the_other_filters(signed_in: SignedIn) -> None:
    doc = get_page(signed_in("owner"), "/insights", {**WINDOW, "project": "p-inv"})
    presets = doc.all("a", **{"class": "preset"}) + doc.all("a", **{"class": "preset active"})
    assert {p.text() for p in presets} == {"Last 7 days", "Last 30 days", "This month",
                                           "Last month"}  # fmt: skip
    for preset in presets:
        assert ("project", "p-inv") in query_of(preset.attrs["href"])


def test_an_empty_window_says_why_there_is_nothing(signed_in: SignedIn) -> None:
    client = signed_in("owner")
    doc = get_page(client, "/members/ann", {**APRIL, "project": "p-cars"})
    assert (
        doc.one("p", data_empty="member")
        .text()
        .startswith(
            "No submitted annotations or reviews by Anna Annotator between 2026-04-01 and "
            "2026-04-05 in Cars."
        )
    )
    assert not doc.all("div", data_chart=None)
    org = get_page(client, "/org/members", APRIL)
    assert "No work by anyone between 2026-04-01 and 2026-04-05." in org.text()
    assert "No review actions between 2026-04-01 and 2026-04-05." in org.text()
    work = get_page(client, "/work", APRIL)
    assert work.one("p", data_empty="items").text().startswith("No work on any item between")
    # Rico only reviews: his insights are empty, and the page says where his reviews are.
    rico = get_page(signed_in("reviewer"), "/insights", WINDOW)
    assert (
        rico.one("p", data_empty="insights")
        .text()
        .startswith(
            "No labeling by you between 2026-03-02 and 2026-03-06. Insights counts labeling per "
            "labeler: your reviews are on your Home and Work pages."
        )
    )


def test_a_bad_filter_or_an_unknown_member_is_an_error_page(signed_in: SignedIn) -> None:
    client = signed_in("owner")
    response = client.get("/members/ann", params={**WINDOW, "from": "March"}, headers=HTML)
    assert response.status_code == 400
    assert "from must be a date as YYYY-MM-DD" in response.text
    response = client.get("/insights", params={**WINDOW, "tz": "Mars/Olympus"}, headers=HTML)
    assert response.status_code == 400
    assert client.get("/members/nobody", params=WINDOW, headers=HTML).status_code == 404


# ---- members dashboards ----------------------------------------------------------------------


def test_organisation_members_match_the_api_and_link_each_report(signed_in: SignedIn) -> None:
    client = signed_in("admin")
    # all=1: the members with no work in the window too (hidden by default, test_sorting.py).
    doc = get_page(client, "/org/members", {**WINDOW, "all": "1"})
    data = api(client, "/api/reports/members", WINDOW)
    assert rows_of(doc, "members") == [r["member"] for r in data["rows"]] + ["totals"]
    anna = cell(doc, "members", "ann", "member_name")
    assert anna.text() == "Anna Annotator"
    link = anna.one("a").attrs["href"]
    assert urlsplit(link).path == "/members/ann"
    assert set(query_of(link)) == set(WINDOW.items())
    assert cell(doc, "members", "ann", "total_time").text() == "3 m 00 s"
    assert cell(doc, "members", "ann", "performance_score").text() == "50%"
    assert cell(doc, "members", "totals", "submitted").text() == str(data["totals"]["submitted"])
    reviewers = api(client, "/api/reports/reviewers", WINDOW)
    assert rows_of(doc, "reviewers") == ["rev", "totals"]
    assert cell(doc, "reviewers", "rev", "total").text() == str(reviewers["rows"][0]["total"])
    narrowed = get_page(client, "/org/members", {**WINDOW, "project": "p-inv"})
    # rev annotated nothing there: an all-zero row, hidden until asked for with all=1.
    assert rows_of(narrowed, "members") == ["ann2", "totals"]


def test_table_exports_are_working_downloads(signed_in: SignedIn) -> None:
    client = signed_in("owner")
    for path, tables_on_page in (
        ("/org/members", ["members", "reviewers"]),
        ("/insights", ["insights"]),
        ("/work", ["work", "items"]),
        ("/projects/p-cars/members", ["members", "reviewers"]),
    ):
        doc = get_page(client, path, WINDOW)
        for table in tables_on_page:
            links = doc.one("section", data_table=table).all("a", data_export=None)
            assert [a.attrs["data-export"] for a in links] == ["CSV", "JSON", "Excel"]
            for a, fmt in zip(links, ("csv", "json", "xlsx"), strict=True):
                href = a.attrs["href"]
                assert urlsplit(href).path == f"/api/reports/{table}"
                assert ("format", fmt) in query_of(href) and ("from", "2026-03-02") in query_of(
                    href
                )
                response = client.get(href)
                assert response.status_code == 200, (path, table, fmt)
                disposition = response.headers["content-disposition"]
                assert disposition.startswith("attachment;") and disposition.endswith(f'.{fmt}"')


def test_projects_list_only_the_managers_projects(signed_in: SignedIn) -> None:
    doc = get_page(signed_in("manager"), "/projects")
    assert rows_of(doc, "projects") == ["p-cars", "p-signs"]
    link = doc.one("tr", data_row="p-cars").one("a").attrs["href"]
    assert link == "/projects/p-cars/members"
    assert "Vision" in doc.one("tr", data_row="p-cars").text()


def test_project_members_dashboard_menu_opens_the_members_report_there(
    signed_in: SignedIn,
) -> None:
    client = signed_in("manager")
    doc = get_page(client, "/projects/p-cars/members", {**WINDOW, "all": "1"})
    assert rows_of(doc, "members") == ["ann", "rev", "totals"]
    menu = doc.one("section", data_table="members").one("tr", data_row="ann").one("details")
    link = menu.one("a")
    assert link.text() == "Annotator performance report"
    href = link.attrs["href"]
    assert urlsplit(href).path == "/members/ann"
    assert set(query_of(href)) == {*WINDOW.items(), ("project", "p-cars")}
    report = get_page(client, href)
    assert figure_text(report, "annotations.submitted") == "1"
    back = report.one("a", **{"class": "back"})
    assert urlsplit(back.attrs["href"]).path == "/projects/p-cars/members"
    # A workspace in the URL does not widen the page beyond its project.
    wider = get_page(client, "/projects/p-cars/members", {**WINDOW, "workspace": "ws-vis"})
    assert rows_of(wider, "members") == ["ann", "totals"]  # rev's all-zero row hidden


# ---- insights and work ---------------------------------------------------------------------


def test_insights_rows_are_cut_to_the_annotators_own(signed_in: SignedIn) -> None:
    owner = get_page(signed_in("owner"), "/insights", WINDOW)
    assert rows_of(owner, "insights") == ["ann/p-cars", "ann/p-signs", "ann2/p-inv", "totals"]
    assert cell(owner, "insights", "ann/p-cars", "project_name").text() == "Cars"
    anna = get_page(signed_in("annotator"), "/insights", WINDOW)
    assert rows_of(anna, "insights") == ["ann/p-cars", "totals"]
    assert not anna.all("select", name="member")
    only = get_page(signed_in("owner"), "/insights", {**WINDOW, "member": "ann2"})
    assert rows_of(only, "insights") == ["ann2/p-inv", "totals"]


def test_work_shows_per_member_and_per_item_times(
    signed_in: SignedIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = signed_in("owner")
    data = api(client, "/api/reports/work", WINDOW)
    doc = get_page(client, "/work", WINDOW)
    ann = next(r for r in data["rows"] if r["member"] == "ann")
    assert cell(doc, "work", "ann", "label_time").text() == format_duration(ann["label_time"])
    assert len(rows_of(doc, "items")) == 5 + 1
    monkeypatch.setattr(tables, "ITEMS_SHOWN", 2)
    capped = get_page(client, "/work", WINDOW)
    assert len(rows_of(capped, "items")) == 2 + 1
    assert "Showing the 2 items with the most time of 5" in capped.text()


def test_a_date_outside_1970_to_2100_is_an_error_page_naming_it(signed_in: SignedIn) -> None:
    client = signed_in("annotator")
    for name, value in (("to", "9999-12-31"), ("from", "0001-01-01")):
        response = client.get("/", params={**WINDOW, name: value}, headers=HTML)
        assert response.status_code == 400
        assert f"{name} must be a date from 1970-01-01 to 2100-12-31" in response.text
