"""A digest as the plain text of an email (and a chat message), as HTML, and as JSON.

The JSON (`payload`) is what the webhook receives and `labelpulse digest --format json` prints:
`text` (the plain text, which chat tools such as Slack, Mattermost or Teams show), then the same
content as fields: `recipient`, `scope`, `week`, `totals`, `busiest`, `flags` and
`forecasts_at_risk` (null when this installation has no such report).
"""

from __future__ import annotations

import html
from typing import Any

from labelpulse.digest.content import Digest
from labelpulse.readable import NOTHING

# The text lists at most this many flags; the JSON holds them all.
SHOWN_FLAGS = 10


def subject(d: Digest) -> str:
    return f"labelpulse weekly digest, {d.week.span}: {d.scope}"


def _flag_line(row: dict[str, Any]) -> str:
    return f"{row.get('member_name') or row.get('member')}: {row.get('reason')}"


def _forecast_line(row: dict[str, Any]) -> str:
    finish = row.get("expected_finish") or NOTHING
    deadline = row.get("deadline") or "none"
    name = row.get("project_name") or row.get("project")
    return f"{name}: {row.get('status')}, expected to finish {finish}, deadline {deadline}"


def _busy_line(row: dict[str, Any]) -> str:
    return f"{row['member_name']}: {int(row['submitted']):,} submitted"


def sections(d: Digest) -> list[tuple[str, list[str], str]]:
    """(title, lines, what an empty list means) of each section the digest has."""
    out: list[tuple[str, list[str], str]] = [
        ("Busiest", [_busy_line(r) for r in d.busiest], "Nobody submitted an annotation."),
    ]
    if d.flags is not None:
        lines = [_flag_line(r) for r in d.flags[:SHOWN_FLAGS]]
        if len(d.flags) > SHOWN_FLAGS:
            lines.append(f"… and {len(d.flags) - SHOWN_FLAGS} more on the flags page.")
        out.append(("Flags", lines, "Nothing flagged."))
    if d.at_risk is not None:
        lines = [_forecast_line(r) for r in d.at_risk]
        out.append(("Forecasts at risk", lines, "Every project with a deadline is on track."))
    return out


def text(d: Digest) -> str:
    lines = [
        f"Weekly digest for {d.viewer.name}, {d.week.span} ({d.tz})",
        f"Scope: {d.scope}",
        "",
        "Totals",
    ]
    lines += [f"- {t.label}: {t.text} ({t.change})" for t in d.totals]
    for title, items, empty in sections(d):
        lines += ["", title]
        lines += [f"- {item}" for item in items] or [f"- {empty}"]
    return "\n".join(lines) + "\n"


def html_body(d: Digest) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><th align='left'>{e(t.label)}</th><td>{e(t.text)}</td><td>{e(t.change)}</td></tr>"
        for t in d.totals
    )
    parts = [
        f"<h1>Weekly digest, {e(d.week.span)}</h1>",
        f"<p>For {e(d.viewer.name)}. Scope: {e(d.scope)}. Time zone {e(d.tz)}.</p>",
        f"<h2>Totals</h2><table>{rows}</table>",
    ]
    for title, items, empty in sections(d):
        listed = "".join(f"<li>{e(item)}</li>" for item in items) or f"<li>{e(empty)}</li>"
        parts.append(f"<h2>{e(title)}</h2><ul>{listed}</ul>")
    return "<!doctype html><html><body>" + "".join(parts) + "</body></html>"


def payload(d: Digest) -> dict[str, Any]:
    return {
        "text": text(d),
        "subject": subject(d),
        "recipient": {
            "id": d.viewer.id,
            "name": d.viewer.name,
            "role": d.viewer.role,
            "email": d.viewer.email,
        },
        "scope": d.scope,
        "week": {
            "start": d.week.start.isoformat(),
            "end": d.week.end.isoformat(),
            "previous_start": d.week.previous.start.isoformat(),
            "previous_end": d.week.previous.end.isoformat(),
            "tz": d.tz,
        },
        "totals": [
            {"key": t.key, "label": t.label, "value": t.value, "text": t.text, "change": t.change}
            for t in d.totals
        ],
        "busiest": [
            {"member": r["member"], "member_name": r["member_name"], "submitted": r["submitted"]}
            for r in d.busiest
        ],
        "flags": d.flags,
        "forecasts_at_risk": d.at_risk,
    }
