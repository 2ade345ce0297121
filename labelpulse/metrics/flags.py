"""Quality flags (issue 16): whose work to look at before it ships, and why, in words.

Six rules (docs/metrics-beyond.md), each with its default below:

- `too_fast`: annotations completed in the window whose lead time (metrics.md's time per
  annotation) is under `flag_fast_fraction` (a setting, default 0.2) of their project's median
  over the window, in projects with at least `FAST_MIN_ANNOTATIONS` submitted annotations in it
  (the `flagged_annotations` report); a member is flagged with at least `FAST_MEMBER_MIN` of
  them making `FAST_MEMBER_SHARE` of their submitted annotations;
- `rejection_rate`, `fix_rate`: a member's share of reviewed annotations (by state) rejected, or
  fixed and accepted, at least `RATE_FACTOR` times the team's and `RATE_MIN_POINTS` above it,
  with at least `RATE_MIN_REVIEWED` reviewed annotations;
- `throughput_drop`, `score_drop`: submitted down by at least `DROP_SHARE` from the member's
  own previous window of the same length (with at least `DROP_MIN_SUBMITTED` before), or the
  performance score down by at least `SCORE_DROP_POINTS` (with `SCORE_MIN_REVIEWS` review
  actions in each window);
- `rubber_stamp`: a reviewer with at least `STAMP_MIN_REVIEWS` review actions, at least
  `STAMP_ACCEPT_SHARE` of them plain accepts, and a median review time per annotation under
  `STAMP_MEDIAN_SECONDS`.

The team a member is compared with is everyone in the scope's projects: a member filter (or a
viewer who sees only their own work) picks whose flags are listed, not who the team is.

Four queries whatever the number of members, each one pass over a maintained table: `state`
(per author, this window and the previous one at once; and the too-fast annotations against
their project's median), `review_actions` (scores, both windows at once) and `work_events`
(the reviewers table's own per-reviewer query).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import ibis.expr.types as ir

from labelpulse.metrics.performance import (
    SCORE_UNIT,
    reviewers_per_actor,
    seconds,
)
from labelpulse.metrics.query import Params, run
from labelpulse.metrics.registry import ReportInput
from labelpulse.metrics.scope import US, Scope, Window, in_scope, in_window, make_window
from labelpulse.store.state import SUBMITTED_STATES

# too_fast: a project's median means something from this many submitted annotations in W.
FAST_MIN_ANNOTATIONS = 20
# too_fast, per member: at least 2 such annotations and 5% of the member's submitted ones (one
# quick annotation among hundreds is not a habit; the per-annotation report lists it anyway).
FAST_MEMBER_MIN = 2
FAST_MEMBER_SHARE = 0.05
# rejection_rate, fix_rate: "far above" the team's: at least twice it and 10 points above it,
# over at least 10 reviewed annotations (the overview's "needs attention" minimum).
RATE_FACTOR = 2.0
RATE_MIN_POINTS = 0.10
RATE_MIN_REVIEWED = 10
# throughput_drop: submitted at most half of the previous window's, from at least 20 then.
DROP_SHARE = 0.5
DROP_MIN_SUBMITTED = 20
# score_drop: the performance score 0.2 (20 points) or more below the previous window's, with
# at least 10 review actions on the member's annotations in each window.
SCORE_DROP_POINTS = 0.2
SCORE_MIN_REVIEWS = 10
# rubber_stamp: at least 20 review actions, 98% or more plain accepts, median under 10 s.
STAMP_MIN_REVIEWS = 20
STAMP_ACCEPT_SHARE = 0.98
STAMP_MEDIAN_SECONDS = 10.0

# The rules, in the order a member's flags are listed.
RULES = (
    "too_fast",
    "rejection_rate",
    "fix_rate",
    "throughput_drop",
    "score_drop",
    "rubber_stamp",
)
EARLIEST = dt.date(1970, 1, 1)


def previous_window(window: Window) -> Window | None:
    """The window of the same length just before `window`; None before 1970."""
    length = window.end - window.start + dt.timedelta(days=1)
    first = window.start - length
    if first < EARLIEST:
        return None
    return make_window(first, window.start - dt.timedelta(days=1), window.tz)


def team_scope(scope: Scope) -> Scope:
    """The scope's projects, every member: the team members are compared with."""
    return Scope(projects=scope.projects, members=None, asked=scope.asked)


