"""Annotation insights per labeler and project (seed 002)."""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir

from labelpulse.events import REVIEW_ACTIONS
from labelpulse.metrics.performance import ratio
from labelpulse.metrics.query import Params, run
from labelpulse.metrics.registry import SPECS, ReportInput
from labelpulse.metrics.scope import Scope, first_in_window, in_scope, in_window
from labelpulse.metrics.workunits import maintained
from labelpulse.store.work import APPROVALS

# The figures that add up into the totals row (the approval rate is recomputed).
COUNTS = tuple(c.key for c in SPECS["insights"].columns if c.kind == "count")


def _labeling(con: Any, p: Params, scope: Scope) -> ir.Table:
    """Per member and project: labeling counts in W, from `work_events`: a distinct task is the
    first labeling row of its (actor, project, task) in W, whatever the cut (the key holds the
    actor and the project)."""
    e = con.table("work_events")
    # Labeling rows are those the (actor, project, task) key counts: a null test of an integer
    # instead of a type among strings.
    e = e.filter(e.labeling_prev_us.notnull(), in_window(e.time_us, p))
    e = in_scope(e, scope, p, member_column="actor")
    return e.group_by(member=e.actor, project=e.project).aggregate(
        items_labeled=e.count(where=first_in_window(e.labeling_prev_us, p)),
        annotations_added=e.regions_added.sum(),
        annotations_removed=e.regions_removed.sum(),
        annotations_updated=e.regions_updated.sum(),
        model_assisted=e.count(where=first_in_window(e.assisted_prev_us, p)),
        marked_null=e.count(where=first_in_window(e.nulled_prev_us, p)),
    )


def _reviews(con: Any, p: Params, scope: Scope) -> ir.Table:
    """Per author and project: approvals and rejection events in W, first-pass approvals."""
    if maintained(scope):
        return _maintained_reviews(con, p, scope)
    e, s = con.table("events"), con.table("state")
    r = e.filter(e.type.isin(REVIEW_ACTIONS), e.time_us < p.integer("hi"))
    r = in_scope(r, scope, p).select("annotation", "project", "type", "time_us")
    authors = in_scope(s, scope, p, member_column="author").select("annotation", "author")
    r = r.join(authors, "annotation")
    in_w = in_window(r.time_us, p)
    approval = r.type.isin(APPROVALS)
    rejection = r.type == "review.rejected"
    per = r.group_by(member=r.author, project=r.project, annotation=r.annotation).aggregate(
        reviewed=in_w.any(),
        approved=(in_w & approval).any(),
        rejected=(in_w & rejection).sum(),
        ever_approved=approval.any(),
        ever_rejected=rejection.any(),
    )
    # History before the window decides first-pass approval, but only annotations reviewed
    # in the window make a row.
    per = per.filter(per.reviewed)
    return per.group_by("member", "project").aggregate(
        approved=per.approved.sum(),
        rejected=per.rejected.sum(),
        reviewed=per.reviewed.sum(),
        first_pass=(per.ever_approved & ~per.ever_rejected).sum(),
    )


def _maintained_reviews(con: Any, p: Params, scope: Scope) -> ir.Table:
    """The same from `work_events`, without a project cut: an (annotation, project) is reviewed
    in W at its first review action there, approved at its first approval, and passed first
    time when its first approval (over the whole log) came before `hi` and no rejection did."""
    e = con.table("work_events")
    r = e.filter(e.outcome_prev_us.notnull(), in_window(e.time_us, p))  # the review actions
    r = in_scope(r, scope, p, member_column="author")
    first = first_in_window(r.outcome_prev_us, p)
    hi = p.integer("hi")
    passed = (r.first_approval_us < hi) & (
        r.first_rejection_us.isnull() | (r.first_rejection_us >= hi)
    )
    return r.group_by(member=r.author, project=r.project).aggregate(
        approved=r.count(where=first_in_window(r.approval_prev_us, p)),
        rejected=r.count(where=r.type == "review.rejected"),
        reviewed=r.count(where=first),
        first_pass=r.count(where=first & passed),
    )


def insights_parts(q: ReportInput) -> dict[tuple[str, str], dict[str, Any]]:
    """Per (member, project): the labeling counts and review figures as the store gives them,
    with the approval rate's parts (`reviewed`, `first_pass`); what the per-project view adds
    up too (`insights_views`)."""
    store, window, scope = q.store, q.window, q.scope
    values = {**window.values(), **scope.values()}
    shape = (window.shape, scope.shape)
    labeling = run(
        store, ("insights", "labeling", shape), lambda c, p: _labeling(c, p, scope), values
    )
    reviews = run(store, ("insights", "reviews", shape), lambda c, p: _reviews(c, p, scope), values)
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for found in labeling:
        merged[(found["member"], found["project"])] = dict(found)
    for found in reviews:
        merged.setdefault((found["member"], found["project"]), {}).update(found)
    return merged


def insights_table(q: ReportInput) -> dict[str, Any]:
    """One row per (member, project): labeling counts and review outcomes, with totals."""
    window, scope, directory = q.window, q.scope, q.directory
    merged = insights_parts(q)
    rows = []
    totals: dict[str, Any] = dict.fromkeys(COUNTS, 0)
    reviewed = first_pass = 0
    for (member, project), found in merged.items():
        row: dict[str, Any] = {
            **directory.member_columns(member),
            **directory.project_columns(project),
        }
        for name in COUNTS:
            row[name] = int(found.get(name) or 0)
        row["net_annotations"] = row["annotations_added"] - row["annotations_removed"]
        row["approval_rate"] = ratio(found.get("first_pass"), found.get("reviewed"))
        reviewed += int(found.get("reviewed") or 0)
        first_pass += int(found.get("first_pass") or 0)
        for name in COUNTS:
            totals[name] += row[name]
        rows.append(row)
    rows.sort(key=lambda r: (str(r["member_name"]).lower(), str(r["project_name"]).lower()))
    totals["approval_rate"] = ratio(first_pass, reviewed)
    return {"window": window.as_dict(), "scope": scope.as_dict(), "rows": rows, "totals": totals}
