"""Pay rates: who may read and write them, and writing them from a page, the API or the CLI.

Writing: owners and admins (and the CLI, the operator's) only, on every path: the ingest API
(`POST /api/rates`, `POST /api/events` with `kind: rate`) asks `owners.check_batch`, a file
import `owners.check_directory_records`, and the page, the CLI and `DELETE /api/rates` the
functions below. Reading: owners and admins; managers too when the `pay_visible_to_managers`
setting (PAY's) is on, cut to the rates that bear on their projects (`visible_rates`).
"""

from __future__ import annotations

from typing import Any

from labelpulse.access.owners import RATE_WRITERS, check_rates
from labelpulse.access.policy import Viewer, visible_projects
from labelpulse.errors import ForbiddenError, InvalidRecordsError, NotFoundError, RecordError
from labelpulse.events import Rate as RateRecord
from labelpulse.events import calendar_date, parse_directory_record
from labelpulse.metrics.rates import Rate
from labelpulse.store.base import EVERY_PROJECT, Store, rate_row
from labelpulse.store.directory import Directory

# The fields of a rate record, in the order forms and files show them.
RATE_FIELDS = ("member", "project", "effective", "currency", "per_hour", "per_accepted",
               "per_region")  # fmt: skip


def may_read_rates(viewer: Viewer, managers_too: bool) -> bool:
    """Owners and admins; managers when the pay setting lets them."""
    return viewer.role in RATE_WRITERS or (managers_too and viewer.role == "manager")


def check_may_read_rates(viewer: Viewer, managers_too: bool) -> None:
    if not may_read_rates(viewer, managers_too):
        who = "owners, admins and managers" if managers_too else "owners and admins"
        raise ForbiddenError(f"only {who} may see pay rates")


def check_may_write_rates(viewer: Viewer | None) -> None:
    if viewer is not None and viewer.role not in RATE_WRITERS:
        raise ForbiddenError("only owners and admins may write pay rates")


def visible_rates(viewer: Viewer, directory: Directory, rates: list[Rate]) -> list[Rate]:
    """The rates a viewer who may read rates sees: all of them for owners and admins; for a
    manager, the rates of their projects, and the every-project rates of the members of their
    projects (those rates pay for work in them)."""
    projects = visible_projects(viewer, directory)
    if projects is None:
        return list(rates)
    members = {m for m in directory.members if directory.member_projects(m) & projects}
    return [
        rate
        for rate in rates
        if (rate.project in projects) or (rate.project is None and rate.member in members)
    ]


class RateProblems(InvalidRecordsError):
    """A rate from a form or the CLI that breaks a rule: the problems by field."""

    def by_field(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for detail in self.details:
            out.setdefault(str(detail.get("field") or "form"), str(detail.get("rule")))
        return out


def rate_record(given: dict[str, Any], directory: Directory) -> RateRecord:
    """A rate record from what a form or the CLI gave (text or numbers; blank is left out),
    checked against the record's rules and the directory (a known member and project), or
    RateProblems naming each bad field."""
    record: dict[str, Any] = {"kind": "rate"}
    errors: list[RecordError] = []
    for name in RATE_FIELDS:
        value = given.get(name)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, ""):
            continue
        if name.startswith("per_") and isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                errors.append(RecordError(1, None, name, f"{value!r} is not a number"))
                continue
        if name == "currency" and isinstance(value, str):
            value = value.upper()
        record[name] = float(value) if name.startswith("per_") else value
    member = record.get("member")
    if isinstance(member, str):
        record["member"] = member = directory.resolve_member(member)
        if member not in directory.members:
            errors.append(RecordError(1, None, "member", f"no member {member!r} in the directory"))
    project = record.get("project")
    if isinstance(project, str) and project not in directory.projects:
        errors.append(RecordError(1, None, "project", f"no project {project!r} in the directory"))
    parsed = parse_directory_record(record, 1)
    if isinstance(parsed, list):
        errors += parsed
    if errors:
        raise RateProblems(
            "the rate was not saved",
            details=[
                {"field": e.field, "rule": e.rule, "message": f"{e.field or 'rate'}: {e.rule}"}
                for e in errors
            ],
        )
    assert isinstance(parsed, RateRecord)
    return parsed


def set_rate(store: Store, record: RateRecord, *, by: Viewer | None = None) -> None:
    """Store a rate (replacing the member's rate for the same project and date), the row the
    ingest API would write: owners, admins and the operator (`by` None) only."""
    check_may_write_rates(by)
    check_rates(by, [(1, record.member)])
    store.put("rates", rate_row(record))


def remove_rate(
    store: Store, member: str, project: str | None, effective: str, *, by: Viewer | None = None
) -> None:
    """Remove one rate: the member's for that project (None: every project) from that date."""
    check_may_write_rates(by)
    try:
        calendar_date(effective)
    except ValueError as exc:
        raise NotFoundError(f"no rate from {effective!r}: {exc}") from None
    removed = store.remove(
        "rates", member=member, project=project or EVERY_PROJECT, effective=effective
    )
    if not removed:
        scope = f"project {project!r}" if project else "every project"
        raise NotFoundError(f"no rate of {member!r} for {scope} from {effective}")
