"""A member's timeline of actions, and the comments others left on their annotations."""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from labelpulse.metrics.performance import iso_time, seconds
from labelpulse.metrics.query import Params, run
from labelpulse.metrics.registry import ReportInput
from labelpulse.metrics.scope import Scope, Window, in_scope, in_window
from labelpulse.store.directory import Directory


def _timeline(con: Any, p: Params, scope: Scope) -> ir.Table:
    e = con.table("events")
    e = e.filter(e.actor == p.string("member"), in_window(e.time_us, p))
    e = in_scope(e, scope, p)
    return e.select(
        "id",
        "time_us",
        "started_us",
        "type",
        "project",
        "task",
        "annotation",
        "duration_us",
        "idle_us",
        "regions_added",
        "regions_removed",
        "regions_updated",
    ).order_by(["time_us", "id"])


def timeline(q: ReportInput) -> dict[str, Any]:
    """Every event of the member in W, oldest first: when each piece of work began and ended."""
    assert q.member is not None  # compute() makes sure of one
    store, member, window, scope, directory = q.store, q.member, q.window, q.scope, q.directory
    values = {**window.values(), **scope.values(), "member": member}
    table = run(store, ("timeline", scope.shape), lambda c, p: _timeline(c, p, scope), values)
    rows = [
        {
            "time": iso_time(row["time_us"]),
            "started_at": iso_time(row["started_us"]),
            "type": row["type"],
            **directory.project_columns(row["project"]),
            "task": row["task"],
            "annotation": row["annotation"],
            "duration": seconds(row["duration_us"]),
            "idle": seconds(row["idle_us"]),
            "regions_added": row["regions_added"],
            "regions_removed": row["regions_removed"],
            "regions_updated": row["regions_updated"],
        }
        for row in table
    ]
    return _member_rows(member, window, scope, directory, rows)


def _member_rows(
    member: str, window: Window, scope: Scope, directory: Directory, rows: list[dict[str, Any]]
) -> dict[str, Any]:
    """A member's rows in the report format: {member, window, scope, rows}."""
    return {
        "member": directory.member(member),
        "window": window.as_dict(),
        "scope": scope.as_dict(),
        "rows": rows,
    }


def _comments(con: Any, p: Params, scope: Scope) -> ir.Table:
    e, s = con.table("events"), con.table("state")
    mine = s.filter(s.author == p.string("member")).select("annotation")
    c = e.filter(
        e.type == "comment.created",
        in_window(e.time_us, p),
        e.actor != p.string("member"),
        e.annotation.isin(mine.annotation),
    )
    c = in_scope(c, scope, p)
    return c.select("id", "time_us", "actor", "project", "task", "annotation", "text").order_by(
        [ibis.asc(c.time_us), ibis.asc(c.id)]
    )


def comments_received(q: ReportInput) -> dict[str, Any]:
    """Comments in W by anyone else on the member's annotations, oldest first."""
    assert q.member is not None  # compute() makes sure of one
    store, member, window, scope, directory = q.store, q.member, q.window, q.scope, q.directory
    values = {**window.values(), **scope.values(), "member": member}
    table = run(store, ("comments", scope.shape), lambda c, p: _comments(c, p, scope), values)
    rows = [
        {
            "time": iso_time(row["time_us"]),
            "from": row["actor"],
            "from_name": directory.member_name(row["actor"]),
            **directory.project_columns(row["project"]),
            "task": row["task"],
            "annotation": row["annotation"],
            "text": row["text"],
        }
        for row in table
    ]
    return _member_rows(member, window, scope, directory, rows)
