"""Floor (b) of the work, insights and items reports: hand-written DuckDB SQL over `work_events`.

The table the library maintains for these reports (`labelpulse/store/work.py`) carries each
event's work type and author, and per counting key the time of the previous (or next) row with
the same key. Over a window [lo, hi) a distinct count is then a plain count of the rows in the
window whose previous row is before lo, and a key's latest row in the window is the one whose
next row is at or after hi (the columns are NULL on rows their key does not count, and hold a
far-off time when there is no such row): no join to the state, no hash of every distinct key.
The first page of items takes the page's keys from each item's first row in the window (sorted
only in the first projects by name that hold a page between them), then the figures of those 50
items alone; its count and totals are plain sums.

Each function returns its rows in the shape of floor (a)'s (`benchmarks/floors/raw.py`), so
that one reading of the rows checks both against the library.
"""

from __future__ import annotations

from typing import Any

from benchmarks.floors import offset_case
from benchmarks.floors.raw import (
    ITEMS_PAGE,
    ITEMS_PAGE_SELECT,
    Named,
    by_day_insights,
    merged_insights,
    named,
    within,
)
from labelpulse.metrics import Window


def _first(prev: str, window: Window) -> str:
    """The row is its key's first in the window (`prev`: the key's previous row's time)."""
    return f"{prev} < {window.lo_us}"


def _last(next_: str, window: Window) -> str:
    """The row is its key's last in the window (`next_`: the key's next row's time)."""
    return f"{next_} >= {window.hi_us}"


def _local_day(column: str, window: Window) -> str:
    return f"({column} + {offset_case(column, window)}) // 86400000000"


def work(con: Any, window: Window) -> list[Named]:
    """Work per member and the totals row (member NULL, `is_total` true), in one statement:
    per member the keys hold the actor, in total they do not (`any_*`)."""

    def count(name: str) -> str:
        return (
            f"CASE WHEN grouping(actor) = 1 THEN count(*) FILTER (WHERE "
            f"{_first(f'any_{name}_prev_us', window)}) ELSE count(*) FILTER (WHERE "
            f"{_first(f'{name}_prev_us', window)}) END"
        )

    times = ", ".join(
        f"coalesce({name}_us, 0) / 1e6 AS {name}_time, "
        f"coalesce({name}_us, 0) / 1e6 / nullif({name}ed, 0) AS mean_{name}_time"
        for name in ("label", "review", "edit")
    )
    sql = f"""WITH every AS (SELECT actor, grouping(actor) = 1 AS is_total,
            {count("done")} AS labeled, {count("review")} AS reviewed,
            {count("edit")} AS edited,
            sum(active_us) FILTER (WHERE kind = 'label') AS label_us,
            sum(active_us) FILTER (WHERE kind = 'review') AS review_us,
            sum(active_us) FILTER (WHERE kind = 'edit') AS edit_us
          FROM work_events WHERE {within("time_us", window)}
          GROUP BY GROUPING SETS ((actor), ()))
        SELECT actor AS member, is_total, labeled, reviewed, edited, {times} FROM every"""
    return [named(con, sql)]


def reviewers(con: Any, window: Window) -> list[Named]:
    """The reviewers table's rows, then its totals, in floor (a)'s shape: each (reviewer,
    annotation)'s review time (in total each annotation's) is its one row of W when it has only
    one, which its `reviewing_*` times say (`any_reviewing_*` in total); only the others are
    grouped. The action counts are plain sums."""
    in_w = within("time_us", window)
    reviews = f"SELECT * FROM work_events WHERE type LIKE 'review.%' AND {in_w}"

    def part(prefix: str, member: str, group: str) -> str:
        alone = (
            f"{_first(f'{prefix}reviewing_prev_us', window)} "
            f"AND {_last(f'{prefix}reviewing_next_us', window)}"
        )
        keys = "actor, annotation" if group else "annotation"
        kept = "actor, " if group else ""
        return f"""WITH r AS ({reviews}),
            per AS (SELECT {kept}duration_us AS us FROM r WHERE {alone}
              UNION ALL SELECT {kept}sum(duration_us) FROM r WHERE NOT ({alone}) GROUP BY {keys}),
            counts AS (SELECT {member}, count(*) FILTER (WHERE type = 'review.accepted') AS a,
                count(*) FILTER (WHERE type = 'review.rejected') AS rj,
                count(*) FILTER (WHERE type = 'review.fixed_and_accepted') AS f
              FROM r {group}),
            times AS (SELECT {member}, sum(us) AS us, count(*) AS n,
                quantile_cont(us, 0.5) AS median FROM per {group})
            SELECT c.member, c.a + c.rj + c.f AS total, c.a AS accepted, c.rj AS rejected,
              c.f AS fixed_and_accepted, t.us / 1e6 AS review_time,
              t.us::DOUBLE / t.n / 1e6 AS mean_review_time, t.median / 1e6 AS median_review_time
            FROM counts c JOIN times t ON c.member IS NOT DISTINCT FROM t.member"""

    rows = part("", "actor AS member", "GROUP BY actor")
    totals = part("any_", "NULL AS member", "")
    return [named(con, rows), named(con, totals)]


