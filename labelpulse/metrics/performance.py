"""Member performance (seeds 000 and 001): the member report, the members and reviewers tables,
and the team's throughput per day (the overview's chart)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.types as ir

from labelpulse.metrics.query import Params, run
from labelpulse.metrics.registry import SPECS, ReportInput
from labelpulse.metrics.scope import (
    US,
    Scope,
    Window,
    day_number,
    first_in_window,
    in_scope,
    in_window,
    last_in_window,
    local_day,
)
from labelpulse.store.state import SUBMITTED_STATES

_STATE_COUNTS = ("updated", "skipped", "rejected", "accepted", "fixed_and_accepted")


SCORE_UNIT = 1_000_000_000  # review credit is summed in billionths: exact in any order


def seconds(value: Any) -> float | None:
    """Microseconds (exact integer sums) as seconds; None stays None."""
    return None if value is None else float(value) / US


def ratio(part: float | None, whole: float | None) -> float | None:
    return None if not whole else float(part or 0) / float(whole)


# -- query builders: each returns an Ibis table expression ------------------------------------
def _mean(column: ir.IntegerColumn, where: ir.BooleanValue | None = None) -> ir.FloatingValue:
    """The mean of whole microseconds as the exact sum over the count, in one division, so every
    backend gives the same double: `AVG` of integers is a DOUBLE in DuckDB but an exact NUMERIC
    in PostgreSQL, whose conversion may end one bit apart."""
    total: ir.FloatingValue = column.sum(where=where).cast("float64")
    return total / column.count(where=where).nullif(0)


def _annotation_figures(
    con: Any, p: Params, window: Window, scope: Scope, *, member: bool, group: str | None
) -> ir.Table:
    """Annotation figures over the annotations completed in W: in total, per author, or per
    day with the total (`_with_total`)."""
    s = con.table("state")
    s = s.filter(in_window(s.completed_us, p))
    if member:
        s = s.filter(s.author == p.string("member"))
    s = in_scope(s, scope, p, member_column="author")
    done = s.last_action.isin(SUBMITTED_STATES)
    figures: dict[str, Any] = {
        "submitted": done.sum(),
        "total_us": s.lead_us.sum(where=done),
        "median_us": s.lead_us.median(where=done),
        "mean_us": _mean(s.lead_us, where=done),
        "active_us": s.active_us.sum(where=done),
    }
    for state in _STATE_COUNTS:
        figures[state] = (s.last_action == state).sum()
    if group == "day":
        daily = s.group_by(day=local_day(s.completed_us, window, p)).aggregate(**figures)
        return _with_total(daily, s.aggregate(**figures))
    if group == "author":
        return s.group_by("author").aggregate(**figures)
    return s.aggregate(**figures)


def _review_scores(
    con: Any, p: Params, scope: Scope, *, member: bool, group: str | None
) -> ir.Table:
    """Performance score inputs: review actions in W on the authors' annotations.

    `review_actions` is every review action with its annotation's state author and project (the
    store keeps it with the state), so no join of the window's events to the whole state.
    """
    r = con.table("review_actions")
    r = r.filter(in_window(r.time_us, p))
    r = in_scope(r, scope, p)  # the review event's project
    if member:
        r = r.filter(r.author == p.string("member"))
    # The annotation's own project (as the state has it) and author, cut like the state's rows.
    r = r.rename(event_project="project").rename(project="annotation_project")
    r = in_scope(r, scope, p, member_column="author")
    # Each action's credit in whole billionths, so that the sum is exact whatever order the
    # engine adds rows in (a float sum moves in its last bits from run to run and by backend).
    fraction = r.agreement.fill_null(p.real("credit"))
    credit = ibis.cases(
        (r.type == "review.accepted", SCORE_UNIT),
        (r.type == "review.rejected", 0),
        else_=(fraction * SCORE_UNIT).round().cast("int64"),
    )
    figures = {"score_sum": credit.sum(), "score_count": r.count()}
    if group == "author":
        return r.group_by("author").aggregate(**figures)
    return r.aggregate(**figures)


# The review actions the tables count, each in its own column.
_ACTIONS = ("accepted", "rejected", "fixed_and_accepted")


def _review_counts(r: ir.Table) -> dict[str, ir.Scalar]:
    """What review rows `r` add up to: each action's count and the review time."""
    counts: dict[str, ir.Scalar] = {name: (r.type == f"review.{name}").sum() for name in _ACTIONS}
    return {**counts, "review_us": r.duration_us.sum()}


