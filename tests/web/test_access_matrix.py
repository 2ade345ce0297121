"""THE role matrix: every asker × every API call and export × in-scope and out-of-scope questions.

The organisation is conftest's:

    workspace Vision (ws-vis): Cars (p-cars), Signs (p-signs)
    workspace Documents (ws-doc): Invoices (p-inv)

    owner Olive, admin Adam       everything
    manager Maya (mgr)            Vision's projects; every member, but only their work there
    reviewer Rico (rev)           Cars and Invoices; only himself
    annotator Anna (ann)          Cars (her old work in Signs is no longer hers to see); herself
    annotator Bianca (ann2)       Invoices: nothing of hers is in Vision

What the matrix asserts, for each request:
- the status: 200 when the question is inside the asker's scope, 403 when it names a member,
  project or workspace outside it, 401 without credentials (403 for a token of the wrong scope);
  404 when it names an id that nothing has (`UNKNOWN`) and the asker may list such ids (owners
  and admins every kind, managers members); anyone else gets the 403 of an id outside their
  scope, so that no one can probe which ids exist;
- on 200, that nothing outside the scope appears anywhere in the body (JSON, CSV, xlsx text):
  no project, task, workspace, comment or person the asker may not see;
- on 200, that the figures are exactly the library's over the cut scope: the owner's figures
  for the same projects and members, never partial numbers.

The matrix is data: `ENDPOINTS` (API routes), `ASKERS` (who asks, and how), `SCOPES` (what each
role may see), `QUESTIONS` (the parameters asked), `PAGES` (the dashboard pages). New routes are
new rows.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from openpyxl import load_workbook

from labelpulse.access import create_token
from labelpulse.config import Settings
from labelpulse.exports import report_csv
from labelpulse.metrics import report
from labelpulse.store import Store, connect
from labelpulse.web.app import create_app
from tests.web.conftest import NAMES, WINDOW, sign_in

SETTINGS = Settings(timezone="UTC")
FORMATS = (None, "json", "csv", "xlsx", "zip")  # None: the JSON answer inline
ALL_ROLES = frozenset({"owner", "admin", "manager", "reviewer", "annotator"})

# ---------------------------------------------------------------- who may see what


@dataclass(frozen=True)
class RoleScope:
    """What one role may see: the access table of metrics.md, written out for this org."""

    member: str
    projects: frozenset[str] | None  # None: every project
    workspaces: frozenset[str] | None  # the workspaces they may filter by; None: every one
    every_member: bool
    # Text that must never appear in any answer to this role (other people's names are checked
    # separately, since a manager may ask about anyone).
    hidden: tuple[str, ...] = ()
    # The questions worth asking this role (names in QUESTIONS); None: all of them.
    questions: tuple[str, ...] | None = None

    @property
    def cut(self) -> bool:
        """Whether this role's answers are cut at all (owner and admin: never)."""
        return self.projects is not None or not self.every_member


# Ids that nothing has: no directory record, no event.
UNKNOWN = frozenset({"zzz", "p99", "ws99"})
UNKNOWN_QUESTIONS = ("member=zzz", "project=p99", "workspace=ws99")
EVERYTHING = (
    "unscoped", "project=p-inv", "workspace=ws-doc", "member=ann2", "member=rev",
    *UNKNOWN_QUESTIONS,
)  # fmt: skip
VISION_ONLY = ("p-inv", "Invoices", "ws-doc", "Documents", "t-b1", "t-b2", "Totals are off")
SCOPES: dict[str, RoleScope] = {
    # Nothing is cut for them: ask what others may not see, and everything is answered.
    "owner": RoleScope("own", None, None, True, questions=EVERYTHING),
    "admin": RoleScope("adm", None, None, True, questions=EVERYTHING),
    "manager": RoleScope(
        "mgr", frozenset({"p-cars", "p-signs"}), frozenset({"ws-vis"}), True, VISION_ONLY
    ),
    # (The workspaces of their projects may show up, as the `workspace` of a project.)
    "reviewer": RoleScope(
        "rev", frozenset({"p-cars", "p-inv"}), frozenset(), False, ("p-signs", "Signs", "t-a3")
    ),
    "annotator": RoleScope(
        "ann",
        frozenset({"p-cars"}),
        frozenset(),
        False,
        ("p-signs", "Signs", "t-a3", *VISION_ONLY),
    ),
}


