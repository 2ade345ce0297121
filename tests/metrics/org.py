"""Small hand-built organisations: short event builders and a report call with fixed settings."""

from __future__ import annotations

from typing import Any

from labelpulse.config import Settings
from labelpulse.ingest import ingest_records
from labelpulse.metrics import report
from labelpulse.store import Store
from labelpulse.store.check import check_state

YEAR = "2026"


def at(when: str) -> str:
    """`"03-02 10:00"` (or `"03-02 10:00:30"`) as `2026-03-02T10:00:00Z`; full times pass."""
    if "T" in when:
        return when
    day, clock = when.split(" ")
    if clock.count(":") == 1:
        clock += ":00"
    return f"{YEAR}-{day}T{clock}Z"


def ev(
    kind: str, when: str, actor: str, annotation: str, *, project: str = "p1", **fields: Any
) -> dict[str, Any]:
    """An event: `kind` is the type without its prefix when unambiguous (`submitted`, ...)."""
    prefix = {
        "draft": "annotation.",
        "submitted": "annotation.",
        "updated": "annotation.",
        "skipped": "annotation.",
        "deleted": "annotation.",
        "accepted": "review.",
        "rejected": "review.",
        "fixed_and_accepted": "review.",
        "viewed": "review.",
        "comment": "",
    }[kind]
    record: dict[str, Any] = {
        "type": "comment.created" if kind == "comment" else prefix + kind,
        "time": at(when),
        "actor": actor,
        "project": project,
        "task": fields.pop("task", "t-" + annotation),
        "annotation": annotation,
    }
    if kind == "comment":
        record["text"] = fields.pop("text", "a comment")
    record.update(fields)
    return record


def member(member_id: str, name: str, role: str = "annotator") -> dict[str, Any]:
    return {"kind": "member", "id": member_id, "name": name, "role": role}


def project(project_id: str, name: str, workspace: str | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {"kind": "project", "id": project_id, "name": name}
    if workspace is not None:
        record["workspace"] = workspace
    return record


def workspace(workspace_id: str, name: str) -> dict[str, Any]:
    return {"kind": "workspace", "id": workspace_id, "name": name}


def load(store: Store, *records: dict[str, Any]) -> None:
    """Ingest records; events without an id get `e001`, `e002`, ... by position."""
    numbered = []
    for number, record in enumerate(records, start=1):
        if "kind" not in record and "id" not in record:
            record = {"id": f"e{number:03d}", **record}
        numbered.append(record)
    ingest_records(store, numbered)
    assert check_state(store).differences == 0


def run(
    store: Store,
    name: str,
    start: str = "2026-03-01",
    end: str = "2026-03-31",
    *,
    tz: str = "UTC",
    credit: float = 0.5,
    **params: Any,
) -> dict[str, Any]:
    """A report over `start`..`end` with explicit settings (no environment involved)."""
    return report(
        store,
        name,
        start=start,
        end=end,
        tz=tz,
        settings=Settings(fix_accept_credit=credit),
        **params,
    )


def row_of(result: dict[str, Any], **keys: Any) -> dict[str, Any]:
    """The one row of a table report matching `keys`."""
    found: list[dict[str, Any]] = [
        r for r in result["rows"] if all(r.get(k) == v for k, v in keys.items())
    ]
    assert len(found) == 1, f"{len(found)} rows match {keys}: {result['rows']}"
    return found[0]


def day(result: dict[str, Any], date: str) -> dict[str, Any]:
    """The daily row of a member report for `date` (`"03-02"` or a full date)."""
    full = date if len(date) == 10 else f"{YEAR}-{date}"
    found: list[dict[str, Any]] = [r for r in result["daily"] if r["date"] == full]
    assert len(found) == 1, f"no single daily row for {full}"
    return found[0]
