"""The pay rates page (/pay/rates) and the API's GET and DELETE /api/rates, on the real app.

Who may reach them at all is the role matrix's (test_access_matrix, test_write_matrix); here:
what the page shows, its form's words beside the fields, removing, exports, and the manager's
cut when PAY's `pay_visible_to_managers` setting is on.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from labelpulse.config import Settings
from labelpulse.ingest import ingest_records
from labelpulse.store import Store
from labelpulse.web.app import create_app
from tests.web.conftest import csrf_of, sign_in

HTML = {"accept": "text/html"}
RATES = [
    {"kind": "rate", "member": "ann", "effective": "2026-01-01", "currency": "EUR",
     "per_hour": 12.5},
    {"kind": "rate", "member": "ann", "project": "p-cars", "effective": "2026-02-15",
     "currency": "EUR", "per_accepted": 0.3},
    {"kind": "rate", "member": "ann2", "project": "p-inv", "effective": "2026-02-01",
     "currency": "USD", "per_region": 0.02},
    {"kind": "rate", "member": "ann2", "effective": "2026-01-01", "currency": "USD",
     "per_hour": 9},
]  # fmt: skip


def form(client: TestClient, path: str, data: dict[str, str]) -> Any:
    csrf = csrf_of(client.get("/pay/rates", headers=HTML).text)
    return client.post(path, data={**data, "csrf": csrf}, headers=HTML, follow_redirects=False)


def stored(store: Store) -> list[tuple[Any, ...]]:
    return [
        tuple(row.values())
        for row in store.rows(
            "SELECT member, project, effective, currency, per_hour, per_accepted, per_region "
            "FROM rates ORDER BY member, project, effective"
        )
    ]


def test_the_page_lists_rates_with_names(
    org_store: Store, signed_in: Callable[[str], TestClient]
) -> None:
    ingest_records(org_store, RATES)
    html = signed_in("admin").get("/pay/rates", headers=HTML).text
    assert "<h1>Pay rates</h1>" in html
    # names, not only ids; the every-project rate says so
    assert 'data-row="ann||2026-01-01"' in html and "Anna Annotator" in html
    assert 'data-row="ann|p-cars|2026-02-15"' in html and ">Cars<" in html
    assert 'data-row="ann2|p-inv|2026-02-01"' in html and ">Invoices<" in html
    assert "every project" in html
    # Anna's rows come before Bianca's (by name), the every-project rate first
    assert html.index("ann||2026-01-01") < html.index("ann|p-cars") < html.index("ann2||")
    assert html.index("ann2||2026-01-01") < html.index("ann2|p-inv")
    assert 'href="/api/rates?format=csv"' in html and 'href="/api/rates?format=xlsx"' in html


def test_adding_and_removing_a_rate_on_the_page(
    org_store: Store, signed_in: Callable[[str], TestClient]
) -> None:
    client = signed_in("owner")
    new = {"member": "rev", "project": "p-inv", "effective": "2026-03-01", "currency": "eur",
           "per_hour": "", "per_accepted": "0.25", "per_region": ""}  # fmt: skip
    response = form(client, "/pay/rates", new)
    assert response.status_code == 303, response.text
    assert stored(org_store) == [("rev", "p-inv", "2026-03-01", "EUR", None, 0.25, None)]
    page = client.get("/pay/rates", headers=HTML).text
    assert "Rate of Rico Reviewer in Invoices from 2026-03-01 set." in page
    assert 'data-row="rev|p-inv|2026-03-01"' in page
    # the same member, project and date again replaces it
    assert form(client, "/pay/rates", {**new, "per_accepted": "0.3"}).status_code == 303
    assert stored(org_store) == [("rev", "p-inv", "2026-03-01", "EUR", None, 0.3, None)]
    gone = {"member": "rev", "project": "p-inv", "effective": "2026-03-01"}
    assert form(client, "/pay/rates/remove", gone).status_code == 303
    assert stored(org_store) == []
    assert (
        "Rate of Rico Reviewer in Invoices from 2026-03-01 removed."
        in client.get("/pay/rates", headers=HTML).text
    )
    # removing it again: a message, nothing else
    assert form(client, "/pay/rates/remove", gone).status_code == 303
    assert (
        "no rate of &#39;rev&#39; for project &#39;p-inv&#39; from 2026-03-01"
        in client.get("/pay/rates", headers=HTML).text
    )


def test_mistakes_come_back_beside_their_fields(
    org_store: Store, signed_in: Callable[[str], TestClient]
) -> None:
    client = signed_in("admin")
    bad = {"member": "zzz", "project": "p99", "effective": "2026-02-30", "currency": "euro",
           "per_hour": "ten", "per_accepted": "-1", "per_region": ""}  # fmt: skip
    response = form(client, "/pay/rates", bad)
    assert response.status_code == 422
    html = response.text
    errors = {
        "member": "no member &#39;zzz&#39; in the directory",
        "project": "no project &#39;p99&#39; in the directory",
        "effective": "&#39;2026-02-30&#39; is not a calendar date (YYYY-MM-DD)",
        "currency": "String should match pattern",
        "per_hour": "&#39;ten&#39; is not a number",
        "per_accepted": "Input should be greater than or equal to 0",
    }
    for field, words in errors.items():
        assert f'data-error="{field}">' in html, field
        start = html.index(f'data-error="{field}">')
        assert words in html[start : start + 300], (field, html[start : start + 300])
        assert f'name="{field}"' in html
    # what was typed stays in the form
    assert 'value="2026-02-30"' in html and 'value="ten"' in html
    # no amount at all: the rule of the whole record, beside the amounts
    none = {"member": "ann", "project": "", "effective": "2026-01-01", "currency": "EUR"}
    response = form(client, "/pay/rates", none)
    assert response.status_code == 422
    assert "a rate needs at least one of per_hour, per_accepted, per_region" in response.text
    assert 'data-error="amounts"' in response.text
    assert stored(org_store) == []


def test_the_api_lists_and_exports_rates_with_names(
    org_store: Store, signed_in: Callable[[str], TestClient]
) -> None:
    ingest_records(org_store, RATES)
    client = signed_in("owner")
    rows = client.get("/api/rates").json()["rows"]
    assert rows[0] == {
        "member": "ann", "member_name": "Anna Annotator", "project": None,
        "project_name": "every project", "effective": "2026-01-01", "currency": "EUR",
        "per_hour": 12.5, "per_accepted": 0, "per_region": 0,
    }  # fmt: skip
    assert [(r["member"], r["project"]) for r in rows] == [
        ("ann", None), ("ann", "p-cars"), ("ann2", None), ("ann2", "p-inv")
    ]  # fmt: skip
    assert rows[3]["per_region"] == 0.02 and rows[2]["per_hour"] == 9
    text = client.get("/api/rates", params={"format": "csv"})
    assert text.headers["content-disposition"] == 'attachment; filename="rates.csv"'
    table = list(csv.DictReader(io.StringIO(text.text)))
    assert [r["member_name"] for r in table] == ["Anna Annotator"] * 2 + ["Bianca Books"] * 2
    assert table[1]["project_name"] == "Cars" and table[1]["per_accepted"] == "0.3"
    assert table[0]["project"] == "" and table[0]["per_hour"] == "12.5"
    book = client.get("/api/rates", params={"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(book.content))["rates"]
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert cells[0][:4] == ["member", "member_name", "project", "project_name"]
    assert cells[2] == ["ann", "Anna Annotator", "p-cars", "Cars", "2026-02-15", "EUR", 0, 0.3, 0]


def test_deleting_a_rate_through_the_api(
    org_store: Store, token_for: Callable[[str, str], str]
) -> None:
    ingest_records(org_store, RATES)
    app = create_app(org_store, Settings(db=org_store.url, timezone="UTC"))
    with TestClient(app) as client:
        admin = {"authorization": f"Bearer {token_for('adm', 'ingest')}"}
        gone = {"member": "ann", "project": "p-cars", "effective": "2026-02-15"}
        response = client.delete("/api/rates", params=gone, headers=admin)
        assert response.status_code == 200, response.text
        assert response.json() == {"removed": 1}
        assert ("ann", "p-cars", "2026-02-15") not in [r[:3] for r in stored(org_store)]
        again = client.delete("/api/rates", params=gone, headers=admin)
        assert again.status_code == 404
        assert again.json()["error"]["message"] == (
            "no rate of 'ann' for project 'p-cars' from 2026-02-15"
        )
        # the every-project rate: no project
        every = {"member": "ann", "effective": "2026-01-01"}
        assert client.delete("/api/rates", params=every, headers=admin).status_code == 200
        assert len(stored(org_store)) == 2


@dataclass(frozen=True)
class PaySettings(Settings):
    """Settings with PAY's switch on (PAY adds the setting; this holds it until then)."""

    pay_visible_to_managers: bool = True


