"""One person, many tools: members are matched by email, and each tool's user id is an alias.

A Label Studio user 17, a Segments.ai username and a CVAT user id that share an email are the
same member. The first time a tool's user is seen, `resolve` finds the member by email (any
case) or makes a new one (id = the email, lower-cased; role annotator until someone says
otherwise). The tool's id is kept as an alias (the `external_ids` table, kind `member`) so
later records without an email still find them. New aliases are written by `save`, which a
connector calls once the batch naming those members is stored: a batch that fails leaves no
alias behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from labelpulse.store.base import Store
from labelpulse.store.directory import Directory, find_by_email

DEFAULT_ROLE = "annotator"


@dataclass
class People:
    """Resolves one tool's user ids to member ids; collects the member records to store."""

    store: Store
    source: str
    new_members: list[dict[str, Any]] = field(default_factory=list)
    _known: dict[str, str] = field(default_factory=dict)
    _unsaved: dict[str, str] = field(default_factory=dict)

    def resolve(
        self, external_id: str | int, *, email: str | None = None, name: str | None = None
    ) -> str:
        """The member id of this tool's user, made (and aliased) on first sight."""
        key = str(external_id)
        if key in self._known:
            return self._known[key]
        rows = self.store.get("external_ids", source=self.source, kind="member", external_id=key)
        if rows:
            member = str(rows[0]["internal_id"])
        else:
            member = self._member_for(key, email, name)
            self._unsaved[key] = member
        self._known[key] = member
        return member

    def merge_on_email(self, external_id: str | int, email: str) -> str | None:
        """A member first made under this tool's id (`label-studio-7`: the user was seen
        without an email) made one with the email-keyed member, now that the email is known:
        merged into the member with that email (any case) or that id, else renamed to the
        email's id (`Store.merge_member`: ids and names updated everywhere). The member kept,
        or None when the user was not known by the tool's id alone."""
        key = str(external_id)
        tool_id = f"{self.source}-{key}"
        if not email.strip():
            return None
        if key not in self._known:
            rows = self.store.get(
                "external_ids", source=self.source, kind="member", external_id=key
            )
            if not rows:
                return None
            self._known[key] = str(rows[0]["internal_id"])
        if self._known[key] != tool_id:
            return None
        directory = Directory.load(self.store)
        found = find_by_email(directory, email)
        kept = found if found is not None and found != tool_id else email.strip().lower()
        self.store.merge_member(tool_id, kept)
        self._known[key] = kept
        return kept

    def save(self) -> None:
        """Write the aliases made since the last save; call it after the batch is stored."""
        for key, member in self._unsaved.items():
            self.store.put(
                "external_ids",
                {
                    "source": self.source,
                    "kind": "member",
                    "external_id": key,
                    "internal_id": member,
                },
            )
        self._unsaved.clear()
        self.new_members.clear()

    def _member_for(self, key: str, email: str | None, name: str | None) -> str:
        directory = Directory.load(self.store)
        if email:
            found = find_by_email(directory, email)
            if found is not None:
                return found
            for made in self.new_members:
                if str(made.get("email", "")).casefold() == email.casefold():
                    return str(made["id"])
        member = email.strip().lower() if email else f"{self.source}-{key}"
        if member not in directory.members and all(r["id"] != member for r in self.new_members):
            record: dict[str, Any] = {
                "kind": "member",
                "id": member,
                "name": name or (email.split("@")[0] if email else member),
                "role": DEFAULT_ROLE,
            }
            if email:
                record["email"] = email.strip()
            self.new_members.append(record)
        return member

    def aliases(self) -> dict[str, str]:
        """Every saved alias of this source: tool user id → member id."""
        rows = self.store.get("external_ids", source=self.source, kind="member")
        return {str(r["external_id"]): str(r["internal_id"]) for r in rows}
