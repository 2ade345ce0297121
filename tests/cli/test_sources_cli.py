"""`labelpulse import SOURCE FILE`: another tool's export through its connector."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from labelpulse.cli import app
from labelpulse.errors import LabelpulseError
from labelpulse.store import connect
from tests.connectors.test_segments import DATASET, as_json, flowers

ENV = {"LABELPULSE_DB": None}


def run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--db", str(db), *args], env=ENV)
    if isinstance(result.exception, LabelpulseError):
        return 1, result.output + str(result.exception)
    return result.exit_code, result.output


def wide(db: Path, *args: str) -> tuple[int, str]:
    """`run` on a wide terminal, so that no message is wrapped."""
    result = CliRunner().invoke(app, ["--db", str(db), *args], env={**ENV, "COLUMNS": "250"})
    assert not isinstance(result.exception, LabelpulseError), result.output
    return result.exit_code, result.output


def counts(output: str) -> dict[str, int]:
    """The event columns of the summary table the import printed (its first data row)."""
    lines = output.splitlines()
    head = next(i for i, line in enumerate(lines) if "stored" in line and "duplicate" in line)
    names = [c.strip() for c in lines[head].strip("┃ ").split("┃")]
    cells = [c.strip() for c in lines[head + 2].strip("│ ").split("│")]
    return {n: int(c.replace(",", "")) for n, c in zip(names, cells, strict=True) if c.isdigit()}


def stored(db: Path, sql: str = "SELECT count(*) AS n FROM events") -> Any:
    store = connect(str(db))
    try:
        return store.rows(sql)[0]["n"]
    finally:
        store.close()


def reject_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_import_segments_workunits(tmp_path: Path) -> None:
    export = tmp_path / "workunits.json"
    export.write_text(json.dumps(as_json(flowers())), encoding="utf-8")
    db = tmp_path / "s.duckdb"
    code, out = run(db, "import", "segments", str(export), "--dataset", DATASET)
    assert code == 0, out
    store = connect(str(db))
    try:
        stored = store.rows("SELECT count(*) AS n FROM events")[0]["n"]
    finally:
        store.close()
    assert stored == len(flowers())
    code, out = run(db, "import", "segments", str(export), "--dataset", DATASET)
    assert code == 0, out  # every workunit again: all duplicates
    assert counts(out) == {"stored": 0, "duplicate": 12, "conflicting": 0, "rejected": 0}


def test_a_source_needs_a_file_and_refuses_a_column_map(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    assert "at least one file" in run(db, "import", "segments")[1]
    code, out = run(db, "import", "segments", "x.json", "--map", "time=t")
    assert code == 1 and "--map is for our own CSV files, not segments exports" in out
    code, out = run(db, "import", "cvat", "a.csv", "b.csv", "--rejects", "why.ndjson")
    assert code == 1 and "--rejects takes one file at a time" in out


def test_a_file_named_like_a_source_is_still_a_file(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    Path("segments").write_text(
        '{"kind": "member", "id": "m1", "name": "M", "role": "annotator"}\n', encoding="utf-8"
    )
    code, out = run(tmp_path / "f.duckdb", "import", "segments")
    assert code == 0, out


def test_import_cvat_events(tmp_path: Path) -> None:
    from tests.connectors.test_cvat import ANNA, created_job, shapes, working, write

    export = write(
        tmp_path,
        [created_job("09:00:00", 12), working("09:10:00", ANNA, 90_000),
         shapes("create:shapes", "09:11:00", ANNA, "rectangle", 3)],
    )  # fmt: skip
    db = tmp_path / "c.duckdb"
    code, out = run(db, "import", "cvat", str(export))
    assert code == 0, out
    store = connect(str(db))
    try:
        rows = store.rows("SELECT sum(duration_us) AS us, sum(regions_added) AS added FROM events")
    finally:
        store.close()
    assert rows == [{"us": 90_000_000, "added": 3}]


def test_import_label_studio_export_with_users(tmp_path: Path) -> None:
    samples = Path(__file__).parents[1] / "labelstudio" / "samples"
    db = tmp_path / "ls.duckdb"
    code, out = run(
        db, "import", "label-studio", str(samples / "export_json.json"),
        "--project-name", "Sentiment", "--users", str(samples / "users.json"),
    )  # fmt: skip
    assert code == 0, out
    store = connect(str(db))
    try:
        projects = store.get("projects")
        emails = {m["email"] for m in store.get("members")}
        stored = store.rows("SELECT count(*) AS n FROM events")[0]["n"]
    finally:
        store.close()
    assert [p["name"] for p in projects] == ["Sentiment"]
    assert "ann@labelpulse.test" in emails
    assert stored > 0
    code, again = run(db, "import", "label-studio", str(samples / "export_json.json"))
    assert code == 0, again
    assert counts(again) == {"stored": 0, "duplicate": 5, "conflicting": 0, "rejected": 0}
    store = connect(str(db))
    try:
        assert store.rows("SELECT count(*) AS n FROM events")[0]["n"] == stored
    finally:
        store.close()


def test_sync_segments_through_the_command(tmp_path: Path) -> None:
    from tests.connectors.test_segments import KEY, FakeSegments

    fake = FakeSegments(as_json(flowers()))
    fake.thread.start()
    try:
        db = tmp_path / "sync.duckdb"
        args = ("sync", "segments", "--api-key", KEY, "--dataset", DATASET, "--api-url", fake.url)
        code, out = run(db, *args)
        assert code == 0, out
        assert "12" in out
        code, again = run(db, *args)
        assert code == 0, again
    finally:
        fake.server.shutdown()
        fake.server.server_close()
        fake.thread.join()
    store = connect(str(db))
    try:
        assert store.rows("SELECT count(*) AS n FROM events")[0]["n"] == 12
    finally:
        store.close()


def test_sync_cvat_refuses_a_bad_date(tmp_path: Path) -> None:
    code, out = run(tmp_path / "c.duckdb", "sync", "cvat", "--url", "http://x", "--since", "May")
    assert code == 1 and "--since must be a date" in out


# -- a file with one bad record: the rest is stored, the bad one rejected, exit 1 -----------


def test_a_label_studio_export_with_a_bad_annotation(tmp_path: Path) -> None:
    samples = Path(__file__).parents[1] / "labelstudio" / "samples"
    tasks = json.loads((samples / "export_json.json").read_text(encoding="utf-8"))
    tasks[2]["annotations"][0]["created_at"] = "2026-11-25T21:55:03"  # Bob's skip: no offset
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks), encoding="utf-8")
    db = tmp_path / "ls.duckdb"
    args = ("import", "label-studio", str(export), "--users", str(samples / "users.json"))
    code, out = wide(db, *args)
    assert code == 1
    assert counts(out) == {"stored": 4, "duplicate": 0, "conflicting": 0, "rejected": 1}
    why = tmp_path / "export.json.rejects.ndjson"
    assert (
        '  record 3 (id "annotation 3"): field "created_at": must have an offset (Z or +02:00): '
        "a time without one is not guessed\n"
        f"Rejected records and their reasons: {why}\n"
    ) in out
    assert [(e["position"], e["id"]) for e in reject_lines(why)] == [(3, "annotation 3")]
    # Ann's first version (15 s) and her change, Bob's 2 (7.5 s) and 5 (5 s): 27.5 s in all
    assert stored(db, "SELECT sum(duration_us) AS n FROM events") == 27_500_000
    code, again = wide(db, *args, "--rejects", str(tmp_path / "again.ndjson"))
    assert code == 1
    assert counts(again) == {"stored": 0, "duplicate": 4, "conflicting": 0, "rejected": 1}
    assert len(reject_lines(tmp_path / "again.ndjson")) == 1
    assert stored(db) == 4


def test_a_segments_file_with_a_bad_workunit(tmp_path: Path) -> None:
    units = as_json(flowers())
    del units[4]["created_by"]  # rita's rejection of sample 1
    export = tmp_path / "workunits.json"
    export.write_text(json.dumps(units), encoding="utf-8")
    db = tmp_path / "s.duckdb"
    code, out = wide(db, "import", "segments", str(export), "--dataset", DATASET)
    assert code == 1
    assert counts(out) == {"stored": 11, "duplicate": 0, "conflicting": 0, "rejected": 1}
    assert (
        'record 5 (id "a3e1c9d2-7f4b-4a6e-b8c0-000000000005"): field "created_by": is required'
    ) in out
    assert [e["position"] for e in reject_lines(Path(str(export) + ".rejects.ndjson"))] == [5]
    assert stored(db, "SELECT count(*) AS n FROM events WHERE type = 'review.rejected'") == 0
    code, again = wide(db, "import", "segments", str(export), "--dataset", DATASET)
    assert code == 1
    assert counts(again) == {"stored": 0, "duplicate": 11, "conflicting": 0, "rejected": 1}


def test_a_cvat_export_with_a_bad_row(tmp_path: Path) -> None:
    from tests.connectors.test_cvat import ROWS, write

    rows = [list(r) for r in ROWS]
    rows[6][5] = "yesterday"  # line 8, the timestamp of anna's first working time (754.321 s)
    export = write(tmp_path, rows)
    db = tmp_path / "c.duckdb"
    code, out = wide(db, "import", "cvat", str(export))
    assert code == 1
    assert counts(out) == {"stored": 15, "duplicate": 0, "conflicting": 0, "rejected": 1}
    assert "record 8: field \"timestamp\": 'yesterday' is not a date-time" in out
    assert [e["position"] for e in reject_lines(Path(str(export) + ".rejects.ndjson"))] == [8]
    # the working times but line 8's: 300 + 120.5 + 90 + 60 + 200 s
    assert stored(db, "SELECT sum(duration_us) AS n FROM events") == 770_500_000
    code, again = wide(db, "import", "cvat", str(export))
    assert code == 1
    assert counts(again) == {"stored": 0, "duplicate": 15, "conflicting": 0, "rejected": 1}


def test_a_csv_file_read_with_a_map_with_a_bad_row(tmp_path: Path) -> None:
    from tests.ingest.test_mapping import SHEET_MAP, sheet

    path = sheet(tmp_path, "ann@example.org,T-9,,2026-03-06T10:00:00Z,n/a,Done,street")  # line 8
    db = tmp_path / "m.duckdb"
    code, out = wide(db, "import", "--quiet", str(path), "--map", SHEET_MAP)
    assert code == 1
    assert counts(out) == {"stored": 5, "duplicate": 0, "conflicting": 0, "rejected": 1}
    (entry,) = reject_lines(Path(str(path) + ".rejects.ndjson"))
    assert entry["position"] == 8
    assert f'record 8 (id "{entry["id"]}"): field "duration" (column "Seconds Spent")' in out
    # 120 s + 5 min + 90 s + 45.5 s + 60 s
    assert stored(db, "SELECT sum(duration_us) AS n FROM events") == 615_500_000
    code, again = wide(db, "import", "--quiet", str(path), "--map", SHEET_MAP)
    assert code == 1
    assert counts(again) == {"stored": 0, "duplicate": 5, "conflicting": 0, "rejected": 1}