# -- queries -------------------------------------------------------------------------------------
def _per_author(con: Any, p: Params, scope: Scope) -> ir.Table:
    """Per author, annotations completed in W (figures by state) and in the previous window
    (submitted only): one pass over `state` from the previous window's start."""
    s = con.table("state")
    s = s.filter((s.completed_us >= p.integer("prev_lo")) & (s.completed_us < p.integer("hi")))
    s = in_scope(s, team_scope(scope), p)
    now = s.completed_us >= p.integer("lo")
    done = s.last_action.isin(SUBMITTED_STATES)
    return s.group_by("author").aggregate(
        submitted=(now & done).sum(),
        submitted_before=(~now & done).sum(),
        accepted=(now & (s.last_action == "accepted")).sum(),
        fixed=(now & (s.last_action == "fixed_and_accepted")).sum(),
        rejected=(now & (s.last_action == "rejected")).sum(),
    )


def _scores(con: Any, p: Params, scope: Scope) -> ir.Table:
    """Per author, the performance score's inputs in W and in the previous window: review
    actions on their annotations, cut like the members table's (`performance._review_scores`)."""
    r = con.table("review_actions")
    r = r.filter((r.time_us >= p.integer("prev_lo")) & (r.time_us < p.integer("hi")))
    team = team_scope(scope)
    r = in_scope(r, team, p)
    r = r.rename(event_project="project").rename(project="annotation_project")
    r = in_scope(r, team, p)
    fraction = r.agreement.fill_null(p.real("credit"))
    credit = (r.type == "review.accepted").ifelse(
        SCORE_UNIT,
        (r.type == "review.rejected").ifelse(0, (fraction * SCORE_UNIT).round().cast("int64")),
    )
    now = r.time_us >= p.integer("lo")
    return r.group_by("author").aggregate(
        score_sum=credit.sum(where=now),
        score_count=now.sum(),
        score_sum_before=credit.sum(where=~now),
        score_count_before=(~now).sum(),
    )


def _fast(con: Any, p: Params, scope: Scope) -> ir.Table:
    """The submitted annotations in W (of the scope's members) under `fast` times their
    project's median lead time over W (every member's), in projects with enough of them."""
    s = con.table("state")
    s = s.filter(in_window(s.completed_us, p), s.last_action.isin(SUBMITTED_STATES))
    team = in_scope(s, team_scope(scope), p)
    medians = team.group_by("project").aggregate(
        project_annotations=team.count(), median_us=team.lead_us.median()
    )
    medians = medians.filter(medians.project_annotations >= FAST_MIN_ANNOTATIONS)
    mine = in_scope(s, scope, p, member_column="author")
    joined = mine.join(medians, "project")
    joined = joined.filter(joined.lead_us < joined.median_us * p.real("fast"))
    return joined.mutate(ratio=joined.lead_us.cast("float64") / joined.median_us)


def _fast_annotations(con: Any, p: Params, scope: Scope) -> ir.Table:
    """Each too-fast annotation, fastest against its project's median first (then by ids), in
    the report's columns but names and `completed_at` (seconds from exact microseconds, as the
    other reports divide them)."""
    fast = _fast(con, p, scope)
    return fast.select(
        "project",
        "task",
        "annotation",
        "author",
        "completed_us",
        time=fast.lead_us.cast("float64") / US,
        project_median=fast.median_us.cast("float64") / US,
        ratio=fast.ratio,
        project_annotations=fast.project_annotations,
    ).order_by("ratio", "project", "annotation")


def _fast_authors(con: Any, p: Params, scope: Scope) -> ir.Table:
    """Per author: how many too-fast annotations, and the lowest share of a median among them."""
    fast = _fast(con, p, scope)
    return fast.group_by("author").aggregate(count=fast.count(), fastest=fast.ratio.min())


# -- the reports ---------------------------------------------------------------------------------
def _values(q: ReportInput, previous: Window | None) -> dict[str, Any]:
    return {
        **q.window.values(),
        **q.scope.values(),
        "prev_lo": previous.lo_us if previous is not None else q.window.lo_us,
        "credit": q.settings.fix_accept_credit,
        "fast": q.settings.flag_fast_fraction,
    }