def _labeling(window: Window, keys: str) -> str:
    """Insights' labeling counts per `keys` of the labeling rows in W."""
    return f"""SELECT {keys},
          count(*) FILTER (WHERE {_first("labeling_prev_us", window)}) AS items_labeled,
          sum(regions_added) AS annotations_added, sum(regions_removed) AS annotations_removed,
          sum(regions_updated) AS annotations_updated,
          count(*) FILTER (WHERE {_first("assisted_prev_us", window)}) AS model_assisted,
          count(*) FILTER (WHERE {_first("nulled_prev_us", window)}) AS marked_null
        FROM work_events
        WHERE labeling_prev_us IS NOT NULL AND {within("time_us", window)}
        GROUP BY ALL"""


def _reviews(window: Window, keys: str) -> str:
    """Insights' review counts per `keys` of the review rows in W: an annotation's first
    review in the window (per project of the review) stands for it, reviewed, and approved
    first pass when its first approval came before hi and no rejection."""
    reviewed = _first("outcome_prev_us", window)
    first_pass = (
        f"{reviewed} AND first_approval_us < {window.hi_us} "
        f"AND (first_rejection_us IS NULL OR first_rejection_us >= {window.hi_us})"
    )
    return f"""SELECT {keys},
          count(*) FILTER (WHERE {_first("approval_prev_us", window)}) AS approved,
          count(*) FILTER (WHERE type = 'review.rejected') AS rejected,
          count(*) FILTER (WHERE {reviewed}) AS reviewed,
          count(*) FILTER (WHERE {first_pass}) AS first_pass
        FROM work_events
        WHERE outcome_prev_us IS NOT NULL AND {within("time_us", window)}
        GROUP BY ALL"""


def insights(con: Any, window: Window) -> list[Named]:
    """Insights per (member, project), and the totals row (`is_total` true), in one statement."""
    labeling = _labeling(window, "actor AS member, project")
    reviews = _reviews(window, "author AS member, project")
    return [named(con, merged_insights(labeling, reviews))]


def insights_projects(con: Any, window: Window) -> list[Named]:
    """Insights per project, and the totals row: the (member, project) rows added up."""
    labeling = _labeling(window, "actor AS member, project")
    reviews = _reviews(window, "author AS member, project")
    return [named(con, merged_insights(labeling, reviews, keys="project"))]


def insights_daily(con: Any, window: Window) -> list[Named]:
    """Insights per local date of W and the totals row: each row of W counted on its own
    date (a key's first row in W on the date of that row)."""
    day = f"{_local_day('time_us', window)} AS day"
    return [named(con, by_day_insights([_labeling(window, day), _reviews(window, day)]))]


