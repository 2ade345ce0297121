"""The access table of metrics.md, as `labelpulse.access.policy` applies it, on a real store.

The organisation is the one of tests/web/conftest.py: Vision (Cars, Signs), Documents
(Invoices); a manager of Vision, a reviewer of Cars and Invoices, an annotator of Cars.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from labelpulse.access import add_member, add_membership, cut_scope, report_for, viewer_for
from labelpulse.access.policy import (
    Viewer,
    check_member,
    check_project,
    visible_projects,
    visible_workspaces,
)
from labelpulse.config import Settings
from labelpulse.errors import ForbiddenError, NotFoundError, UsageError
from labelpulse.ingest import ingest_records
from labelpulse.metrics import MEMBER_REPORTS, REPORTS, TABLE_REPORTS, Directory, report
from labelpulse.metrics.registry import SPECS
from labelpulse.metrics.scope import Scope
from labelpulse.store import Store, connect
from tests.report_arguments import ScopeArguments, WindowArguments
from tests.web.conftest import MEMBERSHIPS, NAMES, WINDOW, organisation_records

ALL_PROJECTS = ("p-cars", "p-inv", "p-signs")
VISION = ("p-cars", "p-signs")
SETTINGS = Settings(timezone="UTC")


def build_org(store: Store) -> Store:
    ingest_records(store, organisation_records())
    for member, kind, target in MEMBERSHIPS:
        add_membership(store, member, kind, target)
    return store


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The organisation, built once for the module: these tests only read it."""
    store = connect(str(tmp_path_factory.mktemp("policy") / "org.duckdb"))
    yield build_org(store)
    store.close()


@pytest.fixture(scope="module")
def directory(org: Store) -> Directory:
    return Directory.load(org)


def viewer(directory: Directory, member: str) -> Viewer:
    return viewer_for(directory, member)


# ---------------------------------------------------------------- viewers and roles


@pytest.mark.parametrize(
    ("member", "role", "everything", "every_member"),
    [
        ("own", "owner", True, True),
        ("adm", "admin", True, True),
        ("mgr", "manager", False, True),
        ("rev", "reviewer", False, False),
        ("ann", "annotator", False, False),
    ],
)
def test_viewer_for_each_role(
    directory: Directory, member: str, role: str, everything: bool, every_member: bool
) -> None:
    v = viewer(directory, member)
    assert (v.id, v.name, v.role) == (member, NAMES[member], role)
    assert v.sees_everything is everything
    assert v.sees_every_member is every_member
    assert v.may_manage_members is everything
    assert v.may_open_organisation is everything
    assert v.may_open_project_dashboards is every_member


def test_viewer_for_unknown_member_is_forbidden(directory: Directory) -> None:
    with pytest.raises(ForbiddenError):
        viewer_for(directory, "stranger")


@pytest.mark.parametrize(
    ("member", "projects", "workspaces"),
    [
        ("own", None, None),
        ("adm", None, None),
        ("mgr", {"p-cars", "p-signs"}, {"ws-vis"}),
        ("rev", {"p-cars", "p-inv"}, set()),
        ("ann", {"p-cars"}, set()),
        ("ann2", {"p-inv"}, set()),
    ],
)
def test_visible_projects_and_workspaces(
    directory: Directory,
    member: str,
    projects: set[str] | None,
    workspaces: set[str] | None,
) -> None:
    v = viewer(directory, member)
    assert visible_projects(v, directory) == projects
    assert visible_workspaces(v, directory) == workspaces


# ---------------------------------------------------------------- cut_scope


@pytest.mark.parametrize(
    ("member", "projects", "members"),
    [
        ("own", None, None),  # no cut at all
        ("adm", None, None),
        ("mgr", VISION, None),  # the projects of their workspaces, every member
        ("rev", ("p-cars", "p-inv"), ("rev",)),  # own projects, only themselves
        ("ann", ("p-cars",), ("ann",)),
    ],
)
def test_unscoped_query_is_cut_to_the_role(
    directory: Directory,
    member: str,
    projects: tuple[str, ...] | None,
    members: tuple[str, ...] | None,
) -> None:
    scope = cut_scope(viewer(directory, member), directory)
    assert scope == Scope(projects=projects, members=members)


