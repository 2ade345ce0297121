"""The ClickHouse floor: the DuckDB floor's queries in ClickHouse's words.

`quantileExactInclusive(0.5)` is DuckDB's `quantile_cont` (linear interpolation between the
two middle values); `countIf`/`sumIf`/`avgIf` replace `FILTER`. Every table the queries read
is a ReplacingMergeTree in the ClickHouse store (`state` and `review_actions` with a version
and a tombstone flag, `events` without), so each is read `FINAL`: the latest live row per key,
merged or not — the only way to get exact figures before the background merges catch up. The
store's connection also sets `final = 1` for every query, so the library reads the same way.
Parameters are ClickHouse's `{name:Type}`; the queries run on the store's own connection.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from benchmarks.floors import SUBMITTED, Results, Rows, in_list, member_work_sql
from labelpulse.metrics import Window

_DONE = f"last_action IN {in_list(SUBMITTED)}"
ANNOTATIONS = f"""countIf({_DONE}), sumIf(lead_us, {_DONE}),
  quantileExactInclusiveIf(0.5)(lead_us, {_DONE}), avgIf(lead_us, {_DONE}),
  sumIf(active_us, {_DONE}),
  countIf(last_action = 'updated'), countIf(last_action = 'skipped'),
  countIf(last_action = 'rejected'), countIf(last_action = 'accepted'),
  countIf(last_action = 'fixed_and_accepted')"""
SCORE = """sum(multiIf(type = 'review.accepted', 1.0, type = 'review.rejected', 0.0,
                     coalesce(agreement, 0.5))), count()"""
REVIEW_COUNTS = """countIf(type = 'review.accepted') AS a, countIf(type = 'review.rejected') AS r,
  countIf(type = 'review.fixed_and_accepted') AS f"""

# The member report's work section (`member_work_sql`): a conditional count and sum.
WORK_COUNT = "countIf({cond})"
WORK_SUM = "sumIf({value}, {cond})"


def _day(column: str, window: Window) -> str:
    zone = window.tz.replace("'", "")  # an IANA name, checked by make_window
    return f"toInt64(toDate32(fromUnixTimestamp64Micro({column}), '{zone}'))"


def _rows(table: pa.Table) -> Rows:
    return list(zip(*(column.to_pylist() for column in table.columns), strict=True))


class ClickHouseFloor:
    """Runs on the store's own connection (chDB in-process, or a server over HTTP)."""

    def __init__(self, con: Any) -> None:
        self._con = con

    def _all(self, queries: list[str], params: dict[str, Any]) -> Results:
        return [_rows(self._con.arrow(q, params)) for q in queries]

    def member_report(self, member: str, window: Window) -> Results:
        lo, hi = window.lo_us, window.hi_us
        state = (
            "FROM state FINAL WHERE author = {m:String} "
            f"AND completed_us >= {lo} AND completed_us < {hi}"
        )
        reviews = (
            "FROM events FINAL WHERE actor = {m:String} AND startsWith(type, 'review.') "
            f"AND time_us >= {lo} AND time_us < {hi}"
        )
        work = (
            f"SELECT {member_work_sql(window, WORK_COUNT, WORK_SUM)} FROM work_events FINAL "
            f"WHERE actor = {{m:String}} AND time_us >= {lo} AND time_us < {hi}"
        )
        return self._all(
            [
                f"SELECT {ANNOTATIONS} {state}",
                f"SELECT {_day('completed_us', window)} AS day, {ANNOTATIONS} {state} GROUP BY day",
                f"SELECT {SCORE} FROM review_actions FINAL WHERE author = {{m:String}} "
                f"AND time_us >= {lo} AND time_us < {hi}",
                f"""SELECT sum(a), sum(r), sum(f), sum(us), avg(us),
                      quantileExactInclusive(0.5)(us) FROM (
                      SELECT {REVIEW_COUNTS}, sum(duration_us) AS us {reviews} GROUP BY annotation
                    )""",
                f"""SELECT {_day("time_us", window)} AS day, {REVIEW_COUNTS}, sum(duration_us)
                    {reviews} GROUP BY day""",
                work,
            ],
            {"m": member},
        )

    def members_table(self, window: Window) -> Results:
        lo, hi = window.lo_us, window.hi_us
        state = f"FROM state FINAL WHERE completed_us >= {lo} AND completed_us < {hi}"
        reviews = f"FROM review_actions FINAL WHERE time_us >= {lo} AND time_us < {hi}"
        return self._all(
            [
                f"""SELECT actor, max(time_us), countIf(time_us >= {lo} AND time_us < {hi})
                    FROM events FINAL GROUP BY actor""",
                f"SELECT author, {ANNOTATIONS} {state} GROUP BY author",
                f"SELECT author, {SCORE} {reviews} GROUP BY author",
                f"SELECT {ANNOTATIONS} {state}",
                f"SELECT {SCORE} {reviews}",
            ],
            {},
        )
