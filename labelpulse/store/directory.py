"""Names for ids: every table shows people and projects by name, falling back to the id."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from labelpulse.store.base import Store
from labelpulse.store.cache import remembered


@dataclass
class Directory:
    """Members, projects and workspaces by id, read once per request."""

    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    projects: dict[str, dict[str, Any]] = field(default_factory=dict)
    workspaces: dict[str, dict[str, Any]] = field(default_factory=dict)
    # member id → {("workspace" | "project", target id)}
    memberships: dict[str, set[tuple[str, str]]] = field(default_factory=dict)

    @classmethod
    def load(cls, store: Store) -> Directory:
        """The directory, read once per write to the store."""

        def rows(sql: str) -> dict[str, dict[str, Any]]:
            return {row["id"]: row for row in store.rows(sql)}

        def read() -> Directory:
            memberships: dict[str, set[tuple[str, str]]] = {}
            for row in store.rows("SELECT member, target_kind, target FROM memberships"):
                memberships.setdefault(row["member"], set()).add(
                    (row["target_kind"], row["target"])
                )
            return cls(
                members=rows("SELECT id, name, email, role FROM members"),
                projects=rows("SELECT id, name, workspace, tasks, deadline FROM projects"),
                workspaces=rows("SELECT id, name FROM workspaces"),
                memberships=memberships,
            )

        return remembered(store, "directory", read)

    def member(self, member_id: str) -> dict[str, Any]:
        known = self.members.get(member_id)
        return {
            "id": member_id,
            "name": known["name"] if known else member_id,
            "role": known["role"] if known else None,
        }

    def resolve_member(self, given: str) -> str:
        """The member a person means by `given`: the member with that id, else the one whose id
        or email is `given` in another case (ids made from emails are lower-cased, while Label
        Studio and mail clients show `Bob.Builder@Example.com`). Unknown: `given` unchanged."""
        if given in self.members:
            return given
        wanted = given.strip().casefold()
        for member_id in self.members:
            if member_id.casefold() == wanted:
                return member_id
        return find_by_email(self, given) or given

    def member_projects(self, member_id: str) -> set[str]:
        """Projects a member belongs to: directly, or through a workspace they belong to."""
        held = self.memberships.get(member_id, set())
        workspaces = {target for kind, target in held if kind == "workspace"}
        direct = {target for kind, target in held if kind == "project"}
        return direct | {p for p, row in self.projects.items() if row["workspace"] in workspaces}

    def member_workspaces(self, member_id: str) -> set[str]:
        return {t for kind, t in self.memberships.get(member_id, set()) if kind == "workspace"}

    def member_name(self, member_id: str | None) -> str | None:
        if member_id is None:
            return None
        known = self.members.get(member_id)
        return str(known["name"]) if known else member_id

    def member_columns(self, member_id: str) -> dict[str, Any]:
        return {"member": member_id, "member_name": self.member_name(member_id)}

    def project_name(self, project_id: str | None) -> str | None:
        if project_id is None:
            return None
        known = self.projects.get(project_id)
        return str(known["name"]) if known else project_id

    def project_columns(self, project_id: str) -> dict[str, Any]:
        return {"project": project_id, "project_name": self.project_name(project_id)}


def find_by_email(directory: Directory, email: str) -> str | None:
    """The member id with this email, compared without regard to case."""
    wanted = email.strip().casefold()
    for member_id, row in directory.members.items():
        if row["email"] and str(row["email"]).casefold() == wanted:
            return member_id
    return None
