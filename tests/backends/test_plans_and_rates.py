"""Project task counts and deadlines, and pay rates, stored alike by every backend."""

from __future__ import annotations

import pytest

from labelpulse.errors import InvalidRecordsError
from labelpulse.ingest import ingest_records
from labelpulse.store.base import Store
from labelpulse.store.directory import Directory

RATE = {"kind": "rate", "member": "ann", "effective": "2027-01-01", "currency": "EUR",
        "per_hour": 12.5}  # fmt: skip


def test_a_project_record_carries_its_tasks_and_deadline(backend_store: Store) -> None:
    project = {"kind": "project", "id": "p1", "name": "Roads", "tasks": 400,
               "deadline": "2027-03-31"}  # fmt: skip
    ingest_records(backend_store, [project])
    assert Directory.load(backend_store).projects["p1"]["tasks"] == 400
    # A record is the whole project: one without them clears them.
    summary = ingest_records(backend_store, [{"kind": "project", "id": "p1", "name": "Roads"}])
    assert summary.directory_stored == 1
    row = Directory.load(backend_store).projects["p1"]
    assert (row["tasks"], row["deadline"]) == (None, None)


def test_rates_are_keyed_by_member_project_and_day(backend_store: Store) -> None:
    for_project = {**RATE, "project": "p1", "per_hour": None, "per_accepted": 0.4}
    summary = ingest_records(backend_store, [RATE, for_project, RATE])
    assert summary.directory_stored == 2 and summary.directory_unchanged == 1
    ingest_records(backend_store, [{**RATE, "per_hour": 13.0}])
    rows = backend_store.rows(
        "SELECT member, project, effective, currency, per_hour, per_accepted, per_region "
        "FROM rates ORDER BY project"
    )
    assert rows == [
        {"member": "ann", "project": "", "effective": "2027-01-01", "currency": "EUR",
         "per_hour": 13.0, "per_accepted": None, "per_region": None},
        {"member": "ann", "project": "p1", "effective": "2027-01-01", "currency": "EUR",
         "per_hour": None, "per_accepted": 0.4, "per_region": None},
    ]  # fmt: skip
    backend_store.merge_member("ann", "anna")
    assert {r["member"] for r in backend_store.get("rates")} == {"anna"}


def test_a_bad_rate_is_refused_naming_its_field(backend_store: Store) -> None:
    with pytest.raises(InvalidRecordsError) as refused:
        ingest_records(backend_store, [{**RATE, "currency": "euro"}, {**RATE, "per_hour": -1}])
    problems = refused.value.details
    assert [(p["position"], p["field"]) for p in problems] == [(1, "currency"), (2, "per_hour")]
    assert backend_store.get("rates") == []
