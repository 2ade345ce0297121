"""The synthetic demo organisation: deterministic, exact, and valid schema-v1 records."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelpulse.demo import generate, write_ndjson
from labelpulse.events import EVENT_TYPES as SCHEMA_EVENT_TYPES

Record = dict[str, Any]

END = dt.date(2024, 6, 28)  # a past date: output is then a pure function of the arguments
EVENT_TYPES = set(SCHEMA_EVENT_TYPES)
REQUIRED = {"id", "type", "time", "actor", "project", "task", "annotation"}
ALLOWED = REQUIRED | {
    "started_at", "author", "duration", "idle", "regions_added", "regions_removed",
    "regions_updated", "regions", "model_assisted", "marked_null", "agreement", "text", "frames",
    "work_type", "meta",
}  # fmt: skip
COUNTS = {"regions_added", "regions_removed", "regions_updated", "regions", "frames"}
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
DIRECTORY_FIELDS = {
    "member": {"kind", "id", "name", "email", "role"},
    "workspace": {"kind", "id", "name"},
    "project": {"kind", "id", "name", "workspace"},
    "membership": {"kind", "member", "workspace", "project"},
}


def split(records: list[Record]) -> tuple[list[Record], list[Record]]:
    """Directory records and events; asserts that the directory comes first."""
    n_dir = sum(1 for r in records if "kind" in r)
    assert all("kind" in r for r in records[:n_dir]), "directory records must come first"
    return records[:n_dir], records[n_dir:]


def when(ts: str) -> dt.datetime:
    assert TIMESTAMP.match(ts), ts
    parsed = dt.datetime.fromisoformat(ts)
    assert parsed.tzinfo is not None
    return parsed


@pytest.fixture(scope="module")
def org() -> tuple[list[Record], list[Record]]:
    return split(list(generate(end=END)))


def check_events(events: list[Record], first: dt.date, end: dt.date) -> None:
    """Every rule of events.md that a single event can break, plus the generator's promises."""
    low = dt.datetime.combine(first, dt.time(), dt.UTC)
    high = min(dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC),
               dt.datetime.now(dt.UTC))  # fmt: skip
    for e in events:
        assert REQUIRED <= e.keys() <= ALLOWED, e
        assert e["type"] in EVENT_TYPES
        assert None not in e.values()
        assert all(isinstance(e[k], str) and e[k] for k in REQUIRED)
        t = when(e["time"])
        assert low <= t < high, e
        if "started_at" in e:
            assert when(e["started_at"]) <= t, e
        duration = e.get("duration", 0)
        assert type(duration) in (int, float) and duration >= 0
        if "idle" in e:
            assert type(e["idle"]) in (int, float) and 0 <= e["idle"] <= duration, e
        for k in COUNTS & e.keys():
            assert type(e[k]) is int and e[k] >= (1 if k == "frames" else 0), e
        for k in ("model_assisted", "marked_null"):
            assert type(e.get(k, False)) is bool
        if "agreement" in e:
            assert e["type"] == "review.fixed_and_accepted"
            assert type(e["agreement"]) in (int, float) and 0 <= e["agreement"] <= 1
        if e["type"] == "comment.created":
            assert isinstance(e["text"], str) and 0 < len(e["text"]) <= 10_000
        else:
            assert "text" not in e
        assert e.get("work_type", "label") in ("label", "review", "edit")
        assert isinstance(e.get("meta", {}), dict)


def test_same_seed_same_records_different_seed_different() -> None:
    a = list(generate(events=3000, end=END))
    assert a == list(generate(events=3000, end=END))
    assert a != list(generate(events=3000, end=END, seed=8))


@pytest.mark.parametrize("n", [0, 1, 2, 7, 999])
def test_exact_event_count(n: int) -> None:
    _, events = split(list(generate(events=n, end=END)))
    assert len(events) == n


