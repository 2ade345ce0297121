"""One floor per report for `benchmarks/reports.py`: its hand-written SQL and how it is checked.

Each report has two floors, both hand-written DuckDB SQL run on the store's own connection:
(a) `raw`, over the `events` table alone (`benchmarks/floors/raw.py`), and (b) `maintained`,
over the tables the library itself maintains for that report. Before anything is timed, each
floor's figures are checked equal to the library's report: every figure of every row and of the
totals, keyed by the row's ids (floats to 1e-9, relative), so that a floor that computes less
(or something else) cannot pass for fast.

A report whose floor (b) is not written yet returns None from `maintained`: the benchmark shows
no figure for it and checks no target on it.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from benchmarks.floors import (
    differences,
    floor_member_figures,
    floor_members_figures,
    library_member_figures,
    library_members_figures,
    work_events,
)
from benchmarks.floors import raw as raw_sql
from benchmarks.floors.duckdb import DuckDBFloor
from labelpulse.metrics import Window
from labelpulse.metrics.registry import Paging

Figures = dict[str, Any]
_EPOCH = dt.date(1970, 1, 1)
US = 1_000_000
# Columns a floor returns beside the report's own: which row is the totals row, and the
# totals the items page carries on each row.
_HELPERS = ("is_total", "last_us")
# Names are the directory's, not a figure: the check compares ids and figures.
_NAMES = ("member_name", "project_name")


@dataclass(frozen=True)
class Question:
    """What every floor is asked: on this connection, over this window (about this member)."""

    con: Any
    window: Window
    member: str
    credit: float


def _dicts(named: raw_sql.Named) -> list[dict[str, Any]]:
    columns, rows = named
    return [dict(zip(columns, row, strict=True)) for row in rows]


def _iso(us: int) -> str:
    """UTC microseconds as RFC 3339 with Z, as the members table shows `last_active`."""
    moment = dt.datetime.fromtimestamp(us / US, tz=dt.UTC)
    text = moment.isoformat(timespec="microseconds" if us % US else "seconds")
    return text.replace("+00:00", "Z")


def _flat(key: str, row: Mapping[str, Any], into: Figures) -> None:
    for column, value in row.items():
        if column not in _NAMES and column not in _HELPERS:
            into[f"{key} {column}"] = value


def _keyed(
    rows: list[dict[str, Any]], keys: tuple[str, ...], totals: Mapping[str, Any] | None
) -> Figures:
    """Every figure of every row as "ids column", the rows' ids in order as "rows", and the
    totals as "totals column"."""
    figures: Figures = {"rows": [tuple(row[k] for k in keys) for row in rows]}
    for row in rows:
        _flat("/".join(str(row[k]) for k in keys), row, figures)
    for column, value in (totals or {}).items():
        if column not in _NAMES and column not in _HELPERS:
            figures[f"totals {column}"] = value
    return figures


class ReportFloor(ABC):
    """A report's two floors and the check of each against the library's report."""

    report: ClassVar[str]  # the report's name in the registry
    label: ClassVar[str] = ""  # what the benchmark calls it, when not the report's name
    keys: ClassVar[tuple[str, ...]]  # the ids that name a row

    def library_args(self, q: Question) -> dict[str, Any]:
        """What `labelpulse.metrics.report` is called with beside the window."""
        return {}

    @abstractmethod
    def raw(self, q: Question) -> list[raw_sql.Named]:
        """Floor (a): hand-written SQL over the `events` table alone."""

    def maintained(self, q: Question) -> Any:
        """Floor (b): hand-written SQL over the library's maintained tables; None while it is
        not written for this report."""
        return None

    def raw_figures(self, results: list[raw_sql.Named]) -> Figures:
        """Floor (a)'s rows as figures (default: one statement, the totals row flagged)."""
        rows = _dicts(results[0])
        totals = next((r for r in rows if r["is_total"]), None)
        return _keyed(
            sorted((r for r in rows if not r["is_total"]), key=self._order), self.keys, totals
        )

    def library_figures(self, report: Mapping[str, Any]) -> Figures:
        rows = sorted(report["rows"], key=self._order)
        return _keyed(rows, self.keys, report["totals"])

    @property
    def name(self) -> str:
        """The floor's name in the benchmark's output (the report's, or its `label`)."""
        return self.label or self.report

    def _order(self, row: Mapping[str, Any]) -> tuple[str, ...]:
        return tuple(str(row[k]) for k in self.keys)

    def raw_differences(self, results: list[raw_sql.Named], report: Mapping[str, Any]) -> list[str]:
        return differences(self.library_figures(report), self.raw_figures(results))

    def maintained_differences(self, results: Any, report: Mapping[str, Any]) -> list[str]:
        """Floor (b) against the library; a floor (b) in floor (a)'s shape needs no override."""
        return self.raw_differences(results, report)


