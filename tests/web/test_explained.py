"""Every figure explained where it is shown (issue 15): the member page's cards carry their help
(glossary.py), lead, active and idle time sit side by side and equal the Work page's active
time, and a reviewer's home shows their review work first."""

from __future__ import annotations

from typing import Any

from labelpulse.ingest import ingest_records
from labelpulse.metrics.glossary import TIME_HELP, help_for
from labelpulse.readable import format_duration
from labelpulse.store import Store
from tests.web.conftest import WINDOW
from tests.web.test_pages import Node, SignedIn, api, cell, get_page

# Anna submits a4 in Cars with 200 of its 500 seconds idle: her times differ by idle time.
IDLE_WORK = {
    "id": "e-idle",
    "type": "annotation.submitted",
    "time": "2026-03-06T09:00:00Z",
    "actor": "ann",
    "project": "p-cars",
    "task": "t-a4",
    "annotation": "a4",
    "duration": 500,
    "idle": 200,
}


def _tips(node: Node) -> list[tuple[Node, Node]]:
    """Each help tip's (button, tooltip) inside `node`."""
    tips = []
    for tip in node.all("span", **{"class": "help-tip"}):
        button = tip.one("button")
        text = tip.one("span", role="tooltip")
        tips.append((button, text))
    return tips


def _time_rows(doc: Node) -> dict[str, Node]:
    return {row.attrs["data-time"]: row for row in doc.all("div", data_time=None)}


def test_every_card_of_the_member_page_carries_its_help(signed_in: SignedIn) -> None:
    # The owner's home is the overview: an annotator's home is their own report.
    for role, path in (("owner", "/members/ann"), ("owner", "/members/rev"), ("annotator", "/")):
        doc = get_page(signed_in(role), path, WINDOW)
        cards = doc.all("div", data_figure=None)
        assert cards, path
        for card in cards:
            key = card.attrs["data-figure"]
            tips = _tips(card)
            assert len(tips) == 1, (path, key)
            button, text = tips[0]
            # A real button, reachable by Tab, named for screen readers, with the glossary's text.
            assert button.attrs["type"] == "button"
            assert button.attrs["aria-label"].startswith("About ")
            assert text.text() == help_for("member", key), (path, key)


def test_lead_active_and_idle_time_equal_the_work_pages(
    signed_in: SignedIn, org_store: Store
) -> None:
    ingest_records(org_store, [IDLE_WORK])
    client = signed_in("owner")
    doc = get_page(client, "/members/ann", WINDOW)
    report = api(client, "/api/members/ann/report", WINDOW)
    work = api(client, "/api/reports/work", WINDOW)
    ann = next(row for row in work["rows"] if row["member"] == "ann")
    rows = _time_rows(doc)
    assert list(rows) == ["annotations", "label"]
    # Submitted: a1 (120 s), a3 (60 s), a4 (500 s, 200 idle); a2 was rejected.
    submitted = rows["annotations"]
    assert float(submitted.attrs["data-lead"]) == report["annotations"]["total_time"] == 680
    assert float(submitted.attrs["data-active"]) == report["annotations"]["active_time"] == 480
    assert float(submitted.attrs["data-idle"]) == 200
    assert "Lead time 11 m 20 s · Active 8 m 00 s · Idle 3 m 20 s" in submitted.text()
    # Labeling as Work counts it: every label event, a2 included: 120 + 300 + 60 + 300 active.
    label = rows["label"]
    assert float(label.attrs["data-active"]) == ann["label_time"] == 780
    assert float(label.attrs["data-idle"]) == report["work"]["label_idle_time"] == 200
    assert float(label.attrs["data-lead"]) == 980
    assert "4 items labeled" in label.text() and ann["labeled"] == 4
    work_page = get_page(client, "/work", WINDOW)
    shown = cell(work_page, "work", "ann", "label_time").text()
    assert shown == format_duration(ann["label_time"])
    assert f"Active {shown}" in label.text()
    # Each row says what it counts and how it differs from the other.
    helps = {key: _tips(row)[0][1].text() for key, row in rows.items()}
    assert "Total time" in helps["annotations"]
    assert "Labeled counts items" in helps["label"] and "Submitted counts" in helps["label"]
    section = doc.one("section", **{"class": "card times"})
    assert _tips(section.one("h2"))[0][1].text() == TIME_HELP["time"]


def test_a_reviewers_time_is_the_reports_review_time_with_works_active_time(
    signed_in: SignedIn,
) -> None:
    client = signed_in("owner")
    doc = get_page(client, "/members/rev", WINDOW)
    report: dict[str, Any] = api(client, "/api/members/rev/report", WINDOW)
    work = api(client, "/api/reports/work", WINDOW)
    rev = next(row for row in work["rows"] if row["member"] == "rev")
    review = _time_rows(doc)["review"]
    assert float(review.attrs["data-lead"]) == report["reviews"]["review_time"] == 165
    assert float(review.attrs["data-active"]) == rev["review_time"]
    assert "3 review actions on 3 annotations" in review.text()


def test_a_reviewers_home_shows_their_review_work_first(signed_in: SignedIn) -> None:
    doc = get_page(signed_in("reviewer"), "/", WINDOW)
    cards = [card.attrs["data-figure"] for card in doc.all("div", data_figure=None)]
    assert cards[:2] == ["reviews.total", "reviews.review_time"]
    assert cards[2].startswith("annotations.")
    assert next(iter(_time_rows(doc))) == "review"
    charts = [chart.attrs["id"] for chart in doc.all("div", data_chart=None)]
    assert charts and all("review" in chart for chart in charts[:2]), charts
    # The daily table's columns: the date, then reviews, then annotations.
    first_day = doc.one("section", data_table="daily").all("tr", data_row=None)[0]
    keys = [td.attrs["data-key"] for td in first_day.all("td", data_key=None)]
    assert keys[:3] == ["date", "reviews_accepted", "reviews_rejected"], keys
    assert keys.index("review_time") < keys.index("submitted"), keys


def test_an_annotators_home_keeps_annotations_first(signed_in: SignedIn) -> None:
    doc = get_page(signed_in("annotator"), "/", WINDOW)
    cards = [card.attrs["data-figure"] for card in doc.all("div", data_figure=None)]
    assert cards[0] == "annotations.submitted"
    assert not any(card.startswith("reviews.") for card in cards)
    assert next(iter(_time_rows(doc))) == "annotations"


def test_the_help_script_is_served_from_this_server_on_every_page(signed_in: SignedIn) -> None:
    client = signed_in("owner")
    for path in ("/", "/org/members", "/work", "/insights"):
        doc = get_page(client, path, WINDOW)
        sources = [str(s.attrs.get("src", "")) for s in doc.all("script")]
        assert any(src.startswith("/static/help.js?v=") for src in sources), path
    script = client.get("/static/help.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "Escape" in script.text and "aria-expanded" in script.text
