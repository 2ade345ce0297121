"""Who may see what: the access table of metrics.md, applied in this one place.

Every page, API call and export asks `cut_scope` for the scope of its query. Asking for a
member, project or workspace outside one's own scope is refused (ForbiddenError → HTTP 403),
never answered with partial data; a query that asks for nothing in particular is cut down to
what the asker may see.
"""

from __future__ import annotations

from dataclasses import dataclass

from labelpulse.errors import ForbiddenError
from labelpulse.metrics.scope import Scope, make_scope
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
    """Refuse a member report (or a member filter) on someone the viewer may not see."""
    if not viewer.sees_every_member and member != viewer.id:
        raise ForbiddenError(
            "you may see only your own work",
            details=[{"field": "member", "value": member}],
        )


def check_project(viewer: Viewer, directory: Directory, project: str) -> None:
    projects = visible_projects(viewer, directory)
    if projects is not None and project not in projects:
        raise ForbiddenError(
            f"you are not a member of project {project!r}",
            details=[{"field": "project", "value": project}],
        )


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
            raise ForbiddenError(
                f"you are not a member of workspace {workspace!r}",
                details=[{"field": "workspace", "value": workspace}],
            )
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
