"""Work by type — label, review, edit — per member, and per item (sorted and paged by `items`)."""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from labelpulse.events import COMPLETING, REVIEW_ACTIONS
from labelpulse.metrics.performance import ratio, seconds
from labelpulse.metrics.query import Params, run
from labelpulse.metrics.registry import ReportInput
from labelpulse.metrics.scope import Scope, in_scope, in_window


def maintained(scope: Scope) -> bool:
    """Whether the window counts may come from `work_events`' prev/next times.

    Their keys ((actor, task), (actor, annotation), annotation) may span projects in irregular
    data (a task id two projects share, an annotation moved), so under a project cut a key's
    first row in the window and scope need not be its first row in the window: there the counts
    are distinct counts over the same rows instead. A member cut keeps whole keys (they hold
    the actor), and the organisation's view has no cut.
    """
    return scope.projects is None


def first_in_window(prev: ir.IntegerValue, p: Params) -> ir.BooleanValue:
    """A row its key counts, with no earlier row of the key in the window (`store/work.py`):
    NULL, so false, on the rows the key does not count."""
    return prev < p.integer("lo")


def last_in_window(following: ir.IntegerValue, p: Params) -> ir.BooleanValue:
    """A row its key counts, with no later row of the key in the window."""
    return following >= p.integer("hi")


def _typed_events(p: Params, con: Any, scope: Scope, member_column: str | None) -> ir.Table:
    """Events in W and scope with their work type and active time: `work_events` (the store
    keeps each event's type from its annotation's author)."""
    e = con.table("work_events")
    e = e.filter(in_window(e.time_us, p))
    return in_scope(e, scope, p, member_column=member_column)


def _work_figures(e: ir.Table, p: Params, scope: Scope, per_member: bool) -> dict[str, Any]:
    """Per member, a key holds the actor; in total (everyone's work at once) it does not, so a
    member cut may drop a key's first row in W (by someone outside it) from the total's."""
    label, review, edit = e.kind == "label", e.kind == "review", e.kind == "edit"
    done = label & e.type.isin(sorted(COMPLETING))
    reviews = e.type.isin(REVIEW_ACTIONS)
    if maintained(scope) and (per_member or scope.members is None):
        prefix = "" if per_member else "any_"
        done_prev, review_prev, edit_prev = (
            e[f"{prefix}{name}_prev_us"] for name in ("done", "review", "edit")
        )
        counts = {
            "labeled": e.count(where=first_in_window(done_prev, p)),
            "reviewed": e.count(where=first_in_window(review_prev, p)),
            "edited": e.count(where=first_in_window(edit_prev, p)),
        }
    else:
        counts = {
            "labeled": e.task.nunique(where=done),
            "reviewed": e.annotation.nunique(where=reviews),
            "edited": e.annotation.nunique(where=edit),
        }
    return {
        "labeled": counts["labeled"],
        "label_us": e.active_us.sum(where=label),
        "reviewed": counts["reviewed"],
        "review_us": e.active_us.sum(where=review),
        "edited": counts["edited"],
        "edit_us": e.active_us.sum(where=edit),
    }


def _per_member(con: Any, p: Params, scope: Scope, grouped: bool) -> ir.Table:
    e = _typed_events(p, con, scope, "actor")
    if grouped:
        return e.group_by(member=e.actor).aggregate(**_work_figures(e, p, scope, True))
    return e.aggregate(**_work_figures(e, p, scope, False))


def _work_block(row: dict[str, Any] | None) -> dict[str, Any]:
    row = row or {}
    out: dict[str, Any] = {}
    for count, time in (("labeled", "label"), ("reviewed", "review"), ("edited", "edit")):
        n = int(row.get(count) or 0)
        total = seconds(row.get(f"{time}_us")) or 0.0
        out[count] = n
        out[f"{time}_time"] = total
        out[f"mean_{time}_time"] = ratio(total, n)
    return out


def work_table(q: ReportInput) -> dict[str, Any]:
    """Per member: labeled, reviewed, edited counts with their active times and means."""
    store, window, scope, directory = q.store, q.window, q.scope, q.directory
    values = {**window.values(), **scope.values()}
    shape = (window.shape, scope.shape)
    rows_t = run(
        store, ("work", "rows", shape), lambda c, p: _per_member(c, p, scope, True), values
    )
    totals_t = run(
        store, ("work", "totals", shape), lambda c, p: _per_member(c, p, scope, False), values
    )
    rows = [{**directory.member_columns(row["member"]), **_work_block(row)} for row in rows_t]
    rows.sort(key=lambda r: (str(r["member_name"]).lower(), r["member"]))
    totals_rows = totals_t
    return {
        "window": window.as_dict(),
        "scope": scope.as_dict(),
        "rows": rows,
        "totals": _work_block(totals_rows[0] if totals_rows else None),
    }


def _latest(e: ir.Table, column: str, key: list[str]) -> ir.Table:
    """The latest non-null value of `column` per `key` (ties in time broken by id)."""
    known = e.filter(e[column].notnull())
    order = [ibis.desc(known.time_us), ibis.desc(known.id)]
    ranked = known.mutate(rank=ibis.row_number().over(group_by=key, order_by=order))
    return ranked.filter(ranked["rank"] == 0).select(*key, column)


def _latest_maintained(
    e: ir.Table, p: Params, column: str, following: str, key: list[str]
) -> ir.Table:
    """The same from the maintained next times: the row with no later one of its key in W."""
    return e.filter(last_in_window(e[following], p)).select(*key, column)


def per_item(con: Any, p: Params, scope: Scope) -> ir.Table:
    """Per item (project, task) of the window and scope: its times, rejections, frames and
    annotations, as microseconds and counts; what `labelpulse.metrics.items` sorts and pages."""
    # A member filter (or a viewer who may see only their own work) keeps their share of each
    # item: the latest frames and regions among their own events, which the maintained next
    # times (over everyone's) do not give.
    e = _typed_events(p, con, scope, "actor")
    s = con.table("state")
    figures = e.group_by("project", "task").aggregate(
        label_us=e.active_us.sum(where=e.kind == "label"),
        review_us=e.active_us.sum(where=e.kind == "review"),
        edit_us=e.active_us.sum(where=e.kind == "edit"),
        rejected=(e.type == "review.rejected").sum(),
    )
    if maintained(scope) and scope.members is None:
        frames = _latest_maintained(e, p, "frames", "frames_next_us", ["project", "task"])
        regions = _latest_maintained(e, p, "regions", "regions_next_us", ["annotation"])
    else:
        frames = _latest(e, "frames", ["project", "task"])
        regions = _latest(e, "regions", ["annotation"])
    alive = s.filter(s.last_action.isnull() | (s.last_action != "deleted"))
    counted = regions.join(alive.select("annotation", "project", "task"), "annotation")
    annotations = counted.group_by("project", "task").aggregate(annotations=counted.regions.sum())
    return (
        figures.left_join(frames, ["project", "task"])
        .select(figures, "frames")
        .left_join(annotations, ["project", "task"])
        .select(figures, "frames", "annotations")
    )
