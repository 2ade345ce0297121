"""THE write matrix: every write route × every role × every role change (and every other change
to a member), asserting the status and that a refused write leaves the database as it was.

The read matrix (test_access_matrix.py) asks what each role may see; this one asks what each
role may change. The organisation is conftest's: one owner (own), an admin (adm), a manager
(mgr), a reviewer (rev) and annotators (ann, ann2). The rules, written out here independently of
the code that enforces them (labelpulse.access.owners):

- only owners and admins write at all (pages: a session; the ingest API: an `ingest` token);
  everyone else gets 403;
- only an owner grants the owner role, takes it away, or touches an owner (record, role,
  password, tokens, disable, enable, remove): an admin gets 403;
- an admin may re-send an owner's record unchanged (a sync re-sending the whole directory);
- the organisation keeps at least one owner: the page answers with a message (303), the API
  with 403, and nothing changes;
- nobody disables or removes themselves from a page (a message; the CLI may, operator's call).

Each case runs on its own copy of a database in which every role already has a session and an
ingest token (made once: signing in costs an Argon2 hash).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from labelpulse.access import create_token
from labelpulse.config import Settings
from labelpulse.events import ROLES
from labelpulse.store import Store, connect
from labelpulse.web.app import create_app
from labelpulse.web.auth import SESSION_COOKIE
from tests.web.conftest import EMAILS, NAMES, ROLE_OF, csrf_of, sign_in

HTML = {"accept": "text/html"}
ASKERS = {"owner": "own", "admin": "adm", "manager": "mgr", "reviewer": "rev", "annotator": "ann"}
TARGETS = ("own", "adm", "mgr", "rev", "ann")
WRITERS = ("owner", "admin")


@dataclass(frozen=True)
class Credentials:
    cookie: str
    csrf: str
    token: str  # an ingest token of the same member
    token_id: str


@pytest.fixture(scope="module")
def world_template(
    org_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Credentials]]:
    """The organisation with a session and an ingest token per role, and each target holding a
    read token (for the revoke column)."""
    path = tmp_path_factory.mktemp("writes") / "org.duckdb"
    shutil.copy(org_template, path)
    store = connect(str(path))
    app = create_app(store, Settings(db=store.url, timezone="UTC"))
    credentials = {}
    for role, member in ASKERS.items():
        with TestClient(app) as client:
            sign_in(client, member)
            csrf = csrf_of(client.get("/", headers=HTML).text)
            cookie = client.cookies[SESSION_COOKIE]
        token_id, token = create_token(store, member, name="ingest", scope="ingest")
        credentials[role] = Credentials(cookie, csrf, token, token_id)
    for member in TARGETS:
        store.put(
            "tokens",
            {"id": f"read-{member}", "member": member, "name": "read", "scope": "read",
             "secret_hash": "0" * 64, "created_us": 1, "revoked_us": None},
        )  # fmt: skip
    store.close()
    return path, credentials


class World:
    """One case's own database, app and client as `asker`."""

    def __init__(self, template: Path, tmp: Path, credentials: Credentials) -> None:
        path = tmp / "case.duckdb"
        shutil.copy(template, path)
        self.store: Store = connect(str(path))
        self.credentials = credentials
        self.client = TestClient(create_app(self.store, Settings(db=str(path), timezone="UTC")))
        self.client.cookies.set(SESSION_COOKIE, credentials.cookie)

    def form(self, path: str, data: dict[str, str]) -> Any:
        return self.client.post(
            path, data={**data, "csrf": self.credentials.csrf}, headers=HTML,
            follow_redirects=False,
        )  # fmt: skip

    def api(self, path: str, records: list[dict[str, Any]]) -> Any:
        return self.client.post(
            path,
            content=json.dumps(records),
            headers={"authorization": f"Bearer {self.credentials.token}",
                     "content-type": "application/json"},
        )  # fmt: skip

    def snapshot(self) -> dict[str, Any]:
        """Everything a write could change: the directory, accounts, tokens, sessions, events."""
        tables = ("members", "memberships", "workspaces", "projects", "accounts", "tokens",
                  "sessions", "disabled_members", "rates", "pay_periods")  # fmt: skip
        out: dict[str, Any] = {t: sorted(map(repr, self.store.get(t))) for t in tables}
        out["events"] = self.store.rows("SELECT count(*) AS n FROM events")[0]["n"]
        return out

    def role_of(self, member: str) -> str | None:
        rows = self.store.get("members", id=member)
        return str(rows[0]["role"]) if rows else None

    def close(self) -> None:
        self.client.close()
        self.store.close()


