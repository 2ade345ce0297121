"""Work by type — label, review, edit — per member, and per item (sorted and paged by `items`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ibis
import ibis.expr.types as ir

from labelpulse.events import COMPLETING, REVIEW_ACTIONS
from labelpulse.metrics.performance import ratio, seconds
from labelpulse.metrics.query import Params, run
from labelpulse.metrics.registry import ReportInput
from labelpulse.metrics.scope import (
    Scope,
    first_in_window,
    in_scope,
    in_window,
    last_in_window,
)


def maintained(scope: Scope) -> bool:
    """Whether the window counts may come from `work_events`' prev/next times.

    Their keys ((actor, task), (actor, annotation), annotation) may span projects in irregular
    data (a task id two projects share, an annotation moved), so under a project cut a key's
    first row in the window and scope need not be its first row in the window: there the counts
    are distinct counts over the same rows instead. A member cut keeps whole keys (they hold
    the actor), and the organisation's view has no cut.
    """
    return scope.projects is None


def _typed_events(con: Any, p: Params, scope: Scope, member_column: str | None) -> ir.Table:
    """Events in W and scope with their work type and active time: `work_events` (the store
    keeps each event's type from its annotation's author)."""
    e = con.table("work_events")
    e = e.filter(in_window(e.time_us, p))
    return in_scope(e, scope, p, member_column=member_column)


def _work_figures(e: ir.Table, p: Params, scope: Scope, per_member: bool) -> dict[str, Any]:
    """Per member, a key holds the actor; in total (everyone's work at once) it does not, so a
    member cut may drop a key's first row in W (by someone outside it) from the total's."""
    label, review, edit = e.kind == "label", e.kind == "review", e.kind == "edit"
    done = label & e.type.isin(sorted(COMPLETING))
    reviews = e.type.isin(REVIEW_ACTIONS)
    if maintained(scope) and (per_member or scope.members is None):
        prefix = "" if per_member else "any_"
        done_prev, review_prev, edit_prev = (
            e[f"{prefix}{name}_prev_us"] for name in ("done", "review", "edit")
        )
        counts = {
            "labeled": e.count(where=first_in_window(done_prev, p)),
            "reviewed": e.count(where=first_in_window(review_prev, p)),
            "edited": e.count(where=first_in_window(edit_prev, p)),
        }
    else:
        counts = {
            "labeled": e.task.nunique(where=done),
            "reviewed": e.annotation.nunique(where=reviews),
            "edited": e.annotation.nunique(where=edit),
        }
    return {
        "labeled": counts["labeled"],
        "label_us": e.active_us.sum(where=label),
        "reviewed": counts["reviewed"],
        "review_us": e.active_us.sum(where=review),
        "edited": counts["edited"],
        "edit_us": e.active_us.sum(where=edit),
    }


def _per_member(con: Any, p: Params, scope: Scope, grouped: bool) -> ir.Table:
    e = _typed_events(con, p, scope, "actor")
    if grouped:
        return e.group_by(member=e.actor).aggregate(**_work_figures(e, p, scope, True))
    return e.aggregate(**_work_figures(e, p, scope, False))


def member_work(con: Any, p: Params, scope: Scope) -> ir.Table:
    """One member's label, review and edit work in W, as the Work page counts it (the same
    figures, so the member report's `work` equals the member's Work row), with the idle time
    of the same events beside each active time."""
    e = _typed_events(con, p, scope, "actor")
    e = e.filter(e.actor == p.string("member"))
    idle = e.duration_us - e.active_us
    return e.aggregate(
        **_work_figures(e, p, scope, True),
        **{
            f"{kind}_idle_us": idle.sum(where=e.kind == kind)
            for kind in ("label", "review", "edit")
        },
    )


def member_work_block(row: dict[str, Any] | None) -> dict[str, Any]:
    """The member report's `work` section: Work's figures and the idle time beside each time."""
    block = _work_block(row)
    for kind in ("label", "review", "edit"):
        block[f"{kind}_idle_time"] = seconds((row or {}).get(f"{kind}_idle_us")) or 0.0
    return block


def _work_block(row: dict[str, Any] | None) -> dict[str, Any]:
    row = row or {}
    out: dict[str, Any] = {}
    for count, time in (("labeled", "label"), ("reviewed", "review"), ("edited", "edit")):
        n = int(row.get(count) or 0)
        total = seconds(row.get(f"{time}_us")) or 0.0
        out[count] = n
        out[f"{time}_time"] = total
        out[f"mean_{time}_time"] = ratio(total, n)
    return out


def work_table(q: ReportInput) -> dict[str, Any]:
    """Per member: labeled, reviewed, edited counts with their active times and means."""
    store, window, scope, directory = q.store, q.window, q.scope, q.directory
    values = {**window.values(), **scope.values()}
    shape = (window.shape, scope.shape)
    rows_t = run(
        store, ("work", "rows", shape), lambda c, p: _per_member(c, p, scope, True), values
    )
    totals_t = run(
        store, ("work", "totals", shape), lambda c, p: _per_member(c, p, scope, False), values
    )
    rows = [{**directory.member_columns(row["member"]), **_work_block(row)} for row in rows_t]
    rows.sort(key=lambda r: (str(r["member_name"]).lower(), r["member"]))
    totals_rows = totals_t
    return {
        "window": window.as_dict(),
        "scope": scope.as_dict(),
        "rows": rows,
        "totals": _work_block(totals_rows[0] if totals_rows else None),
    }


def _latest(e: ir.Table, column: str, key: list[str]) -> ir.Table:
    """The latest non-null value of `column` per `key` (ties in time broken by id)."""
    known = e.filter(e[column].notnull())
    order = [ibis.desc(known.time_us), ibis.desc(known.id)]
    ranked = known.mutate(rank=ibis.row_number().over(group_by=key, order_by=order))
    return ranked.filter(ranked["rank"] == 0).select(*key, column)


def _latest_maintained(
    e: ir.Table, p: Params, column: str, following: str, key: list[str]
) -> ir.Table:
    """The same from the maintained next times: the row with no later one of its key in W."""
    return e.filter(last_in_window(e[following], p)).select(*key, column)


def _item_sums(e: ir.Table) -> dict[str, ir.Scalar]:
    """An item's (or every item's) label, review and edit time and rejections, of rows `e`."""
    return {
        "label_us": e.active_us.sum(where=e.kind == "label"),
        "review_us": e.active_us.sum(where=e.kind == "review"),
        "edit_us": e.active_us.sum(where=e.kind == "edit"),
        "rejected": (e.type == "review.rejected").sum(),
    }


def _latest_regions(e: ir.Table, p: Params) -> ir.Table:
    """Each alive annotation's latest row with regions in W (of `work_events` rows `e` in W)."""
    return e.filter(last_in_window(e.regions_next_us, p), e.alive)


