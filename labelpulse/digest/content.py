"""What one person's digest says: their scope's week, every figure a registry report run as
them (`access.reports.report_for`), so a manager's digest is cut to their projects.

- totals: the team's figures of the week and their change against the week before, read and
  worded as the overview does (`metrics.team`);
- busiest: the members with the most annotations submitted in the week;
- flags: the `flags` report's rows, when the registry has that report;
- forecasts at risk: the `forecast` report's rows whose status is "at risk" or "late", when
  the registry has that report.
A section whose report the registry lacks is None (left out), never made up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from labelpulse.access.policy import Viewer, viewer_for, visible_projects
from labelpulse.access.reports import report_for
from labelpulse.config import Settings
from labelpulse.digest.week import Week
from labelpulse.errors import ForbiddenError, UsageError
from labelpulse.metrics import REPORTS, Directory
from labelpulse.store.base import Store
from labelpulse.team import Total, team_figures, totals

# Whose digest it is: the roles that oversee others' work.
RECIPIENT_ROLES = ("owner", "admin", "manager")
# The busiest list names at most this many members.
BUSIEST = 5
# A forecast row is "at risk" with one of these statuses (the forecast report's words).
AT_RISK = ("at risk", "late")
FLAGS_REPORT = "flags"
FORECAST_REPORT = "forecast"


@dataclass(frozen=True)
class Digest:
    """One person's week. `flags` and `at_risk` are None when the registry lacks the report."""

    viewer: Viewer
    scope: str
    week: Week
    tz: str
    totals: list[Total]
    busiest: list[dict[str, Any]]
    flags: list[dict[str, Any]] | None
    at_risk: list[dict[str, Any]] | None


def recipients(directory: Directory) -> list[Viewer]:
    """Every owner, admin and manager (with or without an email), owners first, then by name."""
    order = {role: n for n, role in enumerate(RECIPIENT_ROLES)}
    found = [
        viewer_for(directory, member)
        for member, row in directory.members.items()
        if row["role"] in RECIPIENT_ROLES
    ]
    return sorted(found, key=lambda v: (order[v.role], v.name.lower(), v.id))


def viewer_named(directory: Directory, member: str) -> Viewer:
    """The viewer of a member id (or name, as `--member` takes it)."""
    try:
        return viewer_for(directory, directory.resolve_member(member))
    except ForbiddenError as exc:
        raise UsageError(f"no member {member!r} in the directory") from exc


def scope_words(viewer: Viewer, directory: Directory) -> str:
    """Whose work the digest covers, in words: the organisation, or the projects by name."""
    projects = visible_projects(viewer, directory)
    if projects is None:
        return "the whole organisation"
    if not projects:
        return "no project (you belong to none)"
    names = sorted(str(directory.projects.get(p, {}).get("name") or p) for p in projects)
    return ("project " if len(names) == 1 else "projects ") + ", ".join(names)


def digest_for(
    store: Store, viewer: Viewer, week: Week, settings: Settings, directory: Directory
) -> Digest:
    """`viewer`'s digest of `week`, every figure as they may see it."""
    tz = settings.timezone

    def run(name: str, of: Week) -> dict[str, Any]:
        return report_for(
            store,
            viewer,
            name,
            start=of.start.isoformat(),
            end=of.end.isoformat(),
            tz=tz,
            settings=settings,
        )

    members = run("members", week)
    now = team_figures(members, run("reviewers", week))
    before = team_figures(run("members", week.previous), run("reviewers", week.previous))
    busiest = sorted(
        (row for row in members["rows"] if int(row["submitted"]) > 0),
        key=lambda row: (-int(row["submitted"]), str(row["member_name"]).lower()),
    )[:BUSIEST]
    flags = run(FLAGS_REPORT, week)["rows"] if FLAGS_REPORT in REPORTS else None
    at_risk = None
    if FORECAST_REPORT in REPORTS:
        rows = run(FORECAST_REPORT, week)["rows"]
        at_risk = [row for row in rows if str(row.get("status", "")).lower() in AT_RISK]
    return Digest(
        viewer=viewer,
        scope=scope_words(viewer, directory),
        week=week,
        tz=tz,
        totals=totals(now, before, tz, week.previous.span),
        busiest=busiest,
        flags=flags,
        at_risk=at_risk,
    )
