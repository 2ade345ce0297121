"""Member management pages: forms that add members, set roles, passwords and memberships,
each behind the CSRF token and the owner/admin role, and the owner role guarded further."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from labelpulse.access import authenticate
from labelpulse.metrics import Directory
from labelpulse.store import Store
from tests.web.conftest import EMAILS, PASSWORD, WINDOW, csrf_of
from tests.web.test_pages import HTML, get_page, parse, rows_of

SignedIn = Callable[[str], TestClient]
NEW = {"id": "ann3", "name": "Nora New", "email": "nora@acme.test", "role": "annotator",
       "password": "a long enough secret"}  # fmt: skip


def token(client: TestClient) -> str:
    return csrf_of(client.get("/", headers=HTML).text)


def post(client: TestClient, path: str, data: dict[str, str], csrf: str | None = "") -> Any:
    """A form POST with the client's own CSRF token (or the one given; None sends none)."""
    form = dict(data)
    if csrf is not None:
        form["csrf"] = csrf or token(client)
    return client.post(path, data=form, headers=HTML, follow_redirects=False)


def flash(client: TestClient) -> tuple[str, str]:
    doc = get_page(client, "/admin/members")
    found = doc.all("p", data_flash=None)
    assert found, "no flash message"
    return found[0].attrs["data-flash"], found[0].text()


def role_of(store: Store, member: str) -> str:
    return str(Directory.load(store).members[member]["role"])


def memberships(store: Store, member: str) -> set[tuple[str, str]]:
    return Directory.load(store).memberships.get(member, set())


def test_the_members_list_shows_roles_memberships_and_sign_in(signed_in: SignedIn) -> None:
    doc = get_page(signed_in("admin"), "/admin/members")
    assert set(rows_of(doc, "members")) == {"own", "adm", "mgr", "rev", "ann", "ann2"}
    rico = doc.one("tr", data_row="rev")
    assert rico.one("td", data_key="role").text() == "reviewer"
    chips = {c.attrs["data-membership"] for c in rico.all("span", data_membership=None)}
    assert chips == {"project:p-cars", "project:p-inv"}
    assert "Cars" in rico.one("td", data_key="memberships").text()
    assert rico.one("td", data_key="can_sign_in").text() == "yes"
    # An admin is not offered the owner role, nor the owner's role and password forms.
    add_roles = {o.text() for o in doc.one("form", action="/admin/members").all("option")}
    assert add_roles == {"admin", "manager", "reviewer", "annotator"}
    owner_forms = {f.attrs["action"] for f in doc.one("tr", data_row="own").all("form")}
    assert owner_forms == {"/admin/members/own/memberships"}


def test_add_a_member_then_sign_in_as_them(
    signed_in: SignedIn, anonymous: TestClient, org_store: Store
) -> None:
    admin = signed_in("admin")
    response = post(admin, "/admin/members", NEW)
    assert response.status_code == 303 and response.headers["location"] == "/admin/members"
    assert flash(admin) == ("ok", "Added Nora New as annotator.")
    assert role_of(org_store, "ann3") == "annotator"
    login = csrf_of(anonymous.get("/login").text)
    signed = anonymous.post(
        "/login",
        data={"email": NEW["email"], "password": NEW["password"], "csrf": login, "next": "/"},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    home = get_page(anonymous, "/", WINDOW)
    assert "Nora New" in home.text()
    # She is in no project yet, and the page says so rather than showing zeros silently.
    assert "You are not a member of any project yet" in home.one("p", data_empty="member").text()


def test_adding_without_a_password_makes_a_member_who_cannot_sign_in(
    signed_in: SignedIn, org_store: Store
) -> None:
    admin = signed_in("admin")
    post(admin, "/admin/members", {**NEW, "password": ""})
    assert flash(admin)[0] == "ok"
    assert (
        get_page(admin, "/admin/members")
        .one("tr", data_row="ann3")
        .one("td", data_key="can_sign_in")
        .text()
        .startswith("no")
    )
    assert authenticate(org_store, NEW["email"], NEW["password"]) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": "ann"}, "a member with id 'ann' already exists"),
        ({"password": "short"}, "a password needs at least 8 characters"),
        ({"email": "not-an-email"}, "not an email address: 'not-an-email'"),
        ({"email": EMAILS["ann"]}, "already belongs to member 'ann'"),
        ({"role": "boss"}, "role must be one of"),
    ],
)
def test_a_bad_new_member_comes_back_as_a_message_and_changes_nothing(
    signed_in: SignedIn, org_store: Store, change: dict[str, str], message: str
) -> None:
    admin = signed_in("admin")
    before = Directory.load(org_store).members
    response = post(admin, "/admin/members", {**NEW, **change})
    assert response.status_code == 303
    kind, text = flash(admin)
    assert kind == "error" and message in text
    assert Directory.load(org_store).members == before


