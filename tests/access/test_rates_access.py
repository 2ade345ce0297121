"""Who may write pay rates (labelpulse.access.owners.check_rates): owners, admins and the
operator; anyone else's batch holding a rate record is refused whole, naming the record.

The HTTP routes refuse a token that is not an owner's or admin's before they read a batch
(tests/web/test_write_matrix.py); this rule holds whatever path hands a batch over."""

from __future__ import annotations

import json

import pytest

from labelpulse.access import Viewer, check_batch
from labelpulse.access.owners import check_directory_records, rate_records
from labelpulse.access.rates import remove_rate, set_rate, visible_rates
from labelpulse.errors import ForbiddenError
from labelpulse.events import ROLES, Rate, parse_directory_record
from labelpulse.ingest import ingest_records
from labelpulse.metrics import Directory
from labelpulse.metrics.rates import load_rates
from labelpulse.store import Store

RATE = {"kind": "rate", "member": "ann", "effective": "2026-01-01", "currency": "EUR",
        "per_hour": 10}  # fmt: skip
WORKSPACE = {"kind": "workspace", "id": "ws", "name": "Vision"}
ALLOWED = {"owner", "admin"}


def viewer(role: str) -> Viewer:
    return Viewer(f"v-{role}", role.title(), role)


@pytest.mark.parametrize("role", ROLES)
def test_a_batch_with_a_rate_needs_an_owner_or_admin(store: Store, role: str) -> None:
    batch = [WORKSPACE, RATE]
    lines = [json.dumps(r) for r in batch]
    if role in ALLOWED:
        check_batch(store, viewer(role), batch)
        check_batch(store, viewer(role), lines)
        return
    for given in (batch, lines):
        with pytest.raises(ForbiddenError) as refused:
            check_batch(store, viewer(role), given)
        assert refused.value.message == (
            "record 2 (the rate of 'ann'): only owners and admins may write pay rates"
        )
        assert refused.value.details == [
            {"position": 2, "id": "ann", "field": "kind", "value": "rate"}
        ]


def test_the_operator_may_write_rates(store: Store) -> None:
    check_batch(store, None, [RATE])
    set_rate(store, Rate(member="ann", effective="2026-01-01", currency="EUR", per_hour=10))
    assert [r.member for r in load_rates(store)] == ["ann"]
    remove_rate(store, "ann", None, "2026-01-01")
    assert load_rates(store) == []


def test_a_file_imports_validated_rates_through_the_same_rule(store: Store) -> None:
    record = parse_directory_record(RATE, 7)
    assert isinstance(record, Rate)
    check_directory_records(store, None, [(7, record)])
    check_directory_records(store, viewer("admin"), [(7, record)])
    with pytest.raises(ForbiddenError) as refused:
        check_directory_records(store, viewer("manager"), [(7, record)])
    assert refused.value.details[0]["position"] == 7


def test_an_escaped_kind_is_still_a_rate() -> None:
    """NDJSON: `\\u0072ate` decodes to `rate`; the guard reads what the validator reads."""
    line = '{"kind": "\\u0072ate", "member": "ann", "effective": "2026-01-01"}'
    assert rate_records([line, "not json", '{"kind": "member", "id": "rate"}']) == [(1, "ann")]


@pytest.mark.parametrize("role", ["manager", "reviewer", "annotator"])
def test_the_library_writes_refuse_other_roles(store: Store, role: str) -> None:
    ingest_records(store, [RATE])
    with pytest.raises(ForbiddenError):
        set_rate(store, Rate(member="ann", effective="2026-02-01", currency="EUR", per_hour=1),
                 by=viewer(role))  # fmt: skip
    with pytest.raises(ForbiddenError):
        remove_rate(store, "ann", None, "2026-01-01", by=viewer(role))
    assert len(load_rates(store)) == 1


def test_a_manager_sees_the_rates_that_bear_on_their_projects(store: Store) -> None:
    ingest_records(
        store,
        [
            {"kind": "member", "id": "mgr", "name": "Maya", "role": "manager"},
            {"kind": "member", "id": "ann", "name": "Anna", "role": "annotator"},
            {"kind": "member", "id": "bob", "name": "Bob", "role": "annotator"},
            {"kind": "project", "id": "cars", "name": "Cars"},
            {"kind": "project", "id": "docs", "name": "Docs"},
            {"kind": "membership", "member": "mgr", "project": "cars"},
            {"kind": "membership", "member": "ann", "project": "cars"},
            {"kind": "membership", "member": "bob", "project": "docs"},
            RATE,  # ann, every project: she works in Cars
            {**RATE, "project": "docs"},  # ann in Docs: not Maya's
            {**RATE, "member": "bob"},  # bob, every project: he is not in Cars
            {**RATE, "member": "bob", "project": "cars"},  # bob in Cars: Maya's project
        ],
    )
    seen = visible_rates(Viewer("mgr", "Maya", "manager"), Directory.load(store), load_rates(store))
    assert [(r.member, r.project) for r in seen] == [("ann", None), ("bob", "cars")]
    assert len(visible_rates(viewer("admin"), Directory.load(store), load_rates(store))) == 4
