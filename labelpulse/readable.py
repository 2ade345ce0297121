"""Figures as a person reads them: 1 h 23 m, 87%, 1,204; a dash for nothing."""

from __future__ import annotations

from typing import Any

DURATION_HINTS = ("time",)


def format_duration(seconds: float | None) -> str:
    """1 h 23 m, 4 m 05 s, 12.5 s; a dash for nothing."""
    if seconds is None:
        return "–"
    if seconds < 60:
        return f"{seconds:.1f} s" if seconds % 1 else f"{int(seconds)} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} m {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} m"


def format_value(column: str, value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and any(h in column for h in DURATION_HINTS):
        return format_duration(value)
    if isinstance(value, float) and ("score" in column or "rate" in column):
        return f"{value:.0%}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)
