"""Figures as a person reads them: 1 h 23 m, 87%, 1,204; a dash for nothing.

One formatter for every place that shows a value (terminal tables, pages), chosen by the kind
of the value's column in the report registry, never guessed from the column's name.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from labelpulse.metrics.registry import ColumnKind

NOTHING = "–"


def format_duration(seconds: float | None) -> str:
    """1 h 23 m, 4 m 05 s, 12.5 s; a dash for nothing."""
    if seconds is None:
        return NOTHING
    if seconds < 60:
        return f"{seconds:.1f} s" if seconds % 1 else f"{int(seconds)} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} m {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} m"


def format_value(kind: ColumnKind, value: Any, tz: str | None = None) -> str:
    """A value of a column of this kind as text; a dash for nothing (None or blank).

    A datetime is shown in `tz` to the minute; without a zone (the terminal, which prints
    what the report holds), as its ISO text.
    """
    if value is None or value == "":
        return NOTHING
    if kind == "duration":
        return format_duration(float(value))
    if kind == "score":
        return f"{float(value):.0%}"
    if kind == "count" and isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,}"
    if kind == "number" and isinstance(value, float):
        return f"{value:,.2f}"
    if kind == "number" and isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if kind == "datetime" and tz is not None:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")
    return str(value)
