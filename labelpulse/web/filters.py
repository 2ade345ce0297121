"""Jinja filters: a value as people read it, by the kind of its column (`readable`)."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment

from labelpulse.metrics.registry import ColumnKind
from labelpulse.readable import format_value


def _figure(value: Any, kind: ColumnKind, tz: str | None = None) -> str:
    return format_value(kind, value, tz)


def install_filters(env: Environment) -> None:
    env.filters["figure"] = _figure
    env.globals["app_name"] = "labelpulse"
