"""The items report (seed 003): per item (task), sorted, searched and paged in SQL.

At 10M events over a year there are millions of items: no caller wants them all in a Python
list. Everything that depends on every matching row is done by the database over the per-item
expression (`workunits.per_item`): the sort (with the project's name from the `projects`
table, ties broken by the unique key (project, task), so pages never overlap or skip), the
task search, LIMIT/OFFSET, and the count of matching rows and their totals (window aggregates
riding on the page's rows: one pass over the events). Only the page's rows come back. The
exports ask for a stream instead: every matching row, read from the store in batches as they
are written.

A stream in the report's own order is read in parts, each a range of the order's keys (the
project's name, then the task) grouped by a query of its own: grouping every item at once
took the database 1.2 GB at 10M events over a year, a part of half a million events a
twentieth of it. The parts' bounds are drawn from a sample of the matching events (one in
`every`, by a hash of the event id): a skewed sample makes parts unequal, never rows wrong.
A stream in any other order (a figure's) is one query, as large as the whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import ibis
import ibis.expr.types as ir

from labelpulse.metrics.performance import seconds
from labelpulse.metrics.query import Params, compiled, run
from labelpulse.metrics.registry import Paging, ReportInput
from labelpulse.metrics.scope import Scope
from labelpulse.metrics.workunits import (
    item_events,
    item_figure,
    item_keys,
    item_totals,
    maintained_items,
    page_items,
    per_item,
)
from labelpulse.store.base import Store
from labelpulse.store.directory import Directory

# The report's own order (and every other sort's tie-break): the project's name without
# regard to case, then the task, then the project id (two projects may share a name).
DEFAULT_SORT = "project_name"
TIMES = ("label_time", "review_time", "edit_time")
COUNTS = ("rejected", "annotations")
# The sorts on an item's own sums (`item_figure`): a page by one of them needs no frames or
# annotations of the items it leaves out.
SUMMED = ("label_time", "review_time", "edit_time", "total_time", "rejected")
# Rows per batch of a stream: what an export holds at a time.
STREAM_BATCH = 10_000
# Matching events per part of a stream in the report's own order (see the module's doc), and
# about how many of them the parts' bounds are chosen among. Under the CLI's memory limit for
# an export (`Store.exporting`) DuckDB ran out of memory at 2M events a part at 10M events.
PART_EVENTS = 500_000
SAMPLED_EVENTS = 10_000
# A bound between two parts: a project's sort key (`_with_project_key`) and a task.
Bound = tuple[str, str]


def items_table(q: ReportInput) -> dict[str, Any]:
    """Per item (task): label, review and edit time, rejections, frames, annotations.

    The rows are the page `q.paging` asks for (every row by default), or with `stream` a
    one-pass iterator of every row it asks for; `totals` and `page.total_rows` are over every
    row that matches the search, whatever the page.
    """
    store, window, scope, directory, paging = q.store, q.window, q.scope, q.directory, q.paging
    values = {**window.values(), **scope.values()}
    if paging.search is not None:
        values["search"] = paging.search.lower()
    shape = (window.shape, scope.shape, paging.search is not None)

    def summed() -> dict[str, Any]:
        def build(c: Any, p: Params) -> ir.Table:
            if maintained_items(scope):
                search = p.string("search") if paging.search is not None else None
                return item_totals(c, p, scope, search)
            return _totals(_matching(c, p, scope, paging))

        return run(store, ("items", "totals", shape), build, values)[0]

    limited, skipped = paging.limit is not None, paging.offset > 0
    if limited:
        values["limit"] = paging.limit
    if skipped:
        values["offset"] = paging.offset
    order = (paging.sort or DEFAULT_SORT, paging.descending)
    key = ("items", "rows", shape, order, limited, skipped, paging.stream)

    # A page without a member or project cut, in the report's own order or by an item's sums:
    # the page's items first (in the report's order from each item's first row in W, with no
    # grouping of every item; by a sum from the sums alone), then their figures, and the totals
    # from plain sums (`summed`): no query groups every item's frames and annotations.
    keyed = (
        not paging.stream
        and limited
        and maintained_items(scope)
        and order[0] in (DEFAULT_SORT, *SUMMED)
    )

    def build(c: Any, p: Params) -> ir.Table:
        if keyed:
            if order[0] == DEFAULT_SORT:
                keys = _key_page(_matching_keys(c, p, scope, paging), c, p, order[1], skipped)
                return _page(page_items(c, p, scope, keys), c, p, order, False, False)
            figures = _matching_figure(c, p, scope, paging, order[0])
            keys = _figure_page(figures, c, p, order, skipped)
            return _page(page_items(c, p, scope, keys), c, p, order, False, False)
        items = _matching(c, p, scope, paging)
        if not paging.stream:
            every = ibis.window()
            items = items.mutate(**{n: v.over(every) for n, v in _summed(items).items()})
        return _page(items, c, p, order, limited, skipped)

    rows: Any
    if paging.stream:
        # An export: the totals first (a query of their own), then every row as it is read.
        summary = summed()
        if order[0] == DEFAULT_SORT and not (limited or skipped):
            bounds = _bounds(store, values, shape, scope, paging, order[1])
            batches = _parts(store, values, key, scope, paging, order[1], bounds)
        else:
            query = compiled(store, key, build)
            batches = store.stream(query.sql, {n: values[n] for n in query.names}, STREAM_BATCH)
        rows = (_row(row, directory) for batch in batches for row in batch)
    else:
        # A page: each of its rows carries the totals over every match (window aggregates of
        # the same query, one pass over the events); a page past the end asks for them alone.
        found = run(store, key, build, values)
        summary = summed() if keyed or not found else found[0]
        rows = [_row(row, directory) for row in found]
    totals: dict[str, Any] = {name: seconds(int(summary[f"all_{name}"] or 0)) for name in TIMES}
    totals |= {name: int(summary[f"all_{name}"] or 0) for name in COUNTS}
    return {
        "window": window.as_dict(),
        "scope": scope.as_dict(),
        "rows": rows,
        "totals": totals,
        "page": {
            "total_rows": int(summary["all_rows"]),
            "limit": paging.limit,
            "offset": paging.offset,
            "sort": f"{order[0]}:{'desc' if order[1] else 'asc'}",
            "search": paging.search,
        },
    }


def _matching(
    con: Any,
    p: Params,
    scope: Scope,
    paging: Paging,
    part: Callable[[ir.Table], ir.Table] | None = None,
) -> ir.Table:
    """Every item of the window and scope (and `part`) whose task holds the search text (any
    case)."""
    items = per_item(con, p, scope, part=part)
    if paging.search is None:
        return items
    return items.filter(items.task.lower().contains(p.string("search")))


def _bounds(
    store: Store,
    values: dict[str, Any],
    shape: tuple[Any, ...],
    scope: Scope,
    paging: Paging,
    descending: bool,
) -> list[Bound]:
    """Where a stream in the report's own order is cut into parts of about `PART_EVENTS`
    matching events each, in that order; none when one part holds them all."""

    def matching(c: Any, p: Params) -> ir.Table:
        e = item_events(c, p, scope)
        if paging.search is None:
            return e
        return e.filter(e.task.lower().contains(p.string("search")))

    def counted(c: Any, p: Params) -> ir.Table:
        return matching(c, p).aggregate(events=ibis._.count())

    def sampled(c: Any, p: Params) -> ir.Table:
        e = matching(c, p)
        e = _with_project_key(e.filter(e.id.hash() % p.integer("every") == 0), c)
        key = ibis.desc(e.project_key) if descending else ibis.asc(e.project_key)
        return e.order_by([key, e.task]).select("project_key", "task")

    events = int(run(store, ("items", "events", shape), counted, values)[0]["events"] or 0)
    parts = -(-events // PART_EVENTS)
    if parts <= 1:
        return []
    every = max(1, events // SAMPLED_EVENTS)
    found = run(store, ("items", "sample", shape, descending), sampled, {**values, "every": every})
    sample = [(str(row["project_key"]), str(row["task"])) for row in found]
    bounds: list[Bound] = []
    for i in range(1, parts):
        bound = sample[len(sample) * i // parts] if sample else None
        if bound is not None and bound not in bounds:
            bounds.append(bound)
    return bounds


def _parts(
    store: Store,
    values: dict[str, Any],
    key: tuple[Any, ...],
    scope: Scope,
    paging: Paging,
    descending: bool,
    bounds: list[Bound],
) -> Iterator[list[dict[str, Any]]]:
    """A stream in the report's own order, part after part: each part is the items after one
    bound, up to and with the next (`_part`), its query run once the last part is read."""
    for after, upto in zip([None, *bounds], [*bounds, None], strict=True):
        cut, end = after is not None, upto is not None
        asked = dict(values)
        if after is not None:
            asked |= {"after_key": after[0], "after_task": after[1]}
        if upto is not None:
            asked |= {"upto_key": upto[0], "upto_task": upto[1]}
        query = compiled(
            store, (*key, "part", cut, end), _part_query(scope, paging, descending, cut, end)
        )
        yield from store.stream(query.sql, {n: asked[n] for n in query.names}, STREAM_BATCH)


def _part_query(
    scope: Scope, paging: Paging, descending: bool, cut: bool, end: bool
) -> Callable[[Any, Params], ir.Table]:
    """The query of one part of a stream (`_parts`): its items in the report's own order."""

    def build(c: Any, p: Params) -> ir.Table:
        items = _matching(c, p, scope, paging, _part(c, p, descending, cut, end))
        return _page(items, c, p, (DEFAULT_SORT, descending), False, False)

    return build


