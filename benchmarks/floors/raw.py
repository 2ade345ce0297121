"""Floor (a) of the report benchmarks: every report by hand-written DuckDB SQL over `events` alone.

No `state`, no `review_actions`, no maintained table: where a report needs an annotation's
author, last action or completion time (metrics.md, "Annotation state"), the SQL derives it
here from the annotation's events, as someone without the library would. It is written as a
careful person would write it, not naively: the state is derived only for the annotations the
window can reach (an annotation completed in W has a completing event in W; one whose review
counts has a review in W), over all of their events, since the state depends on all of them.

Each function returns the rows of one statement or a few (`benchmarks/floors/reports.py` reads
them, by column name, for the check against the library before anything is timed): the figures
under their JSON names, seconds as doubles from whole microseconds, as the library computes them.
"""

from __future__ import annotations

from typing import Any

from benchmarks.floors import REVIEW_ACTIONS, SUBMITTED, in_list, offset_case
from labelpulse.metrics import Window

Named = tuple[list[str], list[tuple[Any, ...]]]  # the column names and rows of one statement

COMPLETING = ("annotation.submitted", "annotation.updated", "annotation.skipped")
STATE_ACTIONS = (*COMPLETING, "annotation.deleted", *REVIEW_ACTIONS)
LABELING = ("annotation.submitted", "annotation.updated")
APPROVALS = ("review.accepted", "review.fixed_and_accepted")
ITEMS_PAGE = 50  # the first page of the items report
# The first page of items with the window's totals, from CTEs `figures` (per item: label_us,
# review_us, edit_us, rejected, frames) and `counted` (per item: annotations): both floors end so.
ITEMS_PAGE_SELECT = f"""SELECT f.project, f.task, f.label_us / 1e6 AS label_time,
          f.review_us / 1e6 AS review_time, f.edit_us / 1e6 AS edit_time, f.rejected, f.frames,
          coalesce(c.annotations, 0) AS annotations,
          count(*) OVER () AS total_rows,
          sum(f.label_us) OVER () / 1e6 AS total_label_time,
          sum(f.review_us) OVER () / 1e6 AS total_review_time,
          sum(f.edit_us) OVER () / 1e6 AS total_edit_time,
          sum(f.rejected) OVER () AS total_rejected,
          sum(coalesce(c.annotations, 0)) OVER () AS total_annotations
        FROM figures f LEFT JOIN counted c USING (project, task)
        LEFT JOIN projects p ON p.id = f.project
        ORDER BY lower(coalesce(p.name, f.project)), f.task, f.project LIMIT {ITEMS_PAGE}"""


def named(con: Any, sql: str, params: dict[str, Any] | None = None) -> Named:
    """One statement's column names and rows (the floors' figures are read by name)."""
    cursor = con.execute(sql, params or {})
    rows = cursor.fetchall()
    return [d[0] for d in cursor.description], rows


def within(column: str, window: Window) -> str:
    """`column` in the window [lo, hi), its bounds inlined."""
    return f"{column} >= {window.lo_us} AND {column} < {window.hi_us}"


def _owners(annotations: str) -> str:
    """Per annotation of those `annotations` selects: its author, from all its events."""
    return f"""SELECT annotation, coalesce(
          arg_min(author, (time_us, id)) FILTER (WHERE author IS NOT NULL),
          arg_min(actor, (time_us, id))
            FILTER (WHERE type LIKE 'annotation.%' AND type <> 'annotation.deleted')) AS author
        FROM events WHERE annotation IN ({annotations}) GROUP BY annotation"""


def _states(annotations: str) -> str:
    """Per annotation of those `annotations` selects: its state, from all its events."""
    own = "ev.actor = o.author AND ev.type LIKE 'annotation.%'"
    return f"""SELECT ev.annotation, o.author,
          arg_max(ev.project, (ev.time_us, ev.id)) AS project,
          arg_max(ev.task, (ev.time_us, ev.id)) AS task,
          split_part(arg_max(ev.type, (ev.time_us, ev.id))
            FILTER (WHERE ev.type IN {in_list(STATE_ACTIONS)}), '.', 2) AS last_action,
          max(ev.time_us) FILTER (WHERE ev.actor = o.author
            AND ev.type IN {in_list(COMPLETING)}) AS completed_us,
          coalesce(sum(ev.duration_us) FILTER (WHERE {own}), 0) AS lead_us,
          coalesce(sum(ev.duration_us - coalesce(ev.idle_us, 0)) FILTER (WHERE {own}), 0)
            AS active_us
        FROM events ev JOIN ({_owners(annotations)}) o USING (annotation)
        WHERE ev.annotation IN ({annotations})
        GROUP BY ev.annotation, o.author"""


