"""Jinja filters: durations, scores and counts as people read them."""

from __future__ import annotations

from jinja2 import Environment

from labelpulse.readable import format_duration, format_value


def _score(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _count(value: int | float | None) -> str:
    return "–" if value is None else f"{value:,}"


def install_filters(env: Environment) -> None:
    env.filters["duration"] = format_duration
    env.filters["score"] = _score
    env.filters["count"] = _count
    env.filters["figure"] = lambda value, column: format_value(column, value)
    env.globals["app_name"] = "labelpulse"