@dataclass(frozen=True)
class Question:
    """Parameters of one request: a project, a workspace, or a member (None: the asker)."""

    name: str
    project: str | None = None
    workspace: str | None = None
    member: str | None = None
    # Also asked in every download format: unscoped (cut), a project and a member that are in
    # scope for some roles and out of it for others.
    exports: bool = False


QUESTIONS = (
    Question("unscoped", exports=True),
    Question("project=p-cars", project="p-cars"),
    Question("project=p-signs", project="p-signs"),
    Question("project=p-inv", project="p-inv", exports=True),
    Question("workspace=ws-vis", workspace="ws-vis"),
    Question("workspace=ws-doc", workspace="ws-doc"),
    Question("member=self", member="self"),
    Question("member=ann", member="ann"),
    Question("member=ann2", member="ann2", exports=True),
    Question("member=rev", member="rev"),
    Question("member=zzz", member="zzz"),
    Question("project=p99", project="p99"),
    Question("workspace=ws99", workspace="ws99"),
)


def allowed(scope: RoleScope, q: Question) -> bool:
    if q.project and scope.projects is not None and q.project not in scope.projects:
        return False
    if q.workspace and scope.workspaces is not None and q.workspace not in scope.workspaces:
        return False
    member = subject_of(scope, q)
    return scope.every_member or member == scope.member


def unknown(q: Question) -> bool:
    """Whether the question names an id that nothing has."""
    return bool({q.project, q.workspace, q.member} & UNKNOWN)


def subject_of(scope: RoleScope, q: Question) -> str:
    return scope.member if q.member in (None, "self") else q.member


# ---------------------------------------------------------------- endpoints


@dataclass(frozen=True)
class Endpoint:
    """One API report route. `{member}` in the path is the member asked about."""

    path: str
    report: str
    member_in_path: bool = False
    member_report: bool = False  # a report about one member (else a table)
    # Downloads checked here too (the by-query twins of the member routes share their writer).
    exports: bool = True
    roles: frozenset[str] = ALL_ROLES  # who may call it at all (in scope)
    # The questions asked (names in QUESTIONS); None: all of them.
    questions: tuple[str, ...] | None = None

    def asks(self, scope: RoleScope) -> list[Question]:
        return [
            q
            for q in QUESTIONS
            if (self.questions is None or q.name in self.questions)
            and (scope.questions is None or q.name in scope.questions)
        ]

    def url(self, scope: RoleScope, q: Question) -> tuple[str, dict[str, str]]:
        params = dict(WINDOW)
        if q.project:
            params["project"] = q.project
        if q.workspace:
            params["workspace"] = q.workspace
        if self.member_in_path:
            return self.path.format(member=subject_of(scope, q)), params
        if q.member is not None:
            params["member"] = subject_of(scope, q)
        return self.path, params


# The by-query twins of the member routes differ from them only in how the member is chosen.
BY_QUERY = ("unscoped", "project=p-inv", "member=ann", "member=ann2", "member=rev", "member=zzz")
ENDPOINTS = (
    Endpoint("/api/members/{member}/report", "member", member_in_path=True, member_report=True),
    Endpoint("/api/members/{member}/timeline", "timeline", member_in_path=True, member_report=True),
    Endpoint("/api/members/{member}/comments", "comments", member_in_path=True, member_report=True),
    Endpoint(
        "/api/reports/member", "member", member_report=True, exports=False, questions=BY_QUERY
    ),
    Endpoint(
        "/api/reports/timeline", "timeline", member_report=True, exports=False, questions=BY_QUERY
    ),
    Endpoint(
        "/api/reports/comments", "comments", member_report=True, exports=False, questions=BY_QUERY
    ),
    Endpoint("/api/reports/members", "members"),
    Endpoint("/api/reports/reviewers", "reviewers"),
    Endpoint("/api/reports/throughput", "throughput"),
    Endpoint("/api/reports/insights", "insights"),
    Endpoint("/api/reports/insights_daily", "insights_daily"),
    Endpoint("/api/reports/insights_projects", "insights_projects"),
    Endpoint("/api/reports/work", "work"),
    Endpoint("/api/reports/items", "items"),
    # FLAGS (issue 16)
    Endpoint("/api/reports/flags", "flags"),
    Endpoint("/api/reports/flagged_annotations", "flagged_annotations"),
    # FC (deadline forecasts)
    Endpoint("/api/reports/forecast", "forecast"),
    Endpoint("/api/reports/forecast_members", "forecast_members"),
    # PAY: pay is for owners and admins (managers only when a setting allows: test_pay_pages)
    Endpoint("/api/reports/pay", "pay", roles=frozenset({"owner", "admin"})),
    Endpoint("/api/reports/pay_lines", "pay_lines", roles=frozenset({"owner", "admin"})),
)
ENDPOINT_IDS = [e.path.replace("/api/", "").replace("{member}", "_") for e in ENDPOINTS]


