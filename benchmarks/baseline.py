"""The floor: the same figures by hand-written DuckDB SQL over the same tables, no library."""

from __future__ import annotations

from typing import Any

from benchmarks.floors import member_work_sql
from benchmarks.floors.duckdb import WORK_COUNT, WORK_SUM
from labelpulse.metrics import Window

SUBMITTED = "('submitted','updated','accepted','fixed_and_accepted')"
REVIEWS = "('review.accepted','review.rejected','review.fixed_and_accepted')"


def _local_day(column: str, window: Window) -> str:
    """Local date number of a UTC microsecond column, with the window's offsets inlined."""
    expr = str(window.offsets[0][1])
    for since, offset in window.offsets[1:]:
        expr = f"CASE WHEN {column} >= {since} THEN {offset} ELSE {expr} END"
    return f"({column} + {expr}) // 86400000000"


def _annotation_columns() -> str:
    done = f"last_action IN {SUBMITTED}"
    return f"""count(*) FILTER (WHERE {done}) AS submitted,
      sum(lead_us) FILTER (WHERE {done}) AS total_us,
      quantile_cont(lead_us, 0.5) FILTER (WHERE {done}) AS median_us,
      avg(lead_us) FILTER (WHERE {done}) AS mean_us,
      sum(active_us) FILTER (WHERE {done}) AS active_us,
      count(*) FILTER (WHERE last_action = 'updated') AS updated,
      count(*) FILTER (WHERE last_action = 'skipped') AS skipped,
      count(*) FILTER (WHERE last_action = 'rejected') AS rejected,
      count(*) FILTER (WHERE last_action = 'accepted') AS accepted,
      count(*) FILTER (WHERE last_action = 'fixed_and_accepted') AS fixed_and_accepted"""


def _score() -> str:
    return """sum(CASE e.type WHEN 'review.accepted' THEN 1.0 WHEN 'review.rejected' THEN 0.0
                     ELSE coalesce(e.agreement, 0.5) END) AS score_sum, count(*) AS score_count"""


def member_report_sql(con: Any, member: str, window: Window) -> list[Any]:
    lo, hi = window.lo_us, window.hi_us
    in_w = f"completed_us >= {lo} AND completed_us < {hi} AND author = $m"
    queries = [
        f"SELECT {_annotation_columns()} FROM state WHERE {in_w}",
        f"SELECT {_local_day('completed_us', window)} AS day, {_annotation_columns()} "
        f"FROM state WHERE {in_w} GROUP BY day",
        f"""SELECT {_score()} FROM events e JOIN state s USING (annotation)
            WHERE s.author = $m AND e.type IN {REVIEWS}
              AND e.time_us >= {lo} AND e.time_us < {hi}""",
        f"""WITH per AS (
              SELECT annotation,
                count(*) FILTER (WHERE type = 'review.accepted') AS accepted,
                count(*) FILTER (WHERE type = 'review.rejected') AS rejected,
                count(*) FILTER (WHERE type = 'review.fixed_and_accepted') AS fixed,
                sum(duration_us) AS review_us
              FROM events WHERE actor = $m AND type LIKE 'review.%'
                AND time_us >= {lo} AND time_us < {hi} GROUP BY annotation)
            SELECT sum(accepted), sum(rejected), sum(fixed), sum(review_us), avg(review_us),
                   quantile_cont(review_us, 0.5) FROM per""",
        f"""SELECT {_local_day("time_us", window)} AS day,
              count(*) FILTER (WHERE type = 'review.accepted'),
              count(*) FILTER (WHERE type = 'review.rejected'),
              count(*) FILTER (WHERE type = 'review.fixed_and_accepted'), sum(duration_us)
            FROM events WHERE actor = $m AND type LIKE 'review.%'
              AND time_us >= {lo} AND time_us < {hi} GROUP BY day""",
        # The work section (issue 15): the member's Work figures and idle times.
        f"""SELECT {member_work_sql(window, WORK_COUNT, WORK_SUM)} FROM work_events
            WHERE actor = $m AND time_us >= {lo} AND time_us < {hi}""",
    ]
    return [con.execute(q, {"m": member}).fetchall() for q in queries]


def members_table_sql(con: Any, window: Window) -> list[Any]:
    lo, hi = window.lo_us, window.hi_us
    in_w = f"completed_us >= {lo} AND completed_us < {hi}"
    reviews = f"""FROM events e JOIN state s USING (annotation)
                  WHERE e.type IN {REVIEWS} AND e.time_us >= {lo} AND e.time_us < {hi}"""
    queries = [
        f"""SELECT actor, max(time_us),
              count(*) FILTER (WHERE time_us >= {lo} AND time_us < {hi})
            FROM events GROUP BY actor""",
        f"SELECT author, {_annotation_columns()} FROM state WHERE {in_w} GROUP BY author",
        f"SELECT s.author, {_score()} {reviews} GROUP BY s.author",
        f"SELECT {_annotation_columns()} FROM state WHERE {in_w}",
        f"SELECT {_score()} {reviews}",
    ]
    return [con.execute(q).fetchall() for q in queries]