@pytest.mark.parametrize(
    ("member", "asked", "projects", "members"),
    [
        ("own", {"projects": ["p-inv"]}, ("p-inv",), None),
        ("own", {"workspaces": ["ws-doc"]}, ("p-inv",), None),
        ("adm", {"members": ["ann2"]}, None, ("ann2",)),
        ("mgr", {"projects": ["p-cars"]}, ("p-cars",), None),
        ("mgr", {"workspaces": ["ws-vis"]}, VISION, None),
        ("mgr", {"workspaces": ["ws-vis"], "projects": ["p-signs"]}, ("p-signs",), None),
        # every member, but only their work in Vision
        ("mgr", {"members": ["ann2"]}, VISION, ("ann2",)),
        ("rev", {"projects": ["p-inv"]}, ("p-inv",), ("rev",)),
        ("rev", {"members": ["rev"]}, ("p-cars", "p-inv"), ("rev",)),
        ("ann", {"projects": ["p-cars"], "members": ["ann"]}, ("p-cars",), ("ann",)),
        ("ann", {"member": "ann"}, ("p-cars",), ("ann",)),
    ],
)
def test_in_scope_request_is_kept_and_cut(
    directory: Directory,
    member: str,
    asked: dict[str, Any],
    projects: tuple[str, ...] | None,
    members: tuple[str, ...] | None,
) -> None:
    scope = cut_scope(viewer(directory, member), directory, **asked)
    assert (scope.projects, scope.members) == (projects, members)


def test_scope_remembers_what_was_asked_not_what_was_cut(directory: Directory) -> None:
    scope = cut_scope(viewer(directory, "mgr"), directory, workspaces=["ws-vis"])
    assert scope.as_dict() == {"workspaces": ["ws-vis"], "projects": [], "members": []}
    assert cut_scope(viewer(directory, "ann"), directory).as_dict() == {
        "workspaces": [],
        "projects": [],
        "members": [],
    }


@pytest.mark.parametrize(
    ("member", "asked", "field", "value"),
    [
        ("mgr", {"projects": ["p-inv"]}, "project", "p-inv"),
        ("mgr", {"projects": ["p-cars", "p-inv"]}, "project", "p-inv"),
        ("mgr", {"workspaces": ["ws-doc"]}, "workspace", "ws-doc"),
        ("mgr", {"workspaces": ["ws-vis", "ws-doc"]}, "workspace", "ws-doc"),
        ("rev", {"projects": ["p-signs"]}, "project", "p-signs"),
        ("rev", {"workspaces": ["ws-vis"]}, "workspace", "ws-vis"),
        ("rev", {"member": "ann"}, "member", "ann"),
        ("rev", {"members": ["ann2"]}, "member", "ann2"),
        ("ann", {"member": "ann2"}, "member", "ann2"),
        ("ann", {"members": ["ann", "rev"]}, "member", "rev"),
        ("ann", {"projects": ["p-signs"]}, "project", "p-signs"),  # no longer a member
        ("ann", {"projects": ["p-inv"]}, "project", "p-inv"),
        ("ann", {"workspaces": ["ws-vis"]}, "workspace", "ws-vis"),
        ("ann", {"projects": ["p-nowhere"]}, "project", "p-nowhere"),
    ],
)
def test_out_of_scope_request_is_refused(
    directory: Directory, member: str, asked: dict[str, Any], field: str, value: str
) -> None:
    with pytest.raises(ForbiddenError) as caught:
        cut_scope(viewer(directory, member), directory, **asked)
    assert caught.value.code == "forbidden"
    assert caught.value.message
    assert {"field": field, "value": value} in caught.value.details


def test_owner_and_admin_may_ask_for_anything(directory: Directory) -> None:
    for member in ("own", "adm"):
        v = viewer(directory, member)
        scope = cut_scope(
            v,
            directory,
            member="ann2",
            workspaces=["ws-doc", "ws-vis"],
            projects=list(ALL_PROJECTS),
            members=["ann", "ann2", "rev"],
        )
        assert scope.projects == ALL_PROJECTS
        assert scope.members == ("ann", "ann2", "rev")


def test_check_member_and_check_project(directory: Directory) -> None:
    check_member(viewer(directory, "ann"), "ann")
    check_member(viewer(directory, "mgr"), "ann2")
    with pytest.raises(ForbiddenError):
        check_member(viewer(directory, "rev"), "ann")
    check_project(viewer(directory, "rev"), directory, "p-inv")
    check_project(viewer(directory, "own"), directory, "p-unknown")
    with pytest.raises(ForbiddenError):
        check_project(viewer(directory, "mgr"), directory, "p-inv")


def test_manager_without_memberships_has_an_empty_scope(store: Store) -> None:
    build_org(store)
    add_member(store, "mgr0", name="Nemo Manager", email="nemo@acme.test", role="manager")
    directory = Directory.load(store)
    lonely = viewer_for(directory, "mgr0")
    assert visible_projects(lonely, directory) == set()
    assert visible_workspaces(lonely, directory) == set()
    scope = cut_scope(lonely, directory)
    assert scope.projects == ()  # nothing, not "everything"
    assert scope.members is None  # still every member: of nothing
    refused: tuple[ScopeArguments, ...] = ({"projects": ["p-cars"]}, {"workspaces": ["ws-vis"]})
    for asked in refused:
        with pytest.raises(ForbiddenError):
            cut_scope(lonely, directory, **asked)
    # And the reports built on that scope are empty, not the whole organisation.
    # (Pay too, where managers may see it: cut to no project, it pays nobody.)
    paying = dataclasses.replace(SETTINGS, pay_visible_to_managers=True)
    for name in TABLE_REPORTS:
        data = report_for(store, lonely, name, **window(), settings=paying)
        assert data["rows"] == [], name
    member = report_for(store, lonely, "member", member="ann", **window(), settings=SETTINGS)
    assert member["annotations"]["submitted"] == 0
    assert member["reviews"]["total"] == 0