# ---------------------------------------------------------------- askers


@dataclass(frozen=True)
class Asker:
    """Who sends the request: a role by session or by token, or nobody."""

    name: str
    role: str | None  # None: anonymous
    how: str  # "session", "read", "ingest", "none"


SESSIONS = tuple(Asker(role, role, "session") for role in SCOPES)
READ_TOKENS = tuple(Asker(f"{role} read token", role, "read") for role in SCOPES)
INGEST_TOKENS = tuple(Asker(f"{role} ingest token", role, "ingest") for role in SCOPES)
ANONYMOUS = Asker("anonymous", None, "none")
ASKERS = (*SESSIONS, *READ_TOKENS, *INGEST_TOKENS, ANONYMOUS)


@dataclass
class World:
    store: Store
    clients: dict[str, TestClient]
    expected: dict[Any, dict[str, Any]] = field(default_factory=dict)

    def client(self, asker: Asker) -> TestClient:
        return self.clients[asker.name]


@pytest.fixture(scope="module")
def world(org_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One app over one copy of the organisation, a client per asker: the matrix only reads."""
    path = tmp_path_factory.mktemp("matrix") / "org.duckdb"
    shutil.copy(org_template, path)
    store = connect(str(path))
    app = create_app(store, Settings(db=store.url, timezone="UTC"))
    clients: dict[str, TestClient] = {}
    for asker in ASKERS:
        client = TestClient(app)
        if asker.how == "session":
            sign_in(client, SCOPES[str(asker.role)].member)
        elif asker.how in ("read", "ingest"):
            member = SCOPES[str(asker.role)].member
            token = create_token(store, member, name=asker.name, scope=asker.how)[1]
            client.headers["Authorization"] = f"Bearer {token}"
        clients[asker.name] = client
    yield World(store, clients)
    for client in clients.values():
        client.close()
    store.close()


# ---------------------------------------------------------------- what the answer must be


def expected_report(world: World, endpoint: Endpoint, scope: RoleScope, q: Question) -> Any:
    """The library's report over the scope cut by hand: what the owner sees for that question."""
    member = subject_of(scope, q) if endpoint.member_report else None
    if scope.projects is None:
        projects = [q.project] if q.project else None
    else:
        projects = [q.project] if q.project else sorted(scope.projects)
    if endpoint.member_report:
        members = None
    elif q.member is not None:
        members = [subject_of(scope, q)]
    else:
        members = None if scope.every_member else [scope.member]
    workspaces = [q.workspace] if q.workspace else None
    key = (
        endpoint.report,
        member,
        tuple(projects or ()),
        tuple(workspaces or ()),
        tuple(members or ()),
    )
    if key not in world.expected:
        world.expected[key] = report(
            world.store,
            endpoint.report,
            start=WINDOW["from"],
            end=WINDOW["to"],
            tz=WINDOW["tz"],
            member=member,
            projects=projects,
            workspaces=workspaces,
            members=members,
            settings=SETTINGS,
        )
    return world.expected[key]


def people_hidden_from(scope: RoleScope, q: Question, endpoint: Endpoint) -> list[str]:
    """Names of members whose work this answer must not show."""
    if not scope.every_member:
        return [NAMES[m] for m in NAMES if m != scope.member]
    if scope.projects is None:
        return []
    # A manager sees every member, but only their work in the manager's projects: Bianca has
    # none there, so she shows up only when asked about by name.
    if endpoint.member_report and subject_of(scope, q) == "ann2":
        return []
    if q.member == "ann2":
        return []
    return [NAMES["ann2"]]


def xlsx_text(content: bytes) -> str:
    book = load_workbook(io.BytesIO(content), read_only=True)
    try:
        return "\n".join(
            " | ".join("" if v is None else str(v) for v in row)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    finally:
        book.close()


def body_text(response: Response, fmt: str | None) -> str:
    if response.headers.get("content-type") == "application/zip":  # a report of several tables
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            tables = [archive.read(n).decode() for n in archive.namelist() if n != "about.csv"]
        return "\n".join(tables)  # as report_csv joins them
    return xlsx_text(response.content) if fmt == "xlsx" else response.text


def without_scope(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "scope"}


def rows_outside(data: dict[str, Any], scope: RoleScope) -> list[dict[str, Any]]:
    """Rows of a JSON answer that name a project or member outside the scope."""
    bad = []
    for row in data.get("rows", []):
        project = row.get("project")
        member = row.get("member")
        foreign_project = scope.projects is not None and project not in (None, *scope.projects)
        foreign_member = not scope.every_member and member not in (None, scope.member)
        if foreign_project or foreign_member:
            bad.append(row)
    return bad


def check(
    world: World, asker: Asker, endpoint: Endpoint, q: Question, fmt: str | None
) -> list[str]:
    """Every problem of one request, described; empty when it is right."""
    scope = SCOPES[str(asker.role)] if asker.role else SCOPES["owner"]
    path, params = endpoint.url(scope, q)
    if fmt:
        params["format"] = fmt
    response = world.client(asker).get(path, params=params)
    where = f"{asker.name} GET {path} {params}"
    if asker.how == "none":
        status = 401
    elif asker.how == "ingest":
        status = 403
    elif allowed(scope, q) and asker.role in endpoint.roles:
        status = 404 if unknown(q) else 200
    else:
        status = 403
    if response.status_code != status:
        return [f"{where}: {response.status_code}, expected {status}: {response.text[:200]}"]
    if status != 200:
        body = response.json()
        if set(body) != {"error"}:
            return [f"{where}: a refusal without the error shape: {body}"]
        return []
    problems = []
    text = body_text(response, fmt)
    for word in (*scope.hidden, *people_hidden_from(scope, q, endpoint)):
        if word in text:
            problems.append(f"{where}: shows {word!r}, outside the asker's scope")
    want = expected_report(world, endpoint, scope, q)
    if fmt is None:
        got = response.json()
        if without_scope(got) != without_scope(want):
            problems.append(f"{where}: figures differ from the owner's for the same scope")
        if rows_outside(got, scope):
            problems.append(f"{where}: rows outside the scope: {rows_outside(got, scope)}")
    elif fmt == "json" and without_scope(json.loads(response.content)) != without_scope(want):
        problems.append(f"{where}: JSON download differs from the owner's for the same scope")
    elif fmt in ("csv", "zip") and body_text(response, fmt) != report_csv(endpoint.report, want):
        problems.append(f"{where}: CSV differs from the owner's for the same scope")
    return problems


# ---------------------------------------------------------------- the matrix


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ENDPOINT_IDS)
@pytest.mark.parametrize("asker", SESSIONS, ids=[a.name for a in SESSIONS])
def test_report_matrix(world: World, asker: Asker, endpoint: Endpoint) -> None:
    """Signed-in roles: every question inline; the export questions in every format (for a role
    whose answers are never cut, only the unscoped one: test_api checks the owner's downloads)."""
    scope = SCOPES[str(asker.role)]
    problems: list[str] = []
    asked: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    for q in endpoint.asks(scope):
        request = endpoint.url(scope, q)
        key = (request[0], tuple(sorted(request[1].items())))
        if key in asked:  # "member=ann" is "member=self" for Anna: ask once
            continue
        asked.add(key)
        export = q.exports and endpoint.exports and (scope.cut or q.name == "unscoped")
        for fmt in FORMATS if export else (None,):
            problems += check(world, asker, endpoint, q, fmt)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ENDPOINT_IDS)
