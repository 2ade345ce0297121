"""Report exports (metrics.md, Exports): the member report as CSV and JSON, tables as CSV."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest

from labelpulse.config import Settings
from labelpulse.exports import zip_chunks
from labelpulse.exports.tabular import COLUMNS, report_csv, report_json
from labelpulse.ingest import ingest_records
from labelpulse.metrics import report
from labelpulse.store import Store

RECORDS: list[dict[str, Any]] = [
    {"kind": "member", "id": "ann", "name": 'Ann, the "Annotator"', "role": "annotator"},
    {"kind": "project", "id": "p1", "name": "Street scenes"},
    {
        "id": "e1",
        "type": "annotation.submitted",
        "time": "2026-03-02T10:00:00Z",
        "actor": "ann",
        "project": "p1",
        "task": "t1",
        "annotation": "a1",
        "duration": 12.5,
    },
    {
        "id": "e2",
        "type": "review.accepted",
        "time": "2026-03-03T10:00:00Z",
        "actor": "rev",
        "project": "p1",
        "task": "t1",
        "annotation": "a1",
        "duration": 4,
    },
]


@pytest.fixture
def loaded(store: Store) -> Store:
    ingest_records(store, RECORDS)
    return store


def run(store: Store, name: str, **params: Any) -> dict[str, Any]:
    return report(
        store,
        name,
        start="2026-03-01",
        end="2026-03-04",
        tz="UTC",
        settings=Settings(),
        **params,
    )


def blocks(text: str) -> list[list[list[str]]]:
    """CSV text split at blank lines into tables of rows."""
    return [list(csv.reader(io.StringIO(part))) for part in text.split("\n\n")]


def test_member_report_csv_is_summary_rows_blank_line_daily_table(loaded: Store) -> None:
    data = run(loaded, "member", member="ann")
    summary, daily = blocks(report_csv("member", data))
    assert summary[0] == ["section", "figure", "value"]
    body = {(section, figure): value for section, figure, value in summary[1:]}
    assert len(summary) - 1 == len(data["annotations"]) + len(data["reviews"])
    assert body[("annotations", "submitted")] == "1"
    assert body[("annotations", "total_time")] == "12.5"
    assert body[("annotations", "performance_score")] == "1.0"
    assert body[("reviews", "total")] == "0"
    assert body[("reviews", "mean_review_time")] == ""  # null
    assert daily[0][0] == "date"
    assert daily[0] == list(data["daily"][0].keys())
    # one row per date of the window, 03-01..03-04
    assert [row[0] for row in daily[1:]] == [f"2026-03-0{d}" for d in range(1, 5)]
    submitted = daily[0].index("submitted")
    assert [row[submitted] for row in daily[1:]] == ["0", "1", "0", "0"]
    median = daily[0].index("median_time")
    assert daily[1][median] == ""  # null on an empty day


def test_table_report_csv_is_one_table_with_totals_last(loaded: Store) -> None:
    data = run(loaded, "members")
    (rows,) = blocks(report_csv("members", data))
    assert rows[0] == list(data["rows"][0].keys())
    assert len(rows) == 1 + len(data["rows"]) + 1  # header, rows, totals
    by_member = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:-1]}
    # the member name with a comma and quotes survives the CSV quoting
    assert by_member["ann"]["member_name"] == 'Ann, the "Annotator"'
    assert by_member["ann"]["submitted"] == "1"
    assert by_member["rev"]["member_name"] == "rev"
    totals = dict(zip(rows[0], rows[-1], strict=True))
    assert totals["member"] == "total"
    assert totals["submitted"] == "1"
    assert totals["total_time"] == "12.5"
    assert "total" not in by_member


def test_timeline_csv_has_no_totals(loaded: Store) -> None:
    data = run(loaded, "timeline", member="ann")
    (table,) = blocks(report_csv("timeline", data))
    assert table[0][:3] == ["time", "started_at", "type"]
    assert table[1][:3] == [
        "2026-03-02T10:00:00Z",
        "2026-03-02T09:59:47.500000Z",
        "annotation.submitted",
    ]


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("member", {"member": "ann"}),
        ("members", {}),
        ("reviewers", {}),
        ("insights", {}),
        ("work", {}),
        ("items", {}),
        ("timeline", {"member": "ann"}),
        ("comments", {"member": "ann"}),
    ],
)
def test_report_json_round_trips(loaded: Store, name: str, params: dict[str, Any]) -> None:
    data = run(loaded, name, **params)
    text = report_json(data)
    assert json.loads(text) == data
    assert text.endswith("\n")


def test_empty_table_csv_still_has_its_header(loaded: Store) -> None:
    data = report(
        loaded,
        "timeline",
        start="2026-05-01",
        end="2026-05-02",
        tz="UTC",
        member="ann",
        settings=Settings(),
    )
    assert data["rows"] == []
    text = report_csv("timeline", data)
    # the timeline's columns (metrics.md, Exports) head the file even when no event is in W
    assert text.splitlines()[0].startswith("time,started_at,type,")


def test_declared_columns_match_the_rows_of_every_table(store: Store) -> None:
    """The header an empty table exports is the same as the keys of a real row."""
    records = [
        {"kind": "member", "id": "ann", "name": "Ann", "role": "annotator"},
        {"kind": "member", "id": "rev", "name": "Rui", "role": "reviewer"},
        {
            "id": "e1",
            "type": "annotation.submitted",
            "time": "2026-03-02T10:00:00Z",
            "actor": "ann",
            "project": "p1",
            "task": "t1",
            "annotation": "a1",
            "duration": 10,
        },
        {
            "id": "e2",
            "type": "review.rejected",
            "time": "2026-03-02T11:00:00Z",
            "actor": "rev",
            "project": "p1",
            "task": "t1",
            "annotation": "a1",
            "duration": 5,
        },
        {
            "id": "e3",
            "type": "comment.created",
            "time": "2026-03-02T11:00:01Z",
            "text": "hm",
            "actor": "rev",
            "project": "p1",
            "task": "t1",
            "annotation": "a1",
        },
        # FC: a task done, so that the forecasts have rows.
        {"id": "e4", "type": "annotation.submitted", "time": "2026-03-03T10:00:00Z",
         "actor": "ann", "project": "p1", "task": "t2", "annotation": "a2", "duration": 10},
    ]  # fmt: skip
    ingest_records(store, records)
    for name, columns in COLUMNS.items():
        if name in ("flags", "flagged_annotations"):  # FLAGS: tests/metrics/test_flags.py
            continue
        data = report(store, name, start="2026-03-01", end="2026-03-31", member="ann")
        assert data["rows"], name
        assert list(data["rows"][0].keys()) == list(columns), name


def test_zip_is_written_as_its_rows_are_read() -> None:
    """A ZIP of a streamed table goes out in pieces while the rows are read, and reads back."""
    columns = list(COLUMNS["items"])
    read = 0

    def rows() -> Iterator[dict[str, Any]]:
        nonlocal read
        for n in range(60_000):
            read += 1
            yield {column: f"{column}-{n}" for column in columns}

    window = {"from": "2026-03-01", "to": "2026-03-04", "tz": "UTC"}
    data = {"window": window, "scope": {}, "rows": rows(), "totals": {"label_time": 1.5}}
    pieces, read_when_sent = [], []
    for piece in zip_chunks("items", data):
        pieces.append(piece)
        read_when_sent.append(read)
    assert any(0 < n < 60_000 for n in read_when_sent), "pieces go out while rows are read"
    assert max(len(piece) for piece in pieces) < 1 << 20  # none holds the whole table
    body = b"".join(pieces)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.namelist() == ["about.csv", "items.csv"]
        table = list(csv.reader(io.StringIO(archive.read("items.csv").decode())))
    assert table[0] == columns and len(table) == 1 + 60_000 + 1
    assert table[-1][0] == "total" and table[-1][columns.index("label_time")] == "1.5"
