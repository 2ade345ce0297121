"""What a digest says: every figure the registry's, as the recipient may see it.

The week 2026-03-03..03-09 against 02-24..03-02 on the organisation of tests/web/conftest.py
is the overview's hand-worked 03-03..03-06 window (tests/web/test_overview.py): nothing happens
after 03-05, and before 03-03 only 03-02's work (a1, a2 submitted, a1 accepted).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from labelpulse.access.policy import viewer_for
from labelpulse.access.reports import report_for
from labelpulse.config import Settings
from labelpulse.digest import render
from labelpulse.digest.content import digest_for, recipients, scope_words
from labelpulse.digest.week import Week, last_full_week, parse_week_ending, week_ending
from labelpulse.errors import UsageError
from labelpulse.ingest import ingest_records
from labelpulse.metrics import Directory
from labelpulse.store import Store
from labelpulse.team import team_figures

SETTINGS = Settings(timezone="UTC")
WEEK = week_ending(dt.date(2026, 3, 9))
SPAN = "2026-02-24–2026-03-02"


def figures(store: Store, member: str, week: Week) -> dict[str, Any]:
    viewer = viewer_for(Directory.load(store), member)
    start, end = week.start.isoformat(), week.end.isoformat()

    def run(name: str) -> dict[str, Any]:
        return report_for(store, viewer, name, start=start, end=end, tz="UTC", settings=SETTINGS)

    return team_figures(run("members"), run("reviewers"))


def test_the_week_is_seven_days_and_the_previous_the_seven_before() -> None:
    assert Week(dt.date(2026, 3, 3), dt.date(2026, 3, 9)) == WEEK
    assert WEEK.previous == Week(dt.date(2026, 2, 24), dt.date(2026, 3, 2))
    assert parse_week_ending("2026-03-09") == WEEK
    # Monday 00:30 in Berlin is still Sunday in UTC: the week that ended yesterday there.
    monday = dt.datetime(2026, 3, 9, 23, 30, tzinfo=dt.UTC)
    assert last_full_week(monday, "Europe/Berlin") == week_ending(dt.date(2026, 3, 9))
    assert last_full_week(monday, "UTC") == week_ending(dt.date(2026, 3, 8))
    with pytest.raises(UsageError, match="YYYY-MM-DD"):
        parse_week_ending("last week")


def test_the_recipients_are_the_owners_admins_and_managers(org_store: Store) -> None:
    assert [v.id for v in recipients(Directory.load(org_store))] == ["own", "adm", "mgr"]


@pytest.mark.parametrize("member", ["own", "adm", "mgr"])
def test_every_total_is_the_reports_own(org_store: Store, member: str) -> None:
    directory = Directory.load(org_store)
    digest = digest_for(org_store, viewer_for(directory, member), WEEK, SETTINGS, directory)
    now, before = figures(org_store, member, WEEK), figures(org_store, member, WEEK.previous)
    assert {t.key: t.value for t in digest.totals} == now
    assert now != before
    body = render.payload(digest)
    assert [t["value"] for t in body["totals"]] == list(now.values())
    assert body["week"] == {
        "start": "2026-03-03",
        "end": "2026-03-09",
        "previous_start": "2026-02-24",
        "previous_end": "2026-03-02",
        "tz": "UTC",
    }


def test_the_owners_week_by_hand(org_store: Store) -> None:
    """Now: a3, b1, b2 submitted (3), b1 fix-accepted (acceptance 1/1); reviews of a1, a2, b1
    (3); ann, rev, ann2 active (3). Before: a1, a2 completed 03-02, submitted 1 (the overview's
    reading), acceptance 1/2; no review; ann alone active."""
    directory = Directory.load(org_store)
    digest = digest_for(org_store, viewer_for(directory, "own"), WEEK, SETTINGS, directory)
    shown = {t.key: (t.text, t.change) for t in digest.totals}
    assert shown["submitted"] == ("3", f"+200% vs {SPAN}")
    assert shown["reviews"] == ("3", f"was 0 in {SPAN}")
    assert shown["acceptance_score"] == ("100%", f"+50 pts vs {SPAN}")
    assert shown["rejection_rate"] == ("0%", f"-50 pts vs {SPAN}")
    assert shown["active_members"] == ("3", f"+200% vs {SPAN}")
    assert digest.scope == "the whole organisation"
    assert [(r["member_name"], r["submitted"]) for r in digest.busiest] == [
        ("Bianca Books", 2),
        ("Anna Annotator", 1),
    ]
    text = render.text(digest)
    assert f"- Annotations submitted: 3 (+200% vs {SPAN})" in text
    assert "- Bianca Books: 2 submitted" in text


def test_a_managers_digest_holds_only_their_projects(org_store: Store) -> None:
    """Maya manages workspace Vision (Cars, Signs): a3 (Signs) and the reviews of a1 and a2
    (Cars) are hers to see; Bianca's Invoices work is not."""
    directory = Directory.load(org_store)
    mgr = viewer_for(directory, "mgr")
    digest = digest_for(org_store, mgr, WEEK, SETTINGS, directory)
    shown = {t.key: t.value for t in digest.totals}
    assert shown["submitted"] == 1 and shown["reviews"] == 2
    assert digest.scope == scope_words(mgr, directory) == "projects Cars, Signs"
    assert [r["member"] for r in digest.busiest] == ["ann"]
    for words in (render.text(digest), render.html_body(digest), str(render.payload(digest))):
        assert "Anna Annotator" in words
        assert "Bianca" not in words and "ann2" not in words and "Invoices" not in words