def test_token_matrix(world: World, endpoint: Endpoint) -> None:
    """API tokens: a read token is its member, an ingest token reads nothing, nobody gets 401.

    The session matrix covers every question; a token only changes who asks, so here each read
    token asks the export questions (cut, in and out of scope), and the askers who may not read
    at all are refused inline and (the owner's ingest token, and nobody) in every format.
    """
    problems = []
    exported = [q for q in QUESTIONS if q.exports]
    for asker in READ_TOKENS:
        for q in exported:
            problems += check(world, asker, endpoint, q, None)
    for asker in (*INGEST_TOKENS, ANONYMOUS):
        for fmt in FORMATS if asker in (INGEST_TOKENS[0], ANONYMOUS) else (None,):
            problems += check(world, asker, endpoint, exported[-1], fmt)
    assert not problems, "\n".join(problems)


# Other API calls: (method, path, body, {asker name, or how they ask, or "*": status}).
# Writes send a body that is not JSON: 400 shows the asker got past the access check (which
# runs first) without storing anything, and costs no ingest; test_api stores real batches.
NOT_JSON = b"not json"
WRITERS = {"owner ingest token": 400, "admin ingest token": 400}
CALLS: list[tuple[str, str, bytes | None, dict[str, int]]] = [
    ("GET", "/api/health", None, {"*": 200}),
    ("GET", "/api/me", None, {"session": 200, "read": 200, "ingest": 403, "none": 401}),
    # PAY: the closed periods (owners' and admins' sessions and read tokens) and closing them
    ("GET", "/api/pay/periods", None, {"owner": 200, "admin": 200, "owner read token": 200,
                                       "admin read token": 200, "session": 403, "read": 403,
                                       "ingest": 403, "none": 401}),
    ("POST", "/api/pay/close", None, {**WRITERS, "ingest": 403, "read": 403, "session": 401,
                                      "none": 401}),
    *(
        ("POST", path, NOT_JSON, {**WRITERS, "ingest": 403, "read": 403, "session": 401,
                                  "none": 401})
        for path in ("/api/events", "/api/members", "/api/workspaces", "/api/projects",
                     "/api/memberships", "/api/rates")
    ),
    # Pay rates (RATES): owners and admins read them (a session or a read token); removing one
    # takes an owner's or admin's ingest token (404 here: there is no such rate).
    ("GET", "/api/rates", None, {"owner": 200, "admin": 200, "owner read token": 200,
                                 "admin read token": 200, "session": 403, "read": 403,
                                 "ingest": 403, "none": 401}),
    ("DELETE", "/api/rates?member=ann&effective=2026-01-01", None,
     {"owner ingest token": 404, "admin ingest token": 404, "ingest": 403, "read": 403,
      "session": 401, "none": 401}),
]  # fmt: skip


