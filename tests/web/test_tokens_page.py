"""The API tokens page (/admin/tokens): list, make (the secret shown once), revoke, effective at
once on the running server; an admin neither makes nor revokes an owner's tokens."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from labelpulse.access import create_token
from labelpulse.store import Store
from tests.web.conftest import csrf_of
from tests.web.test_pages import get_page, rows_of

HTML = {"accept": "text/html"}
SignedIn = Callable[[str], TestClient]


def form(client: TestClient, path: str, data: dict[str, str]) -> Any:
    csrf = csrf_of(client.get("/", headers=HTML).text)
    return client.post(path, data={**data, "csrf": csrf}, headers=HTML, follow_redirects=False)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_make_use_and_revoke_a_token_on_the_running_server(
    signed_in: SignedIn, anonymous: TestClient, org_store: Store
) -> None:
    admin = signed_in("admin")
    response = form(admin, "/admin/tokens", {"member": "mgr", "name": "weekly", "scope": "read"})
    assert response.status_code == 200
    shown = re.search(r"<code data-token>(lp_[^<]+)</code>", response.text)
    assert shown, "the new token is shown"
    token = shown.group(1)
    token_id = token.split("_")[1]
    # Shown once: the page afterwards lists the token without its secret.
    listing = admin.get("/admin/tokens", headers=HTML).text
    assert token not in listing and token_id in listing
    assert org_store.get("tokens", id=token_id)[0]["name"] == "weekly"
    # It works at once, as Maya...
    me = anonymous.get("/api/me", headers=bearer(token))
    assert me.status_code == 200 and me.json()["member"]["id"] == "mgr"
    # ...and the very next request after revoking it on the page is refused.
    assert form(admin, f"/admin/tokens/{token_id}/revoke", {}).status_code == 303
    assert anonymous.get("/api/me", headers=bearer(token)).status_code == 401
    doc = get_page(admin, "/admin/tokens")
    row = doc.one("tr", data_row=token_id)
    assert row.one("td", data_key="revoked").text() != "–"
    assert not row.all("form")  # nothing left to revoke


def test_the_list_shows_every_token_with_member_name_scope_and_times(
    signed_in: SignedIn, org_store: Store
) -> None:
    made = [create_token(org_store, m, name=f"for {m}", scope=s)[0]
            for m, s in (("ann", "read"), ("adm", "ingest"), ("own", "read"))]  # fmt: skip
    doc = get_page(signed_in("owner"), "/admin/tokens")
    assert set(rows_of(doc, "tokens")) == set(made)
    row = doc.one("tr", data_row=made[1])
    assert "Adam Admin" in row.text() and row.one("td", data_key="scope").text() == "ingest"
    assert "UTC" in row.text()


def test_an_admin_neither_makes_nor_revokes_an_owners_tokens(
    signed_in: SignedIn, org_store: Store, anonymous: TestClient
) -> None:
    owners_id, owners_token = create_token(org_store, "own", name="ci", scope="read")
    admin = signed_in("admin")
    doc = get_page(admin, "/admin/tokens")
    assert not doc.one("tr", data_row=owners_id).all("form")
    offered = {o.attrs["value"] for o in doc.one("select", name="member").all("option")}
    assert "own" not in offered and "adm" in offered
    before = org_store.get("tokens")
    assert form(admin, "/admin/tokens", {"member": "own", "name": "x", "scope": "read"}
                ).status_code == 403  # fmt: skip
    assert form(admin, f"/admin/tokens/{owners_id}/revoke", {}).status_code == 403
    assert org_store.get("tokens") == before
    assert anonymous.get("/api/me", headers=bearer(owners_token)).status_code == 200
    owner = signed_in("owner")
    assert form(owner, f"/admin/tokens/{owners_id}/revoke", {}).status_code == 303
    assert anonymous.get("/api/me", headers=bearer(owners_token)).status_code == 401


@pytest.mark.parametrize("role", ["manager", "reviewer", "annotator"])
def test_only_owners_and_admins_see_the_page(signed_in: SignedIn, role: str) -> None:
    client = signed_in(role)
    assert client.get("/admin/tokens", headers=HTML).status_code == 403
    assert 'href="/admin/tokens"' not in client.get("/", headers=HTML).text


def test_the_nav_links_the_page_for_admins(signed_in: SignedIn) -> None:
    assert 'href="/admin/tokens"' in signed_in("admin").get("/", headers=HTML).text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"member": "ann", "name": "", "scope": "read"}, "give the token a name"),
        ({"member": "ann", "name": "x", "scope": "write"}, "a token's scope is one of"),
        ({"member": "ghost", "name": "x", "scope": "read"}, "no member 'ghost'"),
    ],
)
def test_a_bad_form_comes_back_as_a_message(
    signed_in: SignedIn, org_store: Store, data: dict[str, str], message: str
) -> None:
    admin = signed_in("admin")
    response = form(admin, "/admin/tokens", data)
    assert response.status_code == 303
    doc = get_page(admin, "/admin/tokens")
    flash = doc.all("p", data_flash=None)
    assert flash and message in flash[0].text()
    assert org_store.get("tokens") == []