def _completed(window: Window, by: str = "") -> str:
    """The annotations completed in W (by `by`'s condition on the actor): their states."""
    candidates = (
        f"SELECT annotation FROM events WHERE type IN {in_list(COMPLETING)} "
        f"AND {within('time_us', window)} {by}"
    )
    return f"SELECT * FROM ({_states(candidates)}) WHERE {within('completed_us', window)}"


def _annotation_figures(prefix: str = "") -> str:
    """The annotation block of metrics.md over state rows, as the library's JSON names."""
    done = f"last_action IN {in_list(SUBMITTED)}"
    n = f"count(*) FILTER (WHERE {done})"
    median = f"quantile_cont(lead_us, 0.5) FILTER (WHERE {done}) / 1e6"
    counts = ", ".join(
        f"""count(*) FILTER (WHERE last_action = '{s}') AS "{prefix}{s}\""""
        for s in ("updated", "skipped", "rejected", "accepted", "fixed_and_accepted")
    )
    reviewed = "count(*) FILTER (WHERE last_action IN ('accepted', 'fixed_and_accepted'))"
    rejected = "count(*) FILTER (WHERE last_action = 'rejected')"
    return f"""{n} AS "{prefix}submitted", {counts},
      coalesce(sum(lead_us) FILTER (WHERE {done}), 0) / 1e6 AS "{prefix}total_time",
      {median} AS "{prefix}median_time",
      sum(lead_us) FILTER (WHERE {done})::DOUBLE / nullif({n}, 0) / 1e6 AS "{prefix}mean_time",
      {n} * {median} AS "{prefix}total_time_median",
      coalesce(sum(active_us) FILTER (WHERE {done}), 0) / 1e6 AS "{prefix}active_time",
      {reviewed} / nullif({reviewed} + {rejected}, 0) AS "{prefix}acceptance_score\""""


def _credit(credit: float) -> str:
    return f"""sum(CASE type WHEN 'review.accepted' THEN 1.0 WHEN 'review.rejected' THEN 0.0
        ELSE coalesce(agreement, {credit}) END) / nullif(count(*), 0)"""


def _scores(window: Window, by: str = "") -> str:
    """Review actions in W with their annotation's author (`by`: a condition on the events that
    may make it someone's, to narrow the annotations whose author is worked out)."""
    reviewed = (
        f"SELECT annotation FROM events WHERE type IN {in_list(REVIEW_ACTIONS)} "
        f"AND {within('time_us', window)}"
    )
    if by:
        reviewed += f" AND annotation IN (SELECT annotation FROM events WHERE {by})"
    return f"""SELECT o.author, r.type, r.agreement FROM events r
        JOIN ({_owners(reviewed)}) o USING (annotation)
        WHERE r.type IN {in_list(REVIEW_ACTIONS)} AND {within("r.time_us", window)}"""


def _local_day(column: str, window: Window) -> str:
    return f"({column} + {offset_case(column, window)}) // 86400000000"