def test_default_org(org: tuple[list[Record], list[Record]]) -> None:
    directory, events = org
    assert len(events) == 20_000
    members = [r for r in directory if r["kind"] == "member"]
    assert [m["id"] for m in members] == [
        "owner", "admin", "mgr-01", "mgr-02", *(f"rev-{i:02d}" for i in range(1, 6)),
        *(f"ann-{i:02d}" for i in range(1, 16)),
    ]  # fmt: skip
    check_events(events, END - dt.timedelta(days=29), END)


def test_directory(org: tuple[list[Record], list[Record]]) -> None:
    directory, _ = org
    for r in directory:
        assert r.keys() <= DIRECTORY_FIELDS[r["kind"]] and None not in r.values(), r
    by_kind: dict[str, list[Record]] = defaultdict(list)
    for r in directory:
        by_kind[r["kind"]].append(r)
    members = {m["id"]: m for m in by_kind["member"]}
    assert len(members) == 24
    assert Counter(m["role"] for m in members.values()) == {
        "owner": 1, "admin": 1, "manager": 2, "reviewer": 5, "annotator": 15,
    }  # fmt: skip
    assert members["owner"]["role"] == "owner" and members["admin"]["role"] == "admin"
    emails = [m["email"] for m in members.values()]
    assert len(set(emails)) == len(emails)
    assert all(re.fullmatch(r"[a-z]+\.[a-z]+\d*@example\.com", e) for e in emails), emails
    workspaces = {w["id"] for w in by_kind["workspace"]}
    projects = {p["id"]: p for p in by_kind["project"]}
    assert 2 <= len(workspaces) <= 3
    per_ws = Counter(p["workspace"] for p in projects.values())
    assert set(per_ws) == workspaces and all(2 <= n <= 3 for n in per_ws.values())
    in_project: dict[str, set[str]] = defaultdict(set)
    mgr_ws: dict[str, set[str]] = defaultdict(set)
    for ms in by_kind["membership"]:
        assert ("workspace" in ms) != ("project" in ms)
        role = members[ms["member"]]["role"]
        if "workspace" in ms:
            assert ms["workspace"] in workspaces and role == "manager"
            mgr_ws[ms["member"]].add(ms["workspace"])
        else:
            assert ms["project"] in projects and role in ("reviewer", "annotator")
            in_project[ms["project"]].add(role)
    assert all(in_project[p] == {"reviewer", "annotator"} for p in projects)
    assert all(1 <= len(mgr_ws[m]) <= 2 for m, r in members.items() if r["role"] == "manager")


def test_every_event_type_and_ids(org: tuple[list[Record], list[Record]]) -> None:
    directory, events = org
    assert {e["type"] for e in events} == EVENT_TYPES
    ids = [e["id"] for e in events]
    assert len(set(ids)) == len(ids)
    known = {r["id"] for r in directory if r["kind"] in ("member", "project")}
    assert all(e["actor"] in known and e["project"] in known for e in events)
    assert all(e.get("author", "owner") in known for e in events)
    owners: dict[str, tuple[str, str]] = {}
    for e in events:  # an annotation belongs to one task and one project
        assert owners.setdefault(e["annotation"], (e["task"], e["project"])) == (
            e["task"],
            e["project"],
        )
    suffixes = Counter("Z" if e["time"].endswith("Z") else "offset" for e in events)
    assert suffixes["Z"] > suffixes["offset"] > 0