class Worlds:
    """Cases one after another as one asker: a case gets a fresh copy of the database only when
    the case before it changed something (most refused cases change nothing)."""

    def __init__(self, template: Path, tmp: Path, credentials: Credentials) -> None:
        self._args = (template, tmp, credentials)
        self._made = 0
        self._current: World | None = None
        self._pristine: dict[str, Any] | None = None

    def __call__(self) -> World:
        if self._current is not None:
            if self._current.snapshot() == self._pristine:
                return self._current
            self._current.close()
        template, tmp, credentials = self._args
        self._made += 1
        folder = tmp / f"w{self._made}"
        folder.mkdir()
        self._current = World(template, folder, credentials)
        if self._pristine is None:
            self._pristine = self._current.snapshot()
        return self._current

    def close(self) -> None:
        if self._current is not None:
            self._current.close()


@pytest.fixture
def worlds(world_template: tuple[Path, dict[str, Credentials]], tmp_path: Path) -> Iterator[Any]:
    """`worlds("admin")`: a fresh World per call as that asker (`.next()`: see Worlds)."""
    template, credentials = world_template
    made: list[Worlds] = []

    def make(asker: str) -> Worlds:
        made.append(Worlds(template, tmp_path / f"{asker}-{len(made)}", credentials[asker]))
        (tmp_path / f"{asker}-{len(made) - 1}").mkdir()
        return made[-1]

    yield make
    for w in made:
        w.close()


@pytest.fixture
def world(worlds: Any) -> Any:
    """`world("admin")`: one fresh World as that asker."""
    return lambda asker: worlds(asker)()


def member_record(target: str, role: str, **changed: str) -> dict[str, Any]:
    return {"kind": "member", "id": target, "name": NAMES[target], "email": EMAILS[target],
            "role": role, **changed}  # fmt: skip


# ---------------------------------------------------------------- the rules, written out


def may_touch(asker: str, target: str) -> bool:
    """Whether `asker` may change member `target` at all (ignoring the last-owner rule)."""
    return asker == "owner" or (asker == "admin" and ROLE_OF[target] != "owner")


def may_change_role(asker: str, target: str, role: str) -> bool:
    return may_touch(asker, target) and (role != "owner" or asker == "owner")


def leaves_no_owner(target: str, new_role: str) -> bool:
    return ROLE_OF[target] == "owner" and new_role != "owner"  # own is the only owner


# ---------------------------------------------------------------- role changes × routes

ROLE_CHANGES = [(target, role) for target in TARGETS for role in ROLES]


@pytest.mark.parametrize("asker", list(ASKERS))
def test_role_change_on_the_admin_page(worlds: Any, asker: str) -> None:
    cases = worlds(asker)
    for target, role in ROLE_CHANGES:
        w = cases()
        before = w.snapshot()
        response = w.form(f"/admin/members/{target}/role", {"role": role})
        refused = asker not in WRITERS or not may_change_role(asker, target, role)
        expected = 403 if refused else 303
        case = (asker, target, role, response.text[:300])
        assert response.status_code == expected, case
        if expected == 303 and not leaves_no_owner(target, role):
            assert w.role_of(target) == role, case
        else:
            assert w.snapshot() == before, case