class MemberFloor(ReportFloor):
    """The summary, the busy days and the `work` section (the member's Work figures and idle
    times: one more query the library runs, so each floor computes it too)."""

    report = "member"
    keys = ("date",)

    def library_args(self, q: Question) -> dict[str, Any]:
        return {"member": q.member}

    def raw(self, q: Question) -> list[raw_sql.Named]:
        return raw_sql.member(q.con, q.member, q.window, q.credit)

    def maintained(self, q: Question) -> Any:
        return DuckDBFloor(q.con).member_report(q.member, q.window)

    def raw_figures(self, results: list[raw_sql.Named]) -> Figures:
        summary, daily = _dicts(results[0])[0], _dicts(results[1])
        for row in daily:
            row["date"] = (_EPOCH + dt.timedelta(days=row.pop("day"))).isoformat()
        work = _dicts(results[2])[0]
        days = _keyed(sorted(_busy(daily), key=self._order), self.keys, None)
        return {**summary, **work, **days}

    def library_figures(self, report: Mapping[str, Any]) -> Figures:
        summary = {
            f"{block}.{k}": v
            for block in ("annotations", "reviews", "work")
            for k, v in report[block].items()
        }
        return {**summary, **_keyed(_busy(report["daily"]), self.keys, None)}

    def maintained_differences(self, results: Any, report: Mapping[str, Any]) -> list[str]:
        return differences(library_member_figures(report), floor_member_figures(results))


