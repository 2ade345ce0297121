"""The member report whole: performance's annotation and review figures (seeds 000, 001) with the
member's row of Work (seed 003) beside them, so that the member page can show lead time (idle
included) and the Work page's active time for the same member and window side by side.

Its own module because Work's figures build on performance's helpers: performance cannot import
them back.
"""

from __future__ import annotations

from typing import Any

from labelpulse.metrics import performance
from labelpulse.metrics.query import run
from labelpulse.metrics.registry import ReportInput
from labelpulse.metrics.workunits import member_work, member_work_block


def member_report(q: ReportInput) -> dict[str, Any]:
    """{member, window, scope, annotations, reviews, work, daily}: metrics.md's member report
    and `work`, the member's Work figures (labeled, label_time, … edit_time, as the work report
    computes them) with the idle time of the same events (`label_idle_time`, …)."""
    report = performance.member_report(q)
    values = {**q.window.values(), **q.scope.values(), "member": q.member}
    shape = (q.window.shape, q.scope.shape)
    rows = run(q.store, ("member", "work", shape), lambda c, p: member_work(c, p, q.scope), values)
    work = member_work_block(rows[0] if rows else None)
    daily = report.pop("daily")
    return {**report, "work": work, "daily": daily}