@pytest.mark.parametrize("path", ["/api/members", "/api/events"])
@pytest.mark.parametrize("asker", list(ASKERS))
def test_role_change_through_the_api(worlds: Any, path: str, asker: str) -> None:
    cases = worlds(asker)
    for target, role in ROLE_CHANGES:
        w = cases()
        before = w.snapshot()
        response = w.api(path, [member_record(target, role)])
        unchanged = ROLE_OF[target] == role
        if asker not in WRITERS:
            expected = 403
        elif unchanged:
            expected = 200  # the same record again changes nothing, whoever sends it
        else:
            allowed = may_change_role(asker, target, role) and not leaves_no_owner(target, role)
            expected = 200 if allowed else 403
        case = (asker, target, role, response.text[:300])
        assert response.status_code == expected, case
        if expected == 200:
            assert w.role_of(target) == role, case
        else:
            assert response.json()["error"]["code"] == "forbidden", case
            assert w.snapshot() == before, case


@pytest.mark.parametrize("path", ["/api/members", "/api/events"])
@pytest.mark.parametrize("asker", list(ASKERS))
@pytest.mark.parametrize(
    "changed", [{"name": "Renamed"}, {"email": "elsewhere@evil.test"}], ids=["name", "email"]
)
def test_an_owners_record_changes_only_through_an_owner(
    world: Any, path: str, asker: str, changed: dict[str, str]
) -> None:
    """Renaming an owner, or moving their sign-in email away (a lock-out), is an owner's act."""
    w = world(asker)
    before = w.snapshot()
    response = w.api(path, [member_record("own", "owner", **changed)])
    assert response.status_code == (200 if asker == "owner" else 403)
    if response.status_code == 403:
        assert w.snapshot() == before


@pytest.mark.parametrize("path", ["/api/members", "/api/events"])
def test_an_admin_cannot_take_an_owners_email(world: Any, path: str) -> None:
    w = world("admin")
    before = w.snapshot()
    response = w.api(path, [member_record("mgr", "manager", email="OLIVE@acme.test")])
    assert response.status_code == 403
    assert response.json()["error"]["details"] == [{"position": 1, "id": "mgr", "field": "record"}]
    assert w.snapshot() == before


# ---------------------------------------------------------------- new members × roles


@pytest.mark.parametrize("asker", list(ASKERS))
def test_adding_a_member_with_a_role(worlds: Any, asker: str) -> None:
    cases = worlds(asker)
    for role in ROLES:
        for route in ("page", "/api/members", "/api/events"):
            w = cases()
            before = w.snapshot()
            new = {"id": "new", "name": "Nina New", "email": "nina@acme.test", "role": role}
            if route == "page":
                response = w.form("/admin/members", {**new, "password": "long enough secret"})
                ok = 303
            else:
                response = w.api(route, [{"kind": "member", **new}])
                ok = 200
            allowed = asker == "owner" or (asker == "admin" and role != "owner")
            case = (asker, role, route, response.text[:300])
            assert response.status_code == (ok if allowed else 403), case
            if allowed:
                assert w.role_of("new") == role, case
            else:
                assert w.snapshot() == before, case


# ---------------------------------------------------------------- other member writes × roles

OTHER_ACTIONS = {
    "password": ("/admin/members/{t}/password", {"password": "a brand new secret"}),
    "disable": ("/admin/members/{t}/disable", {}),
    "enable": ("/admin/members/{t}/enable", {}),
    "remove": ("/admin/members/{t}/remove", {}),
    "join": ("/admin/members/{t}/memberships", {"target": "project:p-inv"}),
    "leave": ("/admin/members/{t}/memberships/remove", {"kind": "project", "target": "p-cars"}),
    "token": ("/admin/tokens", {"member": "{t}", "name": "new", "scope": "read"}),
    "revoke": ("/admin/tokens/read-{t}/revoke", {}),
}
# What an admin may do to an owner all the same: memberships change nothing an owner can see.
HARMLESS = {"join", "leave"}
# What nobody does to themselves from a page.
NOT_TO_ONESELF = {"disable", "remove"}


