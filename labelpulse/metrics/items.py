"""The items report (seed 003): per item (task), sorted, searched and paged in SQL.

At 10M events over a year there are millions of items: no caller wants them all in a Python
list. Everything that depends on every matching row is done by the database over the per-item
expression (`workunits.per_item`): the sort (with the project's name from the `projects`
table, ties broken by the unique key (project, task), so pages never overlap or skip), the
task search, LIMIT/OFFSET, and the count of matching rows and their totals (window aggregates
riding on the page's rows: one pass over the events). Only the page's rows come back. The
exports ask for a stream instead: every matching row, read from the store in batches as they
are written.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from labelpulse.metrics.performance import seconds
from labelpulse.metrics.query import Params, compiled, run
from labelpulse.metrics.registry import Paging, ReportInput
from labelpulse.metrics.scope import Scope
from labelpulse.metrics.workunits import (
    item_figures,
    item_keys,
    item_totals,
    maintained_items,
    page_items,
    per_item,
)
from labelpulse.store.directory import Directory

# The report's own order (and every other sort's tie-break): the project's name without
# regard to case, then the task, then the project id (two projects may share a name).
DEFAULT_SORT = "project_name"
TIMES = ("label_time", "review_time", "edit_time")
COUNTS = ("rejected", "annotations")
# The sorts on an item's own sums (`item_figures`): a page by one of them needs no frames or
# annotations of the items it leaves out.
SUMMED = ("label_time", "review_time", "edit_time", "total_time", "rejected")
# Rows per batch of a stream: what an export holds at a time.
STREAM_BATCH = 10_000


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
            else:
                sums = _matching_figures(c, p, scope, paging)
                keys = _page(sums, c, p, order, True, skipped).select("project", "task")
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


def _matching(con: Any, p: Params, scope: Scope, paging: Paging) -> ir.Table:
    """Every item of the window and scope whose task holds the search text (any case)."""
    items = per_item(con, p, scope)
    if paging.search is None:
        return items
    return items.filter(items.task.lower().contains(p.string("search")))


def _matching_figures(con: Any, p: Params, scope: Scope, paging: Paging) -> ir.Table:
    """The sums of every matching item (`item_figures`), with no frames or annotations: the
    columns `_page` reads, NULL, as no sort of `SUMMED` reads them."""
    items = item_figures(con, p, scope)
    if paging.search is not None:
        items = items.filter(items.task.lower().contains(p.string("search")))
    return items.mutate(frames=ibis.null("int64"), annotations=ibis.null("int64"))


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
