"""Downloads, clicked in the browser: the member report's Export menu and every table's CSV /
JSON / Excel links. Each file holds the same figures as the JSON API for the same filters."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import openpyxl
import pytest
from playwright.sync_api import Locator, Page

from labelpulse.exports.tabular import COLUMNS
from tests.browser.harness import wait_for_charts


def download(page: Page, link: Locator) -> tuple[str, bytes]:
    """Click a download link; the file's suggested name and its bytes."""
    with page.expect_download() as info:
        link.click()
    done = info.value
    assert done.failure() is None, done.failure()
    return done.suggested_filename, Path(done.path()).read_bytes()


def twin(page: Page, href: str, cache: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The API's inline JSON for a download link's question (the link without `format`);
    asked once per question, as the CSV, JSON and Excel links of a table share it."""
    parts = urlsplit(href)
    params = [(k, v) for k, v in parse_qsl(parts.query) if k != "format"]
    assert len(params) < len(parse_qsl(parts.query)), f"{href} names no format"
    question = f"{parts.path}?{urlencode(params)}"
    if question not in cache:
        response = page.request.get(question)
        assert response.ok, response.text()
        cache[question] = response.json()
    data: dict[str, Any] = cache[question]
    return parts.path, data


def text(value: Any) -> str:
    """A JSON value as the CSV export writes it."""
    return "" if value is None else str(value)


def csv_tables(body: bytes) -> list[list[list[str]]]:
    """The tables of a CSV export (a blank line between two tables)."""
    tables: list[list[list[str]]] = [[]]
    for row in csv.reader(io.StringIO(body.decode("utf-8"), newline="")):
        if row:
            tables[-1].append(row)
        else:
            tables.append([])
    return [t for t in tables if t]


def expected_tables(name: str, data: dict[str, Any]) -> list[list[list[str]]]:
    """What the CSV must hold, built from the JSON API's answer."""
    if "annotations" in data:
        summary = [["section", "figure", "value"]] + [
            [section, key, text(value)]
            for section in ("annotations", "reviews")
            for key, value in data[section].items()
        ]
        daily = data["daily"]
        columns = list(daily[0]) if daily else ["date"]
        return [summary, [columns] + [[text(day[c]) for c in columns] for day in daily]]
    rows = data["rows"]
    columns = list(rows[0]) if rows else list(COLUMNS[name])
    table = [columns] + [[text(row.get(c)) for c in columns] for row in rows]
    if data.get("totals") is not None:  # the last row, marked `total` in the first column
        totals = {**data["totals"], columns[0]: "total"}
        table.append([text(totals.get(c)) for c in columns])
    return [table]


def zip_tables(body: bytes) -> dict[str, list[list[str]]]:
    """The CSV files of a ZIP export, by name."""
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {
            name: list(csv.reader(io.StringIO(archive.read(name).decode(), newline="")))
            for name in archive.namelist()
        }


def check_download(
    page: Page, link: Locator, cache: dict[str, Any]
) -> tuple[str, dict[str, Any], str]:
    """Download one link and check it against the JSON API; the report name, data, file name."""
    href = link.get_attribute("href")
    assert href, "a download link without href"
    fmt = dict(parse_qsl(urlsplit(href).query))["format"]
    path, data = twin(page, href, cache)
    name = path.rsplit("/", 1)[-1]
    name = "member" if name == "report" else name
    filename, body = download(page, link)
    assert filename.startswith(f"labelpulse-{name}-") and filename.endswith(f".{fmt}"), filename
    window = data["window"]
    assert f"{window['from']}_{window['to']}" in filename, filename
    assert window["tz"].replace("/", "_") in filename, filename
    if fmt == "json":
        assert json.loads(body) == data
    elif fmt == "zip":
        files = zip_tables(body)
        titles = ["summary", "daily"] if name == "member" else [name]
        assert list(files) == ["about.csv", *(f"{t}.csv" for t in titles)]
        assert [files[f"{t}.csv"] for t in titles] == expected_tables(name, data)
        about = dict(row for row in files["about.csv"][1:])
        assert about["report"] == name and about["time_zone"] == window["tz"]
        assert (about["from"], about["to"]) == (window["from"], window["to"])
        if name == "member":
            assert about["member"] == data["member"]["id"]
    elif fmt == "csv":
        assert csv_tables(body) == expected_tables(name, data)
    else:
        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        try:
            tables = expected_tables(name, data)
            sheets = ["summary", "daily"] if name == "member" else [name]
            assert book.sheetnames == ["about", *sheets[: len(tables)]]
            about = {r[0]: r[1] for r in book["about"].iter_rows(min_row=2, values_only=True)}
            assert about["report"] == name and about["time_zone"] == window["tz"]
            for sheet, table in zip(book.sheetnames[1:], tables, strict=True):
                rows = list(book[sheet].iter_rows(values_only=True))
                assert list(rows[0]) == table[0], sheet
                assert len(rows) == len(table), sheet
        finally:
            book.close()
    return name, data, filename


def test_the_member_report_export_menu(page: Page, login: Callable[[Page, str], None]) -> None:
    login(page, "mgr-01")
    page.goto("/members/ann-01")
    wait_for_charts(page)
    page.select_option("form.filters select[name=project]", "p1")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")

    menu = page.locator("details.menu.exports")
    menu.locator("summary").click()
    links = menu.locator("a[data-export]")
    labels = links.all_inner_texts()
    for wanted in ("Report CSVs (ZIP)", "Report JSON", "Timeline CSV", "Comments received CSV"):
        assert wanted in labels, labels
    seen = {}
    answers: dict[str, Any] = {}
    for label in labels:
        link = menu.locator(f"a[data-export='{label}']")
        if not link.is_visible():
            menu.locator("summary").click()
        href = link.get_attribute("href") or ""
        # The downloads answer the page's question: its window and its project.
        assert dict(parse_qsl(urlsplit(href).query))["project"] == "p1", href
        seen[label] = check_download(page, link, answers)

    name, report, filename = seen["Report CSVs (ZIP)"]
    assert name == "member" and filename.startswith("labelpulse-member-ann-01-p1-")
    assert report["member"]["id"] == "ann-01"
    assert report["scope"]["projects"] == ["p1"]
    assert {"member", "window", "scope", "annotations", "reviews", "daily"} <= set(report)
    assert seen["Timeline CSV"][1]["rows"], "ann-01 has work in p1 in the window"
    assert all(row["project"] == "p1" for row in seen["Timeline CSV"][1]["rows"])
    assert all(row["project"] == "p1" for row in seen["Comments received CSV"][1]["rows"])


@pytest.mark.parametrize(
    ("member", "path", "tables"),
    [
        ("owner", "/org/members", {"members", "reviewers"}),
        ("mgr-01", "/work", {"work", "items"}),
        # (a project's page: its forecast and who carried it too, issue 16)
        (
            "mgr-01",
            "/projects/p1/members",
            {"forecast", "forecast_members", "members", "reviewers"},
        ),
        ("ann-01", "/insights", {"insights", "insights_daily", "insights_projects"}),
    ],
)
def test_every_table_downloads_as_csv_json_and_excel(
    page: Page, login: Callable[[Page, str], None], member: str, path: str, tables: set[str]
) -> None:
    login(page, member)
    page.goto(path)
    sections = page.locator("section[data-table]")
    assert set(sections.evaluate_all("els => els.map(e => e.dataset.table)")) == tables
    answers: dict[str, Any] = {}
    for table in sorted(tables):
        # Each table's downloads from a page of their own: Chromium stops starting downloads
        # from one page after about ten in a few seconds (four tables here).
        page.goto(path)
        section = page.locator(f"section[data-table='{table}']")
        links = section.locator(".exports a[data-export]")
        assert links.all_inner_texts() == ["CSV", "JSON", "Excel"]
        for i in range(links.count()):
            name, data, _ = check_download(page, links.nth(i), answers)
            assert name == table
        shown = section.locator("tbody tr").count()
        # Members with no work are hidden on the page ("Show N members …"); downloads hold all.
        toggle = section.locator("a[data-idle-toggle]")
        shown += int(toggle.inner_text().split()[1]) if toggle.count() else 0
        assert shown == min(len(data["rows"]), 50 if table == "items" else len(data["rows"]))
        if member == "ann-01":  # an annotator's insights are her own rows only
            assert {row.get("member", "ann-01") for row in data["rows"]} <= {"ann-01"}
        if path.startswith("/projects/"):
            assert data["scope"]["projects"] == ["p1"]
            assert {row.get("project", "p1") for row in data["rows"]} <= {"p1"}
