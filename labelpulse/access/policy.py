"""Who may see what: the access table of metrics.md, applied in this one place.

Every page, API call and export asks `cut_scope` for the scope of its query. Asking for a
member, project or workspace outside one's own scope is refused (ForbiddenError → HTTP 403),
never answered with partial data; a query that asks for nothing in particular is cut down to
what the asker may see.

An id that names nothing (no directory row, no events) is a 404 (NotFoundError) for whoever
may list such ids anyway: owners and admins for every kind, managers for members (their filters
list every member). Anyone else gets the same 403 as for an id outside their scope, so that
asking cannot tell them which ids exist (`check_known`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from labelpulse.errors import ForbiddenError, NotFoundError
from labelpulse.metrics.query import Params, run
from labelpulse.metrics.scope import Scope, make_scope
from labelpulse.store.base import Store
from labelpulse.store.cache import remembered
from labelpulse.store.directory import Directory

ALL_SEEING = frozenset({"owner", "admin"})
SEES_EVERY_MEMBER = frozenset({"owner", "admin", "manager"})


@dataclass(frozen=True)
class Viewer:
    """A signed-in member (or a token's member): who asks, with what role."""

    id: str
    name: str
    role: str
    email: str | None = None

    @property
    def sees_everything(self) -> bool:
        return self.role in ALL_SEEING

    @property
    def sees_every_member(self) -> bool:
        return self.role in SEES_EVERY_MEMBER

    @property
    def may_manage_members(self) -> bool:
        return self.role in ALL_SEEING

    @property
    def may_open_organisation(self) -> bool:
        return self.role in ALL_SEEING

    @property
    def may_open_project_dashboards(self) -> bool:
        return self.role in SEES_EVERY_MEMBER


def viewer_for(directory: Directory, member_id: str) -> Viewer:
    """The viewer a member id signs in as; ForbiddenError when the directory lacks them."""
    row = directory.members.get(member_id)
    if row is None:
        raise ForbiddenError(f"{member_id!r} is not a member of this organisation")
    return Viewer(id=member_id, name=str(row["name"]), role=str(row["role"]), email=row["email"])


def visible_projects(viewer: Viewer, directory: Directory) -> set[str] | None:
    """The projects a viewer may see work in; None means every project, known or not."""
    if viewer.sees_everything:
        return None
    return directory.member_projects(viewer.id)


def visible_workspaces(viewer: Viewer, directory: Directory) -> set[str] | None:
    if viewer.sees_everything:
        return None
    return directory.member_workspaces(viewer.id)


def check_member(viewer: Viewer, member: str) -> None:
    """Refuse a member report (or a member filter) on someone the viewer may not see.

    The words name the id asked for, never a name: a name would tell whoever may not list
    members which ids exist."""
    if not viewer.sees_every_member and member != viewer.id:
        message = (
            f"you may not see the work of member {member!r}: as {_a(viewer.role)}, "
            "you may see only your own work"
        )
        raise ForbiddenError(message, details=[{"field": "member", "value": member}])


def check_project(viewer: Viewer, directory: Directory, project: str) -> None:
    projects = visible_projects(viewer, directory)
    if projects is not None and project not in projects:
        message = (
            f"you may not see project {project!r}: you are not a member of it, and "
            f"{_a(viewer.role)} sees only the projects they belong to"
        )
        raise ForbiddenError(message, details=[{"field": "project", "value": project}])


def _a(role: str) -> str:
    return f"an {role}" if role[:1] in "aeiou" else f"a {role}"


def cut_scope(
    viewer: Viewer,
    directory: Directory,
    *,
    member: str | None = None,
    workspaces: list[str] | None = None,
    projects: list[str] | None = None,
    members: list[str] | None = None,
) -> Scope:
    """The scope of one query: what was asked, checked against and cut to the viewer's scope."""
    members = [directory.resolve_member(m) for m in members] if members else members
    if member is not None:
        check_member(viewer, member)
    for one in members or []:
        check_member(viewer, one)
    allowed_workspaces = visible_workspaces(viewer, directory)
    for workspace in workspaces or []:
        if allowed_workspaces is not None and workspace not in allowed_workspaces:
            message = (
                f"you may not see workspace {workspace!r}: you are not a member of it, and "
                f"{_a(viewer.role)} sees only the workspaces they belong to"
            )
            raise ForbiddenError(message, details=[{"field": "workspace", "value": workspace}])
    for project in projects or []:
        check_project(viewer, directory, project)
    asked = make_scope(directory, workspaces=workspaces, projects=projects, members=members)
    allowed = visible_projects(viewer, directory)
    chosen = asked.projects
    if allowed is not None:
        chosen = tuple(sorted(allowed if chosen is None else set(chosen) & allowed))
    chosen_members = asked.members
    if not viewer.sees_every_member:
        chosen_members = (viewer.id,)
    return Scope(projects=chosen, members=chosen_members, asked=asked.asked)


def check_known(
    viewer: Viewer,
    directory: Directory,
    store: Store,
    *,
    members: list[str] | None = None,
    projects: list[str] | None = None,
    workspaces: list[str] | None = None,
) -> None:
    """A NotFoundError (404) naming the field of the first asked id that names nothing, when
    the viewer may know which ids exist; otherwise nothing (`cut_scope` then refuses with 403
    whatever is outside the viewer's scope, known or not)."""
    if viewer.sees_every_member:
        for member in members or []:
            found = directory.resolve_member(member)
            if found not in directory.members and not _in_events(store, "member", found):
                _not_found("member", member)
    if not viewer.sees_everything:
        return
    for project in projects or []:
        if project not in directory.projects and not _in_events(store, "project", project):
            _not_found("project", project)
    named = set(directory.workspaces) | {row["workspace"] for row in directory.projects.values()}
    for workspace in workspaces or []:
        if workspace not in named:
            _not_found("workspace", workspace)


def _not_found(field: str, value: str) -> None:
    words = {"member": "no member", "project": "no project", "workspace": "no workspace"}[field]
    raise NotFoundError(
        f"{words} {value!r}: not in the directory and not in any event",
        details=[{"field": field, "value": value, "message": f"{words} {value!r}"}],
    )


def _in_events(store: Store, kind: str, value: str) -> bool:
    """Whether any event names this member (as actor or author) or project; remembered until
    the next write, so that a member known only from events costs one look per write."""

    def build(con: Any, p: Params) -> Any:
        e = con.table("events")
        wanted = p.string("value")
        hit = (
            (e.actor == wanted) | (e.author == wanted) if kind == "member" else e.project == wanted
        )
        return e.filter(hit)[["id"]].limit(1)

    def look() -> bool:
        return bool(run(store, f"known_{kind}", build, {"value": value}))

    return remembered(store, f"known:{kind}:{value}", look)
