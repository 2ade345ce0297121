"""When `serve` sends the digest: a weekday and a time in the organisation's time zone
(`digest_schedule = "monday 08:00"`), once a week, for the week that ended the day before.

The server checks every minute. The week it last sent is kept in the store (the `secrets`
record table, under `digest:last_week`): a restart, or the check after the one that sent,
finds that week sent and sends nothing. The week is claimed BEFORE it is sent, so that no
recipient ever gets a week twice; a server stopped in the middle of a run leaves the rest
of that week unsent (its log says so; `labelpulse digest --week-ending` sends it by hand).
A server that was down at the set time sends on its first check after it (within the week).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from labelpulse.config import Settings
from labelpulse.digest.week import Week, week_ending
from labelpulse.errors import UsageError
from labelpulse.store.base import Store

log = logging.getLogger("labelpulse")

LAST_SENT = "digest:last_week"
# Seconds between two checks of the clock, and before the first one.
EVERY = 60.0
FIRST = 5.0
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SCHEDULE = re.compile(r"([a-z]+)\s+(?:at\s+)?(\d{1,2}):(\d{2})")


@dataclass(frozen=True)
class Schedule:
    weekday: int  # Monday is 0
    at: dt.time
    tz: str

    @property
    def words(self) -> str:
        return f"every {WEEKDAYS[self.weekday].capitalize()} at {self.at:%H:%M} ({self.tz})"

    def last_due(self, now: dt.datetime) -> dt.datetime:
        """The latest set moment at or before `now` (an aware datetime)."""
        local = now.astimezone(ZoneInfo(self.tz))
        back = (local.weekday() - self.weekday) % 7
        day = local.date() - dt.timedelta(days=back)
        moment = dt.datetime.combine(day, self.at, tzinfo=ZoneInfo(self.tz))
        if moment > local:
            moment -= dt.timedelta(days=7)
        return moment

    def due_week(self, now: dt.datetime) -> Week:
        """The week the latest set moment sends: the seven days ending the day before it."""
        return week_ending(self.last_due(now).date() - dt.timedelta(days=1))


def parse_schedule(text: str, tz: str) -> Schedule:
    """'monday 08:00', 'Mon 8:00', 'friday at 17:30' → a Schedule in `tz`."""
    found = _SCHEDULE.fullmatch(text.strip().lower())
    days = [n for n, day in enumerate(WEEKDAYS) if found and day.startswith(found.group(1))]
    hour, minute = (int(found.group(2)), int(found.group(3))) if found else (-1, -1)
    if not found or len(found.group(1)) < 3 or len(days) != 1 or hour > 23 or minute > 59:
        raise UsageError(
            f"digest_schedule must be a weekday and a time, such as 'monday 08:00', got {text!r}"
        )
    return Schedule(days[0], dt.time(hour, minute), tz)


def last_sent(store: Store) -> dt.date | None:
    """The last day of the last week the schedule sent, or None."""
    rows = store.get("secrets", name=LAST_SENT)
    return dt.date.fromisoformat(str(rows[0]["value"])) if rows else None


def claim(store: Store, week: Week) -> None:
    store.put("secrets", {"name": LAST_SENT, "value": week.end.isoformat()})


def send_if_due(
    store: Store,
    settings: Settings,
    schedule: Schedule,
    now: dt.datetime,
    send: Callable[[Store, Settings, Week], object],
) -> Week | None:
    """Send the due week's digest unless it (or a later week) was sent; the week sent or None."""
    week = schedule.due_week(now)
    sent = last_sent(store)
    if sent is not None and sent >= week.end:
        return None
    claim(store, week)
    send(store, settings, week)
    return week


def scheduled_digest(
    settings: Settings, now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
) -> Callable[[Store], None]:
    """The server's weekly digest check: `serve` runs it every EVERY seconds (a background Job);
    it reads the clock through `now`, so tests can move it."""
    schedule = parse_schedule(settings.digest_schedule, settings.timezone)

    def send(store: Store, settings: Settings, week: Week) -> None:
        from labelpulse.digest.send import send_digest

        log.info("Weekly digest %s: sending", week.span)
        outcomes = send_digest(store, settings, week, progress=lambda o: log.info("%s", o.line))
        failed = sum(o.failed for o in outcomes)
        sent = sum(not o.failed and o.skipped is None for o in outcomes)
        log.info("Weekly digest %s: %d sent, %d failed", week.span, sent, failed)

    def run(store: Store) -> None:
        send_if_due(store, settings, schedule, now(), send)

    return run