def test_other_api_calls(world: World) -> None:
    problems = []
    for method, path, body, rules in CALLS:
        for asker in ASKERS:
            want = rules.get(asker.name, rules.get(asker.how, rules.get("*")))
            response = world.client(asker).request(method, path, content=body)
            if response.status_code != want:
                problems.append(f"{asker.name} {method} {path}: {response.status_code} != {want}")
    assert not problems, "\n".join(problems)
    # And an empty batch goes all the way through for an admin's ingest token.
    admin = world.clients["admin ingest token"]
    assert admin.post("/api/events", json=[]).json()["stored"] == 0
    assert world.store.rows("SELECT count(*) AS n FROM events")[0]["n"] == 9


@pytest.mark.parametrize("asker", SESSIONS, ids=[a.name for a in SESSIONS])
def test_me_lists_nothing_outside_the_scope(world: World, asker: Asker) -> None:
    scope = SCOPES[str(asker.role)]
    body = world.client(asker).get("/api/me").json()
    text = json.dumps(body)
    for word in scope.hidden:
        assert word not in text, word
    projects = {p["id"] for p in body["projects"]}
    assert projects == (
        scope.projects if scope.projects is not None else {"p-cars", "p-signs", "p-inv"}
    )
    members = {m["id"] for m in body["members"]}
    assert members == (set(NAMES) if scope.every_member else {scope.member})


# ---------------------------------------------------------------- cut, never partial