@pytest.mark.parametrize("action", list(OTHER_ACTIONS))
@pytest.mark.parametrize("asker", list(ASKERS))
def test_member_writes_on_the_pages(worlds: Any, asker: str, action: str) -> None:
    cases = worlds(asker)
    for target in TARGETS:
        w = cases()
        path, data = OTHER_ACTIONS[action]
        data = {k: v.replace("{t}", target) for k, v in data.items()}
        before = w.snapshot()
        held = {(r["target_kind"], r["target"]) for r in w.store.get("memberships", member=target)}
        response = w.form(path.replace("{t}", target), data)
        case = (asker, target, action, response.text[:300])
        if asker not in WRITERS or (not may_touch(asker, target) and action not in HARMLESS):
            assert response.status_code == 403, case
            assert w.snapshot() == before, case
            continue
        assert response.status_code in (200, 303), case
        after = w.snapshot()
        refused = (action in NOT_TO_ONESELF and ASKERS[asker] == target) or (
            action in ("disable", "remove") and target == "own"  # the only owner
        )
        nothing_to_do = (
            action == "enable"  # nobody was disabled
            or (action == "leave" and ("project", "p-cars") not in held)
            or (action == "join" and ("project", "p-inv") in held)
        )
        if refused or nothing_to_do:
            assert after == before, case
        else:
            assert after != before, ("an allowed change changed nothing", case)


# ---------------------------------------------------------------- other directory POSTs × roles

DIRECTORY_POSTS = {
    "/api/workspaces": [{"id": "ws-new", "name": "New"}],
    "/api/projects": [{"id": "p-new", "name": "New", "workspace": "ws-vis"}],
    "/api/memberships": [{"member": "ann", "project": "p-inv"}],
    "/api/events": [{"kind": "workspace", "id": "ws-new", "name": "New"}],
}


@pytest.mark.parametrize("path", list(DIRECTORY_POSTS))
@pytest.mark.parametrize("asker", list(ASKERS))
def test_directory_posts(world: Any, asker: str, path: str) -> None:
    w = world(asker)
    before = w.snapshot()
    response = w.api(path, DIRECTORY_POSTS[path])
    assert response.status_code == (200 if asker in WRITERS else 403), response.text[:300]
    assert (w.snapshot() != before) == (asker in WRITERS)


# ---------------------------------------------------------------- batches and the last owner


def test_a_batch_leaving_no_owner_is_refused_whole(world: Any) -> None:
    w = world("owner")
    before = w.snapshot()
    batch = [
        {"kind": "workspace", "id": "ws-new", "name": "New"},
        member_record("adm", "owner"),
        member_record("own", "admin"),
        member_record("adm", "manager"),  # the last word on adm: nobody is owner at the end
        {"id": "e-new", "type": "annotation.submitted", "time": "2026-03-02T12:00:00Z",
         "actor": "ann", "project": "p-cars", "task": "t-x", "annotation": "x"},
    ]  # fmt: skip
    response = w.api("/api/events", batch)
    assert response.status_code == 403
    assert response.json()["error"]["message"].startswith("the last owner stays owner")
    assert w.snapshot() == before
    # The same batch ending with an owner goes through whole.
    response = w.api("/api/events", batch[:3] + batch[4:])
    assert response.status_code == 200, response.text
    assert (w.role_of("own"), w.role_of("adm")) == ("admin", "owner")


def test_with_two_owners_one_may_demote_the_other_but_not_both(world: Any) -> None:
    w = world("owner")
    assert w.api("/api/members", [member_record("adm", "owner")]).status_code == 200
    both = [member_record("adm", "manager"), member_record("own", "manager")]
    assert w.api("/api/members", both).status_code == 403
    assert (w.role_of("own"), w.role_of("adm")) == ("owner", "owner")
    assert w.api("/api/members", both[:1]).status_code == 200
    assert w.role_of("adm") == "manager"