def _per_annotation_figures(per: ir.Table) -> dict[str, ir.Scalar]:
    """Review figures over per-annotation rows (`accepted` ... `review_us` each): the mean and
    median review time are over annotations, not over review actions."""
    return {
        "accepted": per.accepted.sum(),
        "rejected": per.rejected.sum(),
        "fixed_and_accepted": per.fixed_and_accepted.sum(),
        "review_us": per.review_us.sum(),
        "mean_review_us": _mean(per.review_us),
        "median_review_us": per.review_us.median(),
    }


def _review_rows(con: Any, table: str, p: Params, scope: Scope) -> ir.Table:
    """The review.* rows of `table` in W and scope (a reviewer's by the actor). LIKE, which
    DuckDB turns into a range on the scan; starts_with it does not."""
    e = con.table(table)
    r = e.filter(e.type.like("review.%"), in_window(e.time_us, p))
    return in_scope(r, scope, p, member_column="actor")


def _review_work(con: Any, p: Params, window: Window, scope: Scope) -> ir.Table:
    """A member's review actions in W, per day with the total (`_with_total`): per annotation
    first. From the events by the (actor, time) order or index every backend keeps."""
    r = _review_rows(con, "events", p, scope)
    r = r.filter(r.actor == p.string("member"))
    counts = _review_counts(r)
    per = r.group_by("annotation").aggregate(**counts)
    daily = r.group_by(day=local_day(r.time_us, window, p)).aggregate(**counts)
    return _with_total(daily, per.aggregate(**_per_annotation_figures(per)))


def _reviewers_work(con: Any, p: Params, scope: Scope, *, per_actor: bool) -> ir.Table:
    """Review actions taken in W: per reviewer, or in total (each annotation's review time
    summed across reviewers).

    From `work_events`, whose `reviewing_*` times (and `any_reviewing_*` in total) say which
    rows are the only review row of their (reviewer, annotation) in W (most are): those are
    their key's review time as they stand, and only the others are grouped. Exact under any
    cut of the rows: a row alone in W is alone in any part of it.
    """
    r = _review_rows(con, "work_events", p, scope)
    prefix = "" if per_actor else "any_"
    keys = ["actor", "annotation"] if per_actor else ["annotation"]
    alone = first_in_window(r[f"{prefix}reviewing_prev_us"], p) & last_in_window(
        r[f"{prefix}reviewing_next_us"], p
    )
    # Each key's row: the counts of its actions and its review time; a row alone in W is
    # its key's as it stands. Two scans of W's review rows, which split them, and no join.
    singles = r.filter(alone).select(
        *keys[:-1],
        # (sums may be NULL, so the union's columns are nullable on both sides)
        **{name: ibis.ifelse(r.type == f"review.{name}", 1, 0).cast("int64") for name in _ACTIONS},
        review_us=r.duration_us.cast("int64"),
    )
    grouped = r.filter(~alone)
    grouped = grouped.group_by(keys).aggregate(**_review_counts(grouped))
    per = singles.union(grouped.select(*keys[:-1], *_ACTIONS, "review_us"), distinct=False)
    figures = _per_annotation_figures(per)
    if not per_actor:
        return per.aggregate(**figures)
    return per.group_by("actor").aggregate(**figures)


def reviewers_per_actor(con: Any, p: Params, scope: Scope) -> ir.Table:
    """The reviewers table's rows (`_reviewers_work` per reviewer): FLAGS' rubber stamps."""
    return _reviewers_work(con, p, scope, per_actor=True)


def _with_total(daily: ir.Table, total: ir.Table) -> ir.Table:
    """Rows per day and one more for the whole window (its `day` null), in one query.

    Both read the same filtered rows, which DuckDB then scans once (a CTE read twice is
    materialized) instead of once per query. Figures only the total has are null on days.
    """
    for name, dtype in total.schema().items():
        if name not in daily.columns:
            daily = daily.mutate(**{name: ibis.null(dtype)})
    total = total.mutate(day=ibis.null(daily.schema()["day"]))
    return daily.union(total.select(*daily.columns))


