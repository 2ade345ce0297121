"""Annotation insights by date and per project (issue 15): the insights figures, summed.

The insights report has a row per (labeler, project). These two views add its figures up over
the viewer's labelers and projects:

- `insights_daily`: a row per date of the window (in its time zone, every date, zeros where
  nothing happened; no rows when nothing happened at all). Each thing the insights report
  counts once is dated by the row that counts it in the window: an item labeled by its first
  labeling row in W, an annotation approved by its first approval in W, reviewed (and passed
  first time) by its first review action in W; every rejection and region change by its own
  time. So the dates add up to the insights report's totals exactly.
- `insights_projects`: a row per project, the insights rows of that project added up (every
  counted key holds the labeler, so the sums are exact).

The approval rate is recomputed from its parts (first-pass approvals over annotations
reviewed), never summed or averaged.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis.expr.types as ir

from labelpulse.events import REVIEW_ACTIONS
from labelpulse.metrics.insights import COUNTS, insights_parts
from labelpulse.metrics.performance import ratio
from labelpulse.metrics.query import Params, run
from labelpulse.metrics.registry import ReportInput
from labelpulse.metrics.scope import (
    Scope,
    Window,
    day_number,
    first_in_window,
    in_scope,
    in_window,
    local_day,
)
from labelpulse.metrics.workunits import maintained
from labelpulse.store.work import APPROVALS

# The parts of the approval rate, carried beside the counts until the rate is computed.
PARTS = ("reviewed", "first_pass")
_EPOCH = dt.date(1970, 1, 1)


def _labeling_daily(con: Any, p: Params, scope: Scope, window: Window) -> ir.Table:
    """Per local date: the labeling counts of `insights._labeling`, each key on the date of its
    first labeling row in W (the keys hold actor and project: right under any cut)."""
    e = con.table("work_events")
    e = e.filter(e.labeling_prev_us.notnull(), in_window(e.time_us, p))
    e = in_scope(e, scope, p, member_column="actor")
    return e.group_by(day=local_day(e.time_us, window, p)).aggregate(
        items_labeled=e.count(where=first_in_window(e.labeling_prev_us, p)),
        annotations_added=e.regions_added.sum(),
        annotations_removed=e.regions_removed.sum(),
        annotations_updated=e.regions_updated.sum(),
        model_assisted=e.count(where=first_in_window(e.assisted_prev_us, p)),
        marked_null=e.count(where=first_in_window(e.nulled_prev_us, p)),
    )


def _reviews_daily(con: Any, p: Params, scope: Scope, window: Window) -> ir.Table:
    """Per local date, from `work_events` (no project cut): the review figures of
    `insights._maintained_reviews`, each on the date of the row that counts it."""
    e = con.table("work_events")
    r = e.filter(e.outcome_prev_us.notnull(), in_window(e.time_us, p))
    r = in_scope(r, scope, p, member_column="author")
    first = first_in_window(r.outcome_prev_us, p)
    hi = p.integer("hi")
    passed = (r.first_approval_us < hi) & (
        r.first_rejection_us.isnull() | (r.first_rejection_us >= hi)
    )
    return r.group_by(day=local_day(r.time_us, window, p)).aggregate(
        approved=r.count(where=first_in_window(r.approval_prev_us, p)),
        rejected=r.count(where=r.type == "review.rejected"),
        reviewed=r.count(where=first),
        first_pass=r.count(where=first & passed),
    )


def _cut_reviews(con: Any, p: Params, scope: Scope) -> ir.Table:
    """Review actions up to the end of W in the scope, with their annotation's author (the
    events and the state, as `insights._reviews` reads them under a project cut)."""
    e, s = con.table("events"), con.table("state")
    r = e.filter(e.type.isin(REVIEW_ACTIONS), e.time_us < p.integer("hi"))
    r = in_scope(r, scope, p).select("annotation", "project", "type", "time_us")
    authors = in_scope(s, scope, p, member_column="author").select("annotation", "author")
    return r.join(authors, "annotation")


def _cut_rejections_daily(con: Any, p: Params, scope: Scope, window: Window) -> ir.Table:
    r = _cut_reviews(con, p, scope)
    r = r.filter(in_window(r.time_us, p), r.type == "review.rejected")
    return r.group_by(day=local_day(r.time_us, window, p)).aggregate(rejected=r.count())


def _cut_annotations(con: Any, p: Params, scope: Scope) -> ir.Table:
    """Per (author, project, annotation) reviewed in W: its first review and first approval in
    W, and whether it passed first time (history before W included)."""
    r = _cut_reviews(con, p, scope)
    in_w = in_window(r.time_us, p)
    approval = r.type.isin(APPROVALS)
    per = r.group_by(member=r.author, project=r.project, annotation=r.annotation).aggregate(
        first_review=r.time_us.min(where=in_w),
        first_approval=r.time_us.min(where=in_w & approval),
        passed=approval.any() & ~(r.type == "review.rejected").any(),
    )
    return per.filter(per.first_review.notnull())


def _cut_reviewed_daily(con: Any, p: Params, scope: Scope, window: Window) -> ir.Table:
    per = _cut_annotations(con, p, scope)
    return per.group_by(day=local_day(per.first_review, window, p)).aggregate(
        reviewed=per.count(), first_pass=per.count(where=per.passed)
    )


def _cut_approved_daily(con: Any, p: Params, scope: Scope, window: Window) -> ir.Table:
    per = _cut_annotations(con, p, scope)
    per = per.filter(per.first_approval.notnull())
    return per.group_by(day=local_day(per.first_approval, window, p)).aggregate(
        approved=per.count()
    )


def _date(day: Any) -> str:
    return (_EPOCH + dt.timedelta(days=int(day))).isoformat()


def _finish(found: dict[str, Any]) -> dict[str, Any]:
    """A row's counts as integers, its net annotations and its recomputed approval rate."""
    row: dict[str, Any] = {name: int(found.get(name) or 0) for name in COUNTS}
    row["net_annotations"] = row["annotations_added"] - row["annotations_removed"]
    row["approval_rate"] = ratio(found.get("first_pass"), found.get("reviewed"))
    return row


