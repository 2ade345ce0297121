"""/docs in the browser, offline: Swagger UI comes from this server and lists the operations."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page, Request, Route


def test_docs_render_the_operations_with_no_network(page: Page, base_url: str) -> None:
    here = urlsplit(base_url).netloc
    elsewhere: list[str] = []

    def offline(route: Route, request: Request) -> None:
        if urlsplit(request.url).netloc == here:
            route.continue_()
        else:  # as with no internet: nothing but this server answers
            elsewhere.append(request.url)
            route.abort()

    page.context.route("**/*", offline)
    page.goto("/docs")
    operations = page.locator(".opblock")
    operations.first.wait_for()
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert len(paths) >= 10, paths
    cleaned = {path.replace("\u200b", "") for path in paths}
    assert {"/api/reports/members", "/api/events", "/api/health"} <= cleaned, cleaned
    assert page.locator(".information-container .title").inner_text().startswith("labelpulse")
    assert elsewhere == [], elsewhere
