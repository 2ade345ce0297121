"""Floor (b) of the work, insights and items reports: hand-written DuckDB SQL over `work_events`.

The table the library maintains for these reports (`labelpulse/store/work.py`) carries each
event's work type and author, and per counting key the time of the previous (or next) row with
the same key. Over a window [lo, hi) a distinct count is then a plain count of the rows in the
window whose previous row is before lo (or absent), and a key's latest row in the window is the
one whose next row is at or after hi (or absent): no join to the state for the work type, no
hash of every distinct key. Only the totals of the work report still count distinct keys, as
they are counted across members (a task labeled by two members is one task), and only over the
rows that are first of their key per member; the items report still groups the window's rows
per item, as every item is a row of its own (and its count and totals are over all of them).

Each function returns its rows in the shape of floor (a)'s (`benchmarks/floors/raw.py`), so
that one reading of the rows checks both against the library.
"""

from __future__ import annotations

from typing import Any

from benchmarks.floors import REVIEW_ACTIONS, in_list
from benchmarks.floors.raw import (
    APPROVALS,
    COMPLETING,
    ITEMS_PAGE,
    LABELING,
    Named,
    named,
    within,
)
from labelpulse.metrics import Window


def _first(prev: str, window: Window) -> str:
    """The row is its key's first in the window (`prev`: the key's previous row's time)."""
    return f"({prev} IS NULL OR {prev} < {window.lo_us})"


def _last(next_: str, window: Window) -> str:
    """The row is its key's last in the window (`next_`: the key's next row's time)."""
    return f"({next_} IS NULL OR {next_} >= {window.hi_us})"


def work(con: Any, window: Window) -> list[Named]:
    """Work per member and the totals row (member NULL, `is_total` true), in one statement."""
    new_task = (
        f"kind = 'label' AND type IN {in_list(COMPLETING)} AND {_first('done_prev_us', window)}"
    )
    new_review = f"type IN {in_list(REVIEW_ACTIONS)} AND {_first('review_prev_us', window)}"
    new_edit = f"kind = 'edit' AND {_first('edit_prev_us', window)}"
    rows = f"FROM work_events WHERE {within('time_us', window)}"
    # Across members a key's first rows (one per member) still repeat it: the totals count
    # each distinct key among them, in a query of its own (one with three DISTINCT aggregates
    # beside the others is three times slower in DuckDB).
    overall = ", ".join(
        f"(SELECT count(*) FROM (SELECT {key} {rows} AND {first} GROUP BY {key}))"
        for key, first in (("task", new_task), ("annotation", new_review), ("annotation", new_edit))
    )
    times = ", ".join(
        f"coalesce({name}_us, 0) / 1e6 AS {name}_time, "
        f"coalesce({name}_us, 0) / 1e6 / nullif({name}ed, 0) AS mean_{name}_time"
        for name in ("label", "review", "edit")
    )
    sql = f"""WITH per AS (SELECT actor, count(*) FILTER (WHERE {new_task}) AS labeled,
            count(*) FILTER (WHERE {new_review}) AS reviewed,
            count(*) FILTER (WHERE {new_edit}) AS edited,
            sum(active_us) FILTER (WHERE kind = 'label') AS label_us,
            sum(active_us) FILTER (WHERE kind = 'review') AS review_us,
            sum(active_us) FILTER (WHERE kind = 'edit') AS edit_us
          {rows} GROUP BY actor),
        every AS (SELECT actor, false AS is_total, * EXCLUDE (actor) FROM per
          UNION ALL SELECT NULL, true, {overall}, sum(label_us), sum(review_us), sum(edit_us)
          FROM per)
        SELECT actor AS member, is_total, labeled, reviewed, edited, {times} FROM every"""
    return [named(con, sql)]


