"""Generic CSV with a column mapping: the spec's syntax and errors, a spreadsheet export imported
with it, idempotent re-imports, rejects naming their column, and `labelpulse import --map`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from labelpulse.cli import app
from labelpulse.errors import RecordError, UsageError
from labelpulse.ingest import IngestSummary, import_file
from labelpulse.ingest.mapping import ColumnMapping, FieldSource, derived_id, parse_mapping
from labelpulse.metrics import report
from labelpulse.store import Store, connect
from labelpulse.store.check import check_state

SHEET_MAP = (
    "time=Submitted, started_at=Started, actor=Annotator Email, task=Task ID,"
    "annotation=Task ID+Annotator Email, project=Project, type=:annotation.submitted,"
    "duration=Seconds Spent, meta.status=Status"
)
HEADER = "Annotator Email,Task ID,Started,Submitted,Seconds Spent,Status,Project"
SHEET = [
    # line 2..: a spreadsheet export, one row per submitted task
    "ann@example.org,T-1,2026-03-02 09:58:00+01:00,2026-03-02 10:00:00+01:00,120,Done,street",
    "ann@example.org,T-2,2026-03-02 10:00:00+01:00,2026-03-02 10:05:00+01:00,0:05:00,Done,street",
    "bob@example.org,T-1,2026-03-03T11:00:00Z,2026-03-03T11:01:30Z,90,Done,street",
    "ann@example.org,T-3,2026-03-04T08:00:00Z,2026-03-04T08:00:46Z,45.5,Needs check,street",
    "bob@example.org,T-4,2026-03-05T08:00:00Z,2026-03-05T08:01:00Z,60,Done,lanes",
    ",,,,,,",
]


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def sheet(tmp_path: Path, *extra: str) -> Path:
    return write(tmp_path / "export.csv", HEADER, *SHEET, *extra)


def events(store: Store) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = store.query("SELECT * FROM events ORDER BY time_us").to_pylist()
    return rows


def outcome(summary: IngestSummary) -> tuple[int, int, int, int]:
    return summary.stored, summary.duplicates, summary.conflicts, summary.rejected


def rejects(summary: IngestSummary) -> list[dict[str, Any]]:
    assert summary.rejects_path is not None
    text = Path(summary.rejects_path).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


# -- the spec ----------------------------------------------------------------------------------


def test_a_spec_parses_into_columns_constants_conversions_and_joins() -> None:
    mapping = parse_mapping(
        "time = Submitted ,type=:annotation.submitted, duration=Time (ms)/1000, idle=Idle min*60,"
        'annotation=Task ID+"Email, work",model_assisted=:yes,meta.status=Status,'
        'task="A+B",agreement="Agreement/100",regions=:3,'
    )
    assert mapping.source("time") == FieldSource("time", "time = Submitted", ("Submitted",))
    assert mapping.source("type") == FieldSource(
        "type", "type=:annotation.submitted", constant="annotation.submitted"
    )
    duration = mapping.source("duration")
    assert duration is not None
    assert (duration.columns, duration.scale) == (("Time (ms)",), ("/", 1000))
    idle = mapping.source("idle")
    assert idle is not None
    assert (idle.columns, idle.scale) == (("Idle min",), ("*", 60))
    annotation = mapping.source("annotation")
    assert annotation is not None
    assert annotation.columns == ("Task ID", "Email, work")
    assert annotation.column == "Task ID+Email, work"
    model_assisted, regions = mapping.source("model_assisted"), mapping.source("regions")
    assert model_assisted is not None and model_assisted.constant is True
    assert regions is not None and regions.constant == 3
    # quoted names are taken whole; + and / are read as a join or a conversion only outside them
    assert [s.columns for s in mapping.sources if s.target in ("task", "agreement")] == [
        ("A+B",),
        ("Agreement/100",),
    ]
    assert mapping.targets == {
        "time",
        "type",
        "duration",
        "idle",
        "annotation",
        "model_assisted",
        "meta",
        "task",
        "agreement",
        "regions",
    }


def test_plus_star_and_slash_are_names_where_the_field_takes_no_join_or_conversion() -> None:
    mapping = parse_mapping("text=Notes+Remarks,duration=Seconds/Task x,type=Kind*")
    assert [s.columns for s in mapping.sources] == [
        ("Notes+Remarks",),
        ("Seconds/Task x",),
        ("Kind*",),
    ]
    assert all(s.scale is None for s in mapping.sources)


FIELDS = (
    "id, type, time, started_at, actor, project, task, annotation, author, duration, idle, "
    "regions_added, regions_removed, regions_updated, regions, model_assisted, marked_null, "
    "agreement, text, frames, work_type, meta"
)
SPEC_ERRORS = {
    "": 'mapping: empty; expected FIELD=COLUMN items separated by commas, such as "time=Submitted,'
    'actor=Annotator Email"',
    "time": 'mapping: "time" has no "="; each item is FIELD=COLUMN, FIELD=:CONSTANT, '
    "FIELD=COLUMN/NUMBER or FIELD=COLUMN*NUMBER",
    "time=Submitted,durration=Seconds": 'mapping: "durration" (in "durration=Seconds") is not a '
    'field of an event; did you mean "duration"?',
    "colour=Red": 'mapping: "colour" (in "colour=Red") is not a field of an event; '
    f"fields: {FIELDS}",
    "kind=:event": 'mapping: "kind" (in "kind=:event") is not a field of an event; '
    f"fields: {FIELDS}",
    "actr=Email": 'mapping: "actr" (in "actr=Email") is not a field of an event; did you mean '
    '"actor"?',
    "=Status": 'mapping: "=Status" names no field before "="',
    "time=A, actor=B, time=C": 'mapping: field "time" is mapped twice ("time=A" and "time=C")',
    "meta=Extra,meta.status=Status": 'mapping: "meta" is mapped whole and by key (meta.status); '
    "use one or the other",
    "meta.=Status": 'mapping: "meta.=Status" names no key after "meta."',
    "time=": 'mapping: "time=" names no column after "="',
    "task=A++B": 'mapping: "task=A++B" has an empty column name',
    'actor="Email': 'mapping: a double quote is not closed in: actor="Email',
    'task="R+D" x': 'mapping: in "task="R+D" x", a quoted name must end with its closing quote',
    "type=:": 'mapping: "type=:" gives an empty constant',
    "id=:one": 'mapping: "id=:one": a constant id would make every row one event; map id to a '
    "column, or leave it out to derive one from each row",
    "type=:annotation.sumbitted": 'mapping: "type=:annotation.sumbitted": the constant must be '
    "one of: annotation.draft, annotation.submitted, annotation.updated, annotation.skipped, "
    "annotation.deleted, review.accepted, review.rejected, review.fixed_and_accepted, "
    "review.viewed, comment.created",
    "duration=:-1": 'mapping: "duration=:-1": the constant must be a number ≥ 0',
    "duration=:ten": 'mapping: "duration=:ten": the constant must be a number ≥ 0',
    "regions_added=:1.5": 'mapping: "regions_added=:1.5": the constant must be an integer ≥ 0',
    "agreement=:2": 'mapping: "agreement=:2": the constant must be a number from 0 to 1',
    "model_assisted=:maybe": 'mapping: "model_assisted=:maybe": the constant must be true or false',
    "meta=:[1]": 'mapping: "meta=:[1]": the constant must be a JSON object',
    "duration=Time (ms)/0": 'mapping: "duration=Time (ms)/0": the number after / must not be 0',
}


@pytest.mark.parametrize("spec", SPEC_ERRORS, ids=lambda s: s or "empty")
def test_a_bad_spec_is_a_usage_error_naming_the_problem(spec: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_mapping(spec)
    assert str(caught.value) == SPEC_ERRORS[spec]


# -- the spec against a file's header: checked before any row is read --------------------------


def test_a_mapped_column_missing_from_the_header_names_field_column_and_header(
    tmp_path: Path, store: Store
) -> None:
    path = sheet(tmp_path)
    mapping = parse_mapping(SHEET_MAP.replace("Seconds Spent", "Seconds").replace("Task ID+", ""))
    with pytest.raises(UsageError) as caught:
        import_file(store, path, mapping=mapping)
    assert str(caught.value) == (
        'mapping: export.csv has no column "Seconds" (mapped to duration); its columns are: '
        '"Annotator Email", "Task ID", "Started", "Submitted", "Seconds Spent", "Status", '
        '"Project"'
    )
    two = parse_mapping("time=Sent,actor=Mail,annotation=Task ID+Who,type=:annotation.draft")
    with pytest.raises(UsageError) as caught:
        import_file(store, path, mapping=two)
    assert str(caught.value).startswith(
        'mapping: export.csv has no column "Sent" (mapped to time) and no column "Mail" '
        '(mapped to actor) and no column "Who" (mapped to annotation); its columns are: '
    )
    assert store.query("SELECT count(*) AS n FROM events").column("n")[0].as_py() == 0
    assert not list(tmp_path.glob("*.rejects.ndjson"))


def test_a_required_field_with_no_source_is_a_usage_error(tmp_path: Path, store: Store) -> None:
    path = sheet(tmp_path)
    with pytest.raises(UsageError) as caught:
        import_file(store, path, mapping=parse_mapping("time=Submitted,actor=Annotator Email"))
    assert str(caught.value) == (
        'mapping: nothing gives the required field(s) "type", "project", "task", "annotation" in '
        "export.csv: map each to a column (type=COLUMN) or a constant (type=:VALUE)"
    )


def test_a_mapped_column_twice_in_the_header_is_ambiguous() -> None:
    mapping = parse_mapping(
        "time=When,actor=Who,project=:p,task=T,annotation=T,type=:annotation.draft"
    )
    with pytest.raises(UsageError) as caught:
        mapping.bind(["When", "Who", "T", " Who "], file="x.csv")
    assert (
        str(caught.value)
        == 'mapping: column "Who" (mapped to actor) appears 2 times in the header of x.csv'
    )


def test_a_mapping_reads_csv_only(tmp_path: Path, store: Store) -> None:
    path = write(tmp_path / "events.ndjson", "{}")
    with pytest.raises(UsageError) as caught:
        import_file(store, path, mapping=parse_mapping(SHEET_MAP))
    assert str(caught.value) == "mapping: events.ndjson is not a CSV file; a mapping reads CSV only"


# -- a spreadsheet export, imported --------------------------------------------------------------


def test_a_spreadsheet_export_imports_and_the_member_report_adds_up(
    tmp_path: Path, store: Store
) -> None:
    summary = import_file(store, sheet(tmp_path), mapping=parse_mapping(SHEET_MAP))
    assert outcome(summary) == (5, 0, 0, 0)
    assert summary.rejects_path is None
    assert check_state(store).differences == 0

    stored = events(store)
    first = stored[0]
    assert first["id"].startswith("csv-") and len(first["id"]) == 36
    assert (first["actor"], first["task"], first["annotation"]) == (
        "ann@example.org",
        "T-1",
        "T-1/ann@example.org",
    )
    assert (first["type"], first["project"]) == ("annotation.submitted", "street")
    assert first["time_us"] - first["started_us"] == 120_000_000  # 09:58 → 10:00, +01:00
    assert json.loads(first["meta"]) == {"status": "Done"}
    # Two people on task T-1 are two annotations, each with its own author.
    assert [r["annotation"] for r in stored if r["task"] == "T-1"] == [
        "T-1/ann@example.org",
        "T-1/bob@example.org",
    ]
    assert [r["duration_us"] for r in stored] == [
        120_000_000,
        300_000_000,  # 0:05:00
        90_000_000,
        45_500_000,
        60_000_000,
    ]

    def annotations(member: str) -> dict[str, Any]:
        result = report(
            store, "member", start="2026-03-01", end="2026-03-31", tz="UTC", member=member
        )
        block: dict[str, Any] = result["annotations"]
        return block

    ann = annotations("ann@example.org")
    assert ann["submitted"] == 3
    assert ann["total_time"] == pytest.approx(120 + 300 + 45.5)
    assert ann["mean_time"] == pytest.approx((120 + 300 + 45.5) / 3)
    assert ann["median_time"] == pytest.approx(120)
    assert ann["active_time"] == pytest.approx(465.5)  # no idle column: active = duration
    bob = annotations("bob@example.org")
    assert (bob["submitted"], bob["total_time"], bob["median_time"]) == (2, 150, 75)


def test_re_importing_the_same_export_stores_nothing_new(tmp_path: Path, store: Store) -> None:
    path = sheet(tmp_path)
    mapping = parse_mapping(SHEET_MAP)
    import_file(store, path, mapping=mapping)
    before = events(store)
    again = import_file(store, path, mapping=mapping)
    assert outcome(again) == (0, 5, 0, 0)
    assert events(store) == before
    # the same mapping written differently reads the same events
    reordered = ", ".join(reversed([item.strip() for item in SHEET_MAP.split(",")]))
    assert outcome(import_file(store, path, mapping=parse_mapping(reordered))) == (0, 5, 0, 0)


def test_two_identical_rows_are_one_event(tmp_path: Path, store: Store) -> None:
    summary = import_file(store, sheet(tmp_path, SHEET[0]), mapping=parse_mapping(SHEET_MAP))
    assert outcome(summary) == (5, 1, 0, 0)


def test_a_bad_row_is_rejected_with_its_line_and_column(tmp_path: Path, store: Store) -> None:
    path = sheet(
        tmp_path,
        "ann@example.org,T-9,,2026-03-06T10:00:00Z,n/a,Done,street",  # line 8
        "ann@example.org,,,2026-03-06T11:00:00Z,5,Done,street",  # line 9
        "bob@example.org,T-10,,2026-03-06 12:00:00,5,Done,street,surplus",  # line 10
    )
    summary = import_file(store, path, mapping=parse_mapping(SHEET_MAP))
    assert outcome(summary) == (5, 0, 0, 3)
    entries = rejects(summary)
    assert [e["position"] for e in entries] == [8, 9, 10]
    ids = [e["id"] for e in entries]
    assert entries[0]["errors"] == [
        f'record 8 (id "{ids[0]}"): field "duration" (column "Seconds Spent"): must be a number ≥ 0'
    ]
    assert json.loads(entries[0]["record"])["duration"] == "n/a"
    assert entries[1]["errors"] == [
        f'record 9 (id "{ids[1]}"): field "task" (column "Task ID"): is required',
        f'record 9 (id "{ids[1]}"): field "annotation" (column "Task ID+Annotator Email"): '
        "is required",
    ]
    assert entries[2]["errors"] == [
        f'record 10 (id "{ids[2]}"): field "time" (column "Submitted"): must be an RFC 3339 '
        "timestamp with an offset (Z or +02:00), such as 2026-03-02T10:00:00Z",
        f'record 10 (id "{ids[2]}"): field "(extra columns)": is not a field of an event '
        "(unknown fields are rejected)",
    ]
    assert [e.column for e in summary.errors] == [
        "Seconds Spent",
        "Task ID",
        "Task ID+Annotator Email",
        "Submitted",
        None,
    ]
    assert summary.errors[0].as_dict()["column"] == "Seconds Spent"


def test_constants_conversions_and_clock_durations(tmp_path: Path, store: Store) -> None:
    path = write(
        tmp_path / "reviews.csv",
        "when,who,item,ms,idle min,agreement %",
        "2026-03-02T10:00:00Z,rev,i1,12500,0.1,85",
        "2026-03-02T11:00:00Z,rev,i2,1:02:03.5,0,100",
        "2026-03-02T12:00:00Z,rev,i3,0,,",
    )
    mapping = parse_mapping(
        "time=when,actor=who,task=item,annotation=item,project=:p1,"
        "type=:review.fixed_and_accepted,author=:ann,duration=ms/1000,idle=idle min*60,"
        "agreement=agreement %/100,model_assisted=:yes,regions_updated=:2,work_type=:review"
    )
    summary = import_file(store, path, mapping=mapping)
    assert outcome(summary) == (3, 0, 0, 0)
    rows = events(store)
    assert [r["duration_us"] for r in rows] == [12_500_000, 3_723_500_000, 0]  # 1:02:03.5
    assert [r["idle_us"] for r in rows] == [6_000_000, 0, None]
    assert [r["agreement"] for r in rows] == [0.85, 1.0, None]
    for row in rows:
        assert (row["project"], row["type"], row["author"]) == (
            "p1",
            "review.fixed_and_accepted",
            "ann",
        )
        assert (row["model_assisted"], row["regions_updated"], row["work_type"]) == (
            True,
            2,
            "review",
        )
        assert row["meta"] is None


def test_unmapped_columns_pass_through_when_named_like_a_field_else_are_ignored(
    tmp_path: Path, store: Store
) -> None:
    path = write(
        tmp_path / "named.csv",
        "id,Submitted,actor,task,annotation,project,regions_added,time,Comment,kind",
        "e1,2026-03-02T10:00:00Z,ann,t1,a1,p1,4,not a time,nice,member",
        "e2,2026-03-02T11:00:00Z,ann,t2,a2,p1,,,,",
    )
    summary = import_file(
        store, path, mapping=parse_mapping("time=Submitted,type=:annotation.submitted")
    )
    assert outcome(summary) == (2, 0, 0, 0)
    rows = events(store)
    # an id column is used as is (nothing derived); `time` is mapped, so its column is unused;
    # Comment and kind are not event fields: ignored
    assert [(r["id"], r["actor"], r["regions_added"]) for r in rows] == [
        ("e1", "ann", 4),
        ("e2", "ann", 0),
    ]


def test_explain_names_the_column_only_when_it_differs_from_the_field() -> None:
    mapping = parse_mapping("time=Submitted,task=task,type=:annotation.draft")
    error = RecordError(3, "x", "time", "is required")
    assert (
        str(mapping.explain(error))
        == 'record 3 (id "x"): field "time" (column "Submitted"): is required'
    )
    for name in ("task", "type", "actor", None):
        other = RecordError(3, "x", name, "is required")
        assert mapping.explain(other) is other
    assert "column" not in other.as_dict()


def test_the_derived_id_depends_on_the_values_only() -> None:
    a = derived_id({"time": "2026-03-02T10:00:00Z", "actor": "ann", "duration": 5})
    b = derived_id({"duration": 5, "actor": "ann", "time": "2026-03-02T10:00:00Z"})
    c = derived_id({"duration": 6, "actor": "ann", "time": "2026-03-02T10:00:00Z"})
    assert a == b != c
    bound = parse_mapping(SHEET_MAP).bind(HEADER.split(","), file="export.csv")
    row = SHEET[0].split(",")
    record = bound.record(row)
    assert record is not None
    line = bound.line(row)
    assert line is not None
    assert json.loads(line) == {"id": derived_id(record), **record}
    assert bound.record([" ", " ", "", ""]) is None


def test_no_mapping_leaves_the_plain_csv_import_as_it_was(tmp_path: Path, store: Store) -> None:
    """Without --map a spreadsheet's own column names are unknown fields, as before."""
    summary = import_file(store, sheet(tmp_path))
    assert (summary.stored, summary.rejected) == (0, 5)
    assert isinstance(parse_mapping(SHEET_MAP), ColumnMapping)