def test_set_role_takes_effect_for_a_signed_in_member(
    signed_in: SignedIn, org_store: Store
) -> None:
    admin, anna = signed_in("admin"), signed_in("annotator")
    assert anna.get("/projects", headers=HTML).status_code == 403
    post(admin, "/admin/members/ann/role", {"role": "manager"})
    assert flash(admin) == ("ok", "Anna Annotator is now manager.")
    assert role_of(org_store, "ann") == "manager"
    assert anna.get("/projects", headers=HTML).status_code == 200


def test_set_password(signed_in: SignedIn, org_store: Store) -> None:
    admin = signed_in("admin")
    post(admin, "/admin/members/ann/password", {"password": "a brand new secret"})
    assert flash(admin) == ("ok", "Password of Anna Annotator set.")
    assert authenticate(org_store, EMAILS["ann"], "a brand new secret") is not None
    assert authenticate(org_store, EMAILS["ann"], PASSWORD) is None
    post(admin, "/admin/members/ann/password", {"password": "short"})
    assert flash(admin)[0] == "error"
    assert authenticate(org_store, EMAILS["ann"], "a brand new secret") is not None


def test_a_membership_changes_what_a_manager_sees(signed_in: SignedIn, org_store: Store) -> None:
    admin, maya = signed_in("admin"), signed_in("manager")
    assert rows_of(get_page(maya, "/projects"), "projects") == ["p-cars", "p-signs"]
    get_page(maya, "/projects/p-inv/members", WINDOW, status=403)

    post(admin, "/admin/members/mgr/memberships", {"target": "project:p-inv"})
    assert flash(admin) == ("ok", "Maya Manager joined Invoices (project).")
    assert rows_of(get_page(maya, "/projects"), "projects") == ["p-cars", "p-inv", "p-signs"]
    # `all=1`: the reviewer, with no annotation work, is shown too (hidden by default).
    invoices = get_page(maya, "/projects/p-inv/members", {**WINDOW, "all": "1"})
    assert rows_of(invoices, "members") == ["ann2", "rev", "totals"]

    post(admin, "/admin/members/mgr/memberships/remove", {"kind": "workspace", "target": "ws-vis"})
    assert flash(admin) == ("ok", "Maya Manager left Vision (workspace).")
    assert memberships(org_store, "mgr") == {("project", "p-inv")}
    assert rows_of(get_page(maya, "/projects"), "projects") == ["p-inv"]
    get_page(maya, "/projects/p-cars/members", WINDOW, status=403)


def test_bad_membership_forms_come_back_as_messages(signed_in: SignedIn, org_store: Store) -> None:
    admin = signed_in("admin")
    post(admin, "/admin/members/mgr/memberships", {"target": "project:p-nowhere"})
    assert flash(admin) == ("error", "no project 'p-nowhere'")
    post(admin, "/admin/members/mgr/memberships", {"target": ""})
    assert flash(admin)[0] == "error"
    post(admin, "/admin/members/mgr/memberships/remove", {"kind": "project", "target": "p-inv"})
    assert flash(admin)[0] == "error"
    assert memberships(org_store, "mgr") == {("workspace", "ws-vis")}


