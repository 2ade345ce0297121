"""Ingest: atomic batches, idempotency, conflicts, file import in three formats, rejects files."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from labelpulse.errors import InvalidRecordsError, NotFoundError, UsageError
from labelpulse.ingest import IngestSummary, import_file, ingest_records
from labelpulse.store import Store, connect
from labelpulse.store.check import check_state

TABLES = ("events", "state", "members", "workspaces", "projects", "memberships")
ORDER = {
    "events": "id",
    "state": "annotation",
    "members": "id",
    "workspaces": "id",
    "projects": "id",
    "memberships": "member, target_kind, target",
}

DIRECTORY: list[dict[str, Any]] = [
    {"kind": "member", "id": "ann", "name": "Ann Annotator", "role": "annotator"},
    {
        "kind": "member",
        "id": "rev",
        "name": "Rui Reviewer",
        "email": "rui@example.org",
        "role": "reviewer",
    },
    {"kind": "workspace", "id": "w1", "name": "Vision"},
    {"kind": "project", "id": "p1", "name": "Street scenes", "workspace": "w1"},
    {"kind": "membership", "member": "ann", "project": "p1"},
    {"kind": "membership", "member": "rev", "workspace": "w1"},
]


def event(record_id: str, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": record_id,
        "type": "annotation.submitted",
        "time": "2026-03-02T10:00:00Z",
        "actor": "ann",
        "project": "p1",
        "task": "t-" + record_id,
        "annotation": "a-" + record_id,
    }
    record.update(fields)
    return record


EVENTS: list[dict[str, Any]] = [
    event("e1", duration=100, regions_added=3, model_assisted=True, frames=24),
    event("e2", type="annotation.draft", duration=12.5, idle=2.5, meta={"tool": "ls", "v": 2}),
    event(
        "e3",
        type="review.fixed_and_accepted",
        time="2026-03-03T09:00:00+02:00",
        actor="rev",
        task="t-e1",
        annotation="a-e1",
        author="ann",
        duration=30,
        agreement=0.8,
        regions_updated=2,
        work_type="review",
        kind="event",
    ),
    event(
        "e4",
        type="comment.created",
        time="2026-03-03T10:00:00Z",
        actor="rev",
        task="t-e1",
        annotation="a-e1",
        text="Tighten the boxes, please",
        marked_null=False,
    ),
    event(
        "e5",
        type="annotation.skipped",
        time="2026-03-04T10:00:00Z",
        started_at="2026-03-04T09:59:00Z",
        regions=0,
    ),
]
RECORDS = [*DIRECTORY, *EVENTS]


def rows(store: Store, table: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = store.query(
        f"SELECT * FROM {table} ORDER BY {ORDER[table]}"
    ).to_pylist()
    return result


def snapshot(store: Store) -> dict[str, list[dict[str, Any]]]:
    return {table: rows(store, table) for table in TABLES}


def count(store: Store, table: str = "events") -> int:
    return int(store.query(f"SELECT count(*) AS n FROM {table}").column("n")[0].as_py())


def counts(summary: IngestSummary) -> dict[str, int]:
    return {
        "stored": summary.stored,
        "duplicates": summary.duplicates,
        "conflicts": summary.conflicts,
        "rejected": summary.rejected,
        "directory_stored": summary.directory_stored,
        "directory_unchanged": summary.directory_unchanged,
    }


def write_ndjson(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_csv(path: Path, records: list[dict[str, Any]]) -> Path:
    columns: list[str] = []
    for record in records:
        columns += [k for k in record if k not in columns]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for record in records:
            writer.writerow({k: cell(v) for k, v in record.items()})
    return path


def cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def read_rejects(path: Path | str) -> list[dict[str, Any]]:
    return [json.loads(x) for x in Path(path).read_text(encoding="utf-8").splitlines() if x]


@pytest.fixture
def open_store(tmp_path: Path) -> Iterator[Any]:
    """A factory of extra stores, each in its own file, all closed at the end."""
    opened: list[Store] = []

    def make(name: str) -> Store:
        store = connect(str(tmp_path / f"{name}.duckdb"))
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


# -- ingest_records: atomic -------------------------------------------------------------------


def test_ingest_records_stores_events_and_directory(store: Store) -> None:
    summary = ingest_records(store, RECORDS)
    assert counts(summary) == {
        "stored": 5,
        "duplicates": 0,
        "conflicts": 0,
        "rejected": 0,
        "directory_stored": 6,
        "directory_unchanged": 0,
    }
    assert [r["id"] for r in rows(store, "events")] == ["e1", "e2", "e3", "e4", "e5"]
    assert [r["name"] for r in rows(store, "members")] == ["Ann Annotator", "Rui Reviewer"]
    assert rows(store, "projects") == [
        {"id": "p1", "name": "Street scenes", "workspace": "w1", "tasks": None, "deadline": None}
    ]
    assert rows(store, "memberships") == [
        {"member": "ann", "target_kind": "project", "target": "p1"},
        {"member": "rev", "target_kind": "workspace", "target": "w1"},
    ]
    e3 = rows(store, "events")[2]
    utc = dt.datetime(2026, 3, 3, 7, tzinfo=dt.UTC)  # 2026-03-03T09:00:00+02:00
    assert e3["time_us"] == int(utc.timestamp()) * 1_000_000
    assert check_state(store).differences == 0


def test_one_bad_record_stores_nothing_and_every_bad_record_is_listed(store: Store) -> None:
    batch = [
        DIRECTORY[0],
        event("e1"),
        event("e2", durration=5),
        event("e3"),
        event("e4", regions=-3, work_type="labels"),
        {"kind": "member", "id": "bad", "role": "boss"},
    ]
    with pytest.raises(InvalidRecordsError) as caught:
        ingest_records(store, batch)
    error = caught.value
    assert str(error) == "3 of 6 record(s) are invalid; nothing was stored"
    assert error.code == "invalid_records"
    by_position: dict[int, set[str]] = {}
    for detail in error.details:
        assert set(detail) == {"position", "id", "field", "rule", "message"}
        by_position.setdefault(detail["position"], set()).add(detail["field"])
    assert by_position == {3: {"durration"}, 5: {"regions", "work_type"}, 6: {"name", "role"}}
    messages = {d["message"] for d in error.details}
    assert (
        'record 3 (id "e2"): field "durration": is not a field of an event '
        "(unknown fields are rejected)" in messages
    )
    assert 'record 5 (id "e4"): field "work_type": must be one of: label, review, edit' in messages
    assert 'record 6 (id "bad"): field "name": is required' in messages
    for table in TABLES:
        assert count(store, table) == 0, table


def test_duplicates_in_one_batch_are_counted_not_stored_twice(store: Store) -> None:
    summary = ingest_records(store, [event("e1", duration=5), event("e2"), event("e1", duration=5)])
    assert (summary.stored, summary.duplicates, summary.conflicts) == (2, 1, 0)
    assert count(store) == 2
    assert check_state(store).differences == 0


def test_duplicates_across_batches_are_counted_not_stored_twice(store: Store) -> None:
    ingest_records(store, RECORDS)
    before = snapshot(store)
    again = ingest_records(store, RECORDS)
    assert counts(again) == {
        "stored": 0,
        "duplicates": 5,
        "conflicts": 0,
        "rejected": 0,
        "directory_stored": 0,
        "directory_unchanged": 6,
    }
    assert snapshot(store) == before
    assert check_state(store).differences == 0


def test_same_content_written_differently_is_a_duplicate(store: Store) -> None:
    ingest_records(store, [event("e1", duration=60)])
    same = event("e1", duration=60.0, time="2026-03-02T12:00:00+02:00")
    same["started_at"] = "2026-03-02T09:59:00Z"
    same["regions_added"] = 0
    same["model_assisted"] = False
    summary = ingest_records(store, [same])
    assert (summary.stored, summary.duplicates) == (0, 1)
    assert count(store) == 1


def test_conflict_is_rejected_naming_the_id_and_stored_event_kept(store: Store) -> None:
    ingest_records(store, [event("e1", duration=100)])
    before = snapshot(store)
    with pytest.raises(InvalidRecordsError) as caught:
        ingest_records(store, [event("e2"), event("e1", duration=200), DIRECTORY[0]])
    error = caught.value
    assert "conflict" in str(error)
    assert "nothing was stored" in str(error)
    assert len(error.details) == 1
    detail = error.details[0]
    assert (detail["position"], detail["id"], detail["field"]) == (2, "e1", "id")
    assert '"e1"' in detail["message"]
    assert "conflicts with an event already stored" in detail["message"]
    assert snapshot(store) == before
    assert rows(store, "events")[0]["duration_us"] == 100_000_000
    assert check_state(store).differences == 0


def test_conflict_within_one_batch_stores_nothing(store: Store) -> None:
    with pytest.raises(InvalidRecordsError) as caught:
        ingest_records(store, [event("e1", duration=1), event("e1", duration=2)])
    assert [(d["position"], d["id"]) for d in caught.value.details] == [(2, "e1")]
    assert count(store) == 0


def test_directory_records_are_upserted(store: Store) -> None:
    ingest_records(store, DIRECTORY)
    renamed = {**DIRECTORY[0], "name": "Ann Smith"}
    summary = ingest_records(store, [renamed, DIRECTORY[1], DIRECTORY[4]])
    assert (summary.directory_stored, summary.directory_unchanged) == (1, 2)
    assert rows(store, "members")[0] == {
        "id": "ann",
        "name": "Ann Smith",
        "email": None,
        "role": "annotator",
    }
    assert count(store, "members") == 2
    assert count(store, "memberships") == 2


def test_events_arriving_out_of_order_keep_state_exact(store: Store) -> None:
    review = event("r1", type="review.rejected", actor="rev", task="t-e1", annotation="a-e1")
    review["time"] = "2026-03-05T10:00:00Z"
    fix = event("u1", type="annotation.updated", task="t-e1", annotation="a-e1", duration=7)
    fix["time"] = "2026-03-06T10:00:00Z"
    for batch in ([review], [fix], [event("e1", duration=100)]):
        ingest_records(store, batch)
        assert check_state(store).differences == 0
    state = rows(store, "state")
    assert len(state) == 1
    assert state[0]["author"] == "ann"
    assert state[0]["last_action"] == "updated"
    assert state[0]["lead_us"] == 107_000_000


# -- import_file: three formats ---------------------------------------------------------------


def test_ndjson_json_array_and_csv_store_the_same_result(tmp_path: Path, open_store: Any) -> None:
    ndjson = write_ndjson(tmp_path / "records.ndjson", [json.dumps(r) for r in RECORDS])
    array = tmp_path / "records.json"
    array.write_text(json.dumps(RECORDS, indent=2), encoding="utf-8")
    table = write_csv(tmp_path / "records.csv", RECORDS)

    results = []
    for path in (ndjson, array, table):
        store = open_store(path.suffix.lstrip("."))
        summary = import_file(store, path)
        assert counts(summary) == {
            "stored": 5,
            "duplicates": 0,
            "conflicts": 0,
            "rejected": 0,
            "directory_stored": 6,
            "directory_unchanged": 0,
        }, path.name
        assert summary.rejects_path is None
        assert summary.errors == []
        assert check_state(store).differences == 0
        results.append(snapshot(store))
    assert not list(tmp_path.glob("*.rejects.ndjson"))
    assert results[0] == results[1]
    assert results[0] == results[2]
    events = {r["id"]: r for r in results[0]["events"]}
    assert events["e1"]["model_assisted"] is True
    assert events["e1"]["frames"] == 24
    assert events["e2"]["duration_us"] == 12_500_000
    assert events["e2"]["idle_us"] == 2_500_000
    assert json.loads(events["e2"]["meta"]) == {"tool": "ls", "v": 2}
    assert events["e3"]["agreement"] == 0.8
    assert events["e4"]["text"] == "Tighten the boxes, please"


def test_csv_reads_numbers_booleans_meta_and_directory_kinds(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(
        "kind,id,name,role,type,time,actor,project,task,annotation,duration,regions_added,"
        "model_assisted,marked_null,meta\n"
        "member,ann,Ann Annotator,annotator,,,,,,,,,,,\n"
        "event,e1,,,annotation.submitted,2026-03-02T10:00:00Z,ann,p1,t1,a1,"
        '1.5,4,yes,0,"{""k"": 1}"\n'
        ",e2,,,annotation.draft,2026-03-02T11:00:00Z,ann,p1,t2,a2,20,,FALSE,true,\n",
        encoding="utf-8",
    )
    summary = import_file(store, path)
    assert (summary.stored, summary.directory_stored, summary.rejected) == (2, 1, 0)
    e1, e2 = rows(store, "events")
    assert (e1["duration_us"], e1["regions_added"], e1["model_assisted"]) == (1_500_000, 4, True)
    assert (e1["marked_null"], json.loads(e1["meta"])) == (False, {"k": 1})
    assert (e2["duration_us"], e2["regions_added"]) == (20_000_000, 0)
    assert (e2["model_assisted"], e2["marked_null"], e2["meta"]) == (False, True, None)
    assert rows(store, "members") == [
        {"id": "ann", "name": "Ann Annotator", "email": None, "role": "annotator"}
    ]


# -- import_file: rejects, duplicates, conflicts ----------------------------------------------


def mixed_ndjson_lines() -> list[str]:
    """An NDJSON file (one entry per line, 1-based) exercising every outcome."""
    return [
        json.dumps(DIRECTORY[0]),  # 1 directory stored
        json.dumps(event("e1", duration=10)),  # 2 stored
        "",  # 3 blank
        "{not json",  # 4 rejected
        json.dumps(event("e2", durration=5)),  # 5 rejected
        json.dumps(event("e1", duration=10)),  # 6 duplicate (same batch or later)
        "   ",  # 7 blank
        json.dumps(event("e1", duration=99)),  # 8 conflict
        json.dumps(event("e3")),  # 9 stored
        json.dumps({"kind": "member", "id": "x", "role": "boss"}),  # 10 rejected
        json.dumps(DIRECTORY[0]),  # 11 directory unchanged
        json.dumps(event("e4", type="comment.created")),  # 12 rejected
        json.dumps(event("e5", kind="event")),  # 13 stored
    ]


EXPECTED_MIXED = {
    "stored": 3,
    "duplicates": 1,
    "conflicts": 1,
    "rejected": 4,
    "directory_stored": 1,
    "directory_unchanged": 1,
}


def test_import_writes_rejects_with_line_numbers_and_reasons(tmp_path: Path, store: Store) -> None:
    lines = mixed_ndjson_lines()
    path = write_ndjson(tmp_path / "mixed.ndjson", lines)
    rejects = tmp_path / "out" / "rejects.ndjson"
    rejects.parent.mkdir()
    summary = import_file(store, path, rejects_path=rejects)

    assert counts(summary) == EXPECTED_MIXED
    non_blank = [x for x in lines if x.strip()]
    assert summary.read == len(non_blank)  # nothing silently dropped
    assert summary.rejects_path == str(rejects)
    assert [r["id"] for r in rows(store, "events")] == ["e1", "e3", "e5"]
    assert rows(store, "events")[0]["duration_us"] == 10_000_000  # the stored one is kept
    assert check_state(store).differences == 0

    entries = read_rejects(rejects)
    assert [e["position"] for e in entries] == [4, 5, 8, 10, 12]
    assert [e["id"] for e in entries] == [None, "e2", "e1", "x", "e4"]
    for entry in entries:
        assert set(entry) == {"position", "id", "errors", "record"}
        assert entry["record"] == lines[entry["position"] - 1]
        assert entry["errors"]
        assert all(m.startswith(f"record {entry['position']}") for m in entry["errors"])
    by_position = {e["position"]: e["errors"] for e in entries}
    assert by_position[4] == ["record 4: is not valid JSON"]
    assert by_position[5] == [
        'record 5 (id "e2"): field "durration": is not a field of an event '
        "(unknown fields are rejected)"
    ]
    assert len(by_position[8]) == 1
    assert by_position[8][0].startswith('record 8 (id "e1"): field "id": conflicts with an event')
    assert by_position[10] == [
        'record 10 (id "x"): field "name": is required',
        "record 10 (id \"x\"): field \"role\": Input should be 'owner', 'admin', 'manager', "
        "'reviewer' or 'annotator'",
    ]
    assert by_position[12] == ['record 12 (id "e4"): field "text": is required on comment.created']
    assert [str(e) for e in summary.errors] == [m for e in entries for m in e["errors"]]


def test_rejects_file_defaults_to_beside_the_input(tmp_path: Path, store: Store) -> None:
    path = write_ndjson(tmp_path / "in.ndjson", [json.dumps(event("e1", frames=0))])
    summary = import_file(store, path)
    expected = tmp_path / "in.ndjson.rejects.ndjson"
    assert summary.rejects_path == str(expected)
    assert [e["errors"] for e in read_rejects(expected)] == [
        ['record 1 (id "e1"): field "frames": must be an integer ≥ 1']
    ]


def test_batch_size_two_gives_the_same_result_as_one_batch(tmp_path: Path, open_store: Any) -> None:
    lines = mixed_ndjson_lines()
    path = write_ndjson(tmp_path / "mixed.ndjson", lines)
    outcomes = []
    for batch_size in (100_000, 2):
        store = open_store(f"batch{batch_size}")
        rejects = tmp_path / f"rejects-{batch_size}.ndjson"
        summary = import_file(store, path, rejects_path=rejects, batch_size=batch_size)
        assert check_state(store).differences == 0
        outcomes.append(
            (
                counts(summary),
                snapshot(store),
                read_rejects(rejects),
                [str(e) for e in summary.errors],
            )
        )
    assert outcomes[0][0] == EXPECTED_MIXED
    assert outcomes[0] == outcomes[1]


def test_blank_lines_are_ignored(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "blanks.ndjson"
    path.write_text(
        "\n\n" + json.dumps(event("e1")) + "\n  \t \n\r\n" + json.dumps(event("e2")) + "\n\n",
        encoding="utf-8",
    )
    summary = import_file(store, path)
    assert counts(summary)["stored"] == 2
    assert summary.read == 2
    assert summary.rejects_path is None


def test_csv_rejects_carry_csv_line_numbers(tmp_path: Path, store: Store) -> None:
    records = [
        DIRECTORY[0],  # line 2
        event("e1", duration=5),  # line 3
        event("e2", type="annotation.done"),  # line 4
        event("e3", regions_added=-2),  # line 5
        event("e1", duration=5),  # line 6, duplicate
        event("e4", time="2026-03-02T10:00:00"),  # line 7
    ]
    path = write_csv(tmp_path / "events.csv", records)
    summary = import_file(store, path)
    assert counts(summary) == {
        "stored": 1,
        "duplicates": 1,
        "conflicts": 0,
        "rejected": 3,
        "directory_stored": 1,
        "directory_unchanged": 0,
    }
    assert summary.read == len(records)
    assert summary.rejects_path is not None
    entries = read_rejects(summary.rejects_path)
    assert [(e["position"], e["id"]) for e in entries] == [(4, "e2"), (5, "e3"), (7, "e4")]
    assert entries[1]["errors"] == [
        'record 5 (id "e3"): field "regions_added": must be an integer ≥ 0'
    ]
    assert json.loads(entries[1]["record"])["regions_added"] == -2
    assert entries[2]["errors"][0].startswith('record 7 (id "e4"): field "time": must be an RFC')
    assert check_state(store).differences == 0


def test_a_non_numeric_value_is_rejected_not_fatal(tmp_path: Path, store: Store) -> None:
    """A text where a number belongs rejects that record only; the rest of the file is stored."""
    lines = [
        json.dumps(event("e1")),
        json.dumps(event("e2", duration="ten")),
        json.dumps(event("e3", model_assisted="maybe")),
        json.dumps(event("e4")),
    ]
    path = write_ndjson(tmp_path / "text-numbers.ndjson", lines)
    summary = import_file(store, path)
    assert (summary.stored, summary.rejected) == (2, 2)
    assert [r["id"] for r in rows(store, "events")] == ["e1", "e4"]
    assert summary.rejects_path is not None
    entries = read_rejects(summary.rejects_path)
    assert [e["errors"] for e in entries] == [
        ['record 2 (id "e2"): field "duration": must be a number ≥ 0'],
        ['record 3 (id "e3"): field "model_assisted": must be true or false'],
    ]


def test_directory_records_are_upserted_by_import(tmp_path: Path, store: Store) -> None:
    first = write_ndjson(tmp_path / "dir1.ndjson", [json.dumps(r) for r in DIRECTORY])
    assert import_file(store, first).directory_stored == len(DIRECTORY)
    renamed = {**DIRECTORY[0], "name": "Ann Smith", "email": "ann@example.org"}
    second = write_ndjson(
        tmp_path / "dir2.ndjson",
        [json.dumps(renamed), json.dumps(DIRECTORY[2]), json.dumps(DIRECTORY[5])],
    )
    summary = import_file(store, second)
    assert (summary.directory_stored, summary.directory_unchanged) == (1, 2)
    assert rows(store, "members")[0] == {
        "id": "ann",
        "name": "Ann Smith",
        "email": "ann@example.org",
        "role": "annotator",
    }
    again = import_file(store, second)
    assert (again.directory_stored, again.directory_unchanged) == (0, 3)
    assert count(store, "members") == 2
    assert count(store, "workspaces") == 1
    assert count(store, "memberships") == 2


def test_state_is_exact_after_each_of_several_imports(tmp_path: Path, store: Store) -> None:
    chunks = [EVENTS[2:4], EVENTS[:2], EVENTS[4:], EVENTS]
    for n, chunk in enumerate(chunks):
        path = write_ndjson(tmp_path / f"part{n}.ndjson", [json.dumps(r) for r in chunk])
        import_file(store, path)
        assert check_state(store).differences == 0
    assert count(store) == len(EVENTS)


def test_import_of_missing_file_or_non_array_json_is_an_error(tmp_path: Path, store: Store) -> None:
    with pytest.raises(NotFoundError):
        import_file(store, tmp_path / "nope.ndjson")
    broken = tmp_path / "broken.json"
    broken.write_text("[{]", encoding="utf-8")
    with pytest.raises(UsageError):
        import_file(store, broken)
    assert count(store) == 0


def test_empty_file_imports_nothing(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "empty.ndjson"
    path.write_text("", encoding="utf-8")
    summary = import_file(store, path)
    assert summary.read == 0
    assert summary.rejects_path is None


def test_an_empty_batch_stores_nothing_and_fails_nothing(store: Store) -> None:
    summary = ingest_records(store, [])
    assert (summary.stored, summary.duplicates, summary.rejected) == (0, 0, 0)


def test_crlf_line_ends_and_padding_are_read_like_plain_lines(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "windows.ndjson"
    record = (
        '{"id":"e1","type":"annotation.submitted","time":"2026-03-02T10:00:00Z",'
        '"actor":"ann","project":"p1","task":"t1","annotation":"a1"}'
    )
    path.write_bytes(
        ("  " + record + "\r\n\r\n" + record.replace('"e1"', '"e2"') + "\r\n").encode()
    )
    summary = import_file(store, path)
    assert (summary.stored, summary.rejected) == (2, 0)
    assert [r["id"] for r in store.rows("SELECT id FROM events ORDER BY id")] == ["e1", "e2"]


def test_bytes_that_are_not_utf8_do_not_stop_the_file(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "latin1.ndjson"
    good = (
        '{"id":"e1","type":"annotation.submitted","time":"2026-03-02T10:00:00Z",'
        '"actor":"ann","project":"p1","task":"t1","annotation":"a1"}'
    )
    path.write_bytes(good.encode() + b"\n" + b'{"id":"e2","text":"caf\xe9"\n')
    summary = import_file(store, path)
    assert (summary.stored, summary.rejected) == (1, 1)
    rejected = json.loads(Path(summary.rejects_path or "").read_text().splitlines()[0])
    assert rejected["position"] == 2 and "\ufffd" in rejected["record"]


# -- hostile input (issue 11) -----------------------------------------------------------------


def test_a_rejection_lists_the_first_100_problems_and_counts_them_all(store: Store) -> None:
    with pytest.raises(InvalidRecordsError) as caught:
        ingest_records(store, [{}] * 2000 + [event("ok")])
    error = caught.value
    assert len(error.details) == 100
    assert [d["position"] for d in error.details] == sorted(d["position"] for d in error.details)
    assert error.details[0]["position"] == 1
    assert error.message.startswith("2000 of 2001 record(s) are invalid; nothing was stored")
    assert f"(the first 100 of {error.problems} problems are listed)" in error.message
    assert error.problems >= 2000 * 6
    assert count(store) == 0


def test_a_json_file_with_a_repeated_key_rejects_that_record(store: Store, tmp_path: Path) -> None:
    text = "[" + json.dumps(event("e1")) + ",\n" + json.dumps(event("e2"))[:-1] + ', "actor": "x"}]'
    path = tmp_path / "dup.json"
    path.write_text(text, encoding="utf-8")
    summary = import_file(store, path)
    assert (summary.stored, summary.rejected) == (1, 1)
    [entry] = read_rejects(summary.rejects_path or "")
    assert entry["position"] == 2
    assert entry["errors"] == ['record 2 (id "e2"): has a field more than once']


def test_a_deeply_nested_json_file_is_a_clear_error(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[\n" + "[" * 100_000, encoding="utf-8")
    with pytest.raises(UsageError, match=r"deep\.json is not valid JSON: .* at line 2 column"):
        import_file(store, path)
    nested = tmp_path / "nested.json"
    deep = "[" * 100_000 + "]" * 100_000
    nested.write_text(f'[{json.dumps(event("e1"))}, {{"id": "e2", "meta": {deep}}}]', "utf-8")
    summary = import_file(store, nested)
    assert (summary.stored, summary.rejected) == (1, 1)


@pytest.mark.parametrize("suffix", [".ndjson", ".json", ".csv"])
def test_a_leading_byte_order_mark_is_ignored(store: Store, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"bom{suffix}"
    records = [event("e1"), event("e2")]
    if suffix == ".csv":
        write_csv(path, records)
    elif suffix == ".json":
        path.write_text(json.dumps(records), encoding="utf-8")
    else:
        write_ndjson(path, [json.dumps(r) for r in records])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    summary = import_file(store, path)
    assert (summary.stored, summary.rejected) == (2, 0)


def test_a_binary_csv_is_rejected_naming_the_file_and_line(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "data.csv", [event(f"e{n}") for n in range(3)])
    path.write_bytes(path.read_bytes() + b"e9,\xff\xfe\x00\x81garbage\n")
    with pytest.raises(UsageError, match=r"data\.csv: line 5 is not valid UTF-8"):
        import_file(store, path)
    huge = tmp_path / "huge.csv"
    huge.write_bytes(b'id,type\ne1,"' + b"x" * 200_000 + b'"\n')
    with pytest.raises(UsageError, match=r"huge\.csv: not a readable CSV file: field larger"):
        import_file(store, huge)


def test_a_csv_with_a_repeated_column_is_rejected(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "twice.csv"
    path.write_text("id,actor,actor\ne1,ann,rev\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"twice\.csv: column\(s\) actor appear more than once"):
        import_file(store, path)
