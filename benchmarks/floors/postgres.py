"""The PostgreSQL floor: the DuckDB floor's queries in PostgreSQL's words.

`percentile_cont(0.5) WITHIN GROUP (ORDER BY ...)` is DuckDB's `quantile_cont` (linear
interpolation); `FILTER (WHERE ...)` as in DuckDB; integer division of the (positive) local
microseconds gives the local day. Parameters are psycopg's `%(name)s`, so a literal `%` is
written `%%`. Runs on a connection of the store's own pool: the same session settings as the
library's queries (`jit = off`, UTC).
"""

from __future__ import annotations

from typing import Any

from benchmarks.floors import SUBMITTED, Results, in_list, member_work_sql, offset_case
from labelpulse.metrics import Window

_DONE = f"last_action IN {in_list(SUBMITTED)}"
ANNOTATIONS = f"""count(*) FILTER (WHERE {_DONE}), sum(lead_us) FILTER (WHERE {_DONE}),
  percentile_cont(0.5) WITHIN GROUP (ORDER BY lead_us) FILTER (WHERE {_DONE}),
  avg(lead_us) FILTER (WHERE {_DONE}), sum(active_us) FILTER (WHERE {_DONE}),
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
    return f"({column} + {offset_case(column, window)}) / 86400000000"


class PostgresFloor:
    """Runs on a psycopg connection lent by `connection()` (the store's pool)."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def _all(self, queries: list[str], params: dict[str, Any]) -> Results:
        with self._connection() as con:
            return [con.execute(q, params).fetchall() for q in queries]

    def member_report(self, member: str, window: Window) -> Results:
        lo, hi = window.lo_us, window.hi_us
        state = f"FROM state WHERE author = %(m)s AND completed_us >= {lo} AND completed_us < {hi}"
        reviews = (
            f"FROM events WHERE actor = %(m)s AND type LIKE 'review.%%' "
            f"AND time_us >= {lo} AND time_us < {hi}"
        )
        work = (
            f"SELECT {member_work_sql(window, WORK_COUNT, WORK_SUM)} FROM work_events "
            f"WHERE actor = %(m)s AND time_us >= {lo} AND time_us < {hi}"
        )
        return self._all(
            [
                f"SELECT {ANNOTATIONS} {state}",
                f"SELECT {_day('completed_us', window)} AS day, {ANNOTATIONS} {state} GROUP BY 1",
                f"""SELECT {SCORE} FROM review_actions WHERE author = %(m)s
                    AND time_us >= {lo} AND time_us < {hi}""",
                f"""SELECT sum(a), sum(r), sum(f), sum(us), avg(us),
                      percentile_cont(0.5) WITHIN GROUP (ORDER BY us) FROM (
                      SELECT {REVIEW_COUNTS}, sum(duration_us) {reviews} GROUP BY annotation
                    ) per (a, r, f, us)""",
                f"""SELECT {_day("time_us", window)} AS day, {REVIEW_COUNTS}, sum(duration_us)
                    {reviews} GROUP BY 1""",
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
