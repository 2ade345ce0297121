"""The pay pages and pay's API routes: who may see and close, the page's table, the Close form."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from labelpulse.config import Settings
from labelpulse.ingest import ingest_records
from labelpulse.store import Store
from labelpulse.web.app import create_app
from tests.web.conftest import ROLES, csrf_of, sign_in

WINDOW = {"from": "2026-03-02", "to": "2026-03-06", "tz": "UTC"}
HTML = {"accept": "text/html"}
RATES = [
    {"kind": "rate", "member": "ann", "effective": "2026-01-01", "currency": "EUR",
     "per_accepted": 0.5, "per_hour": 12.0},
    {"kind": "rate", "member": "rev", "effective": "2026-01-01", "currency": "USD",
     "per_hour": 30.0},
]  # fmt: skip


@pytest.fixture
def rated(org_store: Store) -> Store:
    ingest_records(org_store, RATES)
    return org_store


@pytest.mark.parametrize(
    ("role", "status"),
    [("owner", 200), ("admin", 200), ("manager", 403), ("reviewer", 403), ("annotator", 403)],
)
def test_only_owners_and_admins_see_pay(
    rated: Store, signed_in: Callable[[str], TestClient], role: str, status: int
) -> None:
    client = signed_in(role)
    for path in ("/pay", "/pay/lines", "/api/reports/pay", "/api/reports/pay_lines",
                 "/api/pay/periods"):  # fmt: skip
        response = client.get(path, params=WINDOW, headers=HTML if path[1:4] != "api" else {})
        assert response.status_code == status, (path, response.text[:200])
    nav = client.get("/work", params=WINDOW, headers=HTML).text
    assert ('href="/pay"' in nav) is (status == 200)


def test_managers_see_pay_of_their_projects_when_the_setting_allows(rated: Store) -> None:
    app = create_app(rated, Settings(db=rated.url, timezone="UTC", pay_visible_to_managers=True))
    with TestClient(app) as client:
        sign_in(client, "mgr")
        data = client.get("/api/reports/pay", params=WINDOW).json()
        # mgr belongs to workspace ws-vis (p-cars, p-signs): ann2's and rev's p-inv rows are cut
        assert {r["project"] for r in data["rows"]} <= {"p-cars", "p-signs"}
        assert {r["member"] for r in data["rows"]} == {"ann", "rev"}
        assert client.get("/pay", params=WINDOW, headers=HTML).status_code == 200
        # managers see pay but never close a period
        csrf = csrf_of(client.get("/pay", params=WINDOW, headers=HTML).text)
        closing = client.post("/pay/close", data={"csrf": csrf, **WINDOW}, follow_redirects=False)
        assert closing.status_code == 403


def _row(data: dict[str, Any], member: str, project: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [
        r for r in data["rows"] if (r["member"], r["project"]) == (member, project)
    ]
    assert len(found) == 1
    return found[0]


def test_the_page_shows_names_totals_and_closes_a_period(
    rated: Store, signed_in: Callable[[str], TestClient]
) -> None:
    client = signed_in("owner")
    html = client.get("/pay", params=WINDOW, headers=HTML).text
    data = client.get("/api/reports/pay", params=WINDOW).json()
    ann = _row(data, "ann", "p-cars")
    # ann: a1 accepted (0.5 EUR); active 120 + 300 s on p-cars = 420 s at 12/h = 1.40 -> 1.90
    assert (ann["accepted"], ann["earned"], ann["currency"]) == (1, "1.90", "EUR")
    assert ann["member_name"] in html and "Cars" in html
    assert 'data-total="EUR"' in html and 'data-total="USD"' in html
    assert "Lines" in html and "data-close-button" in html
    csrf = csrf_of(html)
    closing = client.post("/pay/close", data={"csrf": csrf, **WINDOW}, follow_redirects=False)
    assert closing.status_code == 303
    after = client.get(closing.headers["location"], headers=HTML).text
    assert 'data-flash="ok"' in after and 'data-period="closed"' in after
    assert "data-close-button" not in after
    periods = client.get("/api/pay/periods").json()["rows"]
    assert [(p["from"], p["to"], p["closed_by"]) for p in periods] == [
        ("2026-03-02", "2026-03-06", "own")
    ]
    # an overlapping period is refused with a message on the page
    overlap = {"csrf": csrf, "from": "2026-03-06", "to": "2026-03-09", "tz": "UTC"}
    again = client.post("/pay/close", data=overlap, follow_redirects=True, headers=HTML)
    assert 'data-flash="error"' in again.text and "overlaps" in again.text


def test_exports_carry_a_totals_row_per_currency(
    rated: Store, signed_in: Callable[[str], TestClient]
) -> None:
    client = signed_in("admin")
    csv = client.get("/api/reports/pay", params={**WINDOW, "format": "csv"}).text
    lines = csv.strip().splitlines()
    assert lines[0].startswith("member,member_name,project")
    totals = [line for line in lines if line.startswith("total,")]
    assert [t.split(",")[4] for t in totals] == ["", "EUR", "USD"]
    xlsx = client.get("/api/reports/pay", params={**WINDOW, "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    audit = client.get("/api/reports/pay_lines", params={**WINDOW, "format": "csv"}).text
    assert audit.splitlines()[0].startswith("date,member,member_name,project")
    page = client.get("/api/reports/pay_lines", params={**WINDOW, "limit": 2, "offset": 1}).json()
    assert len(page["rows"]) == 2 and page["page"]["total_rows"] > 2


def test_closing_through_the_api_needs_an_owners_or_admins_ingest_token(
    rated: Store, token_for: Callable[[str, str], str], app: Any
) -> None:
    with TestClient(app) as client:
        params = {"from": "2026-03-01", "to": "2026-03-31"}
        for who, status in (("ann", 403), ("mgr", 403), ("adm", 201)):
            token = token_for(who, "ingest")
            response = client.post("/api/pay/close", params=params,
                                   headers={"authorization": f"Bearer {token}"})  # fmt: skip
            assert response.status_code == status, response.text
        assert response.json()["closed_by"] == "adm"
        read = token_for("own", "read")
        refused = client.post("/api/pay/close", params=params,
                              headers={"authorization": f"Bearer {read}"})  # fmt: skip
        assert refused.status_code == 403
    assert ROLES["admin"] == "adm"


def test_a_rows_lines_link_lists_that_rows_lines(
    rated: Store, signed_in: Callable[[str], TestClient]
) -> None:
    client = signed_in("owner")
    html = client.get("/pay", params=WINDOW, headers=HTML).text
    links = re.findall(r'href="(/pay/lines\?[^"]+)" data-lines', html)
    ann = next(link for link in links if "member=ann&" in link and "project=p-cars" in link)
    page = client.get(ann.replace("&amp;", "&"), headers=HTML)
    assert page.status_code == 200
    # ann on p-cars: a1 accepted, and two item-days of time (t-a1, t-a2): 3 lines
    assert page.text.count("<tr>") - 1 == 3
    assert "Signs" not in page.text.split("<tbody>")[1]
