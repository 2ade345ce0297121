"""Every validation rule of the event schema v1 (shared/spec/events.md), one case per rule.

Each bad case is a minimal record that breaks exactly one rule; the test asserts the complete
list of error messages, so a rule that reports the wrong field, the wrong wording or an extra
spurious error fails.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from labelpulse.events import Member, Membership, Project, Workspace
from labelpulse.validation import Validated, Validator

NOW = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
NOW_US = int(NOW.timestamp()) * 1_000_000
DROP = object()  # marks a field to leave out of a record

GOOD: dict[str, Any] = {
    "id": "e1",
    "type": "annotation.submitted",
    "time": "2026-03-02T10:00:00Z",
    "actor": "ann",
    "project": "p1",
    "task": "t1",
    "annotation": "a1",
}

TYPES = (
    "annotation.draft, annotation.submitted, annotation.updated, annotation.skipped, "
    "annotation.deleted, review.accepted, review.rejected, review.fixed_and_accepted, "
    "review.viewed, comment.created"
)
RFC3339 = "must be an RFC 3339 timestamp with an offset (Z or +02:00), such as 2026-03-02T10:00:00Z"
ROLES = "Input should be 'owner', 'admin', 'manager', 'reviewer' or 'annotator'"


def us(text: str) -> int:
    """UTC microseconds since the epoch of an ISO timestamp with offset."""
    return int(dt.datetime.fromisoformat(text).timestamp()) * 1_000_000


def event(**changes: Any) -> str:
    """The GOOD event with some fields changed (DROP removes one), as a JSON line."""
    record = dict(GOOD)
    for name, value in changes.items():
        if value is DROP:
            record.pop(name, None)
        else:
            record[name] = value
    return json.dumps(record)


def line(record: dict[str, Any]) -> str:
    return json.dumps(record)


def msg(field: str | None, rule: str, record_id: str | None = "e1", position: int = 1) -> str:
    where = f"record {position}"
    if record_id is not None:
        where += f' (id "{record_id}")'
    what = f'field "{field}": ' if field else ""
    return f"{where}: {what}{rule}"


def validate(*lines: str, positions: list[int] | None = None) -> Validated:
    return Validator().validate_lines(
        list(lines), positions or list(range(1, len(lines) + 1)), now_us=NOW_US
    )


def messages(text: str) -> list[str]:
    return [str(e) for e in validate(text).errors]


# -- valid records ----------------------------------------------------------------------------


def test_minimal_valid_event_passes() -> None:
    result = validate(event())
    assert result.errors == []
    assert result.rejects == []
    assert result.directory == []
    assert result.events.num_rows == 1
    row = result.events.to_pylist()[0]
    assert row["id"] == "e1"
    assert row["time_us"] == us("2026-03-02T10:00:00+00:00")
    # Defaults of events.md: duration 0, counts 0, booleans false, idle unknown.
    assert row["duration_us"] == 0
    assert row["started_us"] == row["time_us"]
    assert row["idle_us"] is None
    assert (row["regions_added"], row["regions_removed"], row["regions_updated"]) == (0, 0, 0)
    assert row["regions"] is None
    assert row["model_assisted"] is False
    assert row["marked_null"] is False
    assert row["meta"] is None


def test_valid_event_with_every_optional_field_passes() -> None:
    text = event(
        type="review.fixed_and_accepted",
        started_at="2026-03-02T09:55:00Z",
        author="bob",
        duration=12.5,
        idle=2.25,
        regions_added=3,
        regions_removed=1,
        regions_updated=2,
        regions=7,
        model_assisted=True,
        marked_null=False,
        agreement=0.75,
        text="looks fine",
        frames=120,
        work_type="review",
        meta={"source": "label-studio", "n": [1, 2]},
        kind="event",
    )
    result = validate(text)
    assert result.errors == []
    row = result.events.to_pylist()[0]
    assert row["started_us"] == us("2026-03-02T09:55:00+00:00")
    assert row["author"] == "bob"
    assert row["duration_us"] == 12_500_000
    assert row["idle_us"] == 2_250_000
    assert (row["regions_added"], row["regions_removed"], row["regions_updated"]) == (3, 1, 2)
    assert row["regions"] == 7
    assert row["model_assisted"] is True
    assert row["agreement"] == 0.75
    assert row["text"] == "looks fine"
    assert row["frames"] == 120
    assert row["work_type"] == "review"
    assert json.loads(row["meta"]) == {"source": "label-studio", "n": [1, 2]}


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(event(id="x" * 200), id="id-200-chars"),
        pytest.param(event(time="2026-03-11T00:00:00Z"), id="time-exactly-24h-ahead"),
        pytest.param(event(started_at="2026-03-02T10:00:00Z"), id="started-equal-to-time"),
        pytest.param(event(duration=0), id="duration-zero"),
        pytest.param(event(duration=5, idle=5), id="idle-equal-to-duration"),
        pytest.param(event(idle=0), id="idle-zero-without-duration"),
        pytest.param(event(regions_added=0, regions=0), id="regions-zero"),
        pytest.param(event(agreement=0), id="agreement-0"),
        pytest.param(event(agreement=1), id="agreement-1"),
        pytest.param(event(frames=1), id="frames-1"),
        pytest.param(event(type="comment.created", text="x" * 10_000), id="text-10000"),
        pytest.param(event(type="comment.created", text=""), id="text-empty-comment"),
        pytest.param(event(meta={}), id="meta-empty-object"),
        pytest.param(event(duration=None, author=None), id="null-optional-fields"),
        pytest.param(event(time="2026-03-02T10:00:00.123456Z"), id="fractional-seconds"),
        pytest.param(event(time="2026-03-02t10:00:00z"), id="lowercase-t-z"),
    ],
)
def test_boundary_values_pass(text: str) -> None:
    result = validate(text)
    assert [str(e) for e in result.errors] == []
    assert result.events.num_rows == 1


@pytest.mark.parametrize("event_type", TYPES.split(", "))
def test_every_event_type_is_accepted(event_type: str) -> None:
    extra = {"text": "a comment"} if event_type == "comment.created" else {}
    result = validate(event(type=event_type, **extra))
    assert result.errors == []
    assert result.events.column("type").to_pylist() == [event_type]


@pytest.mark.parametrize("work_type", ["label", "review", "edit"])
def test_every_work_type_is_accepted(work_type: str) -> None:
    assert messages(event(work_type=work_type)) == []


def test_kind_event_is_accepted() -> None:
    result = validate(event(kind="event"))
    assert result.errors == []
    assert result.events.num_rows == 1
    assert result.directory == []


def test_offsets_are_normalised_to_utc() -> None:
    result = validate(
        event(time="2026-03-02T12:00:00+02:00", started_at="2026-03-02T11:30:00+02:00"),
        event(id="e2", time="2026-03-02T05:00:00-05:00"),
    )
    assert result.errors == []
    first, second = result.events.to_pylist()
    assert first["time_us"] == us("2026-03-02T10:00:00+00:00")
    assert first["started_us"] == us("2026-03-02T09:30:00+00:00")
    assert second["time_us"] == us("2026-03-02T10:00:00+00:00")


def test_started_at_absent_is_time_minus_duration() -> None:
    result = validate(event(duration=90.5))
    assert result.errors == []
    row = result.events.to_pylist()[0]
    assert row["duration_us"] == 90_500_000
    assert row["started_us"] == row["time_us"] - 90_500_000


def test_good_and_bad_records_are_split_with_positions_and_raw_lines() -> None:
    bad = event(id="e2", durration=5)
    result = validate(event(), bad, event(id="e3"), positions=[4, 7, 9])
    assert result.events.column("id").to_pylist() == ["e1", "e3"]
    assert result.positions == [4, 9]
    assert len(result.rejects) == 1
    error, raw = result.rejects[0]
    assert raw == bad
    assert (error.position, error.record_id, error.field) == (7, "e2", "durration")
    assert str(error) == msg(
        "durration",
        "is not a field of an event (unknown fields are rejected)",
        record_id="e2",
        position=7,
    )


def test_a_record_breaking_several_rules_reports_each() -> None:
    text = event(regions=-1, work_type="labels", model_assisted="yes", durration=1)
    assert sorted(messages(text)) == sorted(
        [
            msg("regions", "must be an integer ≥ 0"),
            msg("model_assisted", "must be true or false"),
            msg("work_type", "must be one of: label, review, edit"),
            msg("durration", "is not a field of an event (unknown fields are rejected)"),
        ]
    )


# -- one case per event rule ------------------------------------------------------------------

EVENT_RULES = [
    # the record as a whole
    pytest.param("{not json", [msg(None, "is not valid JSON", None)], id="not-json"),
    pytest.param('{"id": "e1",', [msg(None, "is not valid JSON", None)], id="truncated-json"),
    pytest.param("[1, 2]", [msg(None, "must be a JSON object", None)], id="array-not-object"),
    pytest.param('"e1"', [msg(None, "must be a JSON object", None)], id="string-not-object"),
    pytest.param("42", [msg(None, "must be a JSON object", None)], id="number-not-object"),
    pytest.param(
        event(durration=5),
        [msg("durration", "is not a field of an event (unknown fields are rejected)")],
        id="unknown-field",
    ),
    # id
    pytest.param(event(id=DROP), [msg("id", "is required", None)], id="id-missing"),
    pytest.param(event(id=None), [msg("id", "is required", None)], id="id-null"),
    pytest.param(event(id=""), [msg("id", "must not be empty", "")], id="id-empty"),
    pytest.param(
        event(id="x" * 201),
        [msg("id", "must be at most 200 characters", "x" * 201)],
        id="id-201-chars",
    ),
    pytest.param(event(id=17), [msg("id", "must be a string", None)], id="id-not-string"),
    # type
    pytest.param(event(type=DROP), [msg("type", "is required")], id="type-missing"),
    pytest.param(
        event(type="annotation.approved"),
        [msg("type", f"must be one of: {TYPES}")],
        id="type-unknown",
    ),
    # time
    pytest.param(event(time=DROP), [msg("time", "is required")], id="time-missing"),
    pytest.param(event(time="2026-03-02T10:00:00"), [msg("time", RFC3339)], id="time-no-offset"),
    pytest.param(event(time="2026-03-02"), [msg("time", RFC3339)], id="time-date-only"),
    pytest.param(event(time="yesterday"), [msg("time", RFC3339)], id="time-not-timestamp"),
    pytest.param(
        event(time=1772445600),
        [msg("time", "must be an RFC 3339 timestamp string")],
        id="time-not-string",
    ),
    pytest.param(
        event(time="2026-02-30T10:00:00Z"),
        [msg("time", "is not a valid date and time")],
        id="time-impossible-date",
    ),
    pytest.param(
        event(time="2026-03-11T00:00:01Z"),
        [msg("time", "must not be more than 24 hours in the future")],
        id="time-over-24h-ahead",
    ),
    # started_at
    pytest.param(
        event(started_at="2026-03-02T10:00:01Z"),
        [msg("started_at", "must not be after time")],
        id="started-after-time",
    ),
    pytest.param(
        event(started_at="2026-03-02T09:00:00"),
        [msg("started_at", RFC3339)],
        id="started-no-offset",
    ),
    # required ids
    pytest.param(event(actor=DROP), [msg("actor", "is required")], id="actor-missing"),
    pytest.param(event(actor=""), [msg("actor", "must not be empty")], id="actor-empty"),
    pytest.param(event(project=DROP), [msg("project", "is required")], id="project-missing"),
    pytest.param(event(task=DROP), [msg("task", "is required")], id="task-missing"),
    pytest.param(
        event(annotation=DROP), [msg("annotation", "is required")], id="annotation-missing"
    ),
    pytest.param(event(author=5), [msg("author", "must be a string")], id="author-not-string"),
    # duration and idle
    pytest.param(
        event(duration=-1), [msg("duration", "must be a number ≥ 0")], id="duration-negative"
    ),
    pytest.param(
        event(duration="abc"), [msg("duration", "must be a number ≥ 0")], id="duration-text"
    ),
    pytest.param(
        event(duration="5"), [msg("duration", "must be a number ≥ 0")], id="duration-numeric-text"
    ),
    pytest.param(
        event(duration=True), [msg("duration", "must be a number ≥ 0")], id="duration-boolean"
    ),
    pytest.param(
        event(duration=5, idle=6),
        [msg("idle", "must not be more than duration")],
        id="idle-over-duration",
    ),
    pytest.param(
        event(idle=1),
        [msg("idle", "must not be more than duration")],
        id="idle-over-default-duration",
    ),
    pytest.param(
        event(duration=5, idle=-1), [msg("idle", "must be a number ≥ 0")], id="idle-negative"
    ),
    # counts
    pytest.param(
        event(regions_added=-1),
        [msg("regions_added", "must be an integer ≥ 0")],
        id="regions_added-negative",
    ),
    pytest.param(
        event(regions_added=2.5),
        [msg("regions_added", "must be an integer ≥ 0")],
        id="regions_added-fraction",
    ),
    pytest.param(
        event(regions_removed=-1),
        [msg("regions_removed", "must be an integer ≥ 0")],
        id="regions_removed-negative",
    ),
    pytest.param(
        event(regions_removed=2.5),
        [msg("regions_removed", "must be an integer ≥ 0")],
        id="regions_removed-fraction",
    ),
    pytest.param(
        event(regions_updated=-1),
        [msg("regions_updated", "must be an integer ≥ 0")],
        id="regions_updated-negative",
    ),
    pytest.param(
        event(regions_updated=2.5),
        [msg("regions_updated", "must be an integer ≥ 0")],
        id="regions_updated-fraction",
    ),
    pytest.param(
        event(regions=-1), [msg("regions", "must be an integer ≥ 0")], id="regions-negative"
    ),
    pytest.param(
        event(regions=2.5), [msg("regions", "must be an integer ≥ 0")], id="regions-fraction"
    ),
    pytest.param(event(regions="x"), [msg("regions", "must be an integer ≥ 0")], id="regions-text"),
    # booleans
    pytest.param(
        event(model_assisted="yes"),
        [msg("model_assisted", "must be true or false")],
        id="model_assisted-text-yes",
    ),
    pytest.param(
        event(model_assisted="maybe"),
        [msg("model_assisted", "must be true or false")],
        id="model_assisted-text",
    ),
    pytest.param(
        event(model_assisted=1),
        [msg("model_assisted", "must be true or false")],
        id="model_assisted-number",
    ),
    pytest.param(
        event(marked_null="true"),
        [msg("marked_null", "must be true or false")],
        id="marked_null-text",
    ),
    # agreement
    pytest.param(
        event(agreement=1.5),
        [msg("agreement", "must be a number from 0 to 1")],
        id="agreement-over-1",
    ),
    pytest.param(
        event(agreement=-0.1),
        [msg("agreement", "must be a number from 0 to 1")],
        id="agreement-negative",
    ),
    pytest.param(
        event(agreement="high"),
        [msg("agreement", "must be a number from 0 to 1")],
        id="agreement-text",
    ),
    # text
    pytest.param(
        event(type="comment.created"),
        [msg("text", "is required on comment.created")],
        id="text-missing-on-comment",
    ),
    pytest.param(
        event(type="comment.created", text="x" * 10_001),
        [msg("text", "must be at most 10000 characters")],
        id="text-over-10000",
    ),
    pytest.param(
        event(type="comment.created", text=42), [msg("text", "must be a string")], id="text-number"
    ),
    # frames, work_type, meta, kind
    pytest.param(event(frames=0), [msg("frames", "must be an integer ≥ 1")], id="frames-0"),
    pytest.param(
        event(frames=1.5), [msg("frames", "must be an integer ≥ 1")], id="frames-fraction"
    ),
    pytest.param(event(frames="many"), [msg("frames", "must be an integer ≥ 1")], id="frames-text"),
    pytest.param(
        event(work_type="labelling"),
        [msg("work_type", "must be one of: label, review, edit")],
        id="work_type-invalid",
    ),
    pytest.param(event(meta=[1, 2]), [msg("meta", "must be a JSON object")], id="meta-array"),
    pytest.param(event(meta="x=1"), [msg("meta", "must be a JSON object")], id="meta-string"),
    pytest.param(
        event(kind="evnt"),
        [msg("kind", "must be one of: event, member, workspace, project, membership, rate")],
        id="kind-invalid",
    ),
]


@pytest.mark.parametrize(("text", "expected"), EVENT_RULES)
def test_event_rule(text: str, expected: list[str]) -> None:
    result = validate(text)
    assert [str(e) for e in result.errors] == expected
    assert result.events.num_rows == 0
    assert result.directory == []
    assert [raw for _, raw in result.rejects] == [text] * len(expected)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        pytest.param(event(duration=1e30), "duration", id="duration-huge"),
        pytest.param(event(regions=10**30), "regions", id="regions-huge"),
        pytest.param(event(duration={"s": 1}), "duration", id="duration-object"),
        pytest.param(event(idle="two"), "idle", id="idle-text"),
        pytest.param(
            '{"id":"e1","type":"annotation.submitted","time":"2026-03-02T10:00:00Z",'
            '"actor":"ann","project":"p1","task":"t1","annotation":"a1","duration":NaN}',
            "duration",
            id="duration-nan",
        ),
    ],
)
def test_pathological_values_are_rejected_not_raised(text: str, field: str) -> None:
    """A bad value in one record must become a RecordError, never crash the whole batch."""
    result = validate(event(id="ok"), text)
    assert result.events.column("id").to_pylist() == ["ok"]
    assert {e.field for e in result.errors} == {field}
    assert {e.position for e in result.errors} == {2}


# -- directory records ------------------------------------------------------------------------

MEMBER = {"kind": "member", "id": "m1", "name": "Mia Member", "role": "annotator"}


def test_valid_directory_records_pass() -> None:
    records = [
        MEMBER,
        {**MEMBER, "id": "m2", "email": "m2@example.org", "role": "owner"},
        {"kind": "workspace", "id": "w1", "name": "Vision"},
        {"kind": "project", "id": "p0", "name": "Loose project"},
        {"kind": "membership", "member": "m1", "workspace": "w1"},
        {"kind": "membership", "member": "m1", "project": "p0"},
    ]
    result = validate(*(line(r) for r in records))
    assert result.errors == []
    assert result.events.num_rows == 0
    assert [pos for pos, _ in result.directory] == [1, 2, 3, 4, 5, 6]
    kinds = [type(rec) for _, rec in result.directory]
    assert kinds == [Member, Member, Workspace, Project, Membership, Membership]


def test_project_with_workspace_passes() -> None:
    result = validate(line({"kind": "project", "id": "p1", "name": "Street", "workspace": "w1"}))
    assert result.errors == []
    assert result.directory == [(1, Project(id="p1", name="Street", workspace="w1"))]


@pytest.mark.parametrize("role", ["owner", "admin", "manager", "reviewer", "annotator"])
def test_every_member_role_is_accepted(role: str) -> None:
    assert messages(line({**MEMBER, "role": role})) == []


DIRECTORY_RULES = [
    pytest.param(
        {"kind": "member", "id": "m1", "role": "annotator"},
        [msg("name", "is required", "m1")],
        id="member-without-name",
    ),
    pytest.param(
        {**MEMBER, "name": ""},
        [msg("name", "String should have at least 1 character", "m1")],
        id="member-empty-name",
    ),
    pytest.param(
        {"kind": "member", "id": "m1", "name": "Mia"},
        [msg("role", "is required", "m1")],
        id="member-without-role",
    ),
    pytest.param({**MEMBER, "role": "boss"}, [msg("role", ROLES, "m1")], id="member-bad-role"),
    pytest.param(
        {**MEMBER, "nickname": "mimi"},
        [msg("nickname", "is not a field of a member record (unknown fields are rejected)", "m1")],
        id="member-unknown-field",
    ),
    pytest.param(
        {"kind": "member", "name": "Mia", "role": "annotator"},
        [msg("id", "is required", None)],
        id="member-without-id",
    ),
    pytest.param(
        {"kind": "workspace", "id": "w1"},
        [msg("name", "is required", "w1")],
        id="workspace-without-name",
    ),
    pytest.param(
        {"kind": "workspace", "id": "w1", "name": "W", "project": "p1"},
        [
            msg(
                "project",
                "is not a field of a workspace record (unknown fields are rejected)",
                "w1",
            )
        ],
        id="workspace-unknown-field",
    ),
    pytest.param(
        {"kind": "project", "id": "p1", "name": "P", "workspace": 5},
        [msg("workspace", "Input should be a valid string", "p1")],
        id="project-workspace-not-string",
    ),
    pytest.param(
        {"kind": "membership", "member": "m1", "workspace": "w1", "project": "p1"},
        [msg(None, "a membership names exactly one of workspace or project", None)],
        id="membership-both",
    ),
    pytest.param(
        {"kind": "membership", "member": "m1"},
        [msg(None, "a membership names exactly one of workspace or project", None)],
        id="membership-neither",
    ),
    pytest.param(
        {"kind": "membership", "workspace": "w1"},
        [msg("member", "is required", None)],
        id="membership-without-member",
    ),
    pytest.param(
        {"kind": "team", "id": "t1", "name": "T"},
        [
            msg("type", "is required", "t1"),
            msg("time", "is required", "t1"),
            msg("actor", "is required", "t1"),
            msg("project", "is required", "t1"),
            msg("task", "is required", "t1"),
            msg("annotation", "is required", "t1"),
            msg("name", "is not a field of an event (unknown fields are rejected)", "t1"),
            msg(
                "kind", "must be one of: event, member, workspace, project, membership, rate", "t1"
            ),
        ],
        id="unknown-kind",
    ),
]


@pytest.mark.parametrize(("record", "expected"), DIRECTORY_RULES)
def test_directory_rule(record: dict[str, Any], expected: list[str]) -> None:
    text = line(record)
    result = validate(text)
    assert [str(e) for e in result.errors] == expected
    assert result.directory == []
    assert result.events.num_rows == 0
    assert [raw for _, raw in result.rejects] == [text] * len(expected)


def test_a_field_given_twice_is_rejected() -> None:
    line = (
        '{"id":"e1","id":"e2","type":"annotation.submitted","time":"2026-03-02T10:00:00Z",'
        '"actor":"ann","project":"p1","task":"t1","annotation":"a1"}'
    )
    result = Validator().validate_lines([line], [1])
    assert [str(e) for e in result.errors] == ['record 1 (id "e1"): has a field more than once']


# -- hostile input (issue 11) -----------------------------------------------------------------


@pytest.mark.parametrize("offset", ["+25:00", "-18:01", "+18:30", "+05:60", "+1a:00"])
def test_an_offset_beyond_18_hours_or_malformed_is_rejected(offset: str) -> None:
    text = event(time=f"2026-03-02T10:00:00{offset}")
    rule = "must have a UTC offset from -18:00 to +18:00, such as Z or +02:00"
    assert msg("time", rule) in messages(text)


@pytest.mark.parametrize("offset", ["+18:00", "-18:00", "+05:45", "-00:00", "z"])
def test_offsets_up_to_18_hours_pass(offset: str) -> None:
    assert messages(event(time=f"2026-03-02T10:00:00{offset}")) == []


def test_a_directory_record_with_a_repeated_key_is_rejected() -> None:
    text = '{"kind": "member", "id": "m1", "name": "A", "name": "B", "role": "annotator"}'
    result = validate(text)
    assert result.directory == []
    assert [str(e) for e in result.errors] == [msg(None, "has a field more than once", "m1")]


def test_a_directory_record_nested_deeper_than_python_reads_is_rejected() -> None:
    deep = "[" * 5000 + "]" * 5000
    text = '{"kind": "member", "id": "m1", "name": "A", "role": "annotator", "x": ' + deep + "}"
    result = validate(text)
    assert [str(e) for e in result.errors] == [msg(None, "nests too deeply to be read", "m1")]


def test_rejects_beyond_the_cap_are_counted_not_collected() -> None:
    lines = ["{}"] * 5000 + [event()] + ['{"kind": "member", "id": "m", "role": "x"}'] * 3
    result = Validator().validate_lines(
        lines, list(range(1, len(lines) + 1)), now_us=NOW_US, max_rejects=10
    )
    assert result.rejected == 5003
    assert {e.position for e in result.errors} == set(range(1, 11))
    assert result.problems > 5000 * 6
    assert len(result.positions) == 1
