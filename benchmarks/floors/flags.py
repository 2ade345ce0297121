"""Floors of the quality flags (issue 16, FLAGS): `flags` and `flagged_annotations`.

Both floors are hand-written DuckDB SQL that ends in the reports' own rows: the rules' tests
(docs/metrics-beyond.md) are SQL here, one SELECT per rule. They differ only in where the
per-annotation state and the review actions come from: (a) derived from `events` alone (the
annotations completed in the previous window or this one, `raw._states`); (b) the maintained
`state`, `review_actions` and `work_events`. The reason (words) is not a figure: the checks
compare the rows' ids, rules and figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from benchmarks.floors import REVIEW_ACTIONS, SUBMITTED, in_list
from benchmarks.floors import raw as raw_sql
from benchmarks.floors.reports import Figures, Question, ReportFloor, _dicts, _iso, _keyed
from labelpulse.config import Settings
from labelpulse.metrics import Window
from labelpulse.metrics import flags as rules
from labelpulse.metrics.flags import previous_window

FAST = Settings().flag_fast_fraction
DONE = f"last_action IN {in_list(SUBMITTED)}"
# The report's own order of the too-fast annotations: fastest against the median first.
ORDERED = " ORDER BY ratio, project, annotation"


def _bounds(window: Window) -> tuple[int, int, int]:
    before = previous_window(window)
    return (before.lo_us if before is not None else window.lo_us), window.lo_us, window.hi_us


def _raw_sources(window: Window, credit: float) -> dict[str, str]:
    """The state rows completed in [prev_lo, hi) and the review actions in it, from events."""
    prev_lo, _, hi = _bounds(window)
    span = f"BETWEEN {prev_lo} AND {hi - 1}"
    candidates = (
        f"SELECT annotation FROM events WHERE type IN {in_list(raw_sql.COMPLETING)} "
        f"AND time_us {span}"
    )
    states = f"SELECT * FROM ({raw_sql._states(candidates)}) WHERE completed_us {span}"
    reviewed = (
        f"SELECT annotation FROM events WHERE type IN {in_list(REVIEW_ACTIONS)} AND time_us {span}"
    )
    actions = f"""SELECT o.author, r.time_us, r.type, r.agreement FROM events r
        JOIN ({raw_sql._owners(reviewed)}) o USING (annotation)
        WHERE r.type IN {in_list(REVIEW_ACTIONS)} AND r.time_us {span}"""
    reviews = f"""SELECT actor, annotation,
          count(*) FILTER (WHERE type = 'review.accepted') AS a,
          count(*) FILTER (WHERE type IN {in_list(REVIEW_ACTIONS)}) AS n,
          sum(duration_us) AS us
        FROM events WHERE type LIKE 'review.%' AND {raw_sql.within("time_us", window)}
        GROUP BY actor, annotation"""
    return {"states": states, "actions": actions, "reviews": reviews}


def _maintained_sources(window: Window) -> dict[str, str]:
    prev_lo, _, hi = _bounds(window)
    span = f"BETWEEN {prev_lo} AND {hi - 1}"
    return {
        "states": f"SELECT * FROM state WHERE completed_us {span}",
        "actions": f"SELECT author, time_us, type, agreement FROM review_actions "
        f"WHERE time_us {span}",
        "reviews": f"""SELECT actor, annotation,
              count(*) FILTER (WHERE type = 'review.accepted') AS a,
              count(*) FILTER (WHERE type IN {in_list(REVIEW_ACTIONS)}) AS n,
              sum(duration_us) AS us
            FROM work_events WHERE type LIKE 'review.%' AND {raw_sql.within("time_us", window)}
            GROUP BY actor, annotation""",
    }


def _fast_sql(window: Window, states: str) -> str:
    """The too-fast annotations of W against their project's median (every member's)."""
    lo, hi = window.lo_us, window.hi_us
    return f"""WITH done AS (SELECT * FROM ({states})
            WHERE completed_us >= {lo} AND completed_us < {hi} AND {DONE}),
        med AS (SELECT project, count(*) AS project_annotations,
            quantile_cont(lead_us, 0.5) AS median_us FROM done GROUP BY project
            HAVING count(*) >= {rules.FAST_MIN_ANNOTATIONS})
        SELECT d.project, d.task, d.annotation, d.author AS member, d.completed_us,
          d.lead_us / 1e6 AS time, m.median_us / 1e6 AS project_median,
          d.lead_us / m.median_us AS ratio, m.project_annotations
        FROM done d JOIN med m USING (project) WHERE d.lead_us < m.median_us * {FAST}"""


def _flags_sql(window: Window, credit: float, sources: dict[str, str]) -> str:
    prev_lo, lo, _ = _bounds(window)
    has_before = prev_lo < lo
    now = f"completed_us >= {lo}"
    credit_of = f"""CASE type WHEN 'review.accepted' THEN 1.0 WHEN 'review.rejected' THEN 0.0
        ELSE coalesce(agreement, {credit}) END"""
    reviewed = "(accepted + fixed + rejected)"
    team_reviewed = "(ta + tf + tr)"
    drops = ""
    if has_before:
        drops = f"""
        UNION ALL SELECT author, 'throughput_drop', submitted, submitted_before, submitted_before
          FROM a WHERE submitted_before >= {rules.DROP_MIN_SUBMITTED}
            AND submitted <= {1 - rules.DROP_SHARE} * submitted_before
        UNION ALL SELECT author, 'score_drop', s_now / c_now, s_before / c_before, c_now
          FROM sc WHERE c_now >= {rules.SCORE_MIN_REVIEWS} AND c_before >= {rules.SCORE_MIN_REVIEWS}
            AND s_before / c_before - s_now / c_now >= {rules.SCORE_DROP_POINTS - 1e-12}"""
    rates = ""
    for rule, part, whole in (("rejection_rate", "rejected", "tr"), ("fix_rate", "fixed", "tf")):
        mine, team = f"{part}::DOUBLE / {reviewed}", f"{whole}::DOUBLE / {team_reviewed}"
        rates += f"""
        UNION ALL SELECT author, '{rule}', {mine}, {team}, {reviewed} FROM a, team
          WHERE {reviewed} >= {rules.RATE_MIN_REVIEWED} AND {team_reviewed} > 0
            AND {mine} >= {rules.RATE_FACTOR} * {team}
            AND {mine} - {team} >= {rules.RATE_MIN_POINTS}"""
    fast = _fast_sql(window, sources["states"])
    return f"""WITH a AS (SELECT author,
            count(*) FILTER (WHERE {now} AND {DONE}) AS submitted,
            count(*) FILTER (WHERE NOT ({now}) AND {DONE}) AS submitted_before,
            count(*) FILTER (WHERE {now} AND last_action = 'accepted') AS accepted,
            count(*) FILTER (WHERE {now} AND last_action = 'fixed_and_accepted') AS fixed,
            count(*) FILTER (WHERE {now} AND last_action = 'rejected') AS rejected
          FROM ({sources["states"]}) WHERE author IS NOT NULL GROUP BY author),
        team AS (SELECT sum(accepted) AS ta, sum(fixed) AS tf, sum(rejected) AS tr FROM a),
        sc AS (SELECT author,
            sum({credit_of}) FILTER (WHERE time_us >= {lo}) AS s_now,
            count(*) FILTER (WHERE time_us >= {lo}) AS c_now,
            sum({credit_of}) FILTER (WHERE time_us < {lo}) AS s_before,
            count(*) FILTER (WHERE time_us < {lo}) AS c_before
          FROM ({sources["actions"]}) WHERE author IS NOT NULL GROUP BY author),
        fast AS (SELECT member AS author, count(*) AS c FROM ({fast}) GROUP BY member),
        rv AS (SELECT actor, sum(a) AS accepted, sum(n) AS total,
            quantile_cont(us, 0.5) / 1e6 AS median FROM ({sources["reviews"]}) GROUP BY actor)
        SELECT f.author AS member, 'too_fast' AS rule, f.c::DOUBLE AS value,
            {FAST} AS baseline, coalesce(a.submitted, f.c) AS basis
          FROM fast f LEFT JOIN a USING (author)
          WHERE f.c >= {rules.FAST_MEMBER_MIN}
            AND f.c >= {rules.FAST_MEMBER_SHARE} * coalesce(a.submitted, f.c){rates}{drops}
        UNION ALL SELECT actor, 'rubber_stamp', accepted::DOUBLE / total, median, total FROM rv
          WHERE total >= {rules.STAMP_MIN_REVIEWS}
            AND accepted::DOUBLE / total >= {rules.STAMP_ACCEPT_SHARE}
            AND median < {rules.STAMP_MEDIAN_SECONDS}"""


class FlagsFloor(ReportFloor):
    """One row per member flag, every rule at once."""

    report = "flags"
    keys = ("member", "rule")

    def raw(self, q: Question) -> list[raw_sql.Named]:
        return [
            raw_sql.named(q.con, _flags_sql(q.window, q.credit, _raw_sources(q.window, q.credit)))
        ]

    def maintained(self, q: Question) -> Any:
        return [raw_sql.named(q.con, _flags_sql(q.window, q.credit, _maintained_sources(q.window)))]

    def raw_figures(self, results: list[raw_sql.Named]) -> Figures:
        return _keyed(sorted(_dicts(results[0]), key=self._order), self.keys, None)

    def library_figures(self, report: Mapping[str, Any]) -> Figures:
        rows = [{k: v for k, v in r.items() if k != "reason"} for r in report["rows"]]
        return _keyed(sorted(rows, key=self._order), self.keys, None)


class FlaggedAnnotationsFloor(ReportFloor):
    """Every too-fast annotation of the window, with its project's median."""

    report = "flagged_annotations"
    label = "flagged annotations"
    keys = ("annotation",)

    def raw(self, q: Question) -> list[raw_sql.Named]:
        states = _raw_sources(q.window, q.credit)["states"]
        return [raw_sql.named(q.con, _fast_sql(q.window, states) + ORDERED)]

    def maintained(self, q: Question) -> Any:
        states = _maintained_sources(q.window)["states"]
        return [raw_sql.named(q.con, _fast_sql(q.window, states) + ORDERED)]

    def raw_figures(self, results: list[raw_sql.Named]) -> Figures:
        rows = _dicts(results[0])
        for row in rows:
            row["completed_at"] = _iso(row.pop("completed_us"))
        return _keyed(sorted(rows, key=self._order), self.keys, None)

    def library_figures(self, report: Mapping[str, Any]) -> Figures:
        return _keyed(sorted(report["rows"], key=self._order), self.keys, None)


FLAG_FLOORS: tuple[ReportFloor, ...] = (FlagsFloor(), FlaggedAnnotationsFloor())