def test_the_flags_and_forecast_sections_read_their_reports_columns(org_store: Store) -> None:
    """Rendering only: the flags and forecast reports come from other parts of issue 16; their
    rows here carry just the columns the digest reads."""
    directory = Directory.load(org_store)
    digest = digest_for(org_store, viewer_for(directory, "own"), WEEK, SETTINGS, directory)
    flags = [
        {"member": "ann", "member_name": "Anna Annotator", "rule": "too_fast",
         "reason": "3 annotations under 20% of the project's median time."},
    ] * 12  # fmt: skip
    at_risk = [
        {"project": "p-cars", "project_name": "Cars", "deadline": "2026-03-20",
         "expected_finish": "2026-04-02", "status": "at risk"},
    ]  # fmt: skip
    text = render.text(dataclasses.replace(digest, flags=flags, at_risk=at_risk))
    assert text.count("- Anna Annotator: 3 annotations under 20% of the project") == 10
    assert "- … and 2 more on the flags page." in text
    assert "- Cars: at risk, expected to finish 2026-04-02, deadline 2026-03-20" in text
    empty = render.text(dataclasses.replace(digest, flags=[], at_risk=[]))
    assert "Flags\n- Nothing flagged." in empty
    assert "Forecasts at risk\n- Every project with a deadline is on track." in empty
    # A section whose report is not in the registry (None) is left out, not shown empty.
    left_out = render.text(dataclasses.replace(digest, flags=None, at_risk=None))
    assert "Flags" not in left_out and "Forecasts" not in left_out


def test_the_forecast_and_flags_sections_are_the_reports_own(org_store: Store) -> None:
    """With the merged `forecast` and `flags` reports: a project due before the week ends with
    tasks left is late, and in the digest of those who see it (not of a manager of others)."""
    ingest_records(
        org_store,
        [{"kind": "project", "id": "p-cars", "name": "Cars", "workspace": "ws-vis",
          "tasks": 100, "deadline": "2026-03-08"}],
    )  # fmt: skip
    directory = Directory.load(org_store)
    owner = digest_for(org_store, viewer_for(directory, "own"), WEEK, SETTINGS, directory)
    forecast = report_for(
        org_store, viewer_for(directory, "own"), "forecast", start=WEEK.start.isoformat(),
        end=WEEK.end.isoformat(), tz="UTC", settings=SETTINGS,
    )  # fmt: skip
    late = [r for r in forecast["rows"] if r["status"] in ("at risk", "late")]
    assert [r["project"] for r in late] == ["p-cars"] and late[0]["status"] == "late"
    assert owner.at_risk == late
    assert "- Cars: late" in render.text(owner)
    flags = report_for(
        org_store, viewer_for(directory, "own"), "flags", start=WEEK.start.isoformat(),
        end=WEEK.end.isoformat(), tz="UTC", settings=SETTINGS,
    )  # fmt: skip
    assert owner.flags == flags["rows"]
