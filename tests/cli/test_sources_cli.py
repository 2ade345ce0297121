"""`labelpulse import SOURCE FILE`: another tool's export through its connector."""

from __future__ import annotations

import json
from pathlib import Path

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
    assert code == 0 and "12" in out  # every workunit again: all duplicates


def test_a_source_needs_a_file_and_refuses_our_options(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    assert "at least one file" in run(db, "import", "segments")[1]
    code, out = run(db, "import", "segments", "x.json", "--map", "time=t")
    assert code == 1 and "--map and --rejects are for our own files" in out


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
