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


def _typed_events(con: Any, p: Params, scope: Scope, member_column: str | None) -> ir.Table:
    """Events in W and scope with their work type and active time."""
    e, s = con.table("events"), con.table("state")
    e = e.filter(in_window(e.time_us, p))
    e = in_scope(e, scope, p, member_column=member_column)
    e = e.drop("author").left_join(s.select("annotation", "author"), "annotation")
    default_type = ibis.cases(
        (e.type.startswith("review."), "review"),
        (e.type.startswith("annotation.") & (e.actor == e.author), "label"),
        (e.type.startswith("annotation."), "edit"),
        else_=ibis.null("string"),
    )
    return e.mutate(
        kind=e.work_type.fill_null(default_type),
        active_us=e.duration_us - e.idle_us.fill_null(0),
    )


def _work_figures(e: ir.Table) -> dict[str, Any]:
    label, review, edit = e.kind == "label", e.kind == "review", e.kind == "edit"
    return {
        "labeled": e.task.nunique(where=label & e.type.isin(sorted(COMPLETING))),
        "label_us": e.active_us.sum(where=label),
        "reviewed": e.annotation.nunique(where=e.type.isin(REVIEW_ACTIONS)),
        "review_us": e.active_us.sum(where=review),
        "edited": e.annotation.nunique(where=edit),
        "edit_us": e.active_us.sum(where=edit),
    }


def _per_member(con: Any, p: Params, scope: Scope, grouped: bool) -> ir.Table:
    e = _typed_events(con, p, scope, "actor")
    if grouped:
        return e.group_by(member=e.actor).aggregate(**_work_figures(e))
    return e.aggregate(**_work_figures(e))


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


def per_item(con: Any, p: Params, scope: Scope) -> ir.Table:
    """Per item (project, task) of the window and scope: its times, rejections, frames and
    annotations, as microseconds and counts; what `labelpulse.metrics.items` sorts and pages."""
    # A member filter (or a viewer who may see only their own work) keeps their share of each item.
    e = _typed_events(con, p, scope, "actor")
    s = con.table("state")
    figures = e.group_by("project", "task").aggregate(
        label_us=e.active_us.sum(where=e.kind == "label"),
        review_us=e.active_us.sum(where=e.kind == "review"),
        edit_us=e.active_us.sum(where=e.kind == "edit"),
        rejected=(e.type == "review.rejected").sum(),
    )
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