def test_an_escaped_kind_is_still_a_member_record(world: Any) -> None:
    """NDJSON: `\\u006dember` decodes to `member`; the guard reads what the validator reads."""
    w = world("admin")
    before = w.snapshot()
    line = '{"kind": "\\u006dember", "id": "adm", "name": "Adam Admin", "role": "owner"}'
    response = w.client.post(
        "/api/events",
        content=line + "\n",
        headers={"authorization": f"Bearer {w.credentials.token}",
                 "content-type": "application/x-ndjson"},
    )  # fmt: skip
    assert response.status_code == 403
    assert w.snapshot() == before


# ---------------------------------------------------------------- pay rates × roles (RATES)

RATE = {"member": "ann", "project": "p-cars", "effective": "2026-03-01", "currency": "EUR",
        "per_hour": 12.5}  # fmt: skip
RATE_FORM = {k: str(v) for k, v in RATE.items()}
RATE_KEY = {k: RATE_FORM[k] for k in ("member", "project", "effective")}
RATE_WRITES = ("page", "/api/rates", "/api/events", "ndjson", "remove page", "remove api")


def rate_write(w: World, route: str) -> Any:
    """One write of a rate by `route`; the removals remove the rate seeded before."""
    if route == "page":
        return w.form("/pay/rates", RATE_FORM)
    if route == "remove page":
        return w.form("/pay/rates/remove", RATE_KEY)
    token = {"authorization": f"Bearer {w.credentials.token}"}
    if route == "remove api":
        return w.client.delete("/api/rates", params=RATE_KEY, headers=token)
    if route == "ndjson":
        line = json.dumps({"kind": "rate", **RATE})
        return w.client.post(
            "/api/events", content=line + "\n",
            headers={**token, "content-type": "application/x-ndjson"},
        )  # fmt: skip
    kind = {"kind": "rate"} if route == "/api/events" else {}
    return w.api(route, [{**kind, **RATE}])


@pytest.mark.parametrize("route", RATE_WRITES)
@pytest.mark.parametrize("asker", list(ASKERS))
def test_rate_writes(world: Any, asker: str, route: str) -> None:
    """Only owners and admins write pay rates, on every route; everyone else gets 403 and the
    database stays as it was."""
    w = world(asker)
    if route.startswith("remove"):
        from labelpulse.ingest import ingest_records

        ingest_records(w.store, [{"kind": "rate", **RATE}])
    before = w.snapshot()
    response = rate_write(w, route)
    case = (asker, route, response.text[:300])
    if asker not in WRITERS:
        assert response.status_code == 403, case
        if "page" not in route:
            assert response.json()["error"]["code"] == "forbidden", case
        assert w.snapshot() == before, case
        return
    assert response.status_code == (303 if "page" in route else 200), case
    held = w.store.get("rates", member="ann", project="p-cars", effective="2026-03-01")
    assert (held == []) == route.startswith("remove"), case
    if held:
        assert (held[0]["currency"], held[0]["per_hour"]) == ("EUR", 12.5), case


# ---------------------------------------------------------------- PAY: closing a pay period

PAY_PERIOD = {"from": "2026-03-01", "to": "2026-03-31", "tz": "UTC"}


@pytest.mark.parametrize("asker", list(ASKERS))
def test_closing_a_pay_period_on_the_page(world: Any, asker: str) -> None:
    w = world(asker)
    before = w.snapshot()
    response = w.form("/pay/close", PAY_PERIOD)
    assert response.status_code == (303 if asker in WRITERS else 403), response.text[:300]
    assert (w.snapshot() != before) == (asker in WRITERS)


@pytest.mark.parametrize("asker", list(ASKERS))
def test_closing_a_pay_period_through_the_api(world: Any, asker: str) -> None:
    w = world(asker)
    before = w.snapshot()
    response = w.client.post(
        "/api/pay/close", params=PAY_PERIOD,
        headers={"authorization": f"Bearer {w.credentials.token}"},
    )  # fmt: skip
    assert response.status_code == (201 if asker in WRITERS else 403), response.text[:300]
    assert (w.snapshot() != before) == (asker in WRITERS)
