"""The error pages in a real browser: 403, 404 and 400 say in words what went wrong, with the
navigation and the way back; an unknown time zone keeps the filters and shows its message
beside the field; typing in the time-zone field finds a zone in the list."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.harness import DemoOrg

Login = Callable[[Page, str], None]
WINDOW = "from=2026-01-05&to=2026-01-25"


def test_the_403_page_says_what_was_refused(page: Page, org: DemoOrg, login: Login) -> None:
    login(page, "ann-01")
    response = page.goto(f"/members/ann-02?{WINDOW}")
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_have_text("Not yours to see")
    refusal = page.locator("p.error[data-code=forbidden]")
    expect(refusal).to_contain_text("may not see the work of member 'ann-02'")
    expect(refusal).to_contain_text("as an annotator, you may see only your own work")
    expect(page.locator("main")).not_to_contain_text("{'field'")
    # Still signed in, with the navigation and the way back.
    expect(page.locator("header .who")).to_contain_text(org.name("ann-01"))
    expect(page.locator("header nav").get_by_role("link", name="Insights")).to_be_visible()
    page.get_by_role("link", name="Back to your dashboard").click()
    expect(page.locator("h1")).not_to_have_text("Not yours to see")


def test_the_404_page_for_an_unknown_project_or_member(page: Page, login: Login) -> None:
    login(page, "owner")
    for path, words in (
        ("/projects/p99/members", "no project 'p99'"),
        (f"/insights?member=zzz&{WINDOW}", "no member 'zzz'"),
    ):
        response = page.goto(path)
        assert response is not None and response.status == 404, path
        expect(page.locator("h1")).to_have_text("Not found")
        expect(page.locator("p.error[data-code=not_found]")).to_contain_text(words)
        expect(page.locator("header nav").get_by_role("link", name="Organisation")).to_be_visible()


def test_the_400_page_names_the_field(page: Page, login: Login) -> None:
    login(page, "mgr-01")
    response = page.goto("/work?from=0001-01-01&to=0001-01-05&tz=Asia/Tokyo")
    assert response is not None and response.status == 400
    expect(page.locator("h1")).to_have_text("That request is not right")
    expect(page.locator("p.error[data-code=bad_request]")).to_contain_text(
        "from must be a date from 1970-01-01 to 2100-12-31"
    )
    expect(page.locator("li[data-field=from]")).to_contain_text("outside 1970")
    expect(page.get_by_role("link", name="Back to your dashboard")).to_be_visible()


def test_an_unknown_zone_keeps_the_filters_and_says_why_beside_the_field(
    page: Page, login: Login
) -> None:
    login(page, "owner")
    page.goto(f"/insights?{WINDOW}&project=p1")
    form = page.locator("form.filters")
    form.locator("input[name=tz]").fill("Mars/Base")
    with page.expect_navigation() as navigation:
        form.get_by_role("button", name="Apply").click()
    response = navigation.value
    assert response is not None and response.status == 400
    field = form.locator("label.tz-field")
    expect(field.locator("input[name=tz]")).to_have_value("Mars/Base")
    expect(field.locator("[data-error=tz]")).to_contain_text("unknown time zone 'Mars/Base'")
    expect(field.locator("[data-error=tz]")).to_be_visible()
    expect(form.locator("input[name=from]")).to_have_value("2026-01-05")
    expect(form.locator("select[name=project]")).to_have_value("p1")
    expect(page.locator("h1")).to_have_text("Annotation insights")
    expect(page.locator("section[data-table=insights]")).to_be_visible()
    # The message sits beside the field, not somewhere else on the page.
    box, message = field.locator("input").bounding_box(), field.locator("[data-error=tz]")
    where = message.bounding_box()
    assert box is not None and where is not None
    assert abs(where["x"] - box["x"]) < 200 and 0 <= where["y"] - box["y"] < 80
    # Fixing it (an offset, typed in lower case) answers the page in that zone.
    form.locator("input[name=tz]").fill("utc+9")
    with page.expect_navigation() as again:
        form.get_by_role("button", name="Apply").click()
    assert again.value is not None and again.value.status == 200
    expect(form.locator("input[name=tz]")).to_have_value("Etc/GMT-9")
    expect(form.locator("[data-error=tz]")).to_have_count(0)


def test_typing_in_the_zone_field_finds_the_zone(page: Page, login: Login) -> None:
    login(page, "ann-01")
    page.goto(f"/work?{WINDOW}")
    field = page.locator("form.filters input[name=tz]")
    # The list the browser filters as one types: every IANA zone, Asia/Tokyo among them.
    offered = page.locator("datalist#tz-list option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    assert "Asia/Tokyo" in offered and len(offered) > 400
    # Common zones come first, so Asia/Tokyo is the first zone holding "tok" (then Vostok...).
    matching = [zone for zone in offered if "tok" in zone.lower()]
    assert matching[0] == "Asia/Tokyo" and "Asia/Vladivostok" in matching
    field.fill("")
    field.press_sequentially("tok")
    narrowed = page.locator("datalist#tz-list option")
    expect(narrowed).to_have_count(len(matching))
    assert narrowed.evaluate_all("options => options.map(o => o.value)") == matching
    # Emptied, the field offers every zone again; a zone chosen is the page's zone.
    field.fill("")
    field.dispatch_event("input")
    expect(narrowed).to_have_count(len(offered))
    field.fill("Asia/Tokyo")
    with page.expect_navigation():
        page.locator("form.filters").get_by_role("button", name="Apply").click()
    expect(field).to_have_value("Asia/Tokyo")
    expect(page.locator("[data-error=tz]")).to_have_count(0)