def table(world: World, asker: str, name: str, **params: str) -> dict[str, Any]:
    response = world.clients[asker].get(f"/api/reports/{name}", params={**WINDOW, **params})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def test_unscoped_queries_are_cut(world: World) -> None:
    for name in ("members", "insights", "insights_projects", "items", "work"):
        owner = table(world, "owner", name)
        manager = table(world, "manager", name)
        # The owner sees Bianca's Invoices work (members and work rows name no project) ...
        word = "Bianca Books" if name in ("members", "work") else "Invoices"
        assert word in json.dumps(owner), name
        # ... the manager none of it.
        assert "Invoices" not in json.dumps(manager), name
        assert "Bianca Books" not in json.dumps(manager), name
        # Unscoped for the manager is the owner's Vision, figure for figure (totals included).
        assert without_scope(manager) == without_scope(
            table(world, "owner", name, workspace="ws-vis")
        ), name
    owner_members = {r["member"] for r in table(world, "owner", "members")["rows"]}
    manager_members = {r["member"] for r in table(world, "manager", "members")["rows"]}
    assert owner_members == {"ann", "ann2", "rev"}
    assert manager_members == {"ann", "rev"}  # no row of Bianca: she has no work in Vision
    anna = table(world, "annotator", "members")["rows"]
    assert [(r["member"], r["submitted"]) for r in anna] == [("ann", 1)]  # a1; not a3 in Signs


def test_in_scope_figures_are_the_owners(world: World) -> None:
    """No partial numbers: a manager's Cars is the owner's Cars, Anna's own row is hers in Cars."""
    for name in (
        "members",
        "reviewers",
        "insights",
        "insights_daily",
        "insights_projects",
        "work",
        "items",
    ):
        mine = table(world, "manager", name, project="p-cars")
        theirs = table(world, "owner", name, project="p-cars")
        assert mine == theirs, name
    anna = world.clients["annotator"].get("/api/members/ann/report", params=WINDOW).json()
    owner = (
        world.clients["owner"]
        .get("/api/members/ann/report", params={**WINDOW, "project": "p-cars"})
        .json()
    )
    assert without_scope(anna) == without_scope(owner)
    assert (anna["annotations"]["submitted"], anna["annotations"]["rejected"]) == (1, 1)
    rico = world.clients["manager"].get("/api/members/rev/report", params=WINDOW).json()
    assert rico["reviews"]["total"] == 2  # his two reviews in Cars, not the fix-accept in Invoices
    assert rico["reviews"]["review_time"] == 75.0


