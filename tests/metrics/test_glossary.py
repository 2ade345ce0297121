"""Every figure has its help text (glossary.py), in metrics.md's words."""

from __future__ import annotations

import re

import pytest

from labelpulse.metrics.glossary import HELP, NEEDS_NO_HELP, help_for
from labelpulse.metrics.registry import SPECS
from labelpulse.web import overview
from tests.conftest import SHARED

SPEC = (SHARED / "spec" / "metrics.md").read_text()


def _every_column() -> list[tuple[str, str]]:
    return [
        (spec.name, column.key)
        for spec in SPECS.values()
        for column in (*spec.columns, *spec.daily, *spec.figures)
    ]


@pytest.mark.parametrize(("report", "key"), _every_column())
def test_every_figure_of_every_report_has_help(report: str, key: str) -> None:
    text = help_for(report, key)
    if key in NEEDS_NO_HELP:
        assert text is None, f"{report}.{key} is an id or name: its label says it all"
        return
    assert text, f"no help for {report}.{key}: add it to labelpulse/metrics/glossary.py"
    assert 20 <= len(text) <= 600, f"{report}.{key}: one or two sentences, not {len(text)} chars"
    assert text.rstrip().endswith((".", ")")), f"{report}.{key}: a sentence ends with a stop"


def test_the_glossary_has_no_help_for_figures_nobody_shows() -> None:
    # The overview page's own totals are figures too (web/overview.py TOTALS).
    shown = set(_every_column()) | {("overview", key) for key, *_ in overview.TOTALS}
    stale = sorted(f"{report}.{key}" for report, key in HELP if (report, key) not in shown)
    assert not stale, f"help for figures no report has: {stale}"


def _spec_says(*phrases: str) -> None:
    flat = re.sub(r"\s+", " ", SPEC)
    for phrase in phrases:
        assert phrase in flat, f"metrics.md no longer says {phrase!r}: check the glossary"


def test_the_performance_score_is_the_specs_formula() -> None:
    _spec_says(
        "s = 1 for accepted, 0 for rejected",
        "`fix_accept_credit` setting (default 0.5)",
        "repeated reviews of one annotation each count",
        "rejected, rejected, accepted → 1/3",
    )
    for report, key in (
        ("members", "performance_score"),
        ("member", "annotations.performance_score"),
    ):
        text = help_for(report, key) or ""
        assert "accepted counts 1, rejected 0" in text
        assert "fix-accept credit, default 0.5" in text
        assert "repeat reviews each count" in text
        assert "rejected, rejected, accepted = 1/3" in text
        assert "divided by the number of review actions" in text


def test_the_acceptance_score_and_approval_rate_are_the_specs() -> None:
    _spec_says(
        "(accepted + fixed_and_accepted) / (accepted + fixed_and_accepted + rejected), "
        "by current state",
        "First-pass acceptance",
    )
    acceptance = help_for("members", "acceptance_score") or ""
    assert "(accepted + fixed-and-accepted + rejected)" in acceptance
    assert "current state" in acceptance
    assert "First-pass acceptance" in (help_for("insights", "approval_rate") or "")


def test_lead_time_includes_idle_time_and_work_shows_active_time() -> None:
    _spec_says(
        "Times here are **active** times", "**active time**: the same sum of `duration - idle`"
    )
    for key in ("total_time", "median_time", "mean_time"):
        assert "idle" in (help_for("members", key) or "").lower()
    assert "without idle time" in (help_for("members", "active_time") or "")
    for key in ("label_time", "review_time", "edit_time"):
        assert "Active time (idle time left out)" in (help_for("work", key) or "")
    # The reviewers table and the member report's review time: durations, idle included.
    assert "idle time included" in (help_for("reviewers", "review_time") or "")
    assert "idle time included" in (help_for("member", "reviews.review_time") or "")


def test_submitted_and_labeled_say_how_they_differ() -> None:
    submitted = help_for("member", "annotations.submitted") or ""
    labeled = help_for("work", "labeled") or ""
    assert "completed in the window" in submitted
    assert "skipped, rejected and deleted ones are not counted" in submitted
    assert "Items (tasks)" in labeled and "includes skipped work" in labeled
    assert "Unlike Submitted" in labeled


def test_one_key_keeps_each_reports_meaning() -> None:
    # "rejected": a state in the members table, rejection events in insights and items.
    _spec_says("`review.rejected` **events** in W on the member's annotations")
    assert "latest action is a rejection" in (help_for("members", "rejected") or "")
    assert "Rejection events" in (help_for("insights", "rejected") or "")
    assert "Rejection events" in (help_for("items", "rejected") or "")
    # "accepted": an annotation's state in members, a reviewer's actions in reviewers.
    assert "latest action" in (help_for("members", "accepted") or "")
    assert "actions the member took as reviewer" in (help_for("reviewers", "accepted") or "")