# -- the command -----------------------------------------------------------------------------------


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABELPULSE_")}
    env.update(COLUMNS="200", NO_COLOR="1", TERM="dumb")
    result = subprocess.run(
        [sys.executable, "-m", "labelpulse", "--db", str(db), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=db.parent,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in result.stdout + result.stderr
    return result


def test_import_with_map_from_the_real_process(tmp_path: Path) -> None:
    path = sheet(tmp_path)
    good, bad = tmp_path / "good.duckdb", tmp_path / "bad.duckdb"
    with ThreadPoolExecutor(max_workers=2) as pool:
        imported = pool.submit(run, good, "import", "--quiet", str(path), "--map", SHEET_MAP)
        refused = pool.submit(
            run, bad, "import", "--quiet", str(path), "--map", "time=Submitted,durration=Seconds"
        )
    assert imported.result().returncode == 0, imported.result().stderr
    table = imported.result().stdout
    assert "stored" in table and " 5 " in table

    assert refused.result().returncode == 2
    assert " ".join(refused.result().stderr.split()) == (
        'Error: mapping: "durration" (in "durration=Seconds") is not a field of an event; '
        'did you mean "duration"?'
    )
    assert not bad.exists()  # refused before the database was opened
    store = connect(str(good))
    try:
        assert len(events(store)) == 5
    finally:
        store.close()


def test_import_help_shows_the_map_option_with_an_example() -> None:
    result = CliRunner().invoke(app, ["import", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "--map SPEC" in text
    assert "time=Submitted,actor=Annotator Email" in text
    assert "docs/connectors/csv.md" in text
