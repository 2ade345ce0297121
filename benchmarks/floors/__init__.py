"""Hand-written SQL floors for the per-backend benchmarks (`benchmarks/backends.py`).

Each backend has one module here: the member report's and the members table's figures, computed
by hand-written SQL in that backend's own dialect over the tables its store keeps (`state`,
`events`, `review_actions`), run on the store's own native connection, with no library code in
between. Every floor runs the same queries in the same column order, so one function here turns
any floor's rows into the few figures that are checked against the library's report before
anything is timed (the comparison is only honest when both compute the same thing).

Query order and columns, for every dialect:

member report
  0. annotation totals      ANNOTATION_COLUMNS
  1. annotations per day    day, ANNOTATION_COLUMNS
  2. performance score      score_sum, score_count
  3. review work totals     accepted, rejected, fixed, review_us, mean_review_us, median_review_us
  4. review work per day    day, accepted, rejected, fixed, review_us
  5. work section           WORK_COLUMNS: the member's rows of `work_events` in W, each
                            count a count of the rows that are their key's first in W
members table
  0. activity per actor     actor, last_us, in_window
  1. annotations per author author, ANNOTATION_COLUMNS
  2. score per author       author, score_sum, score_count
  3. annotation totals      ANNOTATION_COLUMNS
  4. score totals           score_sum, score_count
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any, Protocol

from labelpulse.metrics import Window

Rows = list[tuple[Any, ...]]
Results = list[Rows]

SUBMITTED = ("submitted", "updated", "accepted", "fixed_and_accepted")
REVIEW_ACTIONS = ("review.accepted", "review.rejected", "review.fixed_and_accepted")
# The columns of an annotation figures row, after any key column.
ANNOTATION_COLUMNS = (
    "submitted",
    "total_us",
    "median_us",
    "mean_us",
    "active_us",
    "updated",
    "skipped",
    "rejected",
    "accepted",
    "fixed_and_accepted",
)
# The member report's `work` section: per kind its count (the rows whose `<key>_prev_us`, the
# time of their key's previous row, is before the window), active time and idle time (µs).
WORK_KINDS = (("label", "done", "labeled"), ("review", "review", "reviewed"),
              ("edit", "edit", "edited"))  # fmt: skip
WORK_COLUMNS = tuple(
    column for kind, _, count in WORK_KINDS for column in (count, f"{kind}_us", f"{kind}_idle_us")
)
CREDIT = 0.5  # the fix-and-accept credit the benchmark's reports use (the default setting)
US = 1_000_000
_EPOCH = dt.date(1970, 1, 1)


class Floor(Protocol):
    """The hand-written SQL of one backend, bound to a store's native connection."""

    def member_report(self, member: str, window: Window) -> Results: ...

    def members_table(self, window: Window) -> Results: ...


def member_work_sql(window: Window, count: str, summed: str) -> str:
    """The work section's columns (WORK_COLUMNS) in a dialect's words: `count` and `summed`
    are its conditional count and sum, with `{cond}` and `{value}` where they go."""
    lo = window.lo_us
    columns = []
    for kind, key, _ in WORK_KINDS:
        cond = f"kind = '{kind}'"
        columns += [
            count.format(cond=f"{key}_prev_us < {lo}"),
            summed.format(value="active_us", cond=cond),
            summed.format(value="duration_us - active_us", cond=cond),
        ]
    return ", ".join(columns)


def in_list(values: tuple[str, ...]) -> str:
    """`('a', 'b')`: constants of ours, spliced into SQL."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def offset_case(column: str, window: Window) -> str:
    """The UTC offset (µs) in force at a UTC microsecond column, the window's offsets inlined."""
    expr = str(window.offsets[0][1])
    for since, offset in window.offsets[1:]:
        expr = f"CASE WHEN {column} >= {since} THEN {offset} ELSE {expr} END"
    return expr


# -- the figures that are checked ----------------------------------------------------------------
def _int(value: Any) -> int:
    return int(value or 0)


def _seconds(value: Any) -> float | None:
    return None if value is None else float(value) / US


def _score(total: Any, count: Any) -> float | None:
    return float(total) / int(count) if count else None


def _date(day: Any) -> str:
    return (_EPOCH + dt.timedelta(days=int(day))).isoformat()