_EPOCH = dt.datetime(1970, 1, 1)


def _iso(us: int) -> str:
    """`performance.iso_time` of a time that is there, without a time zone lookup per row (a
    year's too-fast annotations are many rows)."""
    moment = _EPOCH + dt.timedelta(microseconds=us)
    return moment.isoformat(timespec="microseconds" if us % US else "seconds") + "Z"


def _fast_rows(q: ReportInput, values: dict[str, Any]) -> list[dict[str, Any]]:
    rows = run(
        q.store,
        ("flags", "fast", q.scope.shape),
        lambda c, p: _fast_annotations(c, p, q.scope),
        values,
    )
    projects: dict[str, str | None] = {}
    members: dict[str, str | None] = {}
    out = []
    for row in rows:
        project, author = row["project"], row["author"]
        if project not in projects:
            projects[project] = q.directory.project_name(project)
        if author not in members:
            members[author] = q.directory.member_name(author)
        out.append(
            {
                "project": project,
                "project_name": projects[project],
                "task": row["task"],
                "annotation": row["annotation"],
                "member": author,
                "member_name": members[author],
                "completed_at": _iso(row["completed_us"]),
                "time": row["time"],
                "project_median": row["project_median"],
                "ratio": row["ratio"],
                "project_annotations": row["project_annotations"],
            }
        )
    return out


def flagged_annotations(q: ReportInput) -> dict[str, Any]:
    """The too-fast annotations of the window, fastest against their project's median first."""
    values = _values(q, None)
    rows = _fast_rows(q, values)
    return {
        "window": q.window.as_dict(),
        "scope": q.scope.as_dict(),
        "rows": rows,
    }


def _pct(value: float) -> str:
    """A share as the pages show a score: 0.6 as "60%"."""
    return f"{value:.0%}"


def _secs(value: float) -> str:
    """Seconds under a minute as the pages show a duration: "3 s", "6.7 s"."""
    return f"{value:.1f} s" if value % 1 else f"{int(value)} s"


def _flag(
    member: dict[str, Any], rule: str, reason: str, value: Any, baseline: Any, basis: int
) -> dict[str, Any]:
    return {
        **member,
        "rule": rule,
        "reason": reason,
        "value": value,
        "baseline": baseline,
        "basis": basis,
    }


def _rate_flags(
    member: dict[str, Any], row: dict[str, Any], team: dict[str, int]
) -> Iterable[dict[str, Any]]:
    reviewed = int(row["accepted"]) + int(row["fixed"]) + int(row["rejected"])
    team_reviewed = team["accepted"] + team["fixed"] + team["rejected"]
    if reviewed < RATE_MIN_REVIEWED or not team_reviewed:
        return
    for rule, key, words in (
        ("rejection_rate", "rejected", "rejected"),
        ("fix_rate", "fixed", "fixed and accepted"),
    ):
        mine = int(row[key]) / reviewed
        theirs = team[key] / team_reviewed
        if mine >= RATE_FACTOR * theirs and mine - theirs >= RATE_MIN_POINTS:
            name = "Rejection rate" if key == "rejected" else "Fix rate"
            reason = (
                f"{name} {_pct(mine)} ({int(row[key]):,} of {reviewed:,} reviewed annotations "
                f"{words}) vs the team's {_pct(theirs)} ({team[key]:,} of {team_reviewed:,})"
            )
            yield _flag(member, rule, reason, mine, theirs, reviewed)


def _score(total: Any, count: Any) -> float | None:
    return int(total or 0) / (int(count) * SCORE_UNIT) if count else None


def _drop_flags(
    member: dict[str, Any], row: dict[str, Any] | None, scores: dict[str, Any] | None, span: str
) -> Iterable[dict[str, Any]]:
    if row is not None:
        now, before = int(row["submitted"]), int(row["submitted_before"])
        if before >= DROP_MIN_SUBMITTED and now <= (1 - DROP_SHARE) * before:
            fall = 1 - now / before
            reason = (
                f"Submitted {now:,} annotations, down {_pct(fall)} from {before:,} in the "
                f"previous window ({span})"
            )
            yield _flag(member, "throughput_drop", reason, now, before, before)
    if scores is not None:
        count, count_before = (
            int(scores["score_count"] or 0),
            int(scores["score_count_before"] or 0),
        )
        if count >= SCORE_MIN_REVIEWS and count_before >= SCORE_MIN_REVIEWS:
            now_score = _score(scores["score_sum"], count)
            before_score = _score(scores["score_sum_before"], count_before)
            assert now_score is not None and before_score is not None
            if before_score - now_score >= SCORE_DROP_POINTS - 1e-12:
                reason = (
                    f"Performance score {_pct(now_score)} over {count:,} review actions, down "
                    f"from {_pct(before_score)} over {count_before:,} in the previous window "
                    f"({span})"
                )
                yield _flag(member, "score_drop", reason, now_score, before_score, count)


