"""What each figure means, in a sentence people read beside it: one place for every page,
table header, card and tooltip (the words follow ../shared/spec/metrics.md).

`help_for(report, key)` answers for a report's column or card key (e.g. ("members",
"performance_score"), ("member", "annotations.total_time")); None when there is nothing to add
to the label (ids, names and dates: `NEEDS_NO_HELP`).

One key may mean different things in different reports ("rejected" is an annotation's state in
the members table but a count of rejection events in insights; "review_time" includes idle time
in the member report and the reviewers table but is active time on Work), so each report has its
own entries, and "*" holds only what every report means alike.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

# Shown as they are, explained by their label alone.
NEEDS_NO_HELP: Final = frozenset(
    {"member", "member_name", "project", "project_name", "date", "from", "from_name"}
)

# Words used in several texts, so that they say the same thing everywhere.
_LEAD = (
    "Lead time: the sum of the durations of the author's working sessions on the annotation, "
    "drafts and earlier skips included, idle time included."
)
_ACTIVE = "Active time: the same time without idle time (the minutes the tool saw no input)."
_SUBMITTED = (
    "Annotations completed in the window (each once) whose latest action is submitted, updated, "
    "accepted or fixed-and-accepted; skipped, rejected and deleted ones are not counted."
)
_PERFORMANCE = (
    "Over every review action on the member's annotations in the window (repeat reviews each "
    "count): accepted counts 1, rejected 0, fixed-and-accepted its agreement (or the "
    "organisation's fix-accept credit, default 0.5); the score is their sum divided by the "
    "number of review actions. Example: rejected, rejected, accepted = 1/3. Blank with no reviews."
)
_ACCEPTANCE = (
    "(accepted + fixed-and-accepted) ÷ (accepted + fixed-and-accepted + rejected), by each "
    "annotation's current state, over the member's annotations completed in the window. Blank "
    "when none has been reviewed."
)
_LABELED = (
    "Items (tasks) on which the member submitted, updated or skipped their own annotation in the "
    "window, each item once. Unlike Submitted it counts items, includes skipped work and does "
    "not depend on the annotation's later review."
)
_WORK_ACTIVE = "Active time (idle time left out) of the member's {what} events in the window"

_ANNOTATION_FIGURES: dict[str, str] = {
    "submitted": _SUBMITTED,
    "updated": "Those of Submitted whose latest action is an update by the author.",
    "skipped": "Annotations completed in the window whose latest action is skipped.",
    "rejected": (
        "Annotations completed in the window whose latest action is a rejection (a rejected "
        "annotation that is then updated or fix-accepted counts as submitted again)."
    ),
    "accepted": "Those of Submitted whose latest action is a reviewer's accept.",
    "fixed_and_accepted": (
        "Those of Submitted whose latest action is a reviewer's fix-and-accept (the reviewer "
        "corrected it, then accepted it)."
    ),
    "total_time": "Sum of lead time over the submitted annotations. " + _LEAD,
    "median_time": "Median lead time of a submitted annotation (idle time included).",
    "mean_time": "Average lead time of a submitted annotation (idle time included).",
    "total_time_median": (
        "Submitted × median time per annotation: the total time a typical annotation pace gives, "
        "less swayed by a few very long ones."
    ),
    "active_time": (
        "Sum of active time over the submitted annotations: Total time without idle time. "
        + _ACTIVE
    ),
    "performance_score": _PERFORMANCE,
    "acceptance_score": _ACCEPTANCE,
}

_REVIEW_FIGURES: dict[str, str] = {
    "total": (
        "Review actions the member took as reviewer in the window (accept, reject, fix-and-"
        "accept), each counted: rejecting then accepting one annotation is 2."
    ),
    "accepted": "Accept actions the member took as reviewer in the window.",
    "rejected": "Reject actions the member took as reviewer in the window.",
    "fixed_and_accepted": "Fix-and-accept actions the member took as reviewer in the window.",
    "review_time": (
        "Sum of the durations of the member's review events in the window, opening an annotation "
        "to review it included; idle time included (Work's Review time leaves it out)."
    ),
    "mean_review_time": (
        "Average review time per annotation reviewed (each annotation's review durations summed "
        "first), idle time included."
    ),
    "median_review_time": (
        "Median review time per annotation reviewed (each annotation's review durations summed "
        "first), idle time included."
    ),
}

_WORK: dict[str, str] = {
    "labeled": _LABELED,
    "label_time": (
        _WORK_ACTIVE.format(what="labeling (own annotations', drafts included)")
        + ", whatever became of the annotation."
    ),
    "mean_label_time": "Label time ÷ Labeled: active time per item labeled.",
    "reviewed": (
        "Distinct annotations the member accepted, rejected or fix-accepted in the window "
        "(Reviews counts each action; this counts each annotation once)."
    ),
    "review_time": _WORK_ACTIVE.format(what="review") + ", opening to review included.",
    "mean_review_time": "Review time ÷ Reviewed: active time per annotation reviewed.",
    "edited": "Distinct annotations by someone else that the member changed in the window.",
    "edit_time": _WORK_ACTIVE.format(what="edit (changes to others' annotations)") + ".",
    "mean_edit_time": "Edit time ÷ Edited: active time per annotation edited.",
}

_MEMBER: dict[str, str] = {
    # The daily table: annotations by the date they were completed, reviews by their date.
    "submitted": "Submitted annotations completed on that date. " + _SUBMITTED,
    "updated": "Those of Submitted whose latest action is an update by the author.",
    "skipped": "Annotations completed on that date whose latest action is skipped.",
    "total_time": "Sum of lead time over that date's submitted annotations (idle included).",
    "total_time_median": "Submitted × median time per annotation on that date.",
    "median_time": "Median lead time of that date's submitted annotations (idle included).",
    "mean_time": "Average lead time of that date's submitted annotations (idle included).",
    "reviews_accepted": "Accept actions the member took as reviewer on that date.",
    "reviews_rejected": "Reject actions the member took as reviewer on that date.",
    "reviews_fixed_and_accepted": "Fix-and-accept actions the member took as reviewer that date.",
    "review_time": "Sum of the durations of the member's review events that date (idle included).",
    **{f"annotations.{key}": text for key, text in _ANNOTATION_FIGURES.items()},
    **{f"reviews.{key}": text for key, text in _REVIEW_FIGURES.items()},
    **{f"work.{key}": text for key, text in _WORK.items()},
    "work.label_idle_time": "Idle time of the same labeling events: Label time plus this is "
    "their whole duration.",
    "work.review_idle_time": "Idle time of the same review events: Review time (active) plus "
    "this is the member report's review time.",
    "work.edit_idle_time": "Idle time of the same edit events.",
}

_EVENTS: dict[str, str] = {
    "time": "When the event happened (for an annotation: when it was saved), in the time zone.",
    "task": "The item (task) in the labeling tool.",
    "annotation": "The annotation, as the labeling tool names it.",
}

_TIMELINE: dict[str, str] = {
    **_EVENTS,
    "started_at": (
        "When this working session began: as the labeling tool sent it, else the event's time "
        "less its duration."
    ),
    "type": "What happened: annotation submitted, updated, skipped, drafted; review …; comment.",
    "duration": "Seconds the event took, idle time included.",
    "idle": "Seconds of that duration without input in the tool (blank when unknown).",
    "regions_added": "Regions (boxes, polygons, labels …) the event added.",
    "regions_removed": "Regions the event removed.",
    "regions_updated": "Regions the event changed.",
}

_COMMENTS: dict[str, str] = {
    **_EVENTS,
    "time": "When the comment was written, in the time zone.",
    "text": "The comment someone else left on the member's annotation.",
}

_MEMBERS: dict[str, str] = {
    **{key: text for key, text in _ANNOTATION_FIGURES.items() if key != "total_time_median"},
    "last_active": "The member's latest event of any kind in scope, whatever the window.",
}

_REVIEWERS: dict[str, str] = dict(_REVIEW_FIGURES)

_INSIGHTS: dict[str, str] = {
    "items_labeled": (
        "Distinct items on which the labeler submitted or updated an annotation in the window, "
        "those marked null included."
    ),
    "annotations_added": "Regions the labeler added in submits and updates in the window.",
    "annotations_removed": "Regions the labeler removed in submits and updates in the window.",
    "annotations_updated": "Regions the labeler changed in submits and updates in the window.",
    "net_annotations": "Regions added minus regions removed (Added − Removed).",
    "model_assisted": "Distinct items labeled with a model's pre-annotation in the window.",
    "marked_null": "Distinct items the labeler marked as having nothing to label.",
    "approved": "The labeler's annotations accepted or fix-accepted in the window.",
    "rejected": (
        "Rejection events in the window on the labeler's annotations: an annotation rejected, "
        "fixed and then approved still adds 1."
    ),
    "approval_rate": (
        "First-pass acceptance: of the labeler's annotations reviewed in the window, the share "
        "approved and never rejected (all history to the end of the window). Blank when none."
    ),
}

_ITEMS: dict[str, str] = {
    "task": _EVENTS["task"],
    "label_time": "Active time of everyone's labeling events on the item in the window.",
    "review_time": "Active time of everyone's review events on the item in the window.",
    "edit_time": "Active time of everyone's edits of others' annotations on the item.",
    "rejected": "Rejection events on the item's annotations in the window, by anyone.",
    "frames": "The item's frames (video or image sequence), as last reported.",
    "annotations": "Regions on the item now: each live annotation's latest region count, summed.",
}

# The member page's Time section: one row per set of work, lead, active and idle time side by
# side ("time" is the section's own help).
TIME_HELP: Final = MappingProxyType(
    {
        "time": (
            "Lead time counts every minute of a working session, idle time included (the member "
            "report's Total time and Review time); active time leaves idle time out (what the "
            "Work page shows); idle time is the difference."
        ),
        "annotations": (
            "The submitted annotations of the cards above (completed in the window): Lead time "
            "is their Total time, idle time included; Active leaves idle time out; Idle is the "
            "difference."
        ),
        "label": (
            "Every labeling event of the member in the window, as the Work page counts it: its "
            "Label time is the Active time here. It differs from the row above by what it "
            "counts: Labeled counts items labeled in the window (skips, drafts and annotations "
            "since rejected included), Submitted counts annotations completed in the window and "
            "not skipped, rejected or deleted."
        ),
        "review": (
            "Every review event of the member in the window: Lead time is the report's Review "
            "time (idle included), Active is the Work page's Review time."
        ),
        "edit": "Changes to other members' annotations in the window: Active is Work's Edit time.",
    }
)

# The overview's own totals (web/overview.py); its other totals use the reports' texts.
_OVERVIEW: dict[str, str] = {
    "rejection_rate": (
        "1 − acceptance rate: the share of reviewed submitted annotations whose latest review "
        "is a rejection."
    ),
    "active_members": "Members in your scope with any annotation or review in the window.",
}

# The team's throughput per day (the overview's chart): the members and reviewers tables' rows
# by the day they fall on, so each column's total is those tables' total.
_THROUGHPUT: dict[str, str] = {
    "submitted": (
        "Annotations completed that day and not skipped: the members table's Submitted, by the "
        "day of completion in the report's time zone."
    ),
    "skipped": "Annotations skipped that day, by the day they were completed.",
    "reviews": "Review actions taken that day: accepted + rejected + fixed and accepted.",
    "reviews_accepted": "Reviews that accepted an annotation, taken that day.",
    "reviews_rejected": "Reviews that rejected an annotation, taken that day.",
    "reviews_fixed_and_accepted": (
        "Reviews that corrected an annotation and then accepted it, taken that day."
    ),
}

# ---- FLAGS (issue 16): quality flags (metrics/flags.py, docs/metrics-beyond.md) ----
_FLAGS: dict[str, str] = {
    "rule": (
        "Which rule flagged the member: too_fast, rejection_rate, fix_rate, throughput_drop, "
        "score_drop or rubber_stamp (each documented with its default)."
    ),
    "reason": "Why the member is flagged, in words, with the figures behind it.",
    "value": (
        "The member's own figure the rule judged: too-fast annotations, a rate, annotations "
        "submitted, a performance score, or a share of accepts (the rule says which)."
    ),
    "baseline": (
        "What the figure was compared with: the fraction of the project median, the team's "
        "rate, the previous window's figure, or the median review time in seconds."
    ),
    "basis": (
        "How much work the flag rests on: annotations submitted or reviewed, or review actions."
    ),
}
_FLAGGED: dict[str, str] = {
    "task": _EVENTS["task"],
    "annotation": _EVENTS["annotation"],
    "completed_at": "When the author last submitted, updated or skipped the annotation.",
    "time": (
        "The annotation's lead time: its author's working sessions on it, drafts and idle "
        "time included."
    ),
    "project_median": (
        "The median lead time of the project's submitted annotations completed in the window "
        "(every member's)."
    ),
    "ratio": "The annotation's time as a share of its project's median (under 20% by default).",
    "project_annotations": (
        "Submitted annotations of the project completed in the window: the median's basis "
        "(at least 20)."
    ),
}
# ---- end FLAGS ----

# Insights by date and by project add up the labeler × project rows; rates are recomputed.
_INSIGHTS_SUMMED: dict[str, str] = {
    key: text if key == "approval_rate" else f"Summed over the labelers in scope: {text}"
    for key, text in _INSIGHTS.items()
}

# ---- FC (deadline forecasts, issue 16: docs/metrics-beyond.md) ----
_FC_DONE = (
    "Tasks with at least one annotation counted as submitted (latest action submitted, updated, "
    "accepted or fixed-and-accepted), completed by the end of the window's last day; each task "
    "once, on the day of its earliest such completion."
)
_FORECAST: dict[str, str] = {
    "tasks": "The number of tasks the project has to do, from its directory record (or the "
    "Label Studio sync).",
    "deadline": "The date the project should be finished by, from its directory record.",
    "done": _FC_DONE,
    "remaining": "Tasks minus done, never below 0; blank when the project has no task count.",
    "daily_throughput": "Mean tasks done per day over the last forecast_days days (default 14) "
    "up to the window's last day, in the organisation's time zone; days without work count 0.",
    "throughput_spread": "The standard deviation of those daily counts: the range of the "
    "finish date is the remaining tasks at the mean plus and minus this many per day.",
    "expected_finish": "The window's last day plus the remaining tasks divided by the mean "
    "daily throughput, rounded up to whole days. Blank when done or with no throughput.",
    "earliest_finish": "The finish date at the mean plus one standard deviation a day: the "
    "fast end of the range. Blank when done or with no throughput.",
    "latest_finish": "The finish date at the mean minus one standard deviation a day: the slow "
    "end of the range. Blank (open) when that rate is 0 or less.",
    "status": "done; on track (even the slow end meets the deadline); at risk (the deadline "
    "lies inside the range); late (even the fast end misses it); no deadline; no data (no task "
    "count).",
}
_FORECAST_MEMBERS: dict[str, str] = {
    "done": "Done tasks this member carried: those whose earliest submitted annotation "
    "(the one that made the task done) is theirs; each task counts for one member only.",
    "share": "The member's done tasks over the project's done tasks in scope.",
}
# ---- end FC ----
# ---- PAY: the pay report and its audit list (docs/metrics-beyond.md, Pay) ----
_PAY: dict[str, str] = {
    "currency": "The currency of the rate the work was priced at; blank for work with no rate.",
    "accepted": (
        "The member's annotations completed in the period whose latest action is accepted or "
        "fixed-and-accepted, each once, on the day they were completed."
    ),
    "active_hours": (
        "Hours of the member's active time (without idle time) on label, review and edit work "
        "in the period."
    ),
    "regions": (
        "Regions the member added (submitted and updated events) on their accepted annotations."
    ),
    "earned": (
        "What the quantities earned at the rate in effect on each day (the member's rate for "
        "the project, else their rate for every project), rounded half-up to cents."
    ),
    "adjustment": (
        "Late changes to closed periods ending before this one: their figures now minus what "
        "was paid for them. In a closed period, the adjustments its closing paid."
    ),
    "amount": "Earned plus adjustment: what is owed for the period, in its currency.",
    "note": "Says 'no rate' when some of the work had no rate in effect (its amount is 0).",
}
_PAY_LINES: dict[str, str] = {
    "task": "The item (task) the annotation or the active time belongs to.",
    "annotation": "The accepted annotation this line pays for; blank for a line of active time.",
    "quantity": (
        "What the line pays for: an accepted annotation, its regions, or active hours on the "
        "item that day."
    ),
    "count": "How much of it: 1 annotation, the number of regions, or the hours (a fraction).",
    "rate": "The price per unit of the rate in effect that day; blank when no rate applies.",
    "currency": "The currency of that rate; blank when no rate applies.",
    "amount": (
        "Quantity times rate, to six places: lines are not rounded, the pay report's row "
        "(the sum of its lines) is rounded half-up to cents."
    ),
    "note": "Says 'no rate' when no rate of the member applied on that day (amount 0).",
}
# ---- end PAY ----

_BY_REPORT: dict[str, dict[str, str]] = {
    "overview": _OVERVIEW,
    "insights_daily": _INSIGHTS_SUMMED,
    "insights_projects": _INSIGHTS_SUMMED,
    "throughput": _THROUGHPUT,
    "member": _MEMBER,
    "timeline": _TIMELINE,
    "comments": _COMMENTS,
    "members": _MEMBERS,
    "reviewers": _REVIEWERS,
    "insights": _INSIGHTS,
    "work": _WORK,
    "items": _ITEMS,
    # FLAGS (issue 16)
    "flags": _FLAGS,
    "flagged_annotations": _FLAGGED,
    # FC (deadline forecasts)
    "forecast": _FORECAST,
    "forecast_members": _FORECAST_MEMBERS,
    "pay": _PAY,  # PAY
    "pay_lines": _PAY_LINES,  # PAY
}

# (report, key) → help text; report "*" applies to every report with that key.
HELP: MappingProxyType[tuple[str, str], str] = MappingProxyType(
    {(report, key): text for report, texts in _BY_REPORT.items() for key, text in texts.items()}
)


def help_for(report: str, key: str) -> str | None:
    """The help text of a figure, or None."""
    return HELP.get((report, key)) or HELP.get(("*", key))