def item_scope(scope: Scope) -> Scope:
    """The scope an item's figures are counted in: the scope's projects, never its members.

    An item tells its whole story within the viewer's projects: a member cut (a member filter,
    or an annotator or reviewer who may see only their own work) chooses the ITEMS, those the
    members worked on in the window (`chosen_items`), and each chosen item counts every event
    on it in the window and projects, whoever acted: the rejections it received, everyone's
    review time, everyone's annotations.
    """
    return Scope(projects=scope.projects, members=None, asked=scope.asked)


def chosen_items(con: Any, p: Params, scope: Scope) -> ir.Table:
    """The items (project, task) the scope's members acted on in the window and projects.

    Their own rows of W: a filter on the actor and time of the maintained `work_events`
    (ClickHouse keeps them ordered by actor and time), not a pass over everyone's."""
    e = _typed_events(con, p, scope, "actor")
    return e.select("project", "task").distinct()


def _chooser(
    con: Any, p: Params, scope: Scope, part: Callable[[ir.Table], ir.Table] | None
) -> Callable[[ir.Table], ir.Table] | None:
    """`part`, and under a member cut the items the members chose (`chosen_items`): a filter
    of any table with `project` and `task` columns, as a semi-join on those two."""
    if scope.members is None:
        return part
    chosen = chosen_items(con, p, scope)

    def kept(table: ir.Table) -> ir.Table:
        table = table.semi_join(chosen, ["project", "task"])
        return table if part is None else part(table)

    return kept


