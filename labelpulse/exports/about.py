"""What an export holds, as (field, value) lines: the "about" sheet of a workbook and the
`about.csv` of a ZIP. The file's own record of the question, since a table alone does not
say whose figures it holds, over which window, in which time zone."""

from __future__ import annotations

import datetime as dt
from typing import Any


def about_lines(
    name: str, data: dict[str, Any], generated: dt.datetime | None = None
) -> list[tuple[str, Any]]:
    """The report, its member, window, zone and filters; when it was made, if given."""
    window = data["window"]
    lines: list[tuple[str, Any]] = [("report", name)]
    if data.get("member"):
        member = data["member"]
        lines += [("member", member["id"]), ("member_name", member["name"])]
        lines.append(("member_role", member.get("role")))
    lines += [("from", dt.date.fromisoformat(window["from"]))]
    lines += [("to", dt.date.fromisoformat(window["to"])), ("time_zone", window["tz"])]
    scope = data.get("scope") or {}
    for key in ("workspaces", "projects", "members"):
        lines.append((key, ", ".join(scope.get(key) or []) or "all"))
    if generated is not None:
        lines.append(("generated_at", generated.astimezone(dt.UTC).isoformat(timespec="seconds")))
    lines.append(("times", f"Times are local to the window's time zone ({window['tz']})."))
    lines.append(("durations", "Durations are in seconds."))
    return lines