def member(con: Any, member: str, window: Window, credit: float) -> list[Named]:
    """The member report: the summary row, a row per date with any figure, then the `work`
    section's row."""
    mine = _completed(window, "AND actor = $m")
    maybe_mine = "author = $m OR (actor = $m AND type LIKE 'annotation.%')"
    reviews = (
        f"SELECT * FROM events WHERE actor = $m AND type LIKE 'review.%' "
        f"AND {within('time_us', window)}"
    )
    per = f"""SELECT annotation, count(*) FILTER (WHERE type = 'review.accepted') AS a,
          count(*) FILTER (WHERE type = 'review.rejected') AS r,
          count(*) FILTER (WHERE type = 'review.fixed_and_accepted') AS f,
          sum(duration_us) AS us
        FROM ({reviews}) GROUP BY annotation"""
    summary = f"""SELECT * FROM
        (SELECT {_annotation_figures("annotations.")} FROM ({mine}) WHERE author = $m),
        (SELECT {_credit(credit)} AS "annotations.performance_score"
           FROM ({_scores(window, maybe_mine)}) WHERE author = $m),
        (SELECT coalesce(sum(a + r + f), 0) AS "reviews.total",
           coalesce(sum(a), 0) AS "reviews.accepted", coalesce(sum(r), 0) AS "reviews.rejected",
           coalesce(sum(f), 0) AS "reviews.fixed_and_accepted",
           coalesce(sum(us), 0) / 1e6 AS "reviews.review_time",
           sum(us)::DOUBLE / nullif(count(*), 0) / 1e6 AS "reviews.mean_review_time",
           quantile_cont(us, 0.5) / 1e6 AS "reviews.median_review_time" FROM ({per}))"""
    daily = f"""SELECT coalesce(a.day, r.day) AS day,
          coalesce(submitted, 0) AS submitted, coalesce(updated, 0) AS updated,
          coalesce(skipped, 0) AS skipped, coalesce(total_time, 0.0) AS total_time,
          total_time_median, median_time, mean_time,
          coalesce(reviews_accepted, 0) AS reviews_accepted,
          coalesce(reviews_rejected, 0) AS reviews_rejected,
          coalesce(reviews_fixed_and_accepted, 0) AS reviews_fixed_and_accepted,
          coalesce(review_time, 0.0) AS review_time
        FROM (SELECT {_local_day("completed_us", window)} AS day, {_annotation_figures()}
              FROM ({mine}) WHERE author = $m GROUP BY day) a
        FULL JOIN (SELECT {_local_day("time_us", window)} AS day,
              count(*) FILTER (WHERE type = 'review.accepted') AS reviews_accepted,
              count(*) FILTER (WHERE type = 'review.rejected') AS reviews_rejected,
              count(*) FILTER (WHERE type = 'review.fixed_and_accepted')
                AS reviews_fixed_and_accepted,
              sum(duration_us) / 1e6 AS review_time
            FROM ({reviews}) GROUP BY day) r ON a.day = r.day"""
    return [
        named(con, summary, {"m": member}),
        named(con, daily, {"m": member}),
        member_work(con, member, window),
    ]


def members(con: Any, window: Window, credit: float) -> list[Named]:
    """The members table: one row per actor with an event in W, and the totals row (member
    NULL, `is_total` true), from one statement."""
    figures = _annotation_figures()
    sql = f"""WITH activity AS (
          SELECT actor, max(time_us) AS last_us, count(*) FILTER (WHERE {within("time_us", window)})
            AS in_window FROM events GROUP BY actor),
        annotations AS (SELECT author, grouping(author) > 0 AS is_total, {figures}
          FROM ({_completed(window)}) GROUP BY GROUPING SETS ((author), ())),
        scores AS (SELECT author, grouping(author) > 0 AS is_total,
            {_credit(credit)} AS performance_score
          FROM ({_scores(window)}) GROUP BY GROUPING SETS ((author), ())),
        everyone AS (
          SELECT actor AS member, false AS is_total, last_us FROM activity WHERE in_window > 0
          UNION ALL SELECT NULL, true, NULL)
        SELECT e.member, e.is_total, e.last_us,
          coalesce(submitted, 0) AS submitted, coalesce(updated, 0) AS updated,
          coalesce(skipped, 0) AS skipped, coalesce(accepted, 0) AS accepted,
          coalesce(fixed_and_accepted, 0) AS fixed_and_accepted,
          coalesce(rejected, 0) AS rejected, acceptance_score, performance_score,
          coalesce(total_time, 0.0) AS total_time, mean_time, median_time,
          coalesce(active_time, 0.0) AS active_time
        FROM everyone e
        LEFT JOIN annotations a
          ON a.is_total = e.is_total AND a.author IS NOT DISTINCT FROM e.member
        LEFT JOIN scores s ON s.is_total = e.is_total AND s.author IS NOT DISTINCT FROM e.member"""
    return [named(con, sql)]