def _part(
    con: Any, p: Params, descending: bool, cut: bool, end: bool
) -> Callable[[ir.Table], ir.Table]:
    """A filter of a table with `project` and `task` columns: its rows whose item lies after
    the bound `after_*` (`cut`) and up to the bound `upto_*` (`end`), in the report's own
    order (the project's sort key, either way, then the task)."""
    projects = con.table("projects")
    names = projects.select(part_project=projects.id, part_name=projects.name)

    def beyond(key: ir.StringValue, task: ir.StringValue, bound: str) -> ir.BooleanValue:
        at = p.string(f"{bound}_key")
        before = key < at if descending else key > at
        return before | ((key == at) & (task > p.string(f"{bound}_task")))

    def kept(table: ir.Table) -> ir.Table:
        if not (cut or end):
            return table
        named = table.left_join(names, table.project == names.part_project)
        key = ibis.coalesce(named.part_name, named.project).lower()
        conditions = []
        if cut:
            conditions.append(beyond(key, named.task, "after"))
        if end:
            conditions.append(~beyond(key, named.task, "upto"))
        return named.filter(*conditions).select(*table.columns)

    return kept


def _matching_figure(con: Any, p: Params, scope: Scope, paging: Paging, sort: str) -> ir.Table:
    """The figure `sort` of every matching item (`item_figure`)."""
    items = item_figure(con, p, scope, sort)
    if paging.search is None:
        return items
    return items.filter(items.task.lower().contains(p.string("search")))


