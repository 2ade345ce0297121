"""`labelpulse demo`'s project plans (FC): task counts and deadlines that give every status."""

from __future__ import annotations

import datetime as dt

from labelpulse.cli.demo_plans import PLANS, plan_projects
from labelpulse.config import Settings
from labelpulse.demo import generate
from labelpulse.ingest import ingest_records
from labelpulse.metrics import Directory, report
from labelpulse.metrics.forecast import STATUSES
from labelpulse.store import Store

END = dt.date(2024, 6, 28)  # a past date: the demo is then a pure function of its arguments


def test_the_demos_projects_get_plans_one_at_risk(store: Store) -> None:
    records = list(generate(members=12, days=30, events=6000, seed=7, end=END))
    ingest_records(store, records)
    names = {r["id"]: r["name"] for r in records if r.get("kind") == "project"}
    settings = Settings(timezone="UTC")
    statuses = plan_projects(store, settings, END)
    assert "at risk" in statuses.values()
    assert len(set(statuses.values())) >= min(len(statuses), len(PLANS)) - 1
    day = END.isoformat()
    rows = report(store, "forecast", start=day, end=day, tz="UTC", settings=settings)["rows"]
    assert {r["project"]: r["status"] for r in rows if r["project"] in statuses} == statuses
    directory = Directory.load(store)
    for project in statuses:  # the rest of the project record is kept
        assert directory.projects[project]["name"] == names[project]
        assert directory.projects[project]["tasks"] is not None


def test_the_plans_are_the_forecasts_status_words() -> None:
    assert set(PLANS) <= set(STATUSES)