def test_items_tell_the_whole_story_of_the_items_one_worked_on(world: World) -> None:
    """The viewer's scope (or a member filter) chooses items; their figures are everyone's
    within the viewer's projects (issue 15)."""

    def rows(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {row["task"]: row for row in data["rows"]}

    # Rico labels nothing, yet his items show Anna's and Bianca's labeling time on them.
    rico = rows(table(world, "reviewer", "items"))
    assert {"t-a1", "t-a2", "t-b1"} <= set(rico)
    assert (rico["t-a2"]["label_time"], rico["t-a2"]["rejected"]) == (300.0, 1)
    # Anna reviews nothing, yet her items show the rejection and Rico's review time in Cars;
    # nothing of Signs (not hers) nor of Invoices.
    anna = table(world, "annotator", "items")
    assert set(rows(anna)) == {"t-a1", "t-a2"}
    assert (anna["totals"]["review_time"], anna["totals"]["rejected"]) == (75.0, 1)
    # A member filter chooses items: the owner's items of Bianca are her Invoices items, with
    # Rico's work on them; the manager's of Rico are his Cars items alone.
    bianca = table(world, "owner", "items", member="ann2")
    assert {row["project"] for row in bianca["rows"]} == {"p-inv"}
    assert rows(bianca)["t-b1"] == rows(table(world, "owner", "items"))["t-b1"]
    assert {row["project"] for row in table(world, "manager", "items", member="rev")["rows"]} == {
        "p-cars"
    }


# ---------------------------------------------------------------- pages


@dataclass(frozen=True)
class Page:
    """A dashboard page and who may open it; `{member}` / `{project}` are what is asked about."""

    path: str
    roles: frozenset[str]
    # For `{member}`: the roles that may open any member's page (others only their own).
    any_member: frozenset[str] = frozenset({"owner", "admin", "manager"})


EVERY_PAGE_ROLE = ALL_ROLES
PAGES = (
    Page("/", EVERY_PAGE_ROLE),
    Page("/members/{member}", EVERY_PAGE_ROLE),
    Page("/org/members", frozenset({"owner", "admin"})),
    Page("/projects", frozenset({"owner", "admin", "manager"})),
    Page("/projects/{project}/members", frozenset({"owner", "admin", "manager"})),
    Page("/insights", EVERY_PAGE_ROLE),
    Page("/work", EVERY_PAGE_ROLE),
    Page("/flags", EVERY_PAGE_ROLE),  # FLAGS (issue 16): cut like the reports
    Page("/admin/members", frozenset({"owner", "admin"})),
    Page("/pay/rates", frozenset({"owner", "admin"})),  # RATES
    Page("/pay", frozenset({"owner", "admin"})),  # PAY
    Page("/pay/lines", frozenset({"owner", "admin"})),  # PAY
)
PAGE_MEMBERS = ("self", "ann", "ann2", "rev", "zzz")
# What "/" is for each role: the team's overview, or one's own report (issue 15).
HOME_HEADING = {role: "Overview" for role in ("owner", "admin", "manager")} | {
    role: "Your performance" for role in ("reviewer", "annotator")
}
PAGE_PROJECTS = ("p-cars", "p-signs", "p-inv", "p99")


def page_requests(page: Page, scope: RoleScope) -> Iterator[tuple[str, dict[str, str], str]]:
    """(path, params, what is asked) for a page: each member / project, and filters."""
    if "{member}" in page.path:
        for m in PAGE_MEMBERS:
            member = scope.member if m == "self" else m
            yield page.path.format(member=member), dict(WINDOW), f"member={member}"
        return
    if "{project}" in page.path:
        for p in PAGE_PROJECTS:
            yield page.path.format(project=p), dict(WINDOW), f"project={p}"
        return
    yield page.path, dict(WINDOW), "unscoped"
    if page.path in ("/", "/insights", "/work", "/flags"):
        for p in PAGE_PROJECTS:
            yield page.path, {**WINDOW, "project": p}, f"project={p}"
    if page.path in ("/insights", "/work", "/flags"):  # ("/" moves a member filter to their page)
        for kind, value in (("workspace", "ws99"), ("member", "zzz")):
            yield page.path, {**WINDOW, kind: value}, f"{kind}={value}"


def page_status(page: Page, role: str, scope: RoleScope, asked: str) -> int:
    if role not in page.roles:
        return 403
    kind, _, value = asked.partition("=")
    if kind == "member" and role not in page.any_member and value != scope.member:
        return 403
    if kind == "project" and scope.projects is not None and value not in scope.projects:
        return 403  # a manager opens only Vision's projects, and filters only by them
    if kind == "workspace" and scope.workspaces is not None and value not in scope.workspaces:
        return 403
    return 404 if value in UNKNOWN else 200


def page_hidden(scope: RoleScope, role: str) -> tuple[str, ...]:
    """Text a page must not show this role: the API's hidden words, and for members who see
    only themselves, everyone else's name (a manager's filters do list every member)."""
    if scope.every_member:
        return scope.hidden
    return (*scope.hidden, *(NAMES[m] for m in NAMES if m != scope.member))


@pytest.mark.parametrize("asker", SESSIONS, ids=[a.name for a in SESSIONS])
def test_page_matrix(world: World, asker: Asker) -> None:
    """Every page × every role × member / project asked: 200, 403 or 404 (with the error page),
    and nothing outside the scope on the page; nobody signed in is sent to sign in."""
    role = str(asker.role)
    scope = SCOPES[role]
    client = world.client(asker)
    anonymous = world.client(ANONYMOUS)
    html = {"Accept": "text/html"}
    problems = []
    for page in PAGES:
        for path, params, asked in page_requests(page, scope):
            response = client.get(path, params=params, headers=html, follow_redirects=False)
            status = page_status(page, role, scope, asked)
            where = f"{role} {path} {asked}"
            if response.status_code != status:
                problems.append(f"{where}: {response.status_code}, expected {status}")
                continue
            assert response.headers["content-type"].startswith("text/html"), where
            if status != 200:
                continue
            if path == "/" and not re.search(rf"<h1>\s*{HOME_HEADING[role]}", response.text):
                problems.append(f"{where}: not the home of a {role}")
            for word in page_hidden(scope, role):
                if word in response.text:
                    problems.append(f"{where}: shows {word!r}, outside the scope")
            gone = anonymous.get(path, params=params, headers=html, follow_redirects=False)
            if gone.status_code != 303 or not gone.headers["location"].startswith("/login"):
                problems.append(
                    f"anonymous {path}: {gone.status_code}, expected a sign-in redirect"
                )
    assert not problems, "\n".join(problems)
