"""The week a digest covers: seven days ending on a date (inclusive), and the seven before."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from labelpulse.errors import UsageError

DAYS = 7


@dataclass(frozen=True)
class Week:
    """Seven days, `start` to `end` inclusive, as dates of the organisation's time zone."""

    start: dt.date
    end: dt.date

    @property
    def previous(self) -> Week:
        return Week(self.start - dt.timedelta(days=DAYS), self.start - dt.timedelta(days=1))

    @property
    def span(self) -> str:
        return f"{self.start.isoformat()}–{self.end.isoformat()}"


def week_ending(end: dt.date) -> Week:
    return Week(end - dt.timedelta(days=DAYS - 1), end)


def last_full_week(now: dt.datetime, tz: str) -> Week:
    """The week that ended yesterday in `tz` (a digest sent on Monday covers Monday to Sunday)."""
    today = now.astimezone(ZoneInfo(tz)).date()
    return week_ending(today - dt.timedelta(days=1))


def parse_week_ending(text: str) -> Week:
    try:
        end = dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise UsageError(
            f"--week-ending must be a date, YYYY-MM-DD, got {text!r}",
            details=[{"field": "week_ending", "value": text}],
        ) from exc
    if end.year < 1970 or end.year > 2100:
        raise UsageError(f"--week-ending must be from 1970 to 2100, got {text!r}")
    return week_ending(end)