def per_item(
    con: Any, p: Params, scope: Scope, part: Callable[[ir.Table], ir.Table] | None = None
) -> ir.Table:
    """Per item (project, task) of the window and scope: its times, rejections, frames and
    annotations, as microseconds and counts; what `labelpulse.metrics.items` sorts and pages.
    `part` (a filter of any table with `project` and `task` columns) keeps the items it keeps:
    a part of an export, grouped by a query of its own so that the database holds one part's
    items at a time. A member cut chooses items (`item_scope`), it does not cut their events."""
    part = _chooser(con, p, scope, part)
    scope = item_scope(scope)
    everything = _typed_events(con, p, scope, "actor")
    e = everything if part is None else part(everything)
    s = con.table("state")
    figures = e.group_by("project", "task").aggregate(**_item_sums(e))
    if maintained(scope):
        frames = _latest_maintained(e, p, "frames", "frames_next_us", ["project", "task"])
        # Each alive annotation's latest regions in W, counted where the state puts it (its own
        # project and task, which the rows carry: no join to the state). That latest row may
        # lie in another item, so it is looked for among all of W's rows.
        latest = _latest_regions(everything, p)
        latest = latest.select(
            project=latest.annotation_project, task=latest.annotation_task, regions=latest.regions
        )
        if part is not None:
            latest = part(latest)
        annotations = latest.group_by("project", "task").aggregate(annotations=latest.regions.sum())
    else:
        frames = _latest(e, "frames", ["project", "task"])
        alive = s.filter(s.last_action.isnull() | (s.last_action != "deleted"))
        # An annotation counts where its state puts it, its latest regions may lie elsewhere:
        # a part keeps the annotations its items hold, with every row of each.
        own = e
        if part is not None:
            alive = part(alive)
            own = everything.semi_join(alive, "annotation")
        regions = _latest(own, "regions", ["annotation"])
        counted = regions.join(alive.select("annotation", "project", "task"), "annotation")
        annotations = counted.group_by("project", "task").aggregate(
            annotations=counted.regions.sum()
        )
    return _with_figures(figures, frames, annotations)


def item_figure(con: Any, p: Params, scope: Scope, sort: str) -> ir.Table:
    """Per item of the window and scope (project, task) the one figure of `_item_sums` a page
    is sorted by (`figure`; total_time: the three times added up): all such a page needs of
    every item. One sum per item, where all four took the database twice as long (a filter
    per sum, over every row of W)."""
    e = _typed_events(con, p, scope, "actor")
    # Every kind is label, review or edit (events.md, `work_type`) or none: the total is the
    # time of the rows with one, summed as a value, not under a filter (a sixth less time).
    figure = {
        "label_time": e.active_us.sum(where=e.kind == "label"),
        "review_time": e.active_us.sum(where=e.kind == "review"),
        "edit_time": e.active_us.sum(where=e.kind == "edit"),
        "total_time": ibis.ifelse(e.kind.notnull(), e.active_us, 0).sum(),
        "rejected": (e.type == "review.rejected").sum(),
    }[sort]
    return e.group_by("project", "task").aggregate(figure=figure)


def page_items(con: Any, p: Params, scope: Scope, keys: ir.Table) -> ir.Table:
    """`per_item`'s rows of the items `keys` (a page's (project, task), each an item of W)
    alone (`maintained_items` scopes only): their rows of W, found once; their annotations
    from W's latest region rows whose state's item is one of theirs (matched against the
    page's figures, so that `keys`, a sort of W's items, is computed once).

    Both read `work_events` with filters of their own, not W's rows as the sort of every item
    reads them (`_typed_events`): a query that reads those twice gets them materialized, every
    column of every row of W copied once (1.2 s of CPU over a year at 10M events), where each
    reader needs a few columns of its own rows."""
    events = con.table("work_events")
    e = in_scope(events.semi_join(keys, ["project", "task"]), scope, p, member_column="actor")
    e = e.filter(in_window(e.time_us, p))
    figures = e.group_by("project", "task").aggregate(**_item_sums(e))
    frames = _latest_maintained(e, p, "frames", "frames_next_us", ["project", "task"])
    latest = events.filter(
        in_window(events.time_us, p), last_in_window(events.regions_next_us, p), events.alive
    )
    latest = in_scope(latest, scope, p, member_column="actor")
    latest = latest.select(
        project=latest.annotation_project, task=latest.annotation_task, regions=latest.regions
    ).semi_join(figures.select("project", "task"), ["project", "task"])
    annotations = latest.group_by("project", "task").aggregate(annotations=latest.regions.sum())
    return _with_figures(figures, frames, annotations)


