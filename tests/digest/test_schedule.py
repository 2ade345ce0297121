"""The schedule: once a week at the set time, never twice for a week, even after a restart.

The clock is injected (`now`), so a week passes in a test without waiting for it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time

import pytest
from fastapi.testclient import TestClient

from labelpulse.cli.serve import digest_jobs
from labelpulse.config import Settings
from labelpulse.digest.schedule import (
    LAST_SENT,
    Schedule,
    last_sent,
    parse_schedule,
    scheduled_digest,
)
from labelpulse.digest.week import week_ending
from labelpulse.errors import UsageError
from labelpulse.store import Store
from labelpulse.web.app import create_app
from labelpulse.web.background import Job
from tests.digest.conftest import Inbox, mail_settings


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("text", "weekday", "hour", "minute"),
    [("monday 08:00", 0, 8, 0), ("Mon 8:00", 0, 8, 0), (" friday at 17:30 ", 4, 17, 30),
     ("SUN 23:59", 6, 23, 59)],
)  # fmt: skip
def test_a_schedule_is_a_weekday_and_a_time(
    text: str, weekday: int, hour: int, minute: int
) -> None:
    assert parse_schedule(text, "UTC") == Schedule(weekday, dt.time(hour, minute), "UTC")


@pytest.mark.parametrize("text", ["", "monday", "8:00", "mo 08:00", "moonday 08:00",
                                  "monday 24:00", "monday 08:60", "t 08:00"])  # fmt: skip
def test_anything_else_is_refused_in_words(text: str) -> None:
    with pytest.raises(UsageError, match="digest_schedule must be a weekday and a time"):
        parse_schedule(text, "UTC")


def test_the_due_week_is_the_one_that_ended_the_day_before_the_set_moment() -> None:
    monday = parse_schedule("monday 08:00", "Europe/Berlin")
    # Monday 2026-03-09 07:30 UTC is 08:30 in Berlin: that Monday's moment has passed.
    assert monday.last_due(at("2026-03-09T07:30:00+00:00")) == at("2026-03-09T08:00:00+01:00")
    assert monday.due_week(at("2026-03-09T07:30:00+00:00")) == week_ending(dt.date(2026, 3, 8))
    # 06:59 UTC is 07:59 in Berlin: still the previous Monday's.
    assert monday.last_due(at("2026-03-09T06:59:00+00:00")) == at("2026-03-02T08:00:00+01:00")
    assert monday.due_week(at("2026-03-09T06:59:00+00:00")) == week_ending(dt.date(2026, 3, 1))


def test_the_schedule_sends_once_a_week_and_not_again_after_a_restart(
    org_store: Store, inbox: Inbox
) -> None:
    settings = mail_settings(inbox, digest_schedule="monday 08:00")
    clock = [at("2026-03-10T09:00:00+00:00")]  # a Tuesday: the week of 03-02..03-08 is due
    check = scheduled_digest(settings, now=lambda: clock[0])
    check(org_store)
    assert len(inbox.mails) == 3
    assert last_sent(org_store) == dt.date(2026, 3, 8)
    assert all("2026-03-02–2026-03-08" in m.message["Subject"] for m in inbox.mails)
    check(org_store)  # the next minute's check
    clock[0] = at("2026-03-16T07:59:00+00:00")  # just before the next Monday's moment
    restarted = scheduled_digest(settings, now=lambda: clock[0])  # a new server process
    restarted(org_store)
    assert len(inbox.mails) == 3
    clock[0] = at("2026-03-16T08:00:00+00:00")
    restarted(org_store)
    restarted(org_store)
    assert len(inbox.mails) == 6
    assert sum("2026-03-09–2026-03-15" in m.message["Subject"] for m in inbox.mails) == 3
    assert org_store.get("secrets", name=LAST_SENT) == [{"name": LAST_SENT, "value": "2026-03-15"}]


def test_the_running_server_sends_the_digest_once(org_store: Store, inbox: Inbox) -> None:
    settings = mail_settings(inbox, digest_schedule="tuesday 09:00")
    checks = threading.Semaphore(0)
    check = scheduled_digest(settings, now=lambda: at("2026-03-10T09:00:00+00:00"))

    def counted(store: Store) -> None:
        check(store)
        checks.release()

    job = Job("weekly digest", every=0.02, run=counted, first=0.0)
    with TestClient(create_app(org_store, settings, jobs=[job])) as client:
        assert client.get("/api/health").status_code == 200
        for _ in range(5):  # five checks of the clock while serving
            assert checks.acquire(timeout=10)
    time.sleep(0.05)
    assert job.failures == 0 and job.runs >= 5
    assert sorted(a for m in inbox.mails for a in m.to) == [
        "adam@acme.test",
        "maya@acme.test",
        "olive@acme.test",
    ]


def test_serve_takes_the_job_only_with_a_schedule_and_somewhere_to_send(inbox: Inbox) -> None:
    assert digest_jobs(Settings()) == []
    jobs = digest_jobs(mail_settings(inbox, digest_schedule="monday 08:00"))
    assert [(j.name, j.every, j.first) for j in jobs] == [("weekly digest", 60.0, 5.0)]
    with pytest.raises(UsageError, match="digest_schedule must be"):
        digest_jobs(mail_settings(inbox, digest_schedule="weekly"))
    with pytest.raises(UsageError, match="neither smtp_host nor digest_webhook_url"):
        digest_jobs(Settings(digest_schedule="monday 08:00"))
    with pytest.raises(UsageError, match="smtp_from"):
        no_sender = dataclasses.replace(mail_settings(inbox), smtp_from="")
        digest_jobs(dataclasses.replace(no_sender, digest_schedule="monday 08:00"))