def test_membership_through_a_workspace_widens_the_scope(store: Store) -> None:
    build_org(store)
    add_membership(store, "rev", "workspace", "ws-vis")
    directory = Directory.load(store)
    rev = viewer_for(directory, "rev")
    assert visible_projects(rev, directory) == set(ALL_PROJECTS)
    assert cut_scope(rev, directory, workspaces=["ws-vis"]).projects == VISION
    assert cut_scope(rev, directory).members == ("rev",)


# ---------------------------------------------------------------- report_for


def window() -> WindowArguments:
    return {"start": WINDOW["from"], "end": WINDOW["to"], "tz": WINDOW["tz"]}


def library(store: Store, name: str, **scope: Any) -> dict[str, Any]:
    """`metrics.report`, with no access rules, over the explicit scope."""
    return report(store, name, **window(), settings=SETTINGS, **scope)


def without_scope(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "scope"}


@pytest.mark.parametrize("name", REPORTS)
def test_report_for_owner_is_the_library_report(
    org: Store, directory: Directory, name: str
) -> None:
    member = "ann" if name in MEMBER_REPORTS else None
    got = report_for(
        org, viewer(directory, "own"), name, member=member, **window(), settings=SETTINGS
    )
    assert got == library(org, name, member=member)


@pytest.mark.parametrize("name", REPORTS)
@pytest.mark.parametrize(
    ("member", "cut"),
    [
        ("mgr", {"projects": list(VISION)}),
        ("rev", {"projects": ["p-cars", "p-inv"], "members": ["rev"]}),
        ("ann", {"projects": ["p-cars"], "members": ["ann"]}),
    ],
)
def test_report_for_equals_the_library_report_over_the_cut_scope(
    org: Store, directory: Directory, name: str, member: str, cut: dict[str, Any]
) -> None:
    subject = member if name in MEMBER_REPORTS else None
    settings = SETTINGS
    if SPECS[name].audience == "pay":  # pay: refused to all but owners and admins...
        with pytest.raises(ForbiddenError):
            report_for(org, viewer(directory, member), name, **window(), settings=SETTINGS)
        if member != "mgr":
            return
        # ...and a manager's is cut like any report where the setting lets managers see pay
        settings = dataclasses.replace(SETTINGS, pay_visible_to_managers=True)
    got = report_for(org, viewer(directory, member), name, **window(), settings=settings)
    members = cut.get("members") if subject is None else None
    want = library(org, name, member=subject, projects=cut["projects"], members=members)
    assert without_scope(got) == without_scope(want)


def test_report_for_member_reports_default_to_the_viewer(org: Store, directory: Directory) -> None:
    for name in MEMBER_REPORTS:
        got = report_for(org, viewer(directory, "ann"), name, **window(), settings=SETTINGS)
        assert got["member"]["id"] == "ann"


def test_report_for_refuses_before_computing(org: Store, directory: Directory) -> None:
    ann = viewer(directory, "ann")
    with pytest.raises(ForbiddenError):
        report_for(org, ann, "member", member="ann2", **window(), settings=SETTINGS)
    with pytest.raises(ForbiddenError):
        report_for(org, ann, "members", projects=["p-signs"], **window(), settings=SETTINGS)
    # An unknown member is "not yours" for an annotator (no existence oracle), 404 for an owner.
    with pytest.raises(ForbiddenError):
        report_for(org, ann, "timeline", member="nobody", **window(), settings=SETTINGS)
    with pytest.raises(NotFoundError):
        report_for(
            org,
            viewer(directory, "own"),
            "timeline",
            member="nobody",
            **window(),
            settings=SETTINGS,
        )
    with pytest.raises(UsageError):
        report_for(org, ann, "salaries", **window(), settings=SETTINGS)


def test_manager_sees_no_invoices_figure_of_bianca(org: Store, directory: Directory) -> None:
    mgr = viewer(directory, "mgr")
    data = report_for(org, mgr, "member", member="ann2", **window(), settings=SETTINGS)
    assert data["annotations"]["submitted"] == 0
    assert data["annotations"]["performance_score"] is None
    comments = report_for(org, mgr, "comments", member="ann2", **window(), settings=SETTINGS)
    assert comments["rows"] == []
    # The owner sees them.
    own = viewer(directory, "own")
    assert (
        report_for(org, own, "member", member="ann2", **window(), settings=SETTINGS)["annotations"][
            "submitted"
        ]
        == 2
    )
