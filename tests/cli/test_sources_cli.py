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