def _matching_keys(con: Any, p: Params, scope: Scope, paging: Paging) -> ir.Table:
    """The keys (project, task) of every matching item, each once (`item_keys`)."""
    keys = item_keys(con, p, scope)
    if paging.search is None:
        return keys
    return keys.filter(keys.task.lower().contains(p.string("search")))


def _totals(items: ir.Table) -> ir.Table:
    """How many items match, and their figures added up (whole microseconds: exact)."""
    return items.aggregate(**_summed(items))


def _summed(items: ir.Table) -> dict[str, ir.Scalar]:
    """The count and sums of every row: a query's aggregates, or (over a window) columns."""
    return {
        "all_rows": items.count(),
        "all_label_time": items.label_us.sum(),
        "all_review_time": items.review_us.sum(),
        "all_edit_time": items.edit_us.sum(),
        "all_rejected": items.rejected.sum(),
        "all_annotations": items.annotations.sum(),
    }


def _page(
    items: ir.Table, con: Any, p: Params, order: tuple[str, bool], limited: bool, skipped: bool
) -> ir.Table:
    """The items in `order` (a sort key, descending or not), cut to LIMIT/OFFSET parameters."""
    named = _with_project_key(items, con)
    zero = ibis.literal(0)
    keys: dict[str, ir.Value] = {
        "project": named.project,
        "project_name": named.project_key,
        "task": named.task,
        "label_time": named.label_us.fill_null(zero),
        "review_time": named.review_us.fill_null(zero),
        "edit_time": named.edit_us.fill_null(zero),
        "total_time": named.label_us.fill_null(zero)
        + named.review_us.fill_null(zero)
        + named.edit_us.fill_null(zero),
        "rejected": named.rejected.fill_null(zero),
        # An item without a frame count sorts last either way.
        "frames": named.frames,
        "annotations": named.annotations.fill_null(zero),
    }
    sort, descending = order
    first = ibis.desc(keys[sort]) if descending else ibis.asc(keys[sort])
    tie_break = [keys[k] for k in ("project_name", "task", "project") if k != sort]
    ordered = named.order_by([first, *tie_break]).drop("project_key")
    if not (limited or skipped):
        return ordered
    return ordered.limit(
        p.literal("limit") if limited else None, offset=p.literal("offset") if skipped else 0
    )


