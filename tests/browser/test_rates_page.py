"""The Pay rates page in the browser, as an owner: the demo's rates with names, a mistake shown
beside its field, a rate added with the pickers and removed again, and the CSV download."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.harness import DemoOrg

ROW = "tr[data-row='ann-03|p1|2020-01-01']"


def test_an_owner_adds_and_removes_a_rate(
    page: Page, org: DemoOrg, login: Callable[[Page, str], None]
) -> None:
    login(page, "owner")
    page.locator("header nav").get_by_role("link", name="Pay rates", exact=True).click()
    expect(page.locator("h1")).to_have_text("Pay rates")
    expect(page.locator("header nav a.active")).to_have_text("Pay rates")
    table = page.locator("[data-table=rates]")
    # the demo's rates, by name: ann-01 has two (a raise mid-window)
    expect(table.locator("tr[data-row^='ann-01|']")).to_have_count(2)
    expect(table).to_contain_text(org.name("ann-01"))
    expect(table).to_contain_text("every project")

    form = page.locator("form.rate-form")
    form.locator("select[name=member]").select_option("ann-03")
    form.locator("select[name=project]").select_option("p1")
    form.locator("input[name=effective]").fill("2020-01-01")
    form.locator("input[name=currency]").fill("eu")
    form.locator("input[name=per_accepted]").fill("0.35")
    form.get_by_role("button", name="Save rate").click()
    # the mistake beside its field, the rest kept
    error = form.locator("[data-error=currency]")
    expect(error).to_contain_text("String should match pattern")
    expect(form.locator("input[name=currency]")).to_have_attribute("aria-invalid", "true")
    expect(form.locator("input[name=per_accepted]")).to_have_value("0.35")
    expect(form.locator("select[name=member]")).to_have_value("ann-03")

    form.locator("input[name=currency]").fill("EUR")
    form.get_by_role("button", name="Save rate").click()
    expect(page.locator("[data-flash=ok]")).to_contain_text(f"Rate of {org.name('ann-03')}")
    row = page.locator(ROW)
    expect(row.locator("[data-key=per_accepted]")).to_have_text("0.35")
    expect(row.locator("[data-key=project]")).to_have_text(
        str(org.directory.projects["p1"]["name"])
    )

    with page.expect_download() as info:
        page.locator("a[data-export=csv]").click()
    body = Path(info.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(body)))
    added = [r for r in rows if (r["member"], r["effective"]) == ("ann-03", "2020-01-01")]
    assert [(r["member_name"], r["per_accepted"]) for r in added] == [(org.name("ann-03"), "0.35")]

    row.get_by_role("button", name="Remove").click()
    expect(page.locator("[data-flash=ok]")).to_contain_text("removed")
    expect(page.locator(ROW)).to_have_count(0)
