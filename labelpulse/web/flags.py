"""Quality flags (issue 16): the /flags page, and the badge the members tables and the member
report show beside a flagged member.

Every role may open /flags; the access layer cuts it like every report: owners and admins see
every member's flags, managers those of their projects' work, annotators and reviewers only
their own (docs/decisions.md, "Quality flags"). One `flags` report per page, never one per row.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from labelpulse.access import Viewer
from labelpulse.metrics.flags import (
    DROP_MIN_SUBMITTED,
    DROP_SHARE,
    FAST_MEMBER_MIN,
    FAST_MEMBER_SHARE,
    FAST_MIN_ANNOTATIONS,
    RATE_FACTOR,
    RATE_MIN_POINTS,
    RATE_MIN_REVIEWED,
    SCORE_DROP_POINTS,
    SCORE_MIN_REVIEWS,
    STAMP_ACCEPT_SHARE,
    STAMP_MEDIAN_SECONDS,
    STAMP_MIN_REVIEWS,
)
from labelpulse.metrics.registry import SPECS
from labelpulse.web.auth import page_viewer
from labelpulse.web.pagekit import (
    Link,
    TableView,
    directory_of,
    export_links,
    filter_form,
    keep_query,
    nothing_because,
    scope_params,
    table_view,
    url,
)
from labelpulse.web.query import ReportQuery, report_query, run_report
from labelpulse.web.templating import page

router = APIRouter(include_in_schema=False)

Asker = Annotated[Viewer, Depends(page_viewer)]
Question = Annotated[ReportQuery, Depends(report_query)]

FLAGS_COLUMNS = SPECS["flags"].pick("member_name", "rule", "reason", "basis")
ANNOTATION_COLUMNS = SPECS["flagged_annotations"].pick(
    "project_name", "task", "annotation", "member_name", "completed_at", "time",
    "project_median", "ratio",
)  # fmt: skip
# The page shows at most this many too-fast annotations, fastest first; the exports hold all.
ANNOTATIONS_SHOWN = 50

# Each rule in words, as the page's legend says it (its defaults from metrics/flags.py).
RULE_LABELS = {
    "too_fast": "Too fast",
    "rejection_rate": "Rejection rate",
    "fix_rate": "Fix rate",
    "throughput_drop": "Throughput drop",
    "score_drop": "Score drop",
    "rubber_stamp": "Rubber stamp",
}


def _pct(value: float) -> str:
    return f"{value * 100:g}%"


def rule_words(fast_fraction: float) -> list[tuple[str, str]]:
    """(label, definition) of each rule, with the thresholds in force."""
    return [
        (
            "Too fast",
            f"an annotation completed in under {_pct(fast_fraction)} of its project's median "
            f"time per annotation over the window (projects with {FAST_MIN_ANNOTATIONS}+ "
            f"submitted annotations); a member, with {FAST_MEMBER_MIN}+ of them making "
            f"{_pct(FAST_MEMBER_SHARE)}+ of their submitted annotations.",
        ),
        (
            "Rejection rate / Fix rate",
            f"a member's share of reviewed annotations rejected (or fixed and accepted) at "
            f"least {RATE_FACTOR:g}× the team's and {RATE_MIN_POINTS * 100:g} points above it, "
            f"over {RATE_MIN_REVIEWED}+ reviewed annotations.",
        ),
        (
            "Throughput drop",
            f"submitted down by {_pct(DROP_SHARE)} or more from the member's previous window "
            f"of the same length ({DROP_MIN_SUBMITTED}+ then).",
        ),
        (
            "Score drop",
            f"performance score {SCORE_DROP_POINTS * 100:g} points or more below the previous "
            f"window's ({SCORE_MIN_REVIEWS}+ review actions in each).",
        ),
        (
            "Rubber stamp",
            f"a reviewer who accepted {_pct(STAMP_ACCEPT_SHARE)}+ of {STAMP_MIN_REVIEWS}+ review "
            f"actions with a median under {STAMP_MEDIAN_SECONDS:g} s per annotation.",
        ),
    ]


@dataclass(frozen=True)
class Badge:
    """A member's flags in the window, as the badge beside their name shows them."""

    count: int
    title: str
    href: str


def flags_href(q: ReportQuery, member: str | None = None) -> str:
    params = scope_params(q)
    if member is not None:
        params = [*params, ("member", member)]
    return url("/flags", params)


def badges(request: Request, viewer: Viewer, q: ReportQuery) -> dict[str, Badge]:
    """Each flagged member's badge, from one `flags` report of the page's question."""
    _, data = run_report(request, viewer, "flags", q)
    rules: dict[str, list[str]] = {}
    for row in data["rows"]:
        rules.setdefault(str(row["member"]), []).append(RULE_LABELS[row["rule"]].lower())
    out = {}
    for member, found in rules.items():
        words = "flag" if len(found) == 1 else "flags"
        title = f"{len(found)} quality {words}: {', '.join(found)}"
        out[member] = Badge(len(found), title, flags_href(q, member))
    return out


def with_badges(view: TableView, found: dict[str, Badge]) -> TableView:
    """A members or reviewers table (one row per member, its id the member's) with a badge in
    the member cell of each flagged member's row."""
    rows = []
    for row in view.rows:
        badge = found.get(row.id)
        if badge is not None:
            cells = [
                replace(c, badge=Link(f"⚑ {badge.count}", badge.href), badge_title=badge.title)
                if c.key == "member_name"
                else c
                for c in row.cells
            ]
            row = replace(row, cells=cells)
        rows.append(row)
    return replace(view, rows=rows)


def _rule_text(data: dict[str, Any]) -> dict[str, Any]:
    rows = [{**row, "rule": RULE_LABELS[row["rule"]]} for row in data["rows"]]
    return {**data, "rows": rows}


@router.get("/flags")
def flags_page(request: Request, viewer: Asker, query: Question) -> Response:
    q, flags = run_report(request, viewer, "flags", query)
    _, fast = run_report(request, viewer, "flagged_annotations", q)
    directory = directory_of(request)
    params = q.params()
    members = table_view(
        id="flags",
        title="Flagged members",
        columns=FLAGS_COLUMNS,
        data=_rule_text(flags),
        q=q,
        exports=export_links("/api/reports/flags", params),
        empty=nothing_because(viewer, directory, q, "flags"),
        request=request,
    )
    shown = fast["rows"][:ANNOTATIONS_SHOWN]
    note = None
    if len(fast["rows"]) > ANNOTATIONS_SHOWN:
        note = (
            f"The {ANNOTATIONS_SHOWN} fastest of {len(fast['rows']):,} against their project's "
            "median; the downloads hold every one."
        )
    annotations = table_view(
        id="flagged_annotations",
        title="Too-fast annotations",
        columns=ANNOTATION_COLUMNS,
        data=fast,
        rows=shown,
        q=q,
        exports=export_links("/api/reports/flagged_annotations", params),
        empty=nothing_because(viewer, directory, q, "too-fast annotations"),
        note=note,
    )
    fraction = request.app.state.settings.flag_fast_fraction
    return page(
        request,
        "flags.html",
        {
            "title": "Quality flags",
            "heading": "Quality flags",
            "intro": "Whose work to look at before it ships, and why. The team each member "
            "is compared with is everyone in the projects in view.",
            "nav": "flags",
            "q": q,
            "form": filter_form(request, viewer, keep_query(q), action="/flags"),
            "rules": rule_words(fraction),
            "tables": [members, annotations],
            "twin": url("/api/reports/flags", params),
        },
    )
