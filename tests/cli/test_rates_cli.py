"""`labelpulse pay rates list|set|remove`, and rates imported with `labelpulse import`."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from labelpulse.cli import app
from labelpulse.cli.pay_demo import UNPAID
from labelpulse.errors import InvalidRecordsError, NotFoundError
from labelpulse.metrics import Directory
from labelpulse.metrics.rates import load_rates
from labelpulse.store import connect
from tests.cli.test_cli import invoke, run

DIRECTORY = [
    {"kind": "member", "id": "ann", "name": "Anna Annotator", "role": "annotator"},
    {"kind": "member", "id": "bob", "name": "Bob Builder", "role": "annotator"},
    {"kind": "project", "id": "cars", "name": "Cars"},
]


def ndjson(path: Path, records: Sequence[Mapping[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def org(tmp_path: Path) -> Path:
    db = tmp_path / "pay.duckdb"
    result = invoke(db, "import", "--quiet", str(ndjson(tmp_path / "dir.ndjson", DIRECTORY)))
    assert result.exit_code == 0, result.output
    return db


def test_help() -> None:
    for words in (["pay"], ["pay", "rates"], ["pay", "rates", "set"], ["pay", "rates", "list"]):
        result = CliRunner().invoke(app, [*words, "--help"])
        assert result.exit_code == 0, result.output
        assert "Usage" in result.stdout
    assert "--per-accepted" in CliRunner().invoke(app, ["pay", "rates", "set", "--help"]).stdout


def test_set_list_and_remove(tmp_path: Path) -> None:
    db = org(tmp_path)
    done = invoke(db, "pay", "rates", "set", "ann", "--effective", "2026-01-01",
                  "--currency", "EUR", "--per-hour", "12.5")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert done.stdout == "Rate of ann in every project from 2026-01-01 set.\n"
    done = invoke(db, "pay", "rates", "set", "ann", "--project", "cars", "--effective",
                  "2026-02-15", "--currency", "eur", "--per-accepted", "0.3")  # fmt: skip
    assert done.exit_code == 0, done.output
    table = invoke(db, "pay", "rates", "list")
    assert table.exit_code == 0, table.output
    assert "Anna Annotator" in table.stdout and "Cars" in table.stdout
    assert "every project" in table.stdout and "12.5" in table.stdout
    data = json.loads(invoke(db, "pay", "rates", "list", "--format", "json").stdout)
    assert [(r["member_name"], r["project_name"], r["effective"]) for r in data["rows"]] == [
        ("Anna Annotator", "every project", "2026-01-01"),
        ("Anna Annotator", "Cars", "2026-02-15"),
    ]
    assert data["rows"][1]["currency"] == "EUR" and data["rows"][1]["per_accepted"] == 0.3
    text = invoke(db, "pay", "rates", "list", "-f", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["member_name"], r["project_name"], r["per_hour"]) for r in rows] == [
        ("Anna Annotator", "every project", "12.5"),
        ("Anna Annotator", "Cars", "0"),
    ]
    book = tmp_path / "rates.xlsx"
    assert invoke(db, "pay", "rates", "list", "-f", "xlsx", "-o", str(book)).exit_code == 0
    sheet = load_workbook(book)["rates"]
    assert [c.value for c in sheet[2]][:5] == ["ann", "Anna Annotator", None, "every project",
                                                 "2026-01-01"]  # fmt: skip
    gone = invoke(db, "pay", "rates", "remove", "ann", "--project", "cars", "--effective",
                  "2026-02-15")  # fmt: skip
    assert gone.exit_code == 0, gone.output
    again = invoke(db, "pay", "rates", "remove", "ann", "--project", "cars", "--effective",
                   "2026-02-15")  # fmt: skip
    assert isinstance(again.exception, NotFoundError)
    store = connect(str(db))
    try:
        assert [(r.member, r.project) for r in load_rates(store)] == [("ann", None)]
    finally:
        store.close()


def test_set_names_each_bad_field(tmp_path: Path) -> None:
    db = org(tmp_path)
    bad = invoke(db, "pay", "rates", "set", "zed", "--project", "boats", "--effective",
                 "2026-13-01", "--currency", "EURO")  # fmt: skip
    assert isinstance(bad.exception, InvalidRecordsError)
    fields = {d["field"]: d["rule"] for d in bad.exception.details}
    assert fields == {
        "member": "no member 'zed' in the directory",
        "project": "no project 'boats' in the directory",
        "effective": "'2026-13-01' is not a calendar date (YYYY-MM-DD)",
        "currency": "String should match pattern '^[A-Z]{3}$'",
    }
    # as a process: exit 1, the words on stderr, nothing stored
    result = run(db, "pay", "rates", "set", "ann", "--effective", "2026-01-01",
                 "--currency", "EUR")  # fmt: skip
    assert result.returncode == 1
    assert "rate: a rate needs at least one of per_hour, per_accepted, per_region" in result.stderr


def test_rates_import_from_a_file_and_rejects_name_record_and_field(tmp_path: Path) -> None:
    db = org(tmp_path)
    path = ndjson(
        tmp_path / "rates.ndjson",
        [
            {
                "kind": "rate",
                "member": "ann",
                "effective": "2026-01-01",
                "currency": "EUR",
                "per_hour": 12.5,
            },
            {
                "kind": "rate",
                "member": "bob",
                "effective": "2026-02-30",
                "currency": "EUR",
                "per_hour": 10,
            },
            {"kind": "rate", "member": "bob", "effective": "2026-02-01", "currency": "EUR"},
            {
                "kind": "rate",
                "member": "bob",
                "effective": "2026-02-01",
                "currency": "EUR",
                "per_region": -1,
                "bonus": 5,
            },
        ],
    )
    result = invoke(db, "import", "--quiet", str(path))
    assert result.exit_code == 1
    written = (tmp_path / "rates.ndjson.rejects.ndjson").read_text(encoding="utf-8")
    rejects = [json.loads(line) for line in written.splitlines()]
    problems = {(r["position"], error) for r in rejects for error in r["errors"]}
    assert problems == {
        (2, "record 2: field \"effective\": '2026-02-30' is not a calendar date (YYYY-MM-DD)"),
        (3, "record 3: a rate needs at least one of per_hour, per_accepted, per_region"),
        (4, 'record 4: field "per_region": Input should be greater than or equal to 0'),
        (
            4,
            'record 4: field "bonus": is not a field of a rate record (unknown fields are '
            "rejected)",
        ),
    }
    assert json.loads(rejects[0]["record"])["member"] == "bob"
    store = connect(str(db))
    try:
        assert [(r.member, str(r.per_hour)) for r in load_rates(store)] == [("ann", "12.5")]
    finally:
        store.close()


def test_the_demo_has_rates(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    done = invoke(db, "demo", "--events", "300", "--members", "10", "--days", "10", "--no-logins")
    assert done.exit_code == 0, done.output
    store = connect(str(db))
    try:
        rates = load_rates(store)
        roles = {m: r["role"] for m, r in Directory.load(store).members.items()}
    finally:
        store.close()
    # The demo's pay (cli/pay_demo.py): every annotator and reviewer paid but one, whose
    # work the pay page shows as "no rate"; one member in USD; a project rate of ann-01's.
    paid = {rate.member for rate in rates}
    workers = {m for m, role in roles.items() if role in ("annotator", "reviewer")}
    assert paid == workers - {UNPAID}
    assert {rate.currency for rate in rates} == {"EUR", "USD"}
    assert [r.project is not None for r in rates if r.member == "ann-01"] == [False, True]
