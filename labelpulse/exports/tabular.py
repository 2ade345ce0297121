"""Reports as tables (name, columns, rows) and as CSV or JSON text."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from labelpulse.metrics.insights import INSIGHT_FIELDS
from labelpulse.metrics.performance import MEMBER_FIELDS, REVIEWER_FIELDS
from labelpulse.metrics.timeline import COMMENT_COLUMNS, TIMELINE_COLUMNS
from labelpulse.metrics.workunits import ITEM_FIELDS, WORK_FIELDS

Table = tuple[str, list[str], list[dict[str, Any]]]

MEMBER = ("member", "member_name")
PROJECT = ("project", "project_name")
# The columns of each table report, so that an empty table still has its header.
COLUMNS: dict[str, tuple[str, ...]] = {
    "members": (*MEMBER, *MEMBER_FIELDS, "last_active"),
    "reviewers": (*MEMBER, *REVIEWER_FIELDS),
    "insights": (*MEMBER, *PROJECT, *INSIGHT_FIELDS),
    "work": (*MEMBER, *WORK_FIELDS),
    "items": (*PROJECT, "task", *ITEM_FIELDS),
    "timeline": TIMELINE_COLUMNS,
    "comments": COMMENT_COLUMNS,
}


def report_tables(name: str, data: dict[str, Any]) -> list[Table]:
    """The tables a report consists of: a member report is a summary and a daily table."""
    if "annotations" in data:
        summary = [
            {"section": section, "figure": key, "value": value}
            for section in ("annotations", "reviews")
            for key, value in data[section].items()
        ]
        daily = data["daily"]
        return [
            ("summary", ["section", "figure", "value"], summary),
            ("daily", list(daily[0].keys()) if daily else ["date"], daily),
        ]
    rows = data["rows"]
    columns = list(rows[0].keys()) if rows else list(COLUMNS.get(name, ()))
    tables: list[Table] = [(name, columns, rows)]
    if data.get("totals") is not None:
        totals = {"row": "totals", **data["totals"]}
        tables.append(("totals", list(totals.keys()), [totals]))
    return tables


def report_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def report_csv(name: str, data: dict[str, Any]) -> str:
    """CSV text: each table of the report in turn, separated by a blank line."""
    out = io.StringIO()
    for number, (_, columns, rows) in enumerate(report_tables(name, data)):
        if number:
            out.write("\n")
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()