def _stamp_flag(member: dict[str, Any], row: dict[str, Any]) -> dict[str, Any] | None:
    accepted = int(row["accepted"] or 0)
    total = accepted + int(row["rejected"] or 0) + int(row["fixed_and_accepted"] or 0)
    median = seconds(row["median_review_us"])
    if total < STAMP_MIN_REVIEWS or median is None:
        return None
    share = accepted / total
    if share < STAMP_ACCEPT_SHARE or median >= STAMP_MEDIAN_SECONDS:
        return None
    reason = (
        f"Accepted {accepted:,} of {total:,} review actions ({_pct(share)}) with a median of "
        f"{_secs(median)} per annotation reviewed"
    )
    return _flag(member, "rubber_stamp", reason, share, median, total)


def flags_table(q: ReportInput) -> dict[str, Any]:
    """One row per member flag: the rule, the reason in words, and the figures behind it."""
    previous = previous_window(q.window)
    values = _values(q, previous)
    shape = q.scope.shape
    authors = run(
        q.store, ("flags", "authors", shape), lambda c, p: _per_author(c, p, q.scope), values
    )
    scores = {
        r["author"]: r
        for r in run(
            q.store, ("flags", "scores", shape), lambda c, p: _scores(c, p, q.scope), values
        )
    }
    reviewers = run(
        q.store,
        ("flags", "reviewers", shape),
        lambda c, p: reviewers_per_actor(c, p, q.scope),
        values,
    )
    fast = run(
        q.store,
        ("flags", "fast authors", shape),
        lambda c, p: _fast_authors(c, p, q.scope),
        values,
    )
    wanted = None if q.scope.members is None else set(q.scope.members)

    def shown(member: str | None) -> bool:
        return member is not None and (wanted is None or member in wanted)

    team = {k: sum(int(r[k] or 0) for r in authors) for k in ("accepted", "fixed", "rejected")}
    by_author = {r["author"]: r for r in authors if r["author"] is not None}
    span = ""
    if previous is not None:
        span = f"{previous.start.isoformat()}–{previous.end.isoformat()}"
    out: list[dict[str, Any]] = []
    fraction = q.settings.flag_fast_fraction
    for found in fast:
        member, count = str(found["author"]), int(found["count"])
        submitted = int(by_author[member]["submitted"]) if member in by_author else count
        if count < FAST_MEMBER_MIN or count < FAST_MEMBER_SHARE * submitted:
            continue
        reason = (
            f"{count:,} of {submitted:,} submitted annotations took under {_pct(fraction)} of "
            f"their project's median time (the fastest at {_pct(float(found['fastest']))} of it)"
        )
        columns = q.directory.member_columns(member)
        out.append(_flag(columns, "too_fast", reason, count, fraction, submitted))
    for member, row in by_author.items():
        if not shown(member):
            continue
        columns = q.directory.member_columns(member)
        out.extend(_rate_flags(columns, row, team))
    if previous is not None:
        for member in sorted(set(by_author) | {m for m in scores if m is not None}):
            if shown(member):
                columns = q.directory.member_columns(member)
                out.extend(_drop_flags(columns, by_author.get(member), scores.get(member), span))
    for row in reviewers:
        if shown(row["actor"]):
            stamp = _stamp_flag(q.directory.member_columns(row["actor"]), row)
            if stamp is not None:
                out.append(stamp)
    out.sort(key=lambda r: (str(r["member_name"]).lower(), r["member"], RULES.index(r["rule"])))
    return {
        "window": q.window.as_dict(),
        "scope": q.scope.as_dict(),
        "rows": out,
    }
