"""The DuckDB floor: the member report's and members table's figures by hand-written DuckDB SQL.

The same queries as `benchmarks/baseline.py`, except that the performance score reads the
store's `review_actions` table (as the library does) instead of joining the window's review
events to the whole state: here the floor reads exactly the tables the library reads, so that
the ratio measures the library and not a choice of tables.
"""

from __future__ import annotations

from typing import Any

from benchmarks.floors import SUBMITTED, Results, in_list, member_work_sql, offset_case
from labelpulse.metrics import Window

_DONE = f"last_action IN {in_list(SUBMITTED)}"
ANNOTATIONS = f"""count(*) FILTER (WHERE {_DONE}), sum(lead_us) FILTER (WHERE {_DONE}),
  quantile_cont(lead_us, 0.5) FILTER (WHERE {_DONE}), avg(lead_us) FILTER (WHERE {_DONE}),
  sum(active_us) FILTER (WHERE {_DONE}),
  count(*) FILTER (WHERE last_action = 'updated'), count(*) FILTER (WHERE last_action = 'skipped'),
  count(*) FILTER (WHERE last_action = 'rejected'),
  count(*) FILTER (WHERE last_action = 'accepted'),
  count(*) FILTER (WHERE last_action = 'fixed_and_accepted')"""
SCORE = """sum(CASE type WHEN 'review.accepted' THEN 1.0 WHEN 'review.rejected' THEN 0.0
             ELSE coalesce(agreement, 0.5) END), count(*)"""
REVIEW_COUNTS = """count(*) FILTER (WHERE type = 'review.accepted'),
  count(*) FILTER (WHERE type = 'review.rejected'),
  count(*) FILTER (WHERE type = 'review.fixed_and_accepted')"""

# The member report's work section (`member_work_sql`): a conditional count and sum.
WORK_COUNT = "count(*) FILTER (WHERE {cond})"
WORK_SUM = "sum({value}) FILTER (WHERE {cond})"


def _day(column: str, window: Window) -> str:
    return f"({column} + {offset_case(column, window)}) // 86400000000"


class DuckDBFloor:
    """Runs on the store's own DuckDB connection."""

    def __init__(self, con: Any) -> None:
        self._con = con

    def _all(self, queries: list[str], params: dict[str, Any]) -> Results:
        return [self._con.execute(q, params).fetchall() for q in queries]

    def member_report(self, member: str, window: Window) -> Results:
        lo, hi = window.lo_us, window.hi_us
        state = f"FROM state WHERE author = $m AND completed_us >= {lo} AND completed_us < {hi}"
        reviews = (
            f"FROM events WHERE actor = $m AND type LIKE 'review.%' "
            f"AND time_us >= {lo} AND time_us < {hi}"
        )
        work = (
            f"SELECT {member_work_sql(window, WORK_COUNT, WORK_SUM)} FROM work_events "
            f"WHERE actor = $m AND time_us >= {lo} AND time_us < {hi}"
        )
        return self._all(
            [
                f"SELECT {ANNOTATIONS} {state}",
                f"SELECT {_day('completed_us', window)} AS day, {ANNOTATIONS} {state} GROUP BY day",
                f"""SELECT {SCORE} FROM review_actions WHERE author = $m
                    AND time_us >= {lo} AND time_us < {hi}""",
                f"""SELECT sum(a), sum(r), sum(f), sum(us), avg(us), quantile_cont(us, 0.5) FROM (
                      SELECT {REVIEW_COUNTS}, sum(duration_us) {reviews} GROUP BY annotation
                    ) per (a, r, f, us)""",
                f"""SELECT {_day("time_us", window)} AS day, {REVIEW_COUNTS}, sum(duration_us)
                    {reviews} GROUP BY day""",
                work,
            ],
            {"m": member},
        )

    def members_table(self, window: Window) -> Results:
        lo, hi = window.lo_us, window.hi_us
        state = f"FROM state WHERE completed_us >= {lo} AND completed_us < {hi}"
        reviews = f"FROM review_actions WHERE time_us >= {lo} AND time_us < {hi}"
        return self._all(
            [
                f"""SELECT actor, max(time_us), count(*) FILTER (WHERE time_us >= {lo}
                    AND time_us < {hi}) FROM events GROUP BY actor""",
                f"SELECT author, {ANNOTATIONS} {state} GROUP BY author",
                f"SELECT author, {SCORE} {reviews} GROUP BY author",
                f"SELECT {ANNOTATIONS} {state}",
                f"SELECT {SCORE} {reviews}",
            ],
            {},
        )