def _with_figures(figures: ir.Table, frames: ir.Table, annotations: ir.Table) -> ir.Table:
    """Each item's sums with its latest frames and its annotations (NULL when none)."""
    return (
        figures.left_join(frames, ["project", "task"])
        .select(figures, "frames")
        .left_join(annotations, ["project", "task"])
        .select(figures, "frames", "annotations")
    )


def maintained_items(scope: Scope) -> bool:
    """Whether a page of items may be keyed from the maintained times of every item of W: no
    project cut (`maintained`), and no member cut, under which the items are those the members
    chose (`chosen_items`), few enough to group (`per_item`)."""
    return maintained(scope) and scope.members is None


def item_events(con: Any, p: Params, scope: Scope) -> ir.Table:
    """The rows `per_item` groups: `work_events` in W and the scope's projects, of the items a
    member cut chooses (`item_scope`)."""
    chooser = _chooser(con, p, scope, None)
    e = _typed_events(con, p, item_scope(scope), "actor")
    return e if chooser is None else chooser(e)


def item_keys(con: Any, p: Params, scope: Scope) -> ir.Table:
    """The items (project, task) of the window and scope, each once, without grouping: the
    first row of each in W (`maintained_items` scopes only)."""
    e = _typed_events(con, p, scope, "actor")
    return e.filter(first_in_window(e.item_prev_us, p)).select("project", "task")


def item_totals(con: Any, p: Params, scope: Scope, search: ir.StringValue | None) -> ir.Table:
    """What `per_item`'s rows add up to (those whose task holds `search`), without grouping
    by item (`maintained_items` scopes only): one row of `all_*` columns.

    Each figure is a query of its own rows (cross-joined, one row each): the database then
    reads, for each, only the rows its filter keeps and the columns it sums, where one pass
    with a FILTER per figure read every column of every row of W (over a year at 10M events,
    190 ms against 110 ms for the four); the times are summed per work type, a grouping on
    the few kinds, not a filter per kind."""
    everything = _typed_events(con, p, scope, "actor")

    def matches(task: ir.StringValue) -> ir.BooleanValue:
        return ibis.literal(True) if search is None else task.lower().contains(search)

    e = everything if search is None else everything.filter(matches(everything.task))
    items = e.filter(first_in_window(e.item_prev_us, p))
    rows = items.aggregate(all_rows=items.count())
    kinds = e.group_by("kind").aggregate(spent=e.active_us.sum())
    times = kinds.aggregate(
        **{
            f"all_{kind}_time": kinds.spent.sum(where=kinds.kind == kind)
            for kind in ("label", "review", "edit")
        }
    )
    rejections = e.filter(e.type == "review.rejected")
    rejected = rejections.aggregate(all_rejected=rejections.count())
    # An annotation's regions count toward its state's item when that item has a row in W
    # (and matches): always so when its latest row lies in that very item, so the plain sum
    # over the latest rows of matching items (no string column read) is right but for the
    # annotations moved between items (rare), whose latest row lies in another item (`moved`,
    # kept on the row): theirs are taken off and added back where their state's item has a row
    # in W (looked up for those rows alone, so that nothing is done over W's items when there
    # are none).
    last = e.filter(last_in_window(e.regions_next_us, p), e.alive)
    regions = last.aggregate(latest=last.regions.sum())
    latest = _latest_regions(everything, p)
    away = latest.filter(latest.moved).select(
        project=latest.annotation_project,
        task=latest.annotation_task,
        regions=latest.regions,
        counted=matches(latest.task),
        belongs=matches(latest.annotation_task),
    )
    keys = item_keys(con, p, scope).semi_join(away, ["project", "task"])
    found = away.semi_join(keys, ["project", "task"])
    moved = away.aggregate(out=away.regions.sum(where=away.counted)).cross_join(
        found.aggregate(back=found.regions.sum(where=found.belongs))
    )
    sums = rows.cross_join(times).cross_join(rejected).cross_join(regions).cross_join(moved)
    return sums.select(
        "all_rows",
        "all_label_time",
        "all_review_time",
        "all_edit_time",
        "all_rejected",
        all_annotations=sums.latest.fill_null(0) - sums.out.fill_null(0) + sums.back.fill_null(0),
    )