def insights(con: Any, window: Window) -> list[Named]:
    """Insights per (member, project), and the totals row (`is_total` true), in one statement."""
    labeling = f"""SELECT actor AS member, project,
          count(*) FILTER (WHERE {_first("labeling_prev_us", window)}) AS items_labeled,
          sum(regions_added) AS annotations_added, sum(regions_removed) AS annotations_removed,
          sum(regions_updated) AS annotations_updated,
          count(*) FILTER (WHERE model_assisted AND {_first("assisted_prev_us", window)})
            AS model_assisted,
          count(*) FILTER (WHERE marked_null AND {_first("nulled_prev_us", window)}) AS marked_null
        FROM work_events WHERE type IN {in_list(LABELING)} AND {within("time_us", window)}
        GROUP BY actor, project"""
    # An annotation's first review in the window (per project of the review) stands for it:
    # reviewed, and approved first pass when its first approval came before hi and no rejection.
    reviewed = _first("outcome_prev_us", window)
    first_pass = (
        f"{reviewed} AND first_approval_us < {window.hi_us} "
        f"AND (first_rejection_us IS NULL OR first_rejection_us >= {window.hi_us})"
    )
    reviews = f"""SELECT author AS member, project,
          count(*) FILTER (WHERE type IN {in_list(APPROVALS)}
            AND {_first("approval_prev_us", window)}) AS approved,
          count(*) FILTER (WHERE type = 'review.rejected') AS rejected,
          count(*) FILTER (WHERE {reviewed}) AS reviewed,
          count(*) FILTER (WHERE {first_pass}) AS first_pass
        FROM work_events WHERE type IN {in_list(REVIEW_ACTIONS)} AND {within("time_us", window)}
        GROUP BY author, project"""
    counts = (
        "items_labeled",
        "annotations_added",
        "annotations_removed",
        "annotations_updated",
        "model_assisted",
        "marked_null",
        "approved",
        "rejected",
    )
    merged = ", ".join(f"coalesce({c}, 0) AS {c}" for c in counts)
    sums = ", ".join(f"sum({c}) AS {c}" for c in counts)
    sql = f"""SELECT member, project, grouping(member, project) > 0 AS is_total, {sums},
          sum(annotations_added) - sum(annotations_removed) AS net_annotations,
          sum(first_pass) / nullif(sum(reviewed), 0) AS approval_rate
        FROM (SELECT coalesce(l.member, r.member) AS member,
                coalesce(l.project, r.project) AS project, {merged},
                coalesce(first_pass, 0) AS first_pass, coalesce(reviewed, 0) AS reviewed
              FROM ({labeling}) l FULL JOIN ({reviews}) r
                ON l.member = r.member AND l.project = r.project)
        GROUP BY GROUPING SETS ((member, project), ())"""
    return [named(con, sql)]


def items(con: Any, window: Window) -> list[Named]:
    """The first page of items (by project name, task, project) with the totals over every item
    and the number of items, computed before the page is cut, in one statement."""
    sql = f"""WITH w AS (SELECT project, task, annotation, type, kind, active_us, frames,
            frames_next_us, regions, regions_next_us
          FROM work_events WHERE {within("time_us", window)}),
        counted AS (SELECT s.project, s.task, sum(w.regions) AS annotations
          FROM w JOIN state s USING (annotation)
          WHERE w.regions IS NOT NULL AND {_last("w.regions_next_us", window)}
            AND (s.last_action IS NULL OR s.last_action <> 'deleted')
          GROUP BY s.project, s.task),
        figures AS (SELECT project, task,
            coalesce(sum(active_us) FILTER (WHERE kind = 'label'), 0) AS label_us,
            coalesce(sum(active_us) FILTER (WHERE kind = 'review'), 0) AS review_us,
            coalesce(sum(active_us) FILTER (WHERE kind = 'edit'), 0) AS edit_us,
            count(*) FILTER (WHERE type = 'review.rejected') AS rejected,
            any_value(frames) FILTER (WHERE frames IS NOT NULL
              AND {_last("frames_next_us", window)}) AS frames
          FROM w GROUP BY project, task)
        SELECT f.project, f.task, f.label_us / 1e6 AS label_time,
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
    return [named(con, sql)]
