"""Deadline forecasts: the worked example of docs/metrics-beyond.md, figure for figure."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from labelpulse.access.policy import Viewer
from labelpulse.access.reports import report_for
from labelpulse.config import Settings
from labelpulse.errors import ForbiddenError
from labelpulse.ingest import ingest_records
from labelpulse.metrics import report
from labelpulse.metrics.forecast import Forecast
from labelpulse.store import Store
from tests.metrics.org import ev, load, member, row_of

SETTINGS = Settings(forecast_days=5)  # the example's throughput days: 03-06 .. 03-10


def project(pid: str, name: str, tasks: int | None, deadline: str | None) -> dict[str, Any]:
    record: dict[str, Any] = {"kind": "project", "id": pid, "name": name}
    if tasks is not None:
        record["tasks"] = tasks
    if deadline is not None:
        record["deadline"] = deadline
    return record


def done(day: str, actor: str, project_id: str, task: str, annotation: str = "") -> dict[str, Any]:
    """`actor` submits an annotation (named after the task unless given) on `task` at 10:00."""
    return ev(
        "submitted",
        f"{day} 10:00",
        actor,
        annotation or f"{project_id}-{task}",
        project=project_id,
        task=task,
    )


def build(store: Store) -> None:
    load(
        store,
        member("ann", "Ann"),
        member("bob", "Bob"),
        member("cy", "Cy"),
        member("dee", "Dee"),
        member("rev", "Rev", "reviewer"),
        project("p1", "Atlas", 20, "2026-03-14"),
        project("p2", "Birch", 6, "2026-03-31"),
        project("p3", "Cedar", 2, "2026-03-05"),
        project("p4", "Dune", 10, "2026-03-20"),
        project("p5", "Elm", 3, None),
        project("p6", "Fir", None, None),
        # Atlas: t1, t2 before the throughput days; then 2, 0, 4, 2, 2 tasks a day.
        done("03-02", "ann", "p1", "t1"),
        done("03-02", "ann", "p1", "t2"),
        done("03-06", "ann", "p1", "t3"),
        done("03-06", "ann", "p1", "t4"),
        # bob's second annotation of t3 (03-07) does not make it done again; his t13 is
        # rejected, cy's t14 skipped: neither task is done. So 03-07 has none.
        done("03-07", "bob", "p1", "t3", "p1-t3-bob"),
        done("03-07", "bob", "p1", "t13"),
        ev("rejected", "03-07 12:00", "rev", "p1-t13", project="p1", task="t13"),
        ev("skipped", "03-08 09:00", "cy", "p1-t14", project="p1", task="t14"),
        *(done("03-08", "bob", "p1", t) for t in ("t5", "t6", "t7", "t8")),
        done("03-09", "cy", "p1", "t9"),
        done("03-09", "cy", "p1", "t10"),
        done("03-10", "ann", "p1", "t11"),
        done("03-10", "ann", "p1", "t12"),
        done("03-11", "ann", "p1", "t15"),  # after the window's last day: not yet
        # Birch: one task a day.
        *(done(f"03-{d:02d}", "dee", "p2", f"t{d}") for d in range(6, 11)),
        # Cedar: both tasks done (one of them accepted).
        done("03-03", "ann", "p3", "t1"),
        done("03-04", "ann", "p3", "t2"),
        ev("accepted", "03-04 12:00", "rev", "p3-t2", project="p3", task="t2"),
        # Dune: one task, before the throughput days.
        done("03-01", "ann", "p4", "t1"),
        # Fir: no task count.
        done("03-09", "bob", "p6", "t1"),
    )


def forecast(store: Store, name: str = "forecast", **params: Any) -> dict[str, Any]:
    return report(
        store, name, start="2026-03-01", end="2026-03-10", tz="UTC", settings=SETTINGS, **params
    )


def test_the_worked_example_per_project(store: Store) -> None:
    build(store)
    result = forecast(store)
    assert [row["project_name"] for row in result["rows"]] == [
        "Atlas", "Birch", "Cedar", "Dune", "Elm", "Fir",
    ]  # fmt: skip
    atlas = row_of(result, project="p1")
    spread = math.sqrt(1.6)  # days 2, 0, 4, 2, 2: mean 2, squared deviations 0+4+4+0+0 over 5
    assert atlas == {
        "project": "p1", "project_name": "Atlas", "tasks": 20, "deadline": "2026-03-14",
        "done": 12, "remaining": 8, "daily_throughput": 2.0, "throughput_spread": spread,
        # 8 / 2 = 4 days; 8 / 3.26 = 2.45 → 3; 8 / 0.74 = 10.9 → 11
        "expected_finish": "2026-03-14", "earliest_finish": "2026-03-13",
        "latest_finish": "2026-03-21", "status": "at risk",
    }  # fmt: skip
    assert row_of(result, project="p2") == {
        "project": "p2", "project_name": "Birch", "tasks": 6, "deadline": "2026-03-31",
        "done": 5, "remaining": 1, "daily_throughput": 1.0, "throughput_spread": 0.0,
        "expected_finish": "2026-03-11", "earliest_finish": "2026-03-11",
        "latest_finish": "2026-03-11", "status": "on track",
    }  # fmt: skip
    cedar = row_of(result, project="p3")
    assert (cedar["done"], cedar["remaining"], cedar["status"]) == (2, 0, "done")
    assert cedar["expected_finish"] is None and cedar["latest_finish"] is None
    dune = row_of(result, project="p4")
    assert (dune["done"], dune["remaining"], dune["daily_throughput"]) == (1, 9, 0.0)
    assert (dune["expected_finish"], dune["earliest_finish"], dune["status"]) == (
        None,
        None,
        "late",
    )
    elm = row_of(result, project="p5")
    assert (elm["done"], elm["remaining"], elm["status"]) == (0, 3, "no deadline")
    fir = row_of(result, project="p6")
    assert (fir["tasks"], fir["done"], fir["remaining"], fir["status"]) == (
        None,
        1,
        None,
        "no data",
    )
    assert fir["daily_throughput"] == 0.2 and fir["expected_finish"] is None
    assert result["totals"] == {"tasks": 41, "done": 21, "remaining": 21, "daily_throughput": 3.2}


def test_the_worked_example_per_member(store: Store) -> None:
    build(store)
    rows = forecast(store, "forecast_members")["rows"]
    assert [(r["project"], r["member"], r["done"], r["share"]) for r in rows] == [
        ("p1", "ann", 6, 0.5),
        ("p1", "bob", 4, 4 / 12),
        ("p1", "cy", 2, 2 / 12),
        ("p2", "dee", 5, 1.0),
        ("p3", "ann", 2, 1.0),
        ("p4", "ann", 1, 1.0),
        ("p6", "bob", 1, 1.0),
    ]


def test_the_forecast_moves_with_the_window_end(store: Store) -> None:
    build(store)
    # As of 03-08 the throughput days are 03-04 .. 03-08: Atlas 0, 0, 2, 0, 4 (t1, t2 on 03-02).
    result = report(
        store, "forecast", start="2026-03-08", end="2026-03-08", tz="UTC", settings=SETTINGS
    )
    atlas = row_of(result, project="p1")
    assert (atlas["done"], atlas["remaining"], atlas["daily_throughput"]) == (8, 12, 1.2)
    # 12 / 1.2 = 10 days → 03-18, after the deadline; the fast end (1.2 + 1.6 a day) is 03-13.
    assert atlas["expected_finish"] == "2026-03-18"
    assert atlas["earliest_finish"] == "2026-03-13" and atlas["latest_finish"] is None
    assert atlas["status"] == "at risk"


def test_days_are_the_organisations(store: Store) -> None:
    build(store)
    # 23:30 UTC on 03-05 is 03-06 in Berlin: a throughput day there, not in UTC.
    ingest_records(
        store,
        [{"id": "late", **ev("submitted", "03-05 23:30", "bob", "p5-x", project="p5", task="x")}],
    )
    utc = row_of(forecast(store), project="p5")
    berlin = row_of(
        report(
            store,
            "forecast",
            start="2026-03-01",
            end="2026-03-10",
            tz="Europe/Berlin",
            settings=SETTINGS,
        ),
        project="p5",
    )
    assert (utc["done"], utc["daily_throughput"]) == (1, 0.0)
    assert (berlin["done"], berlin["daily_throughput"]) == (1, 0.2)


def test_a_members_cut_counts_the_tasks_they_carried(store: Store) -> None:
    build(store)
    result = forecast(store, members=["bob"])
    atlas = row_of(result, project="p1")
    assert (atlas["done"], atlas["remaining"], atlas["daily_throughput"]) == (4, 16, 0.8)
    assert [r["member"] for r in forecast(store, "forecast_members", members=["bob"])["rows"]] == [
        "bob",
        "bob",
    ]


def test_role_scoping(store: Store) -> None:
    build(store)
    ingest_records(
        store,
        [
            member("mgr", "Mia", "manager"),
            {"kind": "membership", "member": "mgr", "project": "p1"},
            {"kind": "membership", "member": "cy", "project": "p1"},
        ],
    )

    def ask(viewer: Viewer, name: str, **params: Any) -> list[dict[str, Any]]:
        result = report_for(
            store, viewer, name, start="2026-03-01", end="2026-03-10", settings=SETTINGS, **params
        )
        rows: list[dict[str, Any]] = result["rows"]
        return rows

    manager = Viewer("mgr", "Mia", "manager")
    rows = ask(manager, "forecast")
    assert [r["project"] for r in rows] == ["p1"]
    assert rows[0]["done"] == 12
    with pytest.raises(ForbiddenError):
        ask(manager, "forecast", projects=["p2"])
    # An annotator sees the forecast of their own work only (the tasks they carried).
    annotator = Viewer("cy", "Cy", "annotator")
    mine = ask(annotator, "forecast")
    assert [(r["project"], r["done"]) for r in mine] == [("p1", 2)]
    members = ask(annotator, "forecast_members")
    assert [(r["member"], r["done"], r["share"]) for r in members] == [("cy", 2, 1.0)]


@pytest.mark.parametrize(
    ("daily", "deadline", "status"),
    [
        ((3, 3), "2026-01-12", "on track"),  # 6 left at 3 a day: 01-12 however it goes
        ((3, 3), "2026-01-11", "late"),  # the fast end is 01-12 too
        ((0, 6), "2026-01-11", "at risk"),  # 6 a day at best (01-11), open at worst
        ((0, 0), "2026-12-31", "late"),  # no throughput: it never finishes
    ],
)
def test_status_words(daily: tuple[int, ...], deadline: str, status: str) -> None:
    f = Forecast(tasks=10, deadline=deadline, done=4, daily=daily, as_of=dt.date(2026, 1, 10))
    assert f.row()["status"] == status
