"""Every report once: its name, kind, help, compute function and columns.

The API routes, the CLI commands, the exports' headers, the pages' tables and the value
formatter all read `SPECS`; adding a report is one module with its compute function plus one
entry here. The CLI builds its commands from this module at start-up, so it stays light: each
compute function is named by a "module:function" string, imported (with Ibis and the store)
only when the report first runs.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from labelpulse.config import Settings
    from labelpulse.metrics.scope import Scope, Window
    from labelpulse.store.base import Store
    from labelpulse.store.directory import Directory

# id, name, text and date are shown as they are; count, number, duration, score and datetime
# are formatted (see `labelpulse.readable.format_value`).
ColumnKind = Literal[
    "id", "name", "text", "date", "count", "number", "duration", "score", "datetime"
]
# A member report is about one member (who must be named); a table report has a row per thing.
ReportKind = Literal["member", "table"]


@dataclass(frozen=True)
class Column:
    """One column of a report: its JSON key, the header people read, and the kind of value."""

    key: str
    label: str
    kind: ColumnKind = "count"
    # The terminal's narrower header, where the key's own words are not short or clear enough.
    short: str | None = None

    @property
    def terminal_label(self) -> str:
        return self.short or self.key.replace("_name", "").replace("_", " ")


@dataclass(frozen=True)
class Paging:
    """Which rows of a paged report (`ReportSpec.paged`), in which order.

    `sort` is a sort key of the report (`ReportSpec.sort_keys`), None for the report's own
    order; `limit` None means every row from `offset` on. With `stream`, the report's rows are
    a one-pass iterator read from the store in batches as it is consumed: what the exports
    write, in bounded memory, however many rows there are.
    """

    sort: str | None = None
    descending: bool = False
    limit: int | None = None
    offset: int = 0
    search: str | None = None
    stream: bool = False


@dataclass(frozen=True)
class ReportInput:
    """What every compute function gets: the question, already scoped by the caller."""

    store: Store
    window: Window
    scope: Scope
    directory: Directory
    member: str | None
    settings: Settings
    paging: Paging = Paging()


@dataclass(frozen=True)
class ReportSpec:
    """One report: what it is called everywhere, what it needs, and what its tables hold."""

    name: str
    kind: ReportKind
    title: str  # the API route's summary
    help: str  # the CLI command's help
    # "module:function": a function of a `ReportInput`, imported when the report first runs.
    compute: str
    # The rows' columns, in the exports' order (none for the member report, which has no rows).
    columns: tuple[Column, ...]
    # The member report's daily table, and its summary figures keyed "section.figure".
    daily: tuple[Column, ...] = ()
    figures: tuple[Column, ...] = ()
    # The last segment of /api/members/{id}/... for a member report.
    path: str = ""
    # Sorted, searched and paged in SQL (`Paging`): the keys it sorts by beyond its columns.
    paged: bool = False
    extra_sort_keys: tuple[str, ...] = ()
    # Who may see it: "everyone" (cut to their scope), or "pay": owners and admins, and
    # managers when the `pay_visible_to_managers` setting allows (PAY, `access.reports`).
    audience: Literal["everyone", "pay"] = "everyone"

    def run(self, q: ReportInput) -> dict[str, Any]:
        module, _, function = self.compute.partition(":")
        computed: dict[str, Any] = getattr(importlib.import_module(module), function)(q)
        return computed

    def column(self, key: str) -> Column:
        return next(c for c in (*self.columns, *self.daily, *self.figures) if c.key == key)

    def measures(self) -> tuple[str, ...]:
        """The keys of the figures in each row: every column but ids, names, dates and times."""
        words = ("id", "name", "text", "date", "datetime")
        return tuple(c.key for c in self.columns if c.kind not in words)

    @property
    def sort_keys(self) -> tuple[str, ...]:
        """What a paged report sorts by: any of its columns, and its extra sort keys."""
        return (*(c.key for c in self.columns), *self.extra_sort_keys)

    def pick(self, *keys: str) -> tuple[Column, ...]:
        """Some columns, in the order given: what a page shows of the report."""
        return tuple(self.column(key) for key in keys)


MEMBER_ID = Column("member", "Member id", "id")
PROJECT_ID = Column("project", "Project id", "id")
PROJECT = Column("project_name", "Project", "name")
FIXED = Column("fixed_and_accepted", "Fixed + accepted", short="fixed+accepted")
MEAN_TIME = Column("mean_time", "Average time", "duration", short="mean")
# The insights figures: per labeler and project, and summed per date or per project.
INSIGHT_FIGURES = (
    Column("items_labeled", "Items labeled"),
    Column("annotations_added", "Added"),
    Column("annotations_removed", "Removed"),
    Column("annotations_updated", "Updated"),
    Column("net_annotations", "Net annotations"),
    Column("model_assisted", "Model assisted"),
    Column("marked_null", "Marked null"),
    Column("approved", "Approved"),
    Column("rejected", "Rejected"),
    Column("approval_rate", "Approval rate", "score"),
)
MEDIAN_TIME = Column("median_time", "Median time", "duration", short="median")

SPECS: dict[str, ReportSpec] = {
    spec.name: spec
    for spec in (
        ReportSpec(
            "member",
            "member",
            "A member's performance report (seed 000's Annotator Dashboard)",
            "One member's performance report: annotations, reviews, and every day of the window.",
            "labelpulse.metrics.member:member_report",
            (),
            daily=(
                Column("date", "Date", "date"),
                Column("submitted", "Submitted"),
                Column("updated", "Updated"),
                Column("skipped", "Skipped"),
                Column("total_time", "Total time", "duration"),
                Column("total_time_median", "Total time (median)", "duration", "total (median)"),
                MEDIAN_TIME,
                MEAN_TIME,
                Column("reviews_accepted", "Accepted", short="accepted"),
                Column("reviews_rejected", "Rejected", short="rejected"),
                Column("reviews_fixed_and_accepted", "Fixed + accepted", short="fixed"),
                Column("review_time", "Review time", "duration"),
            ),
            figures=(
                Column("annotations.submitted", "Submitted"),
                Column("annotations.updated", "Updated"),
                Column("annotations.skipped", "Skipped"),
                Column("annotations.rejected", "Rejected"),
                Column("annotations.accepted", "Accepted"),
                Column("annotations.fixed_and_accepted", "Fixed + accepted"),
                Column("annotations.total_time", "Total time", "duration"),
                Column("annotations.median_time", "Time per annotation (median)", "duration"),
                Column("annotations.mean_time", "Time per annotation (average)", "duration"),
                Column("annotations.total_time_median", "Total time (median)", "duration"),
                Column("annotations.active_time", "Active time", "duration"),
                Column("annotations.performance_score", "Performance score", "score"),
                Column("annotations.acceptance_score", "Acceptance score", "score"),
                Column("reviews.total", "Reviews"),
                Column("reviews.accepted", "Accepted"),
                Column("reviews.rejected", "Rejected"),
                Column("reviews.fixed_and_accepted", "Fixed + accepted"),
                Column("reviews.review_time", "Review time", "duration"),
                Column("reviews.mean_review_time", "Average per review", "duration"),
                Column("reviews.median_review_time", "Median per review", "duration"),
                # The member's row of the Work report, and the idle time beside each time.
                Column("work.labeled", "Labeled"),
                Column("work.label_time", "Label time (active)", "duration"),
                Column("work.label_idle_time", "Label idle time", "duration"),
                Column("work.mean_label_time", "Average label time", "duration"),
                Column("work.reviewed", "Reviewed"),
                Column("work.review_time", "Review time (active)", "duration"),
                Column("work.review_idle_time", "Review idle time", "duration"),
                Column("work.mean_review_time", "Average review time", "duration"),
                Column("work.edited", "Edited"),
                Column("work.edit_time", "Edit time (active)", "duration"),
                Column("work.edit_idle_time", "Edit idle time", "duration"),
                Column("work.mean_edit_time", "Average edit time", "duration"),
            ),
            path="report",
        ),
        ReportSpec(
            "timeline",
            "member",
            "Every event of a member in the window, oldest first",
            "Every action of one member in the window, oldest first.",
            "labelpulse.metrics.timeline:timeline",
            (
                Column("time", "Time", "datetime"),
                Column("started_at", "Started at", "datetime"),
                Column("type", "Type", "text"),
                PROJECT_ID,
                PROJECT,
                Column("task", "Item", "id"),
                Column("annotation", "Annotation", "id"),
                # An event's own seconds, shown as the number they are (86.48).
                Column("duration", "Duration (s)", "number"),
                Column("idle", "Idle (s)", "number"),
                Column("regions_added", "Regions added"),
                Column("regions_removed", "Regions removed"),
                Column("regions_updated", "Regions updated"),
            ),
            path="timeline",
        ),
        ReportSpec(
            "comments",
            "member",
            "Comments others left on a member's annotations",
            "Comments that others left on one member's annotations.",
            "labelpulse.metrics.timeline:comments_received",
            (
                Column("time", "Time", "datetime"),
                Column("from", "From id", "id"),
                Column("from_name", "From", "name"),
                PROJECT_ID,
                PROJECT,
                Column("task", "Item", "id"),
                Column("annotation", "Annotation", "id"),
                Column("text", "Comment", "text"),
            ),
            path="comments",
        ),
        ReportSpec(
            "members",
            "table",
            "The members table: one row per member with work in the window",
            "The members table: each member's annotation figures, with totals.",
            "labelpulse.metrics.performance:members_table",
            (
                MEMBER_ID,
                Column("member_name", "Member", "name"),
                Column("submitted", "Submitted"),
                Column("updated", "Updated"),
                Column("skipped", "Skipped"),
                Column("accepted", "Accepted"),
                FIXED,
                Column("rejected", "Rejected"),
                Column("acceptance_score", "Acceptance", "score"),
                Column("performance_score", "Performance", "score"),
                Column("total_time", "Total time", "duration"),
                MEAN_TIME,
                MEDIAN_TIME,
                Column("active_time", "Active time", "duration"),
                Column("last_active", "Last active", "datetime"),
            ),
        ),
        ReportSpec(
            "reviewers",
            "table",
            "The reviewers table: one row per member who reviewed in the window",
            "The reviewers table: each member's review actions and times.",
            "labelpulse.metrics.performance:reviewers_table",
            (
                MEMBER_ID,
                Column("member_name", "Member", "name"),
                Column("total", "Reviews"),
                Column("accepted", "Accepted"),
                Column("rejected", "Rejected"),
                FIXED,
                Column("review_time", "Review time", "duration"),
                Column("mean_review_time", "Average per annotation", "duration"),
                Column("median_review_time", "Median per annotation", "duration"),
            ),
        ),
        ReportSpec(
            "throughput",
            "table",
            "The team's throughput per day: annotations completed and review actions",
            "Per day with work: annotations submitted and skipped, review actions by kind.",
            "labelpulse.metrics.performance:throughput_table",
            (
                Column("date", "Date", "date"),
                Column("submitted", "Submitted"),
                Column("skipped", "Skipped"),
                Column("reviews", "Reviews"),
                Column("reviews_accepted", "Accepted", short="accepted"),
                Column("reviews_rejected", "Rejected", short="rejected"),
                Column("reviews_fixed_and_accepted", "Fixed + accepted", short="fixed"),
            ),
        ),
        ReportSpec(
            "insights",
            "table",
            "Annotation insights per labeler and project (seed 002)",
            "Per labeler and project: items, annotations, approvals, rejections.",
            "labelpulse.metrics.insights:insights_table",
            (
                MEMBER_ID,
                Column("member_name", "Labeler", "name"),
                PROJECT_ID,
                PROJECT,
                *INSIGHT_FIGURES,
            ),
        ),
        ReportSpec(
            "insights_daily",
            "table",
            "Annotation insights by date: the insights figures summed per day",
            "Per date of the window: insights figures over the labelers and projects in scope.",
            "labelpulse.metrics.insights_views:insights_daily",
            (Column("date", "Date", "date"), *INSIGHT_FIGURES),
        ),
        ReportSpec(
            "insights_projects",
            "table",
            "Annotation insights per project: each project's subtotal",
            "Per project: insights figures summed over the labelers in scope.",
            "labelpulse.metrics.insights_views:insights_projects",
            (PROJECT_ID, PROJECT, *INSIGHT_FIGURES),
        ),
        ReportSpec(
            "work",
            "table",
            "Labeling, review and edit work per member (seed 003)",
            "Per member: label, review and edit counts and active times.",
            "labelpulse.metrics.workunits:work_table",
            (
                MEMBER_ID,
                Column("member_name", "Member", "name"),
                Column("labeled", "Labeled"),
                Column("label_time", "Label time", "duration"),
                Column("mean_label_time", "Average label time", "duration"),
                Column("reviewed", "Reviewed"),
                Column("review_time", "Review time", "duration"),
                Column("mean_review_time", "Average review time", "duration"),
                Column("edited", "Edited"),
                Column("edit_time", "Edit time", "duration"),
                Column("mean_edit_time", "Average edit time", "duration"),
            ),
        ),
        ReportSpec(
            "items",
            "table",
            "Time spent per item (seed 003)",
            "Per item: label, review and edit time, rejections, frames, annotations.",
            "labelpulse.metrics.items:items_table",
            (
                PROJECT_ID,
                PROJECT,
                Column("task", "Item", "id"),
                Column("label_time", "Label time", "duration"),
                Column("review_time", "Review time", "duration"),
                Column("edit_time", "Edit time", "duration"),
                Column("rejected", "Rejections"),
                Column("frames", "Frames"),
                Column("annotations", "Annotations"),
            ),
            paged=True,
            # Label, review and edit time together: what the Work page shows items by.
            extra_sort_keys=("total_time",),
        ),
        # ---- FLAGS (issue 16): quality flags, per member and per annotation ----
        ReportSpec(
            "flags",
            "table",
            "Quality flags: one row per member flag, with the reason in words",
            "Quality flags: members whose work to look at, each rule with its figures.",
            "labelpulse.metrics.flags:flags_table",
            (
                MEMBER_ID,
                Column("member_name", "Member", "name"),
                Column("rule", "Rule", "text"),
                Column("reason", "Reason", "text"),
                Column("value", "Value", "number"),
                Column("baseline", "Compared with", "number", short="compared with"),
                Column("basis", "Out of"),
            ),
        ),
        ReportSpec(
            "flagged_annotations",
            "table",
            "Too-fast annotations: under a share of their project's median time",
            "Annotations completed much faster than their project's median time.",
            "labelpulse.metrics.flags:flagged_annotations",
            (
                PROJECT_ID,
                PROJECT,
                Column("task", "Item", "id"),
                Column("annotation", "Annotation", "id"),
                MEMBER_ID,
                Column("member_name", "Member", "name"),
                Column("completed_at", "Completed at", "datetime"),
                Column("time", "Time", "duration"),
                Column("project_median", "Project median", "duration", short="median"),
                Column("ratio", "Share of median", "score", short="share"),
                Column("project_annotations", "Project annotations", short="of"),
            ),
        ),
        # ---- end FLAGS ----
        # ---- FC (deadline forecasts, issue 16: docs/metrics-beyond.md) ----
        ReportSpec(
            "forecast",
            "table",
            "Deadline forecasts: per project, done and remaining tasks, throughput, finish dates",
            "Per project: tasks done and remaining, daily throughput, expected finish, status.",
            "labelpulse.metrics.forecast:forecast_table",
            (
                PROJECT_ID,
                PROJECT,
                Column("tasks", "Tasks"),
                Column("deadline", "Deadline", "date"),
                Column("done", "Done"),
                Column("remaining", "Remaining"),
                Column("daily_throughput", "Per day", "number", short="per day"),
                Column("throughput_spread", "Spread per day", "number", short="spread"),
                Column("expected_finish", "Expected finish", "date", short="expected"),
                Column("earliest_finish", "Earliest finish", "date", short="earliest"),
                Column("latest_finish", "Latest finish", "date", short="latest"),
                Column("status", "Status", "text"),
            ),
        ),
        ReportSpec(
            "forecast_members",
            "table",
            "Deadline forecasts per member: the done tasks each member carried, per project",
            "Per project and member: done tasks the member carried, and their share.",
            "labelpulse.metrics.forecast:forecast_members",
            (
                PROJECT_ID,
                PROJECT,
                MEMBER_ID,
                Column("member_name", "Member", "name"),
                Column("done", "Done"),
                Column("share", "Share", "score"),
            ),
        ),
        # ---- end FC ----
        # ---- PAY: the pay report and its audit list (issue 16) ----
        ReportSpec(
            "pay",
            "table",
            "Pay per member and project: quantities, amounts and adjustments",
            "Pay per member, project and currency: accepted annotations, active hours, "
            "regions, the amount they earned, adjustments for closed periods, totals per "
            "currency.",
            "labelpulse.metrics.pay_report:pay_table",
            (
                MEMBER_ID,
                Column("member_name", "Member", "name"),
                PROJECT_ID,
                PROJECT,
                Column("currency", "Currency", "text"),
                Column("accepted", "Accepted annotations", short="accepted"),
                Column("active_hours", "Active hours", "number", short="hours"),
                Column("regions", "Regions"),
                Column("earned", "Earned", "number"),
                Column("adjustment", "Adjustment", "number"),
                Column("amount", "Amount", "number"),
                Column("note", "Note", "text"),
            ),
            audience="pay",
        ),
        ReportSpec(
            "pay_lines",
            "table",
            "The pay audit list: every annotation and time that earned an amount",
            "Every accepted annotation, its regions, and each item-day of active time that "
            "earned pay in the window, with the rate and amount (paged).",
            "labelpulse.metrics.pay:pay_lines_table",
            (
                Column("date", "Date", "date"),
                MEMBER_ID,
                Column("member_name", "Member", "name"),
                PROJECT_ID,
                PROJECT,
                Column("task", "Item", "id"),
                Column("annotation", "Annotation", "id"),
                Column("quantity", "Earned for", "text"),
                Column("count", "Quantity", "number"),
                Column("rate", "Rate", "text"),
                Column("currency", "Currency", "text"),
                Column("amount", "Amount", "text"),
                Column("note", "Note", "text"),
            ),
            paged=True,
            audience="pay",
        ),
        # ---- end PAY ----
    )
}