def _split_total(rows: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """(the whole window's row, the rows per day) of a `_with_total` query."""
    total = next((row for row in rows if row["day"] is None), None)
    return total, [row for row in rows if row["day"] is not None]


def _activity(con: Any, p: Params, scope: Scope) -> ir.Table:
    """Per actor in scope: latest event ever, and events in W."""
    e = in_scope(con.table("events"), scope, p, member_column="actor")
    return e.group_by("actor").aggregate(
        last_us=e.time_us.max(), in_window=in_window(e.time_us, p).sum()
    )


# -- shaping rows ------------------------------------------------------------------------------
def _annotation_block(row: dict[str, Any] | None, scores: dict[str, Any] | None) -> dict[str, Any]:
    row = row or {}
    submitted = int(row.get("submitted") or 0)
    median = seconds(row.get("median_us"))
    accepted = int(row.get("accepted") or 0)
    fixed = int(row.get("fixed_and_accepted") or 0)
    rejected = int(row.get("rejected") or 0)
    block: dict[str, Any] = {
        "submitted": submitted,
        "updated": int(row.get("updated") or 0),
        "skipped": int(row.get("skipped") or 0),
        "rejected": rejected,
        "accepted": accepted,
        "fixed_and_accepted": fixed,
        "total_time": seconds(row.get("total_us")) or 0.0,
        "median_time": median,
        "mean_time": seconds(row.get("mean_us")),
        "total_time_median": None if median is None else submitted * median,
        "active_time": seconds(row.get("active_us")) or 0.0,
        "performance_score": None,
        "acceptance_score": ratio(accepted + fixed, accepted + fixed + rejected),
    }
    if scores and scores.get("score_count"):
        block["performance_score"] = int(scores["score_sum"]) / (
            int(scores["score_count"]) * SCORE_UNIT
        )
    return block


def _review_block(row: dict[str, Any] | None) -> dict[str, Any]:
    row = row or {}
    accepted = int(row.get("accepted") or 0)
    rejected = int(row.get("rejected") or 0)
    fixed = int(row.get("fixed_and_accepted") or 0)
    return {
        "total": accepted + rejected + fixed,
        "accepted": accepted,
        "rejected": rejected,
        "fixed_and_accepted": fixed,
        "review_time": seconds(row.get("review_us")) or 0.0,
        "mean_review_time": seconds(row.get("mean_review_us")),
        "median_review_time": seconds(row.get("median_review_us")),
    }


def _first(table: Any) -> dict[str, Any] | None:
    rows: list[dict[str, Any]] = table
    return rows[0] if rows else None


def _by(table: Any, key: str) -> dict[Any, dict[str, Any]]:
    return {row[key]: row for row in table}


def _values(window: Window, scope: Scope, credit: float, **extra: Any) -> dict[str, Any]:
    return {**window.values(), **scope.values(), "credit": credit, **extra}


def member_report(q: ReportInput) -> dict[str, Any]:
    """The member performance report of metrics.md: {member, window, scope, annotations, ...}."""
    assert q.member is not None  # compute() makes sure of one
    store, member, window, scope, directory = q.store, q.member, q.window, q.scope, q.directory
    credit = q.settings.fix_accept_credit
    values = _values(window, scope, credit, member=member)
    shape = (window.shape, scope.shape)

    def ask(name: str, builder: Any) -> Any:
        return run(store, ("member", name, shape), builder, values)

    totals, daily = _split_total(
        ask(
            "annotations+day",
            lambda c, p: _annotation_figures(c, p, window, scope, member=True, group="day"),
        )
    )
    scores = ask("scores", lambda c, p: _review_scores(c, p, scope, member=True, group=None))
    reviews, reviews_daily = _split_total(
        ask(
            "reviews+day",
            lambda c, p: _review_work(c, p, window, scope),
        )
    )
    return {
        "member": directory.member(member),
        "window": window.as_dict(),
        "scope": scope.as_dict(),
        "annotations": _annotation_block(totals, _first(scores)),
        "reviews": _review_block(reviews),
        "daily": _daily_rows(window, _by(daily, "day"), _by(reviews_daily, "day")),
    }


def _daily_rows(
    window: Window, work: dict[int, dict[str, Any]], reviews: dict[int, dict[str, Any]]
) -> list[dict[str, Any]]:
    rows = []
    for day in window.days:
        a = _annotation_block(work.get(day_number(day)), None)
        r = _review_block(reviews.get(day_number(day)))
        rows.append(
            {
                "date": day.isoformat(),
                "submitted": a["submitted"],
                "updated": a["updated"],
                "skipped": a["skipped"],
                "total_time": a["total_time"],
                "total_time_median": a["total_time_median"],
                "median_time": a["median_time"],
                "mean_time": a["mean_time"],
                "reviews_accepted": r["accepted"],
                "reviews_rejected": r["rejected"],
                "reviews_fixed_and_accepted": r["fixed_and_accepted"],
                "review_time": r["review_time"],
            }
        )
    return rows


# A row's figures (and the totals'), in the registry's column order.
MEMBER_FIELDS = SPECS["members"].measures()


def members_table(q: ReportInput) -> dict[str, Any]:
    """One row per member in scope with any event in W: annotation figures, last_active."""
    store, window, scope, directory = q.store, q.window, q.scope, q.directory
    credit = q.settings.fix_accept_credit
    values = _values(window, scope, credit)
    shape = (window.shape, scope.shape)

    def ask(name: str, builder: Any) -> Any:
        return run(store, ("members", name, shape), builder, values)

    activity = ask("activity", lambda c, p: _activity(c, p, scope))
    per_author = _by(
        ask(
            "annotations",
            lambda c, p: _annotation_figures(c, p, window, scope, member=False, group="author"),
        ),
        "author",
    )
    scores = _by(
        ask("scores", lambda c, p: _review_scores(c, p, scope, member=False, group="author")),
        "author",
    )
    totals = _first(
        ask(
            "annotations/all",
            lambda c, p: _annotation_figures(c, p, window, scope, member=False, group=None),
        )
    )
    all_scores = _first(
        ask("scores/all", lambda c, p: _review_scores(c, p, scope, member=False, group=None))
    )
    rows = []
    for act in activity:
        if not act["in_window"]:
            continue
        member = act["actor"]
        block = _annotation_block(per_author.get(member), scores.get(member))
        rows.append(
            {
                **directory.member_columns(member),
                **{name: block[name] for name in MEMBER_FIELDS},
                "last_active": iso_time(act["last_us"]),
            }
        )
    rows.sort(key=lambda row: (str(row["member_name"]).lower(), row["member"]))
    total_block = _annotation_block(totals, all_scores)
    return {
        "window": window.as_dict(),
        "scope": scope.as_dict(),
        "rows": rows,
        "totals": {name: total_block[name] for name in MEMBER_FIELDS},
    }


def reviewers_table(q: ReportInput) -> dict[str, Any]:
    """One row per member in scope who reviewed in W, from the `reviews.*` figures."""
    store, window, scope, directory = q.store, q.window, q.scope, q.directory
    values = _values(window, scope, 0.5)
    shape = (window.shape, scope.shape)
    per_actor = run(
        store,
        ("reviewers", "rows", shape),
        lambda c, p: _reviewers_work(c, p, scope, per_actor=True),
        values,
    )
    totals = run(
        store,
        ("reviewers", "totals", shape),
        lambda c, p: _reviewers_work(c, p, scope, per_actor=False),
        values,
    )
    rows = [{**directory.member_columns(row["actor"]), **_review_block(row)} for row in per_actor]
    rows.sort(key=lambda row: (str(row["member_name"]).lower(), row["member"]))
    return {
        "window": window.as_dict(),
        "scope": scope.as_dict(),
        "rows": rows,
        "totals": _review_block(_first(totals)),
    }


def iso_time(us: int | None) -> str | None:
    """UTC microseconds as an RFC 3339 string with Z."""
    if us is None:
        return None
    moment = dt.datetime.fromtimestamp(us / US, tz=dt.UTC)
    text = moment.isoformat(timespec="microseconds" if us % US else "seconds")
    return text.replace("+00:00", "Z")


# -- the team's throughput per day (the overview's chart) --------------------------------------
# The same rows the members and reviewers tables count, by the day they fall on in the window's
# zone: annotations by the day they were completed (the state table, as the members table reads
# it), review actions by the day they were taken (the maintained `work_events`, as the reviewers
# table reads it). So each column's total is those tables' total to the last figure.


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


def _throughput_figures(a: dict[str, Any] | None, r: dict[str, Any] | None) -> dict[str, int]:
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
        figures = _throughput_figures(annotations.get(n), reviews.get(n))
        if any(figures.values()):
            rows.append({"date": day.isoformat(), **figures})
    return {
        "window": window.as_dict(),
        "scope": scope.as_dict(),
        "rows": rows,
        "totals": _throughput_figures(a_total, r_total),
    }
