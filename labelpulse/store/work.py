"""The `work_events` table: every event with its work type, and what makes window counts cheap.

The work, insights and items reports count distinct things over a window (tasks a member
labeled, annotations they reviewed, items they touched) and take the latest value of a column in
it (an item's frames, an annotation's regions). Over the raw events both need a join to the
state (for the work type) and a hash of every distinct key in the window: seconds at 10M events.

Each row here carries, per key it is counted by, the time of the previous row with the same key
(`*_prev_us`; rows ordered by (time_us, id)), or of the next (`*_next_us`). Then over a window
[lo, hi), exactly:

- count(DISTINCT key) = the number of rows in the window whose prev is < lo (each key's first
  row in the window, and only that one, has no earlier row of its key inside it; a row with no
  earlier one at all holds NONE_BEFORE);
- the latest row of a key in the window is the one whose next is >= hi (NONE_AFTER: none).

No buckets, nothing depends on the time zone, and the figures stay exact. A row's keys stay
inside its annotation (`(actor, annotation)`, `(annotation, project)`, `annotation`) or inside its
task (`(actor, task)`, `(actor, project, task)`, `(project, task)`), so each batch recomputes
the rows of the tasks it touches: those of its annotations from their events (their work type
follows the state's author), the others' from their stored rows, whose annotation-keyed columns
cannot change. Written once here, rendered per dialect like `store/state.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from labelpulse.events import COMPLETING, REVIEW_ACTIONS, Column

if TYPE_CHECKING:  # columns.py lists this module's table among the stored ones
    from labelpulse.store.columns import Dialect

# A prev (next) column holds NULL on the rows its key does not count, and on the rows it does,
# the previous (next) such row's time, or these when there is none: then a key's first row in
# [lo, hi) is simply `prev < lo` and its last `next >= hi`, one integer comparison, with no test
# of the row's type. Far outside any time a window can start or end (year 0001 is -6.2e16 µs).
NONE_BEFORE = -(2**62)
NONE_AFTER = 2**62

LABELING = ("annotation.submitted", "annotation.updated")
APPROVALS = ("review.accepted", "review.fixed_and_accepted")
# Every review.* row, views included: what the reviewers table adds up per annotation.
REVIEWING = "type LIKE 'review.%'"

# The event columns the table is computed from.
WORK_INPUT = (
    "id, time_us, actor, project, task, annotation, type, work_type, duration_us, idle_us, "
    "regions_added, regions_removed, regions_updated, model_assisted, marked_null, frames, regions"
)

# What each row holds of its event, with its annotation's author and its work type.
BASE_COLUMNS: tuple[Column, ...] = (
    Column("id", "text"),
    Column("time_us", "int64"),
    Column("actor", "text"),
    Column("project", "text"),
    Column("task", "text"),
    Column("annotation", "text"),
    Column("author", "text", nullable=True),
    # The annotation as the state has it: where its regions count, and whether it is alive.
    Column("annotation_project", "text"),
    Column("annotation_task", "text"),
    Column("alive", "boolean"),
    # The row lies in another item than the state's for its annotation (an annotation moved
    # between tasks or projects): what the items report's totals correct for, found without
    # comparing four string columns over every latest row of a window.
    Column("moved", "boolean"),
    Column("type", "text"),
    Column("kind", "text", nullable=True),
    Column("active_us", "int64"),
    Column("duration_us", "int64"),
    Column("regions_added", "int64"),
    Column("regions_removed", "int64"),
    Column("regions_updated", "int64"),
    Column("model_assisted", "boolean"),
    Column("marked_null", "boolean"),
    Column("frames", "int64", nullable=True),
    Column("regions", "int64", nullable=True),
)


def in_list(types: Iterable[str]) -> str:
    """Event types as an SQL list, in a stable order."""
    return ", ".join(f"'{t}'" for t in sorted(types))


def _in(types: Iterable[str]) -> str:
    return f"({in_list(types)})"


# The work kinds whose active time pay prices (`metrics/pay.py`), and `pay_prev_us` is kept for.
PAID_KINDS = ("label", "review", "edit")

# Each derived column: (column, the rows it is kept for (NULL on the others), key).
Specs = tuple[tuple[str, str, str], ...]

# Keys inside one annotation: recomputed only with that annotation's events.
# The time of the previous such row with the same key.
ANNOTATION_PREVS: Specs = (
    # work: annotations a member reviewed, and edited
    ("review_prev_us", f"type IN {_in(REVIEW_ACTIONS)}", "actor, annotation"),
    ("edit_prev_us", "kind = 'edit'", "actor, annotation"),
    # work's totals: annotations anyone reviewed, and edited
    ("any_review_prev_us", f"type IN {_in(REVIEW_ACTIONS)}", "annotation"),
    ("any_edit_prev_us", "kind = 'edit'", "annotation"),
    # insights: an author's annotations reviewed, and approved, per project of the review
    ("outcome_prev_us", f"type IN {_in(REVIEW_ACTIONS)}", "annotation, project"),
    ("approval_prev_us", f"type IN {_in(APPROVALS)}", "annotation, project"),
    # reviewers: a reviewer's review.* rows of one annotation, and anyone's, summed per key
    # (each key's review time is one value of the median); a key with one row in the window,
    # most of them, needs no grouping (`reviewing_next_us` below)
    ("reviewing_prev_us", REVIEWING, "actor, annotation"),
    ("any_reviewing_prev_us", REVIEWING, "annotation"),
)
# The earliest such row's time over the whole log, on every row of the key.
ANNOTATION_FIRSTS: Specs = (
    ("first_approval_us", f"type IN {_in(APPROVALS)}", "annotation, project"),
    ("first_rejection_us", "type = 'review.rejected'", "annotation, project"),
)
# The time of the next such row with the same key.
ANNOTATION_NEXTS: Specs = (
    ("regions_next_us", "regions IS NOT NULL", "annotation"),  # items: latest regions
    ("reviewing_next_us", REVIEWING, "actor, annotation"),
    ("any_reviewing_next_us", REVIEWING, "annotation"),
)
# Keys inside one task: recomputed with every row of the task.
TASK_PREVS: Specs = (
    ("done_prev_us", f"kind = 'label' AND type IN {_in(COMPLETING)}", "actor, task"),  # work
    ("any_done_prev_us", f"kind = 'label' AND type IN {_in(COMPLETING)}", "task"),  # its totals
    ("labeling_prev_us", f"type IN {_in(LABELING)}", "actor, project, task"),  # insights
    ("assisted_prev_us", f"type IN {_in(LABELING)} AND model_assisted", "actor, project, task"),
    ("nulled_prev_us", f"type IN {_in(LABELING)} AND marked_null", "actor, project, task"),
    ("item_prev_us", "TRUE", "project, task"),  # items: each item of the window once
    # pay's audit list: each (member, item, local date) of paid time once
    ("pay_prev_us", f"kind IN {_in(PAID_KINDS)}", "actor, project, task"),
)
TASK_NEXTS: Specs = (
    ("frames_next_us", "frames IS NOT NULL", "project, task"),  # items: latest frames
)

ANNOTATION_DERIVED = tuple(
    Column(name, "int64", nullable=True)
    for name, _, _ in ANNOTATION_PREVS + ANNOTATION_FIRSTS + ANNOTATION_NEXTS
)
TASK_DERIVED = tuple(Column(name, "int64", nullable=True) for name, _, _ in TASK_PREVS + TASK_NEXTS)
WORK_COLUMNS: tuple[Column, ...] = BASE_COLUMNS + ANNOTATION_DERIVED + TASK_DERIVED


def _names(columns: tuple[Column, ...]) -> str:
    return ", ".join(c.name for c in columns)


# The rows' order, the same on every backend: ids compare by bytes everywhere (PostgreSQL's
# text columns are COLLATE "C").
ORDER = "time_us, id"


def _adjacent(step: str, key: str) -> str:
    """The time of the previous (`step` "lag") or next ("lead") row of the same key, over rows
    already filtered to those the column is for: then it is the latest earlier such row's time
    (or the earliest later one's), as rows are ordered by time first; NONE_BEFORE (NONE_AFTER)
    when there is none."""
    found = f"{step}(time_us) OVER (PARTITION BY {key} ORDER BY {ORDER})"
    return f"coalesce({found}, {NONE_BEFORE if step == 'lag' else NONE_AFTER})"


def _neighbours(dialect: Dialect, rows: str, prevs: Specs, nexts: Specs) -> str:
    """A query of (id, one column per spec of `prevs` then `nexts`) over the rows `rows` names,
    for each row that some spec is for (the others have NULL in every such column).

    Each column is a window over only the rows it is for, by its key: a sort of those rows, not
    of every row with every column (each part selects the few columns its window reads: over a
    bare `WHERE TRUE`, DuckDB carried every column of the rows through the sort, a third of a
    batch's work_events time), and a frame of one row, where a window over all rows needed
    the latest of all earlier rows (a segment tree per tiny partition). The columns are then
    one row per id again, by a GROUP BY (a join per column cost as much).
    """
    if dialect == "clickhouse":
        return _neighbours_in_one_pass(rows, prevs, nexts)
    parts = [
        f"SELECT id, {i} AS col, {_adjacent(step, key)} AS v"
        f" FROM (SELECT id, time_us, {key} FROM {rows} WHERE {where}) AS r"
        for i, (step, (_, where, key)) in enumerate(
            [("lag", spec) for spec in prevs] + [("lead", spec) for spec in nexts]
        )
    ]
    columns = ", ".join(
        f"max(CASE WHEN col = {i} THEN v END) AS {name}"
        for i, (name, _, _) in enumerate(prevs + nexts)
    )
    return f"SELECT id, {columns} FROM ({' UNION ALL '.join(parts)}) AS p GROUP BY id"


def _neighbours_in_one_pass(rows: str, prevs: Specs, nexts: Specs) -> str:
    """`_neighbours` as one SELECT of `rows` (every row, NULL where no spec is for it): each
    column a window over the rows of its key and of its condition, NULL on the others.

    For ClickHouse, which inlines a WITH subquery at each of its references instead of reading
    it once: a part per column made the whole-log query (a rebuild, `labelpulse check`) carry
    over a hundred copies of the events' join to the state, seconds of planning even on an
    empty database and as many scans of the log. One reference here, at the cost of windows
    over every row (which on DuckDB took twice the time of the parts). A one-row frame, as
    ClickHouse's lag/lead give a non-Nullable column's default, 0, where there is no such row;
    an aggregate over an empty frame is NULL (aggregate_functions_null_for_empty is set).
    """
    columns = []
    for step, (name, where, key) in [("lag", spec) for spec in prevs] + [
        ("lead", spec) for spec in nexts
    ]:
        frame = "1 PRECEDING AND 1 PRECEDING" if step == "lag" else "1 FOLLOWING AND 1 FOLLOWING"
        found = (
            f"max(time_us) OVER (PARTITION BY {key}, ({where}) ORDER BY {ORDER} "
            f"ROWS BETWEEN {frame})"
        )
        none = NONE_BEFORE if step == "lag" else NONE_AFTER
        columns.append(f"CASE WHEN {where} THEN coalesce({found}, {none}) END AS {name}")
    return f"SELECT id, {', '.join(columns)} FROM {rows}"


def _firsts(rows: str, firsts: Specs) -> str:
    """A query of (key, one column per spec) over the rows `rows` names: the earliest time of
    each spec's rows per key. All specs share one key."""
    (key,) = {key for _, _, key in firsts}
    columns = ", ".join(
        f"min(CASE WHEN {where} THEN time_us END) AS {name}" for name, where, _ in firsts
    )
    wheres = " OR ".join(f"({where})" for _, where, _ in firsts)
    return f"SELECT {key}, {columns} FROM {rows} WHERE {wheres} GROUP BY {key}"


def typed_sql(dialect: Dialect, events: str, state: str) -> str:
    """The base columns (BASE_COLUMNS, in order) of the events `events` selects (a SELECT of
    WORK_INPUT), with their annotation's row in `state` (a table, or a parenthesised query; every
    event's annotation has one) and their work type from its author: Segments' own, else review
    for review.*, and for annotation.* label when the actor is the author, edit when not
    (events.md, `work_type`)."""
    kind = (
        "coalesce(e.work_type, CASE WHEN e.type LIKE 'review.%' THEN 'review' "
        "WHEN e.type LIKE 'annotation.%' AND e.actor = s.author THEN 'label' "
        "WHEN e.type LIKE 'annotation.%' THEN 'edit' END)"
    )
    return f"""
SELECT e.id AS id, e.time_us AS time_us, e.actor AS actor, e.project AS project, e.task AS task,
  e.annotation AS annotation, s.author AS author, s.project AS annotation_project,
  s.task AS annotation_task, coalesce(s.last_action, '') <> 'deleted' AS alive,
  (e.project <> s.project OR e.task <> s.task) AS moved,
  e.type AS type, {kind} AS kind,
  e.duration_us - coalesce(e.idle_us, 0) AS active_us, e.duration_us AS duration_us,
  e.regions_added AS regions_added, e.regions_removed AS regions_removed,
  e.regions_updated AS regions_updated, e.model_assisted AS model_assisted,
  e.marked_null AS marked_null, e.frames AS frames, e.regions AS regions
FROM ({events}) AS e INNER JOIN {state} AS s ON e.annotation = s.annotation
"""


def work_sql(dialect: Dialect, fresh: str, kept: str | None) -> str:
    """The `work_events` rows (WORK_COLUMNS, in order) of the tasks some rows are recomputed for.

    `fresh` selects the base columns of every event of the annotations recomputed (`typed_sql`);
    `kept`, the stored rows (all columns) of the other annotations of the same tasks, or None when
    there are none (a rebuild, or a batch of new tasks). Annotation-keyed columns are computed
    over the fresh rows, which hold all of each such annotation's rows, and kept as stored on the
    others; task-keyed ones over both, which hold every row of each task.
    """
    base = ", ".join(f"f.{c.name} AS {c.name}" for c in BASE_COLUMNS)
    (first_key,) = {key for _, _, key in ANNOTATION_FIRSTS}
    on_key = " AND ".join(f"g.{k} = f.{k}" for k in (k.strip() for k in first_key.split(",")))
    annotation_cols = ", ".join(
        [f"a.{name} AS {name}" for name, _, _ in ANNOTATION_PREVS]
        + [f"g.{name} AS {name}" for name, _, _ in ANNOTATION_FIRSTS]
        + [f"a.{name} AS {name}" for name, _, _ in ANNOTATION_NEXTS]
    )
    rows = (
        f"SELECT {base}, {annotation_cols} FROM fresh_rows AS f"
        f" LEFT JOIN ({_firsts('fresh_rows', ANNOTATION_FIRSTS)}) AS g ON {on_key}"
        f" LEFT JOIN ({_neighbours(dialect, 'fresh_rows', ANNOTATION_PREVS, ANNOTATION_NEXTS)})"
        " AS a ON a.id = f.id"
    )
    if kept is not None:
        rows += f" UNION ALL SELECT {_names(BASE_COLUMNS + ANNOTATION_DERIVED)} FROM ({kept}) AS k"
    stored = ", ".join(f"u.{c.name} AS {c.name}" for c in BASE_COLUMNS + ANNOTATION_DERIVED)
    task_cols = ", ".join(f"t.{c.name} AS {c.name}" for c in TASK_DERIVED)
    return (
        f"WITH fresh_rows AS ({fresh}), task_rows AS ({rows}) "
        f"SELECT {stored}, {task_cols} FROM task_rows AS u"
        f" LEFT JOIN ({_neighbours(dialect, 'task_rows', TASK_PREVS, TASK_NEXTS)}) AS t"
        " ON t.id = u.id"
    )


def rebuild_sql(dialect: Dialect) -> str:
    """Every `work_events` row, from the whole log and the state."""
    return work_sql(dialect, typed_sql(dialect, f"SELECT {WORK_INPUT} FROM events", "state"), None)


def input_columns(*lists: str) -> str:
    """The union of comma-separated column lists, in first-seen order."""
    seen: dict[str, None] = {}
    for names in lists:
        for name in names.split(","):
            seen.setdefault(name.strip(), None)
    return ", ".join(seen)