def _review_work(per: str, key: str) -> str:
    return f"""SELECT {key}, sum(a + r + f) AS total, sum(a) AS accepted, sum(r) AS rejected,
          sum(f) AS fixed_and_accepted, sum(us) / 1e6 AS review_time,
          sum(us)::DOUBLE / count(*) / 1e6 AS mean_review_time,
          quantile_cont(us, 0.5) / 1e6 AS median_review_time FROM ({per})"""


def reviewers(con: Any, window: Window) -> list[Named]:
    """The reviewers table: per reviewer, then the totals (each annotation's reviews summed
    across reviewers first)."""

    def per(keys: str) -> str:
        return f"""SELECT {keys}, count(*) FILTER (WHERE type = 'review.accepted') AS a,
            count(*) FILTER (WHERE type = 'review.rejected') AS r,
            count(*) FILTER (WHERE type = 'review.fixed_and_accepted') AS f,
            sum(duration_us) AS us FROM events
          WHERE type LIKE 'review.%' AND {within("time_us", window)} GROUP BY {keys}"""

    rows = _review_work(per("actor, annotation"), "actor AS member") + " GROUP BY actor"
    totals = _review_work(per("annotation"), "NULL AS member")
    return [named(con, rows), named(con, totals)]


def _insights_halves(window: Window) -> tuple[str, str]:
    """Insights' labeling half and review half per (member, project), for `merged_insights`."""
    labeling = f"""SELECT actor AS member, project, count(DISTINCT task) AS items_labeled,
          sum(regions_added) AS annotations_added, sum(regions_removed) AS annotations_removed,
          sum(regions_updated) AS annotations_updated,
          count(DISTINCT task) FILTER (WHERE model_assisted) AS model_assisted,
          count(DISTINCT task) FILTER (WHERE marked_null) AS marked_null
        FROM events WHERE type IN {in_list(LABELING)} AND {within("time_us", window)}
        GROUP BY actor, project"""
    reviews = f"""SELECT member, project, count(*) FILTER (WHERE approved) AS approved,
          sum(rejected) AS rejected, count(*) AS reviewed,
          count(*) FILTER (WHERE ever_approved AND NOT ever_rejected) AS first_pass
        FROM ({_reviewed_annotations(window)}) WHERE reviewed GROUP BY member, project"""
    return labeling, reviews


def _reviewed_annotations(window: Window) -> str:
    """Per (author, project, annotation) with a review action before hi: whether it was
    reviewed and approved in W, its first review and first approval in W, its rejections in W,
    and whether it was ever approved or rejected before hi (history before W included)."""
    reviewed = (
        f"SELECT annotation FROM events WHERE type IN {in_list(REVIEW_ACTIONS)} "
        f"AND {within('time_us', window)}"
    )
    in_w = within("e.time_us", window)
    approval = f"e.type IN {in_list(APPROVALS)}"
    return f"""SELECT o.author AS member, e.project, e.annotation,
          bool_or({in_w}) AS reviewed, bool_or({in_w} AND {approval}) AS approved,
          min(e.time_us) FILTER (WHERE {in_w}) AS first_review_us,
          min(e.time_us) FILTER (WHERE {in_w} AND {approval}) AS first_approval_us,
          count(*) FILTER (WHERE {in_w} AND e.type = 'review.rejected') AS rejected,
          bool_or({approval}) AS ever_approved, bool_or(e.type = 'review.rejected') AS ever_rejected
        FROM events e JOIN ({_owners(reviewed)}) o USING (annotation)
        WHERE e.type IN {in_list(REVIEW_ACTIONS)} AND e.time_us < {window.hi_us}
        GROUP BY o.author, e.project, e.annotation"""


def insights(con: Any, window: Window) -> list[Named]:
    """Insights per (member, project), and the totals row (`is_total` true), in one statement."""
    return [named(con, merged_insights(*_insights_halves(window)))]


def insights_projects(con: Any, window: Window) -> list[Named]:
    """Insights per project (its labelers added up) and the totals row, in one statement."""
    return [named(con, merged_insights(*_insights_halves(window), keys="project"))]


