"""Window (dates in a time zone) and scope (workspaces, projects, members) of every query.

Every metric query takes a `Window` and a `Scope` and applies both through `in_scope`, so no
report can forget them. Access rules (who may see what) cut a `Scope` down before it gets here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.datatypes as dt_
import ibis.expr.types as ir

from labelpulse.config import normalize_timezone
from labelpulse.errors import UsageError
from labelpulse.metrics.query import Params
from labelpulse.store.directory import Directory

US = 1_000_000
DAY_US = 86_400 * US
MAX_DAYS = 3_660
_EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class Window:
    """Whole dates `start`..`end` (inclusive) in time zone `tz`, as UTC microsecond bounds."""

    start: dt.date
    end: dt.date
    tz: str
    lo_us: int
    hi_us: int
    # (first UTC microsecond, UTC offset in microseconds) for each offset in force in the window
    offsets: tuple[tuple[int, int], ...]

    @property
    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    @property
    def shape(self) -> int:
        return len(self.offsets)

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {"lo": self.lo_us, "hi": self.hi_us, "tz": self.tz}
        for i, (since, offset) in enumerate(self.offsets):
            out[f"since_{i}"] = since
            out[f"offset_{i}"] = offset
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "tz": self.tz}


def make_window(start: dt.date | str, end: dt.date | str, tz: str = "UTC") -> Window:
    """A window from dates (or ISO date strings) and a zone; UsageError when malformed.

    The zone is normalized (`config.normalize_timezone`: `utc`, `+02:00`, `europe/berlin`), and
    the window holds its canonical IANA name: what ClickHouse's SQL and every page show.
    """
    first, last = _date(start, "from"), _date(end, "to")
    if last < first:
        raise UsageError(f"the window ends ({last}) before it starts ({first})")
    if (last - first).days >= MAX_DAYS:
        raise UsageError(f"a window may span at most {MAX_DAYS} days")
    tz = normalize_timezone(tz)
    zone = ZoneInfo(tz)

    def local_midnight_us(day: dt.date) -> int:
        moment = dt.datetime(day.year, day.month, day.day, tzinfo=zone)
        return int(moment.timestamp()) * US

    def offset_at(us: int) -> int:
        moment = dt.datetime.fromtimestamp(us / US, tz=dt.UTC).astimezone(zone)
        delta = moment.utcoffset() or dt.timedelta(0)
        return int(delta.total_seconds()) * US

    lo, hi = local_midnight_us(first), local_midnight_us(last + dt.timedelta(days=1))
    offsets = [(lo, offset_at(lo))]
    probe = lo
    while probe < hi:
        step = min(probe + DAY_US // 2, hi)
        if offset_at(step) != offsets[-1][1]:
            # The offset changed within (probe, step]: find the first second of the new one.
            low, high = probe, step
            while high - low > US:
                mid = (low + high) // 2 // US * US
                if offset_at(mid) == offsets[-1][1]:
                    low = mid
                else:
                    high = mid
            offsets.append((high, offset_at(high)))
        probe = step
    return Window(first, last, tz, lo, hi, tuple(offsets))


FIRST_YEAR, LAST_YEAR = 1970, 2100


def check_date(value: dt.date | str, name: str) -> dt.date:
    """A report date (`from`, `to`) from 1970 to 2100; a UsageError naming `name` otherwise.

    Outside those years a window's bounds overflow (year 9999) or fall outside what time zone
    arithmetic can do (year 1), and no labeling work happened there anyway.
    """
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError(value)
            day = dt.date.fromisoformat(value)
        except ValueError as exc:
            raise UsageError(f"{name} must be a date as YYYY-MM-DD, got {value!r}") from exc
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise UsageError(
            f"{name} must be a date from {FIRST_YEAR}-01-01 to {LAST_YEAR}-12-31, got {value!s}",
            details=[{"field": name, "message": f"outside {FIRST_YEAR}–{LAST_YEAR}"}],
        )
    return day


_date = check_date


def local_day(ts: ir.IntegerValue, window: Window, p: Params) -> ir.IntegerValue:
    """Days since 1970-01-01 of the local date, in the window's zone, of a UTC microsecond time.

    On ClickHouse, by its own time zone functions (`toDate32(time, zone)`). Elsewhere, by the
    UTC offsets in force in the window (`Window.offsets`, from Python's zoneinfo), with the one
    of each time picked by comparing it with the instants they start: integer arithmetic that
    DuckDB and PostgreSQL run alike. Both give the same dates; the tests hold them equal over
    DST changes.
    """
    if p.dialect == "clickhouse":
        return _ch_days(_ch_to_date32(_ch_from_us(ts), p.string("tz")))
    offset: Any = p.integer("offset_0")
    for i in range(1, len(window.offsets)):
        offset = (ts >= p.integer(f"since_{i}")).ifelse(p.integer(f"offset_{i}"), offset)
    return (ts + offset) // DAY_US


@ibis.udf.scalar.builtin(name="fromUnixTimestamp64Micro")  # type: ignore[untyped-decorator]
def _ch_from_us(us: dt_.Int64) -> dt_.Timestamp(scale=6):  # type: ignore[valid-type]
    """ClickHouse: microseconds since the epoch as a DateTime64(6)."""


@ibis.udf.scalar.builtin(name="toDate32")  # type: ignore[untyped-decorator]
def _ch_to_date32(time: dt_.Timestamp(scale=6), zone: str) -> dt_.Date:  # type: ignore[valid-type]
    """ClickHouse: the date of a time in a time zone (an IANA name)."""


@ibis.udf.scalar.builtin(name="toInt64")  # type: ignore[untyped-decorator]
def _ch_days(day: dt_.Date) -> dt_.Int64:
    """ClickHouse: a Date32 as days since 1970-01-01."""


def day_number(day: dt.date) -> int:
    """A date as days since 1970-01-01, the form `local_day` buckets by."""
    return (day - _EPOCH).days


def in_window(ts: ir.IntegerValue, p: Params) -> ir.BooleanValue:
    return (ts >= p.integer("lo")) & (ts < p.integer("hi"))


@dataclass(frozen=True)
class Scope:
    """What a query covers: None means all; a tuple means only these ids."""

    projects: tuple[str, ...] | None = None
    members: tuple[str, ...] | None = None
    asked: dict[str, list[str]] = field(default_factory=dict, compare=False, hash=False)

    @property
    def shape(self) -> tuple[int | None, int | None]:
        return (
            None if self.projects is None else len(self.projects),
            None if self.members is None else len(self.members),
        )

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for i, project in enumerate(self.projects or ()):
            out[f"project_{i}"] = project
        for i, member in enumerate(self.members or ()):
            out[f"member_{i}"] = member
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "workspaces": self.asked.get("workspaces", []),
            "projects": self.asked.get("projects", []),
            "members": self.asked.get("members", []),
        }


def make_scope(
    directory: Directory,
    *,
    workspaces: list[str] | None = None,
    projects: list[str] | None = None,
    members: list[str] | None = None,
) -> Scope:
    """A scope from asked ids: workspaces become their projects; lists combine by AND."""
    chosen: set[str] | None = set(projects) if projects else None
    if workspaces:
        asked = set(workspaces)
        in_workspaces = {p for p, row in directory.projects.items() if row["workspace"] in asked}
        chosen = in_workspaces if chosen is None else chosen & in_workspaces
    members = [directory.resolve_member(m) for m in members] if members else None
    return Scope(
        projects=None if chosen is None else tuple(sorted(chosen)),
        members=tuple(sorted(set(members))) if members else None,
        asked={
            "workspaces": sorted(set(workspaces or [])),
            "projects": sorted(set(projects or [])),
            "members": sorted(set(members or [])),
        },
    )


def in_scope(
    table: ir.Table, scope: Scope, p: Params, *, member_column: str | None = None
) -> ir.Table:
    """`table` cut to the scope's projects and, on `member_column`, its members."""
    if scope.projects is not None:
        if not scope.projects:
            return table.filter(ibis_false(table))
        table = table.filter(table.project.isin(p.strings("project", len(scope.projects))))
    if member_column is not None and scope.members is not None:
        if not scope.members:
            return table.filter(ibis_false(table))
        table = table.filter(table[member_column].isin(p.strings("member", len(scope.members))))
    return table


def ibis_false(table: ir.Table) -> ir.BooleanValue:
    return table.project.isnull() & table.project.notnull()


def first_in_window(prev: ir.IntegerValue, p: Params) -> ir.BooleanValue:
    """A row its key counts, with no earlier row of the key in the window (`store/work.py`):
    NULL, so false, on the rows the key does not count."""
    return prev < p.integer("lo")


def last_in_window(following: ir.IntegerValue, p: Params) -> ir.BooleanValue:
    """A row its key counts, with no later row of the key in the window."""
    return following >= p.integer("hi")
