"""The one value formatter: by the kind of the value's column, never by its name."""

from __future__ import annotations

from typing import Any

import pytest

from labelpulse.metrics.registry import SPECS, ColumnKind
from labelpulse.readable import format_value


@pytest.mark.parametrize(
    ("kind", "value", "shown"),
    [
        ("count", 1204, "1,204"),
        ("duration", 4983.0, "1 h 23 m"),
        ("duration", 245.0, "4 m 05 s"),
        ("duration", 12.5, "12.5 s"),
        ("score", 0.874, "87%"),
        ("number", 86.48, "86.48"),
        ("number", 3, "3"),
        ("name", "Ann Annotator", "Ann Annotator"),
        ("id", "a-1", "a-1"),
        ("date", "2026-03-02", "2026-03-02"),
        ("datetime", "2026-03-02T23:30:00Z", "2026-03-02T23:30:00Z"),
        ("count", None, "–"),
        ("text", "", "–"),
    ],
)
def test_values_by_kind(kind: ColumnKind, value: Any, shown: str) -> None:
    assert format_value(kind, value) == shown


def test_a_datetime_in_a_time_zone_is_local_to_the_minute() -> None:
    assert format_value("datetime", "2026-03-02T23:30:00Z", "Europe/Berlin") == "2026-03-03 00:30"


def test_the_kind_not_the_name_decides() -> None:
    # A column named like a time but holding an event's own seconds stays a number.
    duration = SPECS["timeline"].column("duration")
    assert format_value(duration.kind, 86.48) == "86.48"
    assert format_value(SPECS["members"].column("total_time").kind, 86.48) == "1 m 26 s"
