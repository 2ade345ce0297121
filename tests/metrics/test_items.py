"""The items report sorted, searched and paged in SQL; totals and the count over every match."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from labelpulse.errors import UsageError
from labelpulse.metrics.paging import make_paging
from labelpulse.metrics.registry import SPECS
from labelpulse.store import Store
from tests.metrics.org import ev, load, project, run

ITEMS = SPECS["items"]


def world(store: Store) -> None:
    """Five items in three projects: "alpha" (twice, as two projects) and "Beta"."""
    load(
        store,
        project("p1", "beta"),
        project("p2", "Alpha"),
        project("p3", "alpha"),
        ev("submitted", "03-02 10:00", "ann", "a1", project="p1", task="t-b", duration=50),
        ev("submitted", "03-02 10:00", "ann", "a2", project="p1", task="t-a", duration=10,
           frames=4),
        ev("rejected", "03-03 10:00", "rev", "a2", project="p1", task="t-a", duration=7),
        ev("submitted", "03-02 11:00", "ann", "a3", project="p2", task="x-9", duration=30,
           frames=9),
        ev("submitted", "03-02 12:00", "ann", "a4", project="p3", task="t-a", duration=20,
           regions=3),
        ev("submitted", "03-02 12:00", "ann", "a5", project="p9", task="T-C", duration=40),
    )  # fmt: skip


def keys(result: dict[str, Any]) -> list[str]:
    return [f"{row['project']}/{row['task']}" for row in result["rows"]]


def paged(store: Store, **asked: Any) -> dict[str, Any]:
    return run(store, "items", paging=make_paging(ITEMS, **asked))


def test_the_default_order_is_project_name_then_task_and_every_row(store: Store) -> None:
    world(store)
    result = run(store, "items")
    # "Alpha" and "alpha" tie on the name: the task, then the project id, decide.
    assert keys(result) == ["p3/t-a", "p2/x-9", "p1/t-a", "p1/t-b", "p9/T-C"]
    assert result["page"] == {
        "total_rows": 5,
        "limit": None,
        "offset": 0,
        "sort": "project_name:asc",
        "search": None,
    }


def test_sort_by_any_column_either_way_with_ties_broken_by_the_key(store: Store) -> None:
    world(store)
    by_label = paged(store, sort="label_time:desc")
    assert keys(by_label) == ["p1/t-b", "p9/T-C", "p2/x-9", "p3/t-a", "p1/t-a"]
    assert by_label["page"]["sort"] == "label_time:desc"
    assert keys(paged(store, sort="label_time")) == list(reversed(keys(by_label)))
    # Items without frames come last, ascending and descending alike.
    assert keys(paged(store, sort="frames"))[:2] == ["p1/t-a", "p2/x-9"]
    assert keys(paged(store, sort="frames:desc"))[:2] == ["p2/x-9", "p1/t-a"]
    # Equal rejections (0) keep the report's own order.
    assert keys(paged(store, sort="rejected:desc")) == [
        "p1/t-a", "p3/t-a", "p2/x-9", "p1/t-b", "p9/T-C",
    ]  # fmt: skip
    # Label, review and edit time together: t-a has 10 + 7.
    assert keys(paged(store, sort="total_time"))[:2] == ["p1/t-a", "p3/t-a"]
    for key in ITEMS.sort_keys:
        for order in ("asc", "desc"):
            assert sorted(keys(paged(store, sort=f"{key}:{order}"))) == sorted(keys(by_label))


def test_pages_are_stable_and_the_count_and_totals_cover_every_row(store: Store) -> None:
    world(store)
    whole = paged(store, sort="label_time:desc")
    pages = [paged(store, sort="label_time:desc", limit=2, offset=o) for o in (0, 2, 4, 6)]
    assert [len(p["rows"]) for p in pages] == [2, 2, 1, 0]
    assert [row for p in pages for row in p["rows"]] == whole["rows"]
    for page in pages:
        assert page["totals"] == whole["totals"]
        assert page["page"]["total_rows"] == 5
    assert pages[1]["page"] == {
        "total_rows": 5, "limit": 2, "offset": 2, "sort": "label_time:desc", "search": None,
    }  # fmt: skip
    assert whole["totals"] == {
        "label_time": 150.0, "review_time": 7.0, "edit_time": 0.0, "rejected": 1,
        "annotations": 3,
    }  # fmt: skip


def test_search_matches_the_task_in_any_case_and_cuts_the_totals(store: Store) -> None:
    world(store)
    found = paged(store, search="T-")
    assert keys(found) == ["p3/t-a", "p1/t-a", "p1/t-b", "p9/T-C"]
    assert found["page"]["total_rows"] == 4
    assert found["totals"]["label_time"] == 120.0
    assert found["page"]["search"] == "T-"
    # Not a pattern: `%` and `_` are only themselves.
    assert paged(store, search="%")["rows"] == []
    assert paged(store, search="t_a")["page"]["total_rows"] == 0


def test_nothing_matches_zero_rows_and_zero_totals(store: Store) -> None:
    world(store)
    result = paged(store, search="nothing", limit=10)
    assert result["rows"] == [] and result["page"]["total_rows"] == 0
    assert result["totals"] == {
        "label_time": 0.0, "review_time": 0.0, "edit_time": 0.0, "rejected": 0,
        "annotations": 0,
    }  # fmt: skip


def test_the_scope_applies_before_the_page(store: Store) -> None:
    world(store)
    only = run(store, "items", projects=["p1"], paging=make_paging(ITEMS, limit=1))
    assert keys(only) == ["p1/t-a"] and only["page"]["total_rows"] == 2


def test_a_stream_gives_every_row_in_order_in_batches(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from labelpulse.metrics import items

    world(store)
    monkeypatch.setattr(items, "STREAM_BATCH", 2)
    sizes: list[int] = []
    stream = store.stream

    def counted(sql: str, params: Any, size: int) -> Any:
        for batch in stream(sql, params, size):
            sizes.append(len(batch))
            yield batch

    monkeypatch.setattr(store, "stream", counted)
    streamed = paged(store, sort="label_time:desc", stream=True)
    assert not isinstance(streamed["rows"], list)
    assert list(streamed["rows"]) == paged(store, sort="label_time:desc")["rows"]
    assert sizes == [2, 2, 1]


@pytest.mark.parametrize(
    ("asked", "field", "message"),
    [
        ({"sort": "nope"}, "sort", "unknown sort key 'nope': choose one of project, "),
        ({"sort": "task:up"}, "sort", "sort order must be asc or desc, got 'up'"),
        ({"limit": -1}, "limit", "limit must be from 0 to 1000000000000, got -1"),
        ({"offset": -5}, "offset", "offset must be from 0 to 1000000000000, got -5"),
        ({"offset": 2**64}, "offset", "offset must be from 0 to 1000000000000, got 1844"),
    ],
)
def test_bad_paging_is_a_usage_error_naming_the_field(
    asked: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(UsageError) as caught:
        make_paging(ITEMS, **asked)
    assert caught.value.message.startswith(message)
    assert caught.value.details[0]["field"] == field


def test_other_reports_are_not_paged(store: Store) -> None:
    with pytest.raises(UsageError, match="the work report is not paged"):
        make_paging(SPECS["work"], sort="labeled")
    with pytest.raises(UsageError, match="the work report is not paged"):
        run(store, "work", paging=make_paging(ITEMS, limit=3))


def test_a_csv_export_of_many_items_holds_a_batch_at_a_time(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tracemalloc

    from labelpulse.exports import csv_chunks
    from labelpulse.metrics import items

    tasks = 20_000
    load(store, *(ev("submitted", "03-02 10:00", "ann", f"a{n}", task=f"t{n:05d}", duration=n)
                  for n in range(tasks)))  # fmt: skip
    monkeypatch.setattr(items, "STREAM_BATCH", 500)

    def peak(stream: bool) -> tuple[int, int]:
        """Peak bytes allocated while the CSV is written (and dropped), and its lines."""
        tracemalloc.start()
        try:
            data = paged(store, sort="label_time:desc", stream=stream)
            lines = sum(chunk.count("\n") for chunk in csv_chunks("items", data))
            return tracemalloc.get_traced_memory()[1], lines
        finally:
            tracemalloc.stop()

    peak(True), peak(False)  # each query compiled (Ibis allocates much doing it) before
    streamed, lines = peak(True)
    listed, same = peak(False)
    # a header, every item, the totals row (marked `total`)
    assert lines == same == 1 + tasks + 1
    # The list of every row costs its size; the stream a batch (and a chunk of text).
    assert streamed * 4 < listed, (streamed, listed)


def test_an_excel_export_of_a_stream_is_the_same_workbook_split_at_the_sheet_limit(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from openpyxl import load_workbook

    from labelpulse.exports import report_xlsx, xlsx

    world(store)
    # One "generated at" for every workbook: two made a second apart differ only there.
    made = dt.datetime(2026, 4, 1, 12, tzinfo=dt.UTC)
    monkeypatch.setattr(xlsx, "_now", lambda: made)

    def sheets(data: dict[str, Any]) -> dict[str, list[tuple[Any, ...]]]:
        book = load_workbook(io.BytesIO(report_xlsx("items", data)))
        for sheet in book.worksheets:
            assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == sheet.dimensions
            assert all(cell.font.b for cell in sheet[1])
        return {s.title: list(s.iter_rows(values_only=True)) for s in book.worksheets}

    listed = sheets(paged(store, sort="label_time:desc"))
    assert sheets(paged(store, sort="label_time:desc", stream=True)) == listed
    monkeypatch.setattr(xlsx, "SHEET_ROWS", 2)
    split = sheets(paged(store, sort="label_time:desc", stream=True))
    # (the about sheet, longer than 2 rows too, goes on in "about 2" and more)
    assert [title for title in split if title.startswith("items")] == [
        "items", "items 2", "items 3",
    ]  # fmt: skip
    header, *rows = listed["items"]
    assert [split[t][0] for t in ("items", "items 2", "items 3")] == [header] * 3
    assert [r for t in ("items", "items 2", "items 3") for r in split[t][1:]] == rows
