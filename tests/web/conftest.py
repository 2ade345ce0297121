"""A small organisation with one member per role, served by the real app over a real DuckDB file.

Who belongs where (this is what the access tests lean on):

    workspace ws-vis "Vision":     projects p-cars "Cars", p-signs "Signs"
    workspace ws-doc "Documents":  project  p-inv "Invoices"

    own   Olive Owner      owner     (no memberships needed)
    adm   Adam Admin       admin
    mgr   Maya Manager     manager   workspace ws-vis
    rev   Rico Reviewer    reviewer  projects p-cars, p-inv
    ann   Anna Annotator   annotator project p-cars (she also has old work in p-signs)
    ann2  Bianca Books     annotator project p-inv

Work, all in March 2026 (window 2026-03-02 .. 2026-03-06, UTC):
    ann  submits a1, a2 in Cars and a3 in Signs; rev accepts a1 and rejects a2;
    ann2 submits b1, b2 in Invoices; rev fix-accepts b1 and comments on b2.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from labelpulse.access import add_membership, create_token, set_password
from labelpulse.config import Settings
from labelpulse.ingest import ingest_records
from labelpulse.store import Store, connect
from labelpulse.web.app import create_app

PASSWORD = "correct horse battery"
WINDOW = {"from": "2026-03-02", "to": "2026-03-06", "tz": "UTC"}
ROLES = {"owner": "own", "admin": "adm", "manager": "mgr", "reviewer": "rev", "annotator": "ann"}
EMAILS = {
    "own": "olive@acme.test",
    "adm": "adam@acme.test",
    "mgr": "maya@acme.test",
    "rev": "rico@acme.test",
    "ann": "anna@acme.test",
    "ann2": "bianca@acme.test",
}
NAMES = {
    "own": "Olive Owner",
    "adm": "Adam Admin",
    "mgr": "Maya Manager",
    "rev": "Rico Reviewer",
    "ann": "Anna Annotator",
    "ann2": "Bianca Books",
}
ROLE_OF = {"own": "owner", "adm": "admin", "mgr": "manager", "rev": "reviewer", "ann": "annotator",
           "ann2": "annotator"}  # fmt: skip
PROJECTS = {
    "p-cars": ("Cars", "ws-vis"),
    "p-signs": ("Signs", "ws-vis"),
    "p-inv": ("Invoices", "ws-doc"),
}
MEMBERSHIPS = [
    ("mgr", "workspace", "ws-vis"),
    ("rev", "project", "p-cars"),
    ("rev", "project", "p-inv"),
    ("ann", "project", "p-cars"),
    ("ann2", "project", "p-inv"),
]


def _event(
    n: int, type_: str, time: str, actor: str, project: str, annotation: str, **more: Any
) -> dict[str, Any]:
    return {
        "id": f"e{n}",
        "type": type_,
        "time": f"2026-03-{time}Z",
        "actor": actor,
        "project": project,
        "task": "t-" + annotation,
        "annotation": annotation,
        **more,
    }


def organisation_records() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = [
        {"kind": "workspace", "id": "ws-vis", "name": "Vision"},
        {"kind": "workspace", "id": "ws-doc", "name": "Documents"},
    ]
    records += [
        {"kind": "project", "id": pid, "name": name, "workspace": ws}
        for pid, (name, ws) in PROJECTS.items()
    ]
    records += [
        {
            "kind": "member",
            "id": mid,
            "name": NAMES[mid],
            "email": EMAILS[mid],
            "role": ROLE_OF[mid],
        }
        for mid in NAMES
    ]
    records += [
        _event(1, "annotation.submitted", "02T09:00:00", "ann", "p-cars", "a1", duration=120),
        _event(2, "annotation.submitted", "02T10:00:00", "ann", "p-cars", "a2", duration=300),
        _event(3, "annotation.submitted", "03T09:00:00", "ann", "p-signs", "a3", duration=60),
        _event(4, "review.accepted", "03T11:00:00", "rev", "p-cars", "a1", duration=30),
        _event(5, "review.rejected", "03T11:05:00", "rev", "p-cars", "a2", duration=45),
        _event(6, "annotation.submitted", "04T09:00:00", "ann2", "p-inv", "b1", duration=200),
        _event(7, "annotation.submitted", "04T10:00:00", "ann2", "p-inv", "b2", duration=400),
        _event(8, "review.fixed_and_accepted", "05T09:00:00", "rev", "p-inv", "b1", duration=90,
               agreement=0.8),
        _event(9, "comment.created", "05T09:30:00", "rev", "p-inv", "b2", text="Totals are off"),
    ]  # fmt: skip
    return records


@pytest.fixture(scope="session")
def org_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The organisation's database file, built once; each test works on its own copy."""
    path = tmp_path_factory.mktemp("org") / "org.duckdb"
    store = connect(str(path))
    ingest_records(store, organisation_records())
    for member, kind, target in MEMBERSHIPS:
        add_membership(store, member, kind, target)
    for member in NAMES:
        set_password(store, member, PASSWORD)
    store.close()
    return path


@pytest.fixture
def org_store(org_template: Path, tmp_path: Path) -> Iterator[Store]:
    path = tmp_path / "org.duckdb"
    shutil.copy(org_template, path)
    store = connect(str(path))
    yield store
    store.close()


@pytest.fixture
def app(org_store: Store) -> Any:
    return create_app(org_store, Settings(db=org_store.url, timezone="UTC"))


@pytest.fixture
def anonymous(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient, member: str, password: str = PASSWORD) -> TestClient:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": EMAILS[member], "password": password, "csrf": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
def signed_in(app: Any) -> Iterator[Callable[[str], TestClient]]:
    """`signed_in("mgr")`: a client with a session as that member (ids, or role names)."""
    clients: list[TestClient] = []

    def make(who: str) -> TestClient:
        client = TestClient(app)
        clients.append(client)
        return sign_in(client, ROLES.get(who, who))

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def token_for(org_store: Store) -> Callable[[str, str], str]:
    """`token_for("adm", "ingest")`: a fresh API token of that member and scope."""

    def make(member: str, scope: str = "read") -> str:
        return create_token(org_store, ROLES.get(member, member), name="test", scope=scope)[1]

    return make
