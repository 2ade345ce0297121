"""The team's figures of a window and their change against another window, in words.

The overview's totals and the weekly digest's read the same figures the same way: the members
and reviewers tables' totals (`team_figures`), compared by `change` and worded by `totals`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from labelpulse.metrics.glossary import help_for
from labelpulse.metrics.registry import ColumnKind
from labelpulse.readable import format_value


@dataclass(frozen=True)
class Total:
    """One team figure of the window, with the previous window's and the change in words."""

    key: str
    label: str
    text: str
    value: Any
    change: str
    help: str | None = None


def rejection(row: dict[str, Any]) -> float | None:
    """The rejection rate of a members table row (or its totals): 1 - the acceptance score."""
    score = row["acceptance_score"]
    return None if score is None else 1 - float(score)


def team_figures(members: dict[str, Any], reviewers: dict[str, Any]) -> dict[str, Any]:
    """The team's figures of a window, from the members and reviewers tables' totals."""
    t, r = members["totals"], reviewers["totals"]
    return {
        "submitted": t["submitted"],
        "reviews": r["total"],
        "total_time": t["total_time"],
        "active_time": t["active_time"],
        "acceptance_score": t["acceptance_score"],
        "rejection_rate": rejection(t),
        "active_members": len(members["rows"]),
    }


# key, label, kind, and the (report, key) whose help text explains it (glossary.py; the
# overview's own words, ("overview", key), come first); rates compare in percentage points,
# the others as a relative change.
TOTALS: tuple[tuple[str, str, ColumnKind, tuple[str, str]], ...] = (
    ("submitted", "Annotations submitted", "count", ("members", "submitted")),
    ("reviews", "Reviews", "count", ("reviewers", "total")),
    ("total_time", "Total time (lead)", "duration", ("members", "total_time")),
    ("active_time", "Active time", "duration", ("members", "active_time")),
    ("acceptance_score", "Acceptance rate", "score", ("members", "acceptance_score")),
    ("rejection_rate", "Rejection rate", "score", ("overview", "rejection_rate")),
    ("active_members", "Active members", "count", ("overview", "active_members")),
)


def change(kind: ColumnKind, now: Any, before: Any, span: str) -> str:
    """'+12% vs <span>', '-3 pts vs <span>' (rates), 'no change vs <span>', 'was 0 in <span>';
    when a window has no figure (a rate with nothing reviewed): 'no figure for <span>', or the
    previous window's own ('50% in <span>') when only the current one has none."""
    if now is None or before is None:
        return (
            f"no figure for {span}" if before is None else f"{format_value(kind, before)} in {span}"
        )
    if kind == "score":
        points = round((float(now) - float(before)) * 100)
        return f"no change vs {span}" if points == 0 else f"{points:+d} pts vs {span}"
    if before == 0:
        return f"no change vs {span}" if now == 0 else f"was 0 in {span}"
    percent = round((float(now) - float(before)) / float(before) * 100)
    return f"no change vs {span}" if percent == 0 else f"{percent:+d}% vs {span}"


def totals(now: dict[str, Any], before: dict[str, Any] | None, tz: str, span: str) -> list[Total]:
    out = []
    for key, label, kind, (report, figure) in TOTALS:
        value = now[key]
        text = help_for("overview", key) or help_for(report, figure)
        if before is None:
            words = "no previous window before 1970"
        else:
            words = change(kind, value, before[key], span)
        out.append(Total(key, label, format_value(kind, value, tz), value, words, text))
    return out
