"""Window, scope and time zone of every query (metrics.md, first section; docs/decisions.md)."""

from __future__ import annotations

import datetime as dt
from typing import Unpack
from zoneinfo import ZoneInfo

import pytest

from labelpulse.config import Settings
from labelpulse.errors import UsageError
from labelpulse.metrics import report
from labelpulse.store import Store
from tests.metrics.org import day, ev, load, member, project, row_of, run, workspace
from tests.report_arguments import ScopeArguments

ORG = (
    member("ann", "Ann Annotator"),
    member("bo", "Bo Labeler"),
    workspace("w1", "Vision"),
    workspace("w2", "Retail"),
    project("p1", "Street scenes", "w1"),
    project("p2", "Aerial", "w1"),
    project("p3", "Shelves", "w2"),
    ev("submitted", "03-02 10:00", "ann", "a1", project="p1", duration=10),
    ev("submitted", "03-02 11:00", "ann", "a2", project="p2", duration=20),
    ev("submitted", "03-02 12:00", "ann", "a3", project="p3", duration=40),
    ev("submitted", "03-02 13:00", "bo", "b1", project="p1", duration=80),
    ev("accepted", "03-03 10:00", "bo", "a3", project="p3", duration=3),
)


def submitted(store: Store, **scope: Unpack[ScopeArguments]) -> tuple[int, float]:
    a = run(store, "member", member="ann", **scope)["annotations"]
    return a["submitted"], a["total_time"]


def test_project_filter(store: Store) -> None:
    load(store, *ORG)
    # p1 only: a1 (10)
    assert submitted(store, projects=["p1"]) == (1, 10)
    # p1 or p3: a1 + a3 = 50
    assert submitted(store, projects=["p1", "p3"]) == (2, 50)
    assert submitted(store) == (3, 70)


def test_workspace_resolves_to_its_projects(store: Store) -> None:
    load(store, *ORG)
    # w1 = p1, p2: a1 + a2 = 30
    assert submitted(store, workspaces=["w1"]) == (2, 30)
    # w2 = p3: a3 = 40, and the accept on a3 scores 1/1
    result = run(store, "member", member="ann", workspaces=["w2"])
    assert (result["annotations"]["submitted"], result["annotations"]["total_time"]) == (1, 40)
    assert result["annotations"]["performance_score"] == 1.0
    assert result["scope"] == {"workspaces": ["w2"], "projects": [], "members": []}


def test_workspace_and_project_intersect(store: Store) -> None:
    load(store, *ORG)
    # w1 ∩ {p2, p3} = {p2}: a2 (20)
    assert submitted(store, workspaces=["w1"], projects=["p2", "p3"]) == (1, 20)


def test_empty_intersection_gives_empty_rows_not_an_error(store: Store) -> None:
    load(store, *ORG)
    # w2 ∩ {p1} = nothing
    assert submitted(store, workspaces=["w2"], projects=["p1"]) == (0, 0)
    for name in ("members", "reviewers", "insights", "work", "items"):
        result = run(store, name, workspaces=["w2"], projects=["p1"])
        assert result["rows"] == [], name
    assert run(store, "timeline", member="ann", workspaces=["w2"], projects=["p1"])["rows"] == []
    members = run(store, "members", workspaces=["w2"], projects=["p1"])
    assert members["totals"]["submitted"] == 0
    assert members["totals"]["median_time"] is None


def test_unknown_project_matches_nothing(store: Store) -> None:
    load(store, *ORG)
    assert submitted(store, projects=["nope"]) == (0, 0)
    assert run(store, "members", workspaces=["nope"])["rows"] == []


def test_members_filter_on_tables(store: Store) -> None:
    load(store, *ORG)
    members = run(store, "members", members=["bo"])
    assert [r["member"] for r in members["rows"]] == ["bo"]
    # totals follow the filter: only b1 (80)
    assert (members["totals"]["submitted"], members["totals"]["total_time"]) == (1, 80)
    assert [r["member"] for r in run(store, "work", members=["ann"])["rows"]] == ["ann"]
    assert [r["member"] for r in run(store, "reviewers", members=["ann"])["rows"]] == []
    assert [r["member"] for r in run(store, "reviewers", members=["bo"])["rows"]] == ["bo"]
    both = run(store, "members", members=["ann", "bo"])
    assert [r["member"] for r in both["rows"]] == ["ann", "bo"]


def test_members_table_last_active_is_within_scope(store: Store) -> None:
    load(
        store,
        *ORG,
        ev("draft", "04-20 10:00", "ann", "a1", project="p1"),
        ev("draft", "05-20 10:00", "ann", "a3", project="p3"),
    )
    # in w1 ann's latest event is the 04-20 draft in p1; the p3 draft is out of scope
    ann = row_of(run(store, "members", workspaces=["w1"]), member="ann")
    assert ann["last_active"] == "2026-04-20T10:00:00Z"
    assert row_of(run(store, "members"), member="ann")["last_active"] == "2026-05-20T10:00:00Z"


# -- windows -----------------------------------------------------------------------------------
def test_window_that_ends_before_it_starts_is_a_usage_error(store: Store) -> None:
    with pytest.raises(UsageError):
        run(store, "members", "2026-03-05", "2026-03-04")


@pytest.mark.parametrize("text", ["2026-02-30", "2026-13-01", "yesterday", "03/01/2026", ""])
def test_bad_date_text_is_a_usage_error(store: Store, text: str) -> None:
    with pytest.raises(UsageError):
        run(store, "members", text, "2026-03-31")
    with pytest.raises(UsageError):
        run(store, "members", "2026-03-01", text)