def _with_project_key(items: ir.Table, con: Any) -> ir.Table:
    """`items` with `project_key`, what the report sorts projects by: the project's name (its
    id when the directory has none) without regard to case."""
    projects = con.table("projects")
    named = items.left_join(projects.select("id", "name"), items.project == projects.id)
    return named.select(items, project_key=ibis.coalesce(named.name, named.project).lower())


def _key_page(keys: ir.Table, con: Any, p: Params, descending: bool, skipped: bool) -> ir.Table:
    """The page's item keys in the report's own order (as `_page` sorts by project name).

    Projects are few and the page is sorted by their name first: the page lies in the first
    projects (in that order) that hold offset + limit items between them, so only their items
    are sorted, not every item of W (each name's projects together: they share the sort)."""
    counts = _with_project_key(keys.group_by("project").aggregate(n=keys.count()), con)
    names = counts.group_by("project_key").aggregate(n=counts.n.sum())
    name = ibis.desc(names.project_key) if descending else ibis.asc(names.project_key)
    names = names.mutate(
        before=names.n.sum().over(ibis.window(order_by=name, preceding=None, following=0)) - names.n
    )
    reach = ibis.literal(p.literal("limit"))
    if skipped:
        reach = reach + ibis.literal(p.literal("offset"))
    wanted = names.filter(names.before < reach).project_key
    projects = counts.filter(counts.project_key.isin(wanted)).project
    named = _with_project_key(keys.filter(keys.project.isin(projects)), con)
    key = named.project_key
    ordered = named.order_by(
        [ibis.desc(key) if descending else ibis.asc(key), named.task, named.project]
    ).select("project", "task")
    return ordered.limit(p.literal("limit"), offset=p.literal("offset") if skipped else 0)


def _figure_page(
    items: ir.Table, con: Any, p: Params, order: tuple[str, bool], skipped: bool
) -> ir.Table:
    """The page's item keys by one of their sums (`_matching_figure`), in `_page`'s order: the
    figure (NULL as 0), then the project's name, the task and the project."""
    named = _with_project_key(items, con)
    figure = named.figure.fill_null(ibis.literal(0))
    ordered = named.order_by(
        [ibis.desc(figure) if order[1] else ibis.asc(figure), named.project_key, named.task,
         named.project]
    ).select("project", "task")  # fmt: skip
    return ordered.limit(p.literal("limit"), offset=p.literal("offset") if skipped else 0)


def _row(row: dict[str, Any], directory: Directory) -> dict[str, Any]:
    return {
        **directory.project_columns(row["project"]),
        "task": row["task"],
        "label_time": seconds(row["label_us"]) or 0.0,
        "review_time": seconds(row["review_us"]) or 0.0,
        "edit_time": seconds(row["edit_us"]) or 0.0,
        "rejected": int(row["rejected"] or 0),
        "frames": row["frames"],
        "annotations": int(row["annotations"] or 0),
    }