def _busy(days: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The days with any figure: the library lists every date of the window, zeros included."""
    return [d for d in days if any(v for k, v in d.items() if k != "date")]


class MembersFloor(ReportFloor):
    report = "members"
    keys = ("member",)

    def raw(self, q: Question) -> list[raw_sql.Named]:
        return raw_sql.members(q.con, q.window, q.credit)

    def maintained(self, q: Question) -> Any:
        return DuckDBFloor(q.con).members_table(q.window)

    def raw_figures(self, results: list[raw_sql.Named]) -> Figures:
        rows = _dicts(results[0])
        for row in rows:
            row["last_active"] = None if row["is_total"] else _iso(row["last_us"])
        totals = next(r for r in rows if r["is_total"])
        del totals["last_active"], totals["member"]
        members = sorted((r for r in rows if not r["is_total"]), key=self._order)
        return _keyed(members, self.keys, totals)

    def maintained_differences(self, results: Any, report: Mapping[str, Any]) -> list[str]:
        return differences(library_members_figures(report), floor_members_figures(results))


class ReviewersFloor(ReportFloor):
    """Floor (b) reads `work_events` as the library does: only the (reviewer, annotation) keys
    with more than one review row in W are grouped (`floors/work_events.py`)."""

    report = "reviewers"
    keys = ("member",)

    def raw(self, q: Question) -> list[raw_sql.Named]:
        return raw_sql.reviewers(q.con, q.window)

    def maintained(self, q: Question) -> Any:
        return work_events.reviewers(q.con, q.window)

    def raw_figures(self, results: list[raw_sql.Named]) -> Figures:
        rows = sorted(_dicts(results[0]), key=self._order)
        totals = _dicts(results[1])[0]
        del totals["member"]
        return _keyed(rows, self.keys, totals)


class InsightsFloor(ReportFloor):
    report = "insights"
    keys = ("member", "project")

    def raw(self, q: Question) -> list[raw_sql.Named]:
        return raw_sql.insights(q.con, q.window)

    def maintained(self, q: Question) -> Any:
        return work_events.insights(q.con, q.window)

    def raw_figures(self, results: list[raw_sql.Named]) -> Figures:
        figures = super().raw_figures(results)
        return {k: v for k, v in figures.items() if k not in ("totals member", "totals project")}


class WorkFloor(ReportFloor):
    report = "work"
    keys = ("member",)

    def raw(self, q: Question) -> list[raw_sql.Named]:
        return raw_sql.work(q.con, q.window)

    def maintained(self, q: Question) -> Any:
        return work_events.work(q.con, q.window)

    def raw_figures(self, results: list[raw_sql.Named]) -> Figures:
        figures = super().raw_figures(results)
        figures.pop("totals member")
        return figures


class InsightsProjectsFloor(ReportFloor):
    """Insights per project: each project's (labeler, project) rows added up."""

    report = "insights_projects"
    keys = ("project",)

    def raw(self, q: Question) -> list[raw_sql.Named]:
        return raw_sql.insights_projects(q.con, q.window)

    def maintained(self, q: Question) -> Any:
        return work_events.insights_projects(q.con, q.window)

    def raw_figures(self, results: list[raw_sql.Named]) -> Figures:
        figures = super().raw_figures(results)
        figures.pop("totals project", None)
        return figures


class ItemsFloor(ReportFloor):
    """The first page of items, in the library's order (project name, then task)."""

    report = "items"
    keys = ("project", "task")

    def library_args(self, q: Question) -> dict[str, Any]:
        return {"paging": Paging(limit=raw_sql.ITEMS_PAGE)}

    def raw(self, q: Question) -> list[raw_sql.Named]:
        return raw_sql.items(q.con, q.window)

    def maintained(self, q: Question) -> Any:
        return work_events.items(q.con, q.window)

    def raw_figures(self, results: list[raw_sql.Named]) -> Figures:
        rows = _dicts(results[0])
        first = rows[0] if rows else {}
        rows = [{k: v for k, v in r.items() if not k.startswith("total_")} for r in rows]
        totals = {
            name: first.get(f"total_{name}", 0)
            for name in ("label_time", "review_time", "edit_time", "rejected", "annotations")
        }
        for name in ("label_time", "review_time", "edit_time"):
            totals[name] = float(totals[name] or 0)
        return {**_keyed(rows, self.keys, totals), "total_rows": first.get("total_rows", 0)}

    def library_figures(self, report: Mapping[str, Any]) -> Figures:
        figures = _keyed(report["rows"], self.keys, report["totals"])
        return {**figures, "total_rows": report["page"]["total_rows"]}


class MemberItemsFloor(ItemsFloor):
    """The first page of items under a member filter (the window's busiest annotator): the
    items the member acted on in W, each with everyone's events on it in W (a semi-join)."""

    label = "items by member"

    def library_args(self, q: Question) -> dict[str, Any]:
        return {"paging": Paging(limit=raw_sql.ITEMS_PAGE), "members": [q.member]}

    def raw(self, q: Question) -> list[raw_sql.Named]:
        return raw_sql.items(q.con, q.window, q.member)

    def maintained(self, q: Question) -> Any:
        return work_events.member_items(q.con, q.window, q.member)


class DailyFloor(ReportFloor):
    """A report with a row per local date: the floors return a `day` number and the busy days
    only; the library's rows are compared on their busy days too."""

    keys = ("date",)

    def raw_figures(self, results: list[raw_sql.Named]) -> Figures:
        rows = _dicts(results[0])
        for row in rows:
            day = row.pop("day")
            row["date"] = None if day is None else (_EPOCH + dt.timedelta(days=day)).isoformat()
        totals = next((r for r in rows if r["is_total"]), None)
        if totals is not None:
            del totals["date"]
        days = _busy([r for r in rows if not r["is_total"]])
        return _keyed(sorted(days, key=self._order), self.keys, totals)

    def library_figures(self, report: Mapping[str, Any]) -> Figures:
        rows = sorted(_busy(report["rows"]), key=self._order)
        return _keyed(rows, self.keys, report["totals"])


class ThroughputFloor(DailyFloor):
    """The overview's daily chart: the library lists only the days with work."""

    report = "throughput"

    def raw(self, q: Question) -> list[raw_sql.Named]:
        return raw_sql.throughput(q.con, q.window)

    def maintained(self, q: Question) -> Any:
        return raw_sql.throughput_maintained(q.con, q.window)


class InsightsDailyFloor(DailyFloor):
    """Insights by date: the library lists every date of the window once anything happened;
    each floor counts a thing on the date of the row that counts it, and carries the approval
    rate's parts (reviewed, first_pass), which are not figures of the report."""

    report = "insights_daily"

    def raw(self, q: Question) -> list[raw_sql.Named]:
        return raw_sql.insights_daily(q.con, q.window)

    def maintained(self, q: Question) -> Any:
        return work_events.insights_daily(q.con, q.window)

    def raw_figures(self, results: list[raw_sql.Named]) -> Figures:
        figures = super().raw_figures(results)
        parts = [k for k in figures if k.endswith((" reviewed", " first_pass"))]
        for key in parts:
            del figures[key]
        return figures


FLOORS: tuple[ReportFloor, ...] = (
    MemberFloor(),
    MembersFloor(),
    ReviewersFloor(),
    ThroughputFloor(),
    InsightsFloor(),
    InsightsProjectsFloor(),
    InsightsDailyFloor(),
    WorkFloor(),
    ItemsFloor(),
    MemberItemsFloor(),
)

# FLAGS (issue 16): the quality flags' floors, in a module of their own (which reads this one).
from benchmarks.floors.flags import FLAG_FLOORS  # noqa: E402

FLOORS += FLAG_FLOORS
