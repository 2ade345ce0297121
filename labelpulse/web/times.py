"""Lead, active and idle time side by side on the member page (issue 15).

The member report's Total time is lead time (idle included) over the annotations submitted in
the window; the Work page shows active time over every label, review and edit event in the
window. Each row here names one of those sets and shows both times with their difference, so
the two pages' figures can be read against each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from labelpulse.metrics.glossary import TIME_HELP, help_for
from labelpulse.readable import format_duration


@dataclass(frozen=True)
class TimeRow:
    """One set of work: what it counts, and its lead, active and idle time (seconds)."""

    key: str
    title: str
    count: str
    help: str
    lead: float
    active: float

    @property
    def idle(self) -> float:
        # Whole microseconds apart in the store: rounding leaves no negative idle.
        return max(self.lead - self.active, 0.0)

    @property
    def texts(self) -> dict[str, str]:
        return {
            "lead": format_duration(self.lead),
            "active": format_duration(self.active),
            "idle": format_duration(self.idle),
        }


def member_times(data: dict[str, Any], *, reviews_first: bool) -> list[TimeRow]:
    """The rows of the member page's time section: only kinds of work the member did."""
    a, r, w = data["annotations"], data["reviews"], data["work"]
    annotation_rows: list[TimeRow] = []
    if a["submitted"]:
        annotation_rows.append(
            TimeRow(
                "annotations",
                "Submitted annotations",
                f"{a['submitted']:,} submitted",
                TIME_HELP["annotations"],
                a["total_time"],
                a["active_time"],
            )
        )
    if w["labeled"] or w["label_time"] or w["label_idle_time"]:
        annotation_rows.append(
            TimeRow(
                "label",
                "Labeling (as on Work)",
                f"{w['labeled']:,} items labeled",
                TIME_HELP["label"] + " " + (help_for("member", "work.labeled") or ""),
                w["label_time"] + w["label_idle_time"],
                w["label_time"],
            )
        )
    review_rows: list[TimeRow] = []
    if r["total"] or w["review_time"] or w["review_idle_time"]:
        review_rows.append(
            TimeRow(
                "review",
                "Reviewing",
                f"{r['total']:,} review actions on {w['reviewed']:,} annotations",
                TIME_HELP["review"],
                w["review_time"] + w["review_idle_time"],
                w["review_time"],
            )
        )
    edit_rows: list[TimeRow] = []
    if w["edited"] or w["edit_time"]:
        edit_rows.append(
            TimeRow(
                "edit",
                "Editing others' annotations",
                f"{w['edited']:,} annotations edited",
                TIME_HELP["edit"],
                w["edit_time"] + w["edit_idle_time"],
                w["edit_time"],
            )
        )
    if reviews_first:
        return [*review_rows, *annotation_rows, *edit_rows]
    return [*annotation_rows, *review_rows, *edit_rows]