def _totals(merged: list[dict[str, Any]]) -> dict[str, Any]:
    summed: dict[str, Any] = dict.fromkeys((*COUNTS, *PARTS), 0)
    for found in merged:
        for name in summed:
            summed[name] += int(found.get(name) or 0)
    return _finish(summed)


def insights_daily(q: ReportInput) -> dict[str, Any]:
    """A row per date of the window: the insights figures summed over labelers and projects."""
    store, window, scope = q.store, q.window, q.scope
    values = {**window.values(), **scope.values()}
    shape = (window.shape, scope.shape)
    parts: list[list[dict[str, Any]]] = [
        run(
            store,
            ("insights_daily", "labeling", shape),
            lambda c, p: _labeling_daily(c, p, scope, window),
            values,
        )
    ]
    if maintained(scope):
        builds = {"reviews": _reviews_daily}
    else:
        builds = {
            "rejections": _cut_rejections_daily,
            "reviewed": _cut_reviewed_daily,
            "approved": _cut_approved_daily,
        }
    for name, build in builds.items():

        def query(c: Any, p: Params, build: Any = build) -> ir.Table:
            table: ir.Table = build(c, p, scope, window)
            return table

        parts.append(run(store, ("insights_daily", name, shape), query, values))
    by_day: dict[int, dict[str, Any]] = {day_number(day): {} for day in window.days}
    for found in parts:
        for row in found:
            target = by_day.setdefault(int(row["day"]), {})
            for name, value in _counts(row).items():
                target[name] = int(target.get(name) or 0) + value
    # Every date once anything happened (a chart's axis without gaps); none when nothing did,
    # so that an empty window or scope reads as empty, as the other tables do.
    worked = any(value for found in by_day.values() for value in found.values())
    rows = [{"date": _date(day), **_finish(found)} for day, found in sorted(by_day.items())]
    rows = rows if worked else []
    return {
        "window": window.as_dict(),
        "scope": scope.as_dict(),
        "rows": rows,
        "totals": _totals(list(by_day.values())),
    }


def _counts(row: dict[str, Any]) -> dict[str, int]:
    return {k: int(v or 0) for k, v in row.items() if k != "day"}


def insights_projects(q: ReportInput) -> dict[str, Any]:
    """A row per project: the insights rows of that project added up (its subtotal)."""
    directory = q.directory
    per_project: dict[str, dict[str, Any]] = {}
    for (_member, project), found in insights_parts(q).items():
        summed = per_project.setdefault(project, dict.fromkeys((*COUNTS, *PARTS), 0))
        for name in summed:
            summed[name] += int(found.get(name) or 0)
    rows = [
        {**directory.project_columns(project), **_finish(found)}
        for project, found in per_project.items()
    ]
    rows.sort(key=lambda r: (str(r["project_name"]).lower(), str(r["project"])))
    return {
        "window": q.window.as_dict(),
        "scope": q.scope.as_dict(),
        "rows": rows,
        "totals": _totals(list(per_project.values())),
    }