FORMS = [
    ("/admin/members", NEW),
    ("/admin/members/ann/role", {"role": "admin"}),
    ("/admin/members/ann/password", {"password": "a brand new secret"}),
    ("/admin/members/ann/memberships", {"target": "project:p-inv"}),
    ("/admin/members/ann/memberships/remove", {"kind": "project", "target": "p-cars"}),
    ("/admin/members/ann/disable", {}),
    ("/admin/members/ann/remove", {}),
    ("/admin/tokens", {"member": "ann", "name": "ci", "scope": "read"}),
]


def snapshot(store: Store) -> Any:
    directory = Directory.load(store)
    return (directory.members, directory.memberships, authenticate(store, EMAILS["ann"], PASSWORD))


@pytest.mark.parametrize(("path", "data"), FORMS)
def test_a_post_without_the_right_csrf_token_is_refused_and_changes_nothing(
    signed_in: SignedIn, org_store: Store, path: str, data: dict[str, str]
) -> None:
    admin = signed_in("admin")
    before = snapshot(org_store)
    for csrf in (None, "not-the-token"):
        response = post(admin, path, data, csrf=csrf)
        assert response.status_code == 403, (path, csrf)
        assert "did not come from this site" in response.text
    assert snapshot(org_store) == before


@pytest.mark.parametrize("role", ["manager", "reviewer", "annotator"])
def test_only_owners_and_admins_may_post(signed_in: SignedIn, org_store: Store, role: str) -> None:
    client = signed_in(role)
    before = snapshot(org_store)
    for path, data in FORMS:
        response = post(client, path, data)
        assert response.status_code == 403, (role, path)
        assert "only an owner or admin may manage members" in response.text
    assert snapshot(org_store) == before


def test_anonymous_posts_go_to_sign_in(anonymous: TestClient, org_store: Store) -> None:
    before = snapshot(org_store)
    for path, data in FORMS:
        response = anonymous.post(path, data=data, headers=HTML, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert snapshot(org_store) == before


def test_only_an_owner_grants_or_takes_away_the_owner_role(
    signed_in: SignedIn, org_store: Store
) -> None:
    admin = signed_in("admin")
    refused = [
        ("/admin/members", {**NEW, "role": "owner"}),
        ("/admin/members/ann/role", {"role": "owner"}),
        ("/admin/members/own/role", {"role": "annotator"}),
        ("/admin/members/own/password", {"password": "taken over now"}),
    ]
    before = snapshot(org_store)
    for path, data in refused:
        response = post(admin, path, data)
        assert response.status_code == 403, path
    assert snapshot(org_store) == before
    assert authenticate(org_store, EMAILS["own"], PASSWORD) is not None

    owner = signed_in("owner")
    post(owner, "/admin/members/adm/role", {"role": "owner"})
    assert role_of(org_store, "adm") == "owner"
    post(owner, "/admin/members/own/password", {"password": "an owner's new secret"})
    assert flash(owner)[0] == "ok"


def test_the_last_owner_stays_owner(signed_in: SignedIn, org_store: Store) -> None:
    owner = signed_in("owner")
    response = post(owner, "/admin/members/own/role", {"role": "admin"})
    assert response.status_code == 303
    assert flash(owner) == ("error", "the last owner stays owner: make someone else owner first")
    assert role_of(org_store, "own") == "owner"
    # With a second owner, the first may step down, and leaves member management.
    post(owner, "/admin/members/adm/role", {"role": "owner"})
    response = post(owner, "/admin/members/own/role", {"role": "manager"})
    assert response.headers["location"] == "/"
    assert role_of(org_store, "own") == "manager"
    assert owner.get("/admin/members", headers=HTML).status_code == 403


def test_the_flash_message_shows_once(signed_in: SignedIn) -> None:
    admin = signed_in("admin")
    post(admin, "/admin/members/ann/role", {"role": "reviewer"})
    assert flash(admin)[0] == "ok"
    again = parse(admin.get("/admin/members", headers=HTML).text)
    assert not again.all("p", data_flash=None)