@pytest.mark.parametrize("tz", ["Mars/Olympus", "CEST+2", "../etc/passwd", "utc/"])
def test_unknown_time_zone_is_a_usage_error(store: Store, tz: str) -> None:
    with pytest.raises(UsageError):
        run(store, "members", tz=tz)


def test_one_day_window_is_valid(store: Store) -> None:
    load(store, *ORG)
    result = run(store, "member", "2026-03-02", "2026-03-02", member="ann")
    assert [d["date"] for d in result["daily"]] == ["2026-03-02"]
    assert result["annotations"]["submitted"] == 3


def test_default_time_zone_comes_from_settings(store: Store) -> None:
    load(store, ev("submitted", "03-02 03:00", "ann", "a1"))
    result = report(
        store,
        "member",
        start="2026-03-01",
        end="2026-03-03",
        member="ann",
        settings=Settings(timezone="America/New_York"),
    )
    assert result["window"]["tz"] == "America/New_York"
    # 03-02 03:00Z is 03-01 22:00 in New York
    assert day(result, "03-01")["submitted"] == 1


def test_unknown_report_and_missing_member_are_usage_errors(store: Store) -> None:
    with pytest.raises(UsageError):
        run(store, "nonsense")
    with pytest.raises(UsageError):
        run(store, "member")


# -- time zones and DST ------------------------------------------------------------------------
NY = ZoneInfo("America/New_York")


def local_date(utc: str) -> str:
    return dt.datetime.fromisoformat(utc).astimezone(NY).date().isoformat()


@pytest.mark.parametrize(
    ("start", "end", "times"),
    [
        # spring forward on 2026-03-08 at 07:00Z (02:00 EST -> 03:00 EDT)
        (
            "2026-03-07",
            "2026-03-09",
            ["2026-03-08T04:30:00Z", "2026-03-08T06:30:00Z", "2026-03-09T03:30:00Z"],
        ),
        # fall back on 2026-11-01 at 06:00Z (02:00 EDT -> 01:00 EST)
        (
            "2026-10-31",
            "2026-11-02",
            ["2026-11-01T03:30:00Z", "2026-11-01T05:30:00Z", "2026-11-02T04:30:00Z"],
        ),
    ],
)
def test_dst_window_buckets_by_local_date(
    store: Store, start: str, end: str, times: list[str]
) -> None:
    load(
        store,
        *[ev("submitted", t, "ann", f"a{n}", duration=n + 1) for n, t in enumerate(times)],
    )
    result = run(store, "member", start, end, tz="America/New_York", member="ann")
    expected: dict[str, int] = {}
    for t in times:
        expected[local_date(t)] = expected.get(local_date(t), 0) + 1
    got = {d["date"]: d["submitted"] for d in result["daily"] if d["submitted"]}
    assert got == expected
    assert result["annotations"]["submitted"] == 3


def test_dst_named_moments_fall_on_march_8(store: Store) -> None:
    load(
        store,
        ev("submitted", "2026-03-08T06:30:00Z", "ann", "a1", duration=10),
        ev("submitted", "2026-03-09T03:30:00Z", "ann", "a2", duration=20),
    )
    # 06:30Z is 01:30 EST (-5) and 03:30Z the next day is 23:30 EDT (-4): both on 03-08
    assert local_date("2026-03-08T06:30:00+00:00") == "2026-03-08"
    assert local_date("2026-03-09T03:30:00+00:00") == "2026-03-08"
    result = run(store, "member", "2026-03-01", "2026-03-31", tz="America/New_York", member="ann")
    assert day(result, "03-08")["submitted"] == 2
    assert day(result, "03-08")["total_time"] == 30
    assert day(result, "03-09")["submitted"] == 0
    # the dates around the change are each listed once
    dates = [d["date"] for d in result["daily"]]
    assert len(dates) == 31 == len(set(dates))


def test_window_bounds_are_local_midnights_across_dst(store: Store) -> None:
    load(
        store,
        ev("submitted", "2026-03-08T04:59:59Z", "ann", "a1"),  # 03-07 23:59:59 EST: out
        ev("submitted", "2026-03-08T05:00:00Z", "ann", "a2"),  # 03-08 00:00 EST: in
        ev("submitted", "2026-03-09T03:59:59Z", "ann", "a3"),  # 03-08 23:59:59 EDT: in
        ev("submitted", "2026-03-09T04:00:00Z", "ann", "a4"),  # 03-09 00:00 EDT: out
    )
    result = run(store, "member", "2026-03-08", "2026-03-08", tz="America/New_York", member="ann")
    assert result["annotations"]["submitted"] == 2
    assert [d["date"] for d in result["daily"]] == ["2026-03-08"]


def test_review_daily_buckets_by_review_time_in_zone(store: Store) -> None:
    load(
        store,
        ev("submitted", "03-01 10:00", "ann", "a1"),
        ev("accepted", "2026-03-09T03:30:00Z", "rev", "a1", duration=6),  # 03-08 23:30 EDT
    )
    result = run(store, "member", "2026-03-07", "2026-03-09", tz="America/New_York", member="rev")
    assert day(result, "03-08")["reviews_accepted"] == 1
    assert day(result, "03-08")["review_time"] == 6
    assert day(result, "03-09")["reviews_accepted"] == 0