def insights_daily(con: Any, window: Window) -> list[Named]:
    """Insights per local date of W and the totals row, in one statement: each thing counted
    once on the date of the row that counts it (an item labeled on its first labeling row in
    W per (labeler, project, task); an annotation reviewed, passed first time and approved on
    its first review and first approval in W), every rejection and region change on its own."""
    labeling = (
        f"SELECT * FROM events WHERE type IN {in_list(LABELING)} AND {within('time_us', window)}"
    )
    firsts = f"""SELECT min(time_us) AS labeled_us,
          min(time_us) FILTER (WHERE model_assisted) AS assisted_us,
          min(time_us) FILTER (WHERE marked_null) AS nulled_us
        FROM ({labeling}) GROUP BY actor, project, task"""
    per = f"SELECT * FROM ({_reviewed_annotations(window)}) WHERE reviewed"
    rejections = (
        f"SELECT time_us FROM events WHERE type = 'review.rejected' AND {within('time_us', window)}"
        f" AND annotation IS NOT NULL"
    )

    def day(column: str) -> str:
        return _local_day(column, window)

    parts = [
        f"""SELECT {day("time_us")} AS day, sum(regions_added) AS annotations_added,
              sum(regions_removed) AS annotations_removed,
              sum(regions_updated) AS annotations_updated FROM ({labeling}) GROUP BY day""",
        f"""SELECT {day("labeled_us")} AS day, count(*) AS items_labeled FROM ({firsts})
            GROUP BY day""",
        f"""SELECT {day("assisted_us")} AS day, count(*) AS model_assisted FROM ({firsts})
            WHERE assisted_us IS NOT NULL GROUP BY day""",
        f"""SELECT {day("nulled_us")} AS day, count(*) AS marked_null FROM ({firsts})
            WHERE nulled_us IS NOT NULL GROUP BY day""",
        f"""SELECT {day("first_review_us")} AS day, count(*) AS reviewed,
              count(*) FILTER (WHERE ever_approved AND NOT ever_rejected) AS first_pass
            FROM ({per}) GROUP BY day""",
        f"""SELECT {day("first_approval_us")} AS day, count(*) AS approved FROM ({per})
            WHERE first_approval_us IS NOT NULL GROUP BY day""",
        f"SELECT {day('time_us')} AS day, count(*) AS rejected FROM ({rejections}) GROUP BY day",
    ]
    return [named(con, by_day_insights(parts))]


def _typed(window: Window, columns: str, by: str = "") -> str:
    """Events in W with their work type (`kind`) and active time: the author is worked out for
    the annotations of the `annotation.*` events that name no work type (`by`: a condition on
    the events' actor, e.g. `= $m`, to keep one member's)."""
    actor, outer = (f"AND actor {by}", f"AND e.actor {by}") if by else ("", "")
    untyped = (
        f"SELECT annotation FROM events WHERE {within('time_us', window)} "
        f"AND work_type IS NULL AND type LIKE 'annotation.%' {actor}"
    )
    return f"""SELECT {columns}, e.duration_us - coalesce(e.idle_us, 0) AS active_us,
          coalesce(e.work_type, CASE WHEN e.type LIKE 'review.%' THEN 'review'
            WHEN e.type LIKE 'annotation.%' AND e.actor = o.author THEN 'label'
            WHEN e.type LIKE 'annotation.%' THEN 'edit' END) AS kind
        FROM events e LEFT JOIN ({_owners(untyped)}) o USING (annotation)
        WHERE {within("e.time_us", window)} {outer}"""


def _work_blocks(prefix: str = "") -> str:
    """Work's figures over `_typed` rows: labeled, label_time, mean_label_time, … (`prefix`
    before each name)."""

    def block(count: str, us: str, name: str) -> str:  # labeled, label_time, mean_label_time
        return f"""{count} AS "{prefix}{name}ed", coalesce({us}, 0) / 1e6 AS "{prefix}{name}_time",
          coalesce({us}, 0) / 1e6 / nullif({count}, 0) AS "{prefix}mean_{name}_time\""""

    label = block(
        f"count(DISTINCT task) FILTER (WHERE kind = 'label' AND type IN {in_list(COMPLETING)})",
        "sum(active_us) FILTER (WHERE kind = 'label')",
        "label",
    )
    review = block(
        f"count(DISTINCT annotation) FILTER (WHERE type IN {in_list(REVIEW_ACTIONS)})",
        "sum(active_us) FILTER (WHERE kind = 'review')",
        "review",
    )
    edit = block(
        "count(DISTINCT annotation) FILTER (WHERE kind = 'edit')",
        "sum(active_us) FILTER (WHERE kind = 'edit')",
        "edit",
    )
    return f"{label}, {review}, {edit}"


