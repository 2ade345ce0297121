"""The team's throughput per day: annotations completed and review actions, for the overview.

The same rows the members and reviewers tables count, by the day they fall on in the window's
zone: annotations by the day they were completed (the state table, as the members table reads
it), review actions by the day they were taken (the maintained `work_events`, as the reviewers
table reads it). So each column's total is the other tables' total to the last figure.
"""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir

from labelpulse.metrics.performance import (
    SUBMITTED_STATES,
    _review_counts,
    _review_rows,
    _split_total,
    _values,
    _with_total,
)
from labelpulse.metrics.query import Params, run
from labelpulse.metrics.registry import ReportInput
from labelpulse.metrics.scope import Scope, Window, day_number, in_scope, in_window, local_day


def _annotations_per_day(con: Any, p: Params, window: Window, scope: Scope) -> ir.Table:
    s = con.table("state")
    s = in_scope(s.filter(in_window(s.completed_us, p)), scope, p, member_column="author")
    figures = {
        "submitted": s.last_action.isin(SUBMITTED_STATES).sum(),
        "skipped": (s.last_action == "skipped").sum(),
    }
    daily = s.group_by(day=local_day(s.completed_us, window, p)).aggregate(**figures)
    return _with_total(daily, s.aggregate(**figures))


def _reviews_per_day(con: Any, p: Params, window: Window, scope: Scope) -> ir.Table:
    r = _review_rows(con, "work_events", p, scope)
    counts = _review_counts(r)
    daily = r.group_by(day=local_day(r.time_us, window, p)).aggregate(**counts)
    return _with_total(daily, r.aggregate(**counts))


def _figures(a: dict[str, Any] | None, r: dict[str, Any] | None) -> dict[str, int]:
    a, r = a or {}, r or {}
    accepted, rejected = int(r.get("accepted") or 0), int(r.get("rejected") or 0)
    fixed = int(r.get("fixed_and_accepted") or 0)
    return {
        "submitted": int(a.get("submitted") or 0),
        "skipped": int(a.get("skipped") or 0),
        "reviews": accepted + rejected + fixed,
        "reviews_accepted": accepted,
        "reviews_rejected": rejected,
        "reviews_fixed_and_accepted": fixed,
    }


def throughput_table(q: ReportInput) -> dict[str, Any]:
    """One row per day of the window with any annotation completed or review action taken
    (days without are left out, as members without work are), and the window's totals."""
    store, window, scope = q.store, q.window, q.scope
    values = _values(window, scope, q.settings.fix_accept_credit)
    shape = (window.shape, scope.shape)
    a_total, a_days = _split_total(
        run(
            store,
            ("throughput", "annotations", shape),
            lambda c, p: _annotations_per_day(c, p, window, scope),
            values,
        )
    )
    r_total, r_days = _split_total(
        run(
            store,
            ("throughput", "reviews", shape),
            lambda c, p: _reviews_per_day(c, p, window, scope),
            values,
        )
    )
    annotations = {row["day"]: row for row in a_days}
    reviews = {row["day"]: row for row in r_days}
    rows = []
    for day in window.days:
        n = day_number(day)
        figures = _figures(annotations.get(n), reviews.get(n))
        if any(figures.values()):
            rows.append({"date": day.isoformat(), **figures})
    return {
        "window": window.as_dict(),
        "scope": scope.as_dict(),
        "rows": rows,
        "totals": _figures(a_total, r_total),
    }