def test_realistic_mix(org: tuple[list[Record], list[Record]]) -> None:
    _, events = org
    submitted = [e for e in events if e["type"] == "annotation.submitted"]
    assert 0.05 < sum(e.get("model_assisted", False) for e in submitted) / len(submitted) < 0.3
    assert 0.02 < sum(e.get("marked_null", False) for e in submitted) / len(submitted) < 0.08
    assert any("frames" in e for e in events) and any("idle" in e for e in events)
    assert any("started_at" in e for e in events) and any("author" in e for e in events)
    fixed = [e for e in events if e["type"] == "review.fixed_and_accepted"]
    assert any("agreement" in e for e in fixed) and any("agreement" not in e for e in fixed)
    lead = [e["duration"] for e in submitted if "duration" in e]
    assert 20 <= sorted(lead)[len(lead) // 2] <= 900
    reviews = [e["duration"] for e in events if e["type"].startswith("review.")]
    assert all(5 <= d <= 180 for d in reviews)


def test_lifecycles_in_order(org: tuple[list[Record], list[Record]]) -> None:
    directory, events = org
    roles = {r["id"]: r["role"] for r in directory if r["kind"] == "member"}
    by_annotation: dict[str, list[Record]] = defaultdict(list)
    for e in events:
        by_annotation[e["annotation"]].append(e)
    truncated = events[-1]["annotation"]
    edits = 0
    outcomes = {True: 0, False: 0}  # rejections later fixed by the author, and left as they are
    for ann, evs in by_annotation.items():
        times = [when(e["time"]) for e in evs]
        assert times == sorted(times), ann
        assert evs[0]["type"] in ("annotation.draft", "annotation.submitted", "annotation.skipped")
        author = evs[0]["actor"]
        assert roles[author] == "annotator"
        assert all(e.get("author", author) == author for e in evs)
        kinds = [e["type"] for e in evs]
        if any(k.startswith("review.") for k in kinds):
            first_review = min(i for i, k in enumerate(kinds) if k.startswith("review."))
            assert "annotation.submitted" in kinds[:first_review], ann
        for i, e in enumerate(evs):
            if e["type"] == "review.rejected" and ann != truncated:
                fixed = any(
                    f["type"] == "annotation.updated" and f["actor"] == author for f in evs[i:]
                )
                outcomes[fixed] += 1
            if e["type"].startswith("review."):
                assert roles[e["actor"]] == "reviewer"
            if e["type"] == "annotation.updated" and e["actor"] != author:
                assert roles[e["actor"]] == "manager" and "work_type" not in e
                edits += 1
    assert edits > 0
    assert outcomes[True] > 3 * outcomes[False] > 0


def test_default_end_is_today_and_never_in_the_future() -> None:
    now = dt.datetime.now(dt.UTC)
    _, events = split(list(generate(events=3000, days=3)))
    assert len(events) == 3000
    check_events(events, now.date() - dt.timedelta(days=2), now.date())
    assert all(when(e["time"]) <= now for e in events)


@settings(max_examples=30, deadline=None)
@given(
    members=st.integers(6, 60),
    days=st.integers(1, 40),
    events=st.integers(0, 400),
    seed=st.integers(0, 2**32),
    back=st.integers(1, 400),
)
def test_any_arguments_give_exactly_that_many_valid_events(
    members: int, days: int, events: int, seed: int, back: int
) -> None:
    end = dt.date.today() - dt.timedelta(days=back)
    directory, evs = split(
        list(generate(members=members, days=days, events=events, seed=seed, end=end))
    )
    assert len(evs) == events
    assert sum(r["kind"] == "member" for r in directory) == members
    assert {r["role"] for r in directory if r["kind"] == "member"} == {
        "owner", "admin", "manager", "reviewer", "annotator",
    }  # fmt: skip
    check_events(evs, end - dt.timedelta(days=days - 1), end)
    assert len({e["id"] for e in evs}) == events


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        generate(members=5)
    with pytest.raises(ValueError):
        generate(days=2, end=dt.date.today() + dt.timedelta(days=5))


def test_write_ndjson_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "demo.ndjson"
    start = time.perf_counter()
    written = write_ndjson(path, events=5000, end=END, seed=3)
    assert time.perf_counter() - start < 10
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == ""  # every line ends with a newline
    lines = lines[:-1]
    assert written == len(lines)
    assert all(line.startswith("{") and ": " not in line.split('"text"')[0] for line in lines)
    parsed = [json.loads(line) for line in lines]
    assert parsed == list(generate(events=5000, end=END, seed=3))
    assert sum("kind" not in r for r in parsed) == 5000