def work(con: Any, window: Window) -> list[Named]:
    """Work per member and the totals row (member NULL, `is_total` true), in one statement."""
    typed = _typed(window, "e.actor, e.type, e.task, e.annotation")
    sql = f"""SELECT actor AS member, grouping(actor) > 0 AS is_total, {_work_blocks()}
        FROM ({typed}) GROUP BY GROUPING SETS ((actor), ())"""
    return [named(con, sql)]


def member_work(con: Any, member: str, window: Window) -> Named:
    """The member report's `work` section: the member's Work figures with the idle time (lead
    time less active time) of the same events beside each time, as `work.*` columns."""
    typed = _typed(window, "e.type, e.task, e.annotation, e.duration_us", "= $m")
    idle = ", ".join(
        f"""coalesce(sum(duration_us - active_us) FILTER (WHERE kind = '{kind}'), 0) / 1e6
          AS "work.{kind}_idle_time\""""
        for kind in ("label", "review", "edit")
    )
    return named(con, f"SELECT {_work_blocks('work.')}, {idle} FROM ({typed})", {"m": member})


def items(con: Any, window: Window, member: str | None = None) -> list[Named]:
    """The first page of items (by project name, task, project) with the totals over every item
    and the number of items, computed before the page is cut, in one statement. With `member`,
    the items are those the member acted on in W, each with every event on it in W."""
    chosen = f"SELECT project, task FROM events WHERE actor = $m AND {within('time_us', window)}"
    only = f"WHERE (project, task) IN ({chosen})" if member is not None else ""
    typed = _typed(
        window, "e.project, e.task, e.annotation, e.type, e.time_us, e.id, e.frames, e.regions"
    )
    sql = f"""WITH typed AS ({typed}),
        regions AS (SELECT annotation, arg_max(regions, (time_us, id)) AS regions
          FROM typed WHERE regions IS NOT NULL GROUP BY annotation),
        counted AS (SELECT s.project, s.task, sum(r.regions) AS annotations
          FROM regions r JOIN ({_states("SELECT annotation FROM regions")}) s USING (annotation)
          WHERE s.last_action IS NULL OR s.last_action <> 'deleted' GROUP BY s.project, s.task),
        figures AS (SELECT project, task,
            coalesce(sum(active_us) FILTER (WHERE kind = 'label'), 0) AS label_us,
            coalesce(sum(active_us) FILTER (WHERE kind = 'review'), 0) AS review_us,
            coalesce(sum(active_us) FILTER (WHERE kind = 'edit'), 0) AS edit_us,
            count(*) FILTER (WHERE type = 'review.rejected') AS rejected,
            arg_max(frames, (time_us, id)) FILTER (WHERE frames IS NOT NULL) AS frames
          FROM typed {only} GROUP BY project, task)
        {ITEMS_PAGE_SELECT}"""
    return [named(con, sql, {} if member is None else {"m": member})]


INSIGHTS_COUNTS = (
    "items_labeled",
    "annotations_added",
    "annotations_removed",
    "annotations_updated",
    "model_assisted",
    "marked_null",
    "approved",
    "rejected",
)


def merged_insights(labeling: str, reviews: str, keys: str = "member, project") -> str:
    """Insights' rows per `keys` (member, project; or project) and the totals row
    (`is_total`), from the labeling half (`labeling`: member, project and its counts) and the
    review half (`reviews`: member, project, approved, rejected, reviewed, first_pass), as both
    floors compute them (per project: its (member, project) rows added up)."""
    merged = ", ".join(f"coalesce({c}, 0) AS {c}" for c in INSIGHTS_COUNTS)
    sums = ", ".join(f"sum({c}) AS {c}" for c in INSIGHTS_COUNTS)
    return f"""SELECT {keys}, grouping({keys}) > 0 AS is_total, {sums},
          sum(annotations_added) - sum(annotations_removed) AS net_annotations,
          sum(first_pass) / nullif(sum(reviewed), 0) AS approval_rate
        FROM (SELECT coalesce(l.member, r.member) AS member,
                coalesce(l.project, r.project) AS project, {merged},
                coalesce(first_pass, 0) AS first_pass, coalesce(reviewed, 0) AS reviewed
              FROM ({labeling}) l FULL JOIN ({reviews}) r
                ON l.member = r.member AND l.project = r.project)
        GROUP BY GROUPING SETS (({keys}), ())"""