def test_managers_see_the_rates_of_their_projects_when_the_setting_allows(
    org_store: Store,
) -> None:
    ingest_records(org_store, RATES)
    # rev belongs to Cars (Maya's) and Invoices; his rates: one in Invoices, one everywhere
    ingest_records(
        org_store,
        [{"kind": "rate", "member": "rev", "project": "p-inv", "effective": "2026-01-01",
          "currency": "EUR", "per_accepted": 0.1},
         {"kind": "rate", "member": "rev", "effective": "2026-01-01", "currency": "EUR",
          "per_accepted": 0.05}],
    )  # fmt: skip
    closed = create_app(org_store, Settings(db=org_store.url, timezone="UTC"))
    with TestClient(closed) as client:
        sign_in(client, "mgr")
        refused = client.get("/api/rates")
        assert refused.status_code == 403
        assert refused.json()["error"]["message"] == "only owners and admins may see pay rates"
    opened = create_app(org_store, PaySettings(db=org_store.url, timezone="UTC"))
    with TestClient(opened) as client:
        sign_in(client, "mgr")
        rows = client.get("/api/rates").json()["rows"]
        # Vision (Cars, Signs): Anna's rates (her every-project one, and Cars'), Rico's
        # every-project rate (he is in Cars); nothing of Invoices, nothing of Bianca
        assert [(r["member"], r["project"]) for r in rows] == [
            ("ann", None), ("ann", "p-cars"), ("rev", None)
        ]  # fmt: skip
        # and the page stays the owners' and admins'
        assert client.get("/pay/rates", headers=HTML).status_code == 403
        sign_in(client, "rev")
        assert client.get("/api/rates").status_code == 403
