"""Computing a report by name: through its registry entry, over a window and a scope."""

from __future__ import annotations

from typing import Any

from labelpulse.config import Settings
from labelpulse.errors import NotFoundError, UsageError
from labelpulse.metrics.query import Params, run
from labelpulse.metrics.registry import SPECS, Paging, ReportInput
from labelpulse.metrics.scope import Scope, Window, make_scope, make_window
from labelpulse.store.base import Store
from labelpulse.store.directory import Directory


def report(
    store: Store,
    name: str,
    *,
    start: str,
    end: str,
    tz: str | None = None,
    member: str | None = None,
    projects: list[str] | None = None,
    workspaces: list[str] | None = None,
    members: list[str] | None = None,
    settings: Settings | None = None,
    paging: Paging | None = None,
) -> dict[str, Any]:
    """Compute one report by name over a window and scope; the JSON format of metrics.md.

    A paged report (items) takes `paging` (see `labelpulse.metrics.paging.make_paging`): its
    sort, page and search; without it, every row in the report's own order.

    Nothing is read from the environment or a `labelpulse.toml`: without `settings`, the
    defaults (`Settings()`: UTC, the default fix-accept credit) apply. The CLI and the web app
    load the settings and pass them.
    """
    settings = settings or Settings()
    window = make_window(start, end, settings.timezone if tz is None else tz)
    directory = Directory.load(store)
    scope = make_scope(directory, workspaces=workspaces, projects=projects, members=members)
    member = directory.resolve_member(member) if member is not None else None
    return compute(store, name, window, scope, member=member, settings=settings, paging=paging)


def compute(
    store: Store,
    name: str,
    window: Window,
    scope: Scope,
    *,
    member: str | None = None,
    settings: Settings,
    paging: Paging | None = None,
) -> dict[str, Any]:
    """One report over a window and an already decided scope (see `labelpulse.access`)."""
    spec = SPECS.get(name)
    if spec is None:
        raise UsageError(f"unknown report {name!r}: choose one of {', '.join(SPECS)}")
    directory = Directory.load(store)
    if spec.kind == "member":
        if not member:
            raise UsageError(f"the {name} report needs a member")
        if member not in directory.members and not _has_events(store, member):
            raise NotFoundError(f"no member {member!r}: not in the directory and no events")
    else:
        member = None
    if paging is not None and not spec.paged and paging != Paging(stream=paging.stream):
        raise UsageError(f"the {name} report is not paged: it takes no sort, limit or search")
    q = ReportInput(store, window, scope, directory, member, settings, paging or Paging())
    return spec.run(q)


def _has_events(store: Store, member: str) -> bool:
    def build(con: Any, p: Params) -> Any:
        e = con.table("events")
        return e.filter((e.actor == p.string("member")) | (e.author == p.string("member")))[
            ["id"]
        ].limit(1)

    return bool(run(store, "has_events", build, {"member": member}))