def items(con: Any, window: Window) -> list[Named]:
    """The first page of items (by project name, task, project) with the totals over every item
    and the number of items, in one statement: the page's keys from each item's first row in
    the window, sorted only in the first projects by name that hold a page of items between
    them, the figures of those items alone, the totals from plain sums (the regions of the
    annotations whose latest row lies outside their state's item put right on their own)."""
    last_regions = f"{_last('regions_next_us', window)} AND alive"
    key = "lower(coalesce(p.name, f.project))"
    sql = f"""WITH w AS (SELECT * FROM work_events WHERE {within("time_us", window)}),
        firsts AS (SELECT project, task FROM w WHERE {_first("item_prev_us", window)}),
        counts AS (SELECT f.project, {key} AS project_key, count(*) AS n
          FROM firsts f LEFT JOIN projects p ON p.id = f.project GROUP BY 1, 2),
        names AS (SELECT project_key,
            sum(sum(n)) OVER (ORDER BY project_key) - sum(n) AS before
          FROM counts GROUP BY project_key),
        keys AS (SELECT f.project, f.task, {key} AS project_key
          FROM firsts f LEFT JOIN projects p ON p.id = f.project
          WHERE f.project IN (SELECT project FROM counts WHERE project_key IN
            (SELECT project_key FROM names WHERE before < {ITEMS_PAGE}))
          ORDER BY project_key, f.task, f.project LIMIT {ITEMS_PAGE}),
        figures AS (SELECT w.project, w.task,
            coalesce(sum(active_us) FILTER (WHERE kind = 'label'), 0) AS label_us,
            coalesce(sum(active_us) FILTER (WHERE kind = 'review'), 0) AS review_us,
            coalesce(sum(active_us) FILTER (WHERE kind = 'edit'), 0) AS edit_us,
            count(*) FILTER (WHERE type = 'review.rejected') AS rejected,
            any_value(frames) FILTER (WHERE {_last("frames_next_us", window)}) AS frames
          FROM w JOIN keys k ON k.project = w.project AND k.task = w.task
          GROUP BY w.project, w.task),
        counted AS (SELECT annotation_project AS project, annotation_task AS task,
            sum(regions) AS annotations
          FROM w JOIN keys k ON k.project = w.annotation_project AND k.task = w.annotation_task
          WHERE {last_regions} GROUP BY 1, 2),
        totals AS (SELECT count(*) FILTER (WHERE {_first("item_prev_us", window)}) AS rows_,
            coalesce(sum(active_us) FILTER (WHERE kind = 'label'), 0) AS label_us,
            coalesce(sum(active_us) FILTER (WHERE kind = 'review'), 0) AS review_us,
            coalesce(sum(active_us) FILTER (WHERE kind = 'edit'), 0) AS edit_us,
            count(*) FILTER (WHERE type = 'review.rejected') AS rejected,
            coalesce(sum(regions) FILTER (WHERE {last_regions}), 0) AS latest
          FROM w),
        moved AS (SELECT annotation_project, annotation_task, regions FROM w
          WHERE {last_regions} AND moved),
        away AS (SELECT coalesce(sum(regions), 0) AS out,
            coalesce(sum(regions) FILTER (WHERE (annotation_project, annotation_task) IN
              (SELECT project, task FROM firsts)), 0) AS back
          FROM moved)
        SELECT f.project, f.task, f.label_us / 1e6 AS label_time,
          f.review_us / 1e6 AS review_time, f.edit_us / 1e6 AS edit_time, f.rejected, f.frames,
          coalesce(c.annotations, 0) AS annotations,
          t.rows_ AS total_rows, t.label_us / 1e6 AS total_label_time,
          t.review_us / 1e6 AS total_review_time, t.edit_us / 1e6 AS total_edit_time,
          t.rejected AS total_rejected, t.latest - a.out + a.back AS total_annotations
        FROM keys k JOIN figures f ON f.project = k.project AND f.task = k.task
        LEFT JOIN counted c ON c.project = k.project AND c.task = k.task
        CROSS JOIN totals t CROSS JOIN away a
        ORDER BY k.project_key, k.task, k.project"""
    return [named(con, sql)]


def member_items(con: Any, window: Window, member: str) -> list[Named]:
    """The first page of the items `member` acted on in W, with the totals over every such item,
    in one statement: the member's own rows of W choose the items, then every row of W of those
    items gives their figures (frames and annotations from the latest rows, as the maintained
    next times say), the totals as window sums over the chosen items."""
    in_w = within("time_us", window)
    sql = f"""WITH chosen AS (SELECT DISTINCT project, task FROM work_events
            WHERE actor = $m AND {in_w}),
        w AS (SELECT * FROM work_events WHERE {in_w}),
        figures AS (SELECT w.project, w.task,
            coalesce(sum(active_us) FILTER (WHERE kind = 'label'), 0) AS label_us,
            coalesce(sum(active_us) FILTER (WHERE kind = 'review'), 0) AS review_us,
            coalesce(sum(active_us) FILTER (WHERE kind = 'edit'), 0) AS edit_us,
            count(*) FILTER (WHERE type = 'review.rejected') AS rejected,
            any_value(frames) FILTER (WHERE {_last("frames_next_us", window)}) AS frames
          FROM w SEMI JOIN chosen c ON c.project = w.project AND c.task = w.task
          GROUP BY w.project, w.task),
        counted AS (SELECT annotation_project AS project, annotation_task AS task,
            sum(regions) AS annotations
          FROM w SEMI JOIN chosen c
            ON c.project = w.annotation_project AND c.task = w.annotation_task
          WHERE {_last("regions_next_us", window)} AND alive GROUP BY 1, 2)
        {ITEMS_PAGE_SELECT}"""
    return [named(con, sql, {"m": member})]
