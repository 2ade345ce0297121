"""Settings: database location, default time zone, fix+accept credit. From the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from labelpulse.errors import UsageError

DEFAULT_DB = "labelpulse.duckdb"


@dataclass(frozen=True)
class Settings:
    db: str = DEFAULT_DB
    timezone: str = "UTC"
    fix_accept_credit: float = 0.5


def load_settings(db: str | None = None) -> Settings:
    """Settings from arguments, then LABELPULSE_* environment variables, then defaults."""
    tz = os.environ.get("LABELPULSE_TZ", "UTC")
    check_timezone(tz)
    credit_text = os.environ.get("LABELPULSE_FIX_ACCEPT_CREDIT", "0.5")
    try:
        credit = float(credit_text)
    except ValueError:
        credit = -1.0
    if not 0.0 <= credit <= 1.0:
        raise UsageError(
            f"LABELPULSE_FIX_ACCEPT_CREDIT must be a number from 0 to 1, got {credit_text!r}"
        )
    return Settings(
        db=db or os.environ.get("LABELPULSE_DB") or DEFAULT_DB,
        timezone=tz,
        fix_accept_credit=credit,
    )


def check_timezone(name: str) -> ZoneInfo:
    """The zone for an IANA name, or a UsageError naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UsageError(
            f"unknown time zone {name!r}: use an IANA name such as Europe/Berlin"
        ) from exc