def by_day_insights(parts: list[str]) -> str:
    """Insights per local date and the totals row (`is_total`), from `parts`: statements of a
    `day` and some of the counts (and reviewed, first_pass) per day, as both floors compute
    them; the approval rate from its parts."""
    union = " UNION ALL BY NAME ".join(f"SELECT * FROM ({part})" for part in parts)
    columns = (*INSIGHTS_COUNTS, "reviewed", "first_pass")
    sums = ", ".join(f"coalesce(sum({c}), 0) AS {c}" for c in columns)
    return f"""SELECT day, grouping(day) > 0 AS is_total, {sums},
          coalesce(sum(annotations_added), 0) - coalesce(sum(annotations_removed), 0)
            AS net_annotations,
          sum(first_pass) / nullif(sum(reviewed), 0) AS approval_rate
        FROM ({union}) GROUP BY GROUPING SETS ((day), ())"""


def _per_day(annotations: str, reviews: str, window: Window, time: str) -> str:
    """Annotations (state rows) and review events per local day and in total, joined by day;
    `time` is the state rows' completion column."""
    a = f"""SELECT day, grouping(day) > 0 AS is_total,
          count(*) FILTER (WHERE last_action IN {in_list(SUBMITTED)}) AS submitted,
          count(*) FILTER (WHERE last_action = 'skipped') AS skipped
        FROM (SELECT *, {_local_day(time, window)} AS day FROM ({annotations}))
        GROUP BY GROUPING SETS ((day), ())"""
    r = f"""SELECT day, grouping(day) > 0 AS is_total,
          count(*) FILTER (WHERE type = 'review.accepted') AS reviews_accepted,
          count(*) FILTER (WHERE type = 'review.rejected') AS reviews_rejected,
          count(*) FILTER (WHERE type = 'review.fixed_and_accepted')
            AS reviews_fixed_and_accepted
        FROM (SELECT type, {_local_day("time_us", window)} AS day FROM ({reviews}))
        GROUP BY GROUPING SETS ((day), ())"""
    return f"""SELECT coalesce(a.day, r.day) AS day, coalesce(a.is_total, r.is_total) AS is_total,
          coalesce(submitted, 0) AS submitted, coalesce(skipped, 0) AS skipped,
          coalesce(reviews_accepted, 0) + coalesce(reviews_rejected, 0)
            + coalesce(reviews_fixed_and_accepted, 0) AS reviews,
          coalesce(reviews_accepted, 0) AS reviews_accepted,
          coalesce(reviews_rejected, 0) AS reviews_rejected,
          coalesce(reviews_fixed_and_accepted, 0) AS reviews_fixed_and_accepted
        FROM ({a}) a FULL JOIN ({r}) r
          ON a.is_total = r.is_total AND a.day IS NOT DISTINCT FROM r.day"""


def throughput(con: Any, window: Window) -> list[Named]:
    """The throughput report: per local day of W, the annotations completed (by their state)
    and the review actions taken; and the totals row (`is_total` true), in one statement."""
    reviews = (
        f"SELECT type, time_us FROM events WHERE type IN {in_list(REVIEW_ACTIONS)} "
        f"AND {within('time_us', window)}"
    )
    return [named(con, _per_day(_completed(window), reviews, window, "completed_us"))]


def throughput_maintained(con: Any, window: Window) -> list[Named]:
    """The same over the tables the library maintains: `state` and `work_events`."""
    state = f"SELECT * FROM state WHERE {within('completed_us', window)}"
    reviews = (
        f"SELECT type, time_us FROM work_events WHERE type IN {in_list(REVIEW_ACTIONS)} "
        f"AND {within('time_us', window)}"
    )
    return [named(con, _per_day(state, reviews, window, "completed_us"))]