def _annotations(row: tuple[Any, ...] | None) -> dict[str, Any]:
    values = dict(zip(ANNOTATION_COLUMNS, row or (None,) * len(ANNOTATION_COLUMNS), strict=True))
    return {
        "submitted": _int(values["submitted"]),
        "total_time": _seconds(values["total_us"]) or 0.0,
        "median_time": _seconds(values["median_us"]),
        "mean_time": _seconds(values["mean_us"]),
        "active_time": _seconds(values["active_us"]) or 0.0,
        "rejected": _int(values["rejected"]),
        "accepted": _int(values["accepted"]),
        "fixed_and_accepted": _int(values["fixed_and_accepted"]),
    }


def floor_member_figures(results: Results) -> dict[str, Any]:
    totals, daily, score, reviews, reviews_daily, work = results
    review = reviews[0] if reviews else (None,) * 6
    figures = {
        **{f"annotations.{k}": v for k, v in _annotations(totals[0] if totals else None).items()},
        "annotations.performance_score": _score(*score[0]) if score else None,
        "reviews.total": _int(review[0]) + _int(review[1]) + _int(review[2]),
        "reviews.review_time": _seconds(review[3]) or 0.0,
        "reviews.mean_review_time": _seconds(review[4]),
        "reviews.median_review_time": _seconds(review[5]),
        "daily.submitted": {_date(r[0]): _int(r[1]) for r in daily if _int(r[1])},
        "daily.reviews_accepted": {_date(r[0]): _int(r[1]) for r in reviews_daily if _int(r[1])},
    }
    values = dict(zip(WORK_COLUMNS, work[0] if work else (None,) * len(WORK_COLUMNS), strict=True))
    for kind, _, count in WORK_KINDS:
        n, spent = _int(values[count]), _seconds(values[f"{kind}_us"]) or 0.0
        figures[f"work.{count}"] = n
        figures[f"work.{kind}_time"] = spent
        figures[f"work.mean_{kind}_time"] = spent / n if n else None
        figures[f"work.{kind}_idle_time"] = _seconds(values[f"{kind}_idle_us"]) or 0.0
    return figures


def library_member_figures(report: Mapping[str, Any]) -> dict[str, Any]:
    a, r = report["annotations"], report["reviews"]
    return {
        **{f"annotations.{k}": a[k] for k in (*_annotations(None), "performance_score")},
        "reviews.total": r["total"],
        "reviews.review_time": r["review_time"],
        "reviews.mean_review_time": r["mean_review_time"],
        "reviews.median_review_time": r["median_review_time"],
        "daily.submitted": {d["date"]: d["submitted"] for d in report["daily"] if d["submitted"]},
        "daily.reviews_accepted": {
            d["date"]: d["reviews_accepted"] for d in report["daily"] if d["reviews_accepted"]
        },
        **{f"work.{k}": v for k, v in report["work"].items()},
    }


def floor_members_figures(results: Results) -> dict[str, Any]:
    activity, per_author, scores, totals, all_scores = results
    shown = sorted(str(actor) for actor, _, in_window in activity if _int(in_window))
    by_author = {row[0]: _annotations(row[1:]) for row in per_author}
    score_of = {author: _score(total, count) for author, total, count in scores}
    return {
        "members": shown,
        "submitted": {m: by_author[m]["submitted"] if m in by_author else 0 for m in shown},
        "median_time": {m: by_author.get(m, {}).get("median_time") for m in shown},
        "performance_score": {m: score_of.get(m) for m in shown},
        **{f"totals.{k}": v for k, v in _annotations(totals[0] if totals else None).items()},
        "totals.performance_score": _score(*all_scores[0]) if all_scores else None,
    }


def library_members_figures(table: Mapping[str, Any]) -> dict[str, Any]:
    rows = {row["member"]: row for row in table["rows"]}
    shown = sorted(rows)
    totals = table["totals"]
    return {
        "members": shown,
        "submitted": {m: rows[m]["submitted"] for m in shown},
        "median_time": {m: rows[m]["median_time"] for m in shown},
        "performance_score": {m: rows[m]["performance_score"] for m in shown},
        **{f"totals.{k}": totals[k] for k in (*_annotations(None), "performance_score")},
    }


def differences(library: Mapping[str, Any], floor: Mapping[str, Any]) -> list[str]:
    """The figures on which the library and the floor disagree (floats to 1e-9, relative)."""
    found: list[str] = []

    def same(a: Any, b: Any) -> bool:
        if isinstance(a, dict) and isinstance(b, dict):
            return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        if isinstance(a, float | int) and isinstance(b, float | int):
            return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
        return bool(a == b)

    for name in sorted(set(library) | set(floor)):
        a, b = library.get(name), floor.get(name)
        if not same(a, b):
            shown_a, shown_b = repr(a)[:160], repr(b)[:160]
            found.append(f"{name}: library {shown_a} != floor {shown_b}")
    return found
