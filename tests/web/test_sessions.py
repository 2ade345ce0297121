"""Sessions end: at sign-out (a copied cookie stops working), at a password reset or a role
change of their member (every device, whichever route made the change), when the member is
disabled or removed, and when they expire. Disabled members cannot sign in and their tokens
stop; their work stays in the reports."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from labelpulse.store import Store
from labelpulse.web.auth import SESSION_COOKIE
from tests.web.conftest import EMAILS, PASSWORD, WINDOW, csrf_of, sign_in

HTML = {"accept": "text/html"}
SignedIn = Callable[[str], TestClient]


def copy_of(app: Any, client: TestClient) -> TestClient:
    """Another browser holding a copy of `client`'s session cookie."""
    other = TestClient(app)
    other.cookies.set(SESSION_COOKIE, client.cookies[SESSION_COOKIE])
    return other


def signed_in_as(client: TestClient) -> str | None:
    response = client.get("/api/me")
    return str(response.json()["member"]["id"]) if response.status_code == 200 else None


def form(client: TestClient, path: str, data: dict[str, str]) -> Any:
    csrf = csrf_of(client.get("/", headers=HTML).text)
    return client.post(path, data={**data, "csrf": csrf}, headers=HTML, follow_redirects=False)


def test_a_copied_cookie_is_worthless_after_sign_out(app: Any, signed_in: SignedIn) -> None:
    admin = signed_in("admin")
    with copy_of(app, admin) as thief:
        assert signed_in_as(thief) == "adm"
        assert thief.get("/admin/members", headers=HTML).status_code == 200
        response = form(admin, "/logout", {})
        assert response.status_code == 303
        assert signed_in_as(admin) is None
        assert thief.get("/api/me").status_code == 401
        page = thief.get("/admin/members", headers=HTML, follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_the_cookie_holds_a_random_id_stored_only_hashed(
    signed_in: SignedIn, org_store: Store
) -> None:
    signed_in("annotator")
    rows = org_store.get("sessions", member="ann")
    assert len(rows) == 1 and len(str(rows[0]["id"])) == 64  # a SHA-256, hex
    assert rows[0]["role"] == "annotator"
    assert rows[0]["expires_us"] - rows[0]["created_us"] == 14 * 86_400 * 1_000_000


def test_a_password_reset_ends_every_session_of_that_member(app: Any, signed_in: SignedIn) -> None:
    laptop, phone = signed_in("annotator"), signed_in("annotator")
    maya = signed_in("manager")
    admin = signed_in("admin")
    form(admin, "/admin/members/ann/password", {"password": "a brand new secret"})
    assert signed_in_as(laptop) is None and signed_in_as(phone) is None
    assert signed_in_as(maya) == "mgr"  # nobody else's
    assert signed_in_as(admin) == "adm"
    sign_in(laptop, "ann", "a brand new secret")
    assert signed_in_as(laptop) == "ann"


def test_changing_ones_own_password_ends_ones_other_sessions_only(signed_in: SignedIn) -> None:
    here, elsewhere = signed_in("admin"), signed_in("admin")
    response = form(here, "/admin/members/adm/password", {"password": "a brand new secret"})
    assert response.status_code == 303
    assert signed_in_as(here) == "adm"
    assert signed_in_as(elsewhere) is None


def test_a_role_change_on_the_page_ends_that_members_sessions(signed_in: SignedIn) -> None:
    anna = signed_in("annotator")
    form(signed_in("owner"), "/admin/members/ann/role", {"role": "reviewer"})
    assert signed_in_as(anna) is None


def test_a_role_change_through_the_api_ends_that_members_sessions(
    signed_in: SignedIn, anonymous: TestClient, token_for: Callable[[str, str], str]
) -> None:
    anna, maya = signed_in("annotator"), signed_in("manager")
    record = {"kind": "member", "id": "ann", "name": "Anna Annotator",
              "email": EMAILS["ann"], "role": "manager"}  # fmt: skip
    response = anonymous.post(
        "/api/members",
        content=json.dumps([record]),
        headers={"authorization": f"Bearer {token_for('adm', 'ingest')}"},
    )
    assert response.status_code == 200, response.text
    assert signed_in_as(anna) is None
    assert signed_in_as(maya) == "mgr"


def test_disabling_ends_sessions_stops_sign_in_and_tokens_but_keeps_the_work(
    signed_in: SignedIn, anonymous: TestClient, token_for: Callable[[str, str], str]
) -> None:
    bianca = signed_in("ann2")
    read, ingest = token_for("ann2", "read"), token_for("adm", "ingest")
    admin = signed_in("admin")
    assert anonymous.get("/api/me", headers={"authorization": f"Bearer {read}"}).status_code == 200
    response = form(admin, "/admin/members/ann2/disable", {})
    assert response.status_code == 303
    assert signed_in_as(bianca) is None
    assert anonymous.get("/api/me", headers={"authorization": f"Bearer {read}"}).status_code == 401
    refused = anonymous.post(
        "/login",
        data={"email": EMAILS["ann2"], "password": PASSWORD,
              "csrf": csrf_of(anonymous.get("/login").text), "next": "/"},
        follow_redirects=False,
    )  # fmt: skip
    assert refused.status_code == 401
    # Their work stays in the reports.
    members = admin.get("/api/reports/members", params=WINDOW).json()
    assert "ann2" in json.dumps(members)
    page = admin.get("/admin/members", headers=HTML).text
    assert "no (disabled)" in page
    # Enabled again: they sign in, and the token works again.
    assert form(admin, "/admin/members/ann2/enable", {}).status_code == 303
    assert anonymous.get("/api/me", headers={"authorization": f"Bearer {read}"}).status_code == 200
    sign_in(bianca, "ann2")
    assert signed_in_as(bianca) == "ann2"
    # An admin's ingest token stops too when the admin is disabled (by an owner).
    form(signed_in("owner"), "/admin/members/adm/disable", {})
    response = anonymous.post(
        "/api/workspaces",
        content=json.dumps([{"id": "ws-x", "name": "X"}]),
        headers={"authorization": f"Bearer {ingest}"},
    )
    assert response.status_code == 401


def test_removing_a_member_keeps_their_events_under_their_id(
    signed_in: SignedIn, org_store: Store, anonymous: TestClient,
    token_for: Callable[[str, str], str],
) -> None:  # fmt: skip
    bianca = signed_in("ann2")
    read = token_for("ann2", "read")
    owner = signed_in("owner")
    assert form(owner, "/admin/members/ann2/remove", {"confirm": "on"}).status_code == 303
    assert signed_in_as(bianca) is None
    assert anonymous.get("/api/me", headers={"authorization": f"Bearer {read}"}).status_code == 401
    for table, where in (("members", {"id": "ann2"}), ("accounts", {"member": "ann2"}),
                         ("tokens", {"member": "ann2"}), ("sessions", {"member": "ann2"}),
                         ("memberships", {"member": "ann2"})):  # fmt: skip
        assert org_store.get(table, **where) == [], table
    events = org_store.rows("SELECT count(*) AS n FROM events WHERE actor = 'ann2'")
    assert events[0]["n"] == 2
    report = owner.get("/api/members/ann2/report", params=WINDOW)
    assert report.status_code == 200, report.text


def test_an_expired_session_is_signed_out(signed_in: SignedIn, org_store: Store) -> None:
    anna = signed_in("annotator")
    row = org_store.get("sessions", member="ann")[0]
    org_store.put("sessions", {**row, "expires_us": row["created_us"] + 1})
    assert signed_in_as(anna) is None
