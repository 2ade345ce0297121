"""Settings: database location, default time zone, fix+accept credit.

Each comes from, first to last: the command line (`--db`), the environment (`LABELPULSE_DB`,
`LABELPULSE_TZ`, `LABELPULSE_FIX_ACCEPT_CREDIT`, `LABELPULSE_MAX_REQUEST_MB`,
`LABELPULSE_MAX_REQUEST_RECORDS`, `LABELPULSE_BEHIND_PROXY`), a TOML file (`LABELPULSE_CONFIG`,
else `./labelpulse.toml` when present, with the keys `db`, `timezone`, `fix_accept_credit`,
`max_request_mb`, `max_request_records`, `behind_proxy`, `flag_fast_fraction`), the defaults below.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from labelpulse.errors import UsageError

DEFAULT_DB = "labelpulse.duckdb"
CONFIG_FILE = "labelpulse.toml"
ENVIRONMENT = {
    "db": "LABELPULSE_DB",
    "timezone": "LABELPULSE_TZ",
    "fix_accept_credit": "LABELPULSE_FIX_ACCEPT_CREDIT",
    "max_request_mb": "LABELPULSE_MAX_REQUEST_MB",
    "behind_proxy": "LABELPULSE_BEHIND_PROXY",
    "max_request_records": "LABELPULSE_MAX_REQUEST_RECORDS",
    # DIGEST: the weekly digest's delivery and schedule (labelpulse/digest).
    "smtp_host": "LABELPULSE_SMTP_HOST",
    "smtp_port": "LABELPULSE_SMTP_PORT",
    "smtp_tls": "LABELPULSE_SMTP_TLS",
    "smtp_user": "LABELPULSE_SMTP_USER",
    "smtp_password": "LABELPULSE_SMTP_PASSWORD",
    "smtp_from": "LABELPULSE_SMTP_FROM",
    "digest_webhook_url": "LABELPULSE_DIGEST_WEBHOOK_URL",
    "digest_webhook_as": "LABELPULSE_DIGEST_WEBHOOK_AS",
    "digest_schedule": "LABELPULSE_DIGEST_SCHEDULE",
    # FLAGS (issue 16): quality flags.
    "flag_fast_fraction": "LABELPULSE_FLAG_FAST_FRACTION",
    # FC (forecasts): the days of throughput a forecast reads.
    "forecast_days": "LABELPULSE_FORECAST_DAYS",
    # PAY
    "pay_visible_to_managers": "LABELPULSE_PAY_VISIBLE_TO_MANAGERS",
}


@dataclass(frozen=True)
class Settings:
    db: str = DEFAULT_DB
    timezone: str = "UTC"
    fix_accept_credit: float = 0.5
    # The largest request body the server takes (POST /api/events); larger ones get 413.
    max_request_mb: float = 32.0
    # Served behind a reverse proxy: trust its X-Forwarded-Proto/-For (`serve --behind-proxy`).
    behind_proxy: bool = False
    # The most records one request body may hold; more get 413. Bounds what one request costs
    # to validate (and answer about), whatever its bytes: 3 MB holds a million `{}` records.
    max_request_records: int = 100_000
    # DIGEST: the weekly digest (`labelpulse digest`, README "Weekly digest"). Email goes over
    # SMTP when `smtp_host` is set: TLS "none", "starttls" or "ssl"; port 0 means the mode's
    # usual one (25, 587, 465). The webhook gets one message, of `digest_webhook_as`'s scope
    # (a member id). `digest_schedule` ("monday 08:00", org time zone) makes `serve` send it
    # weekly; empty is off.
    smtp_host: str = ""
    smtp_port: int = 0
    smtp_tls: str = "starttls"
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = ""
    digest_webhook_url: str = ""
    digest_webhook_as: str = ""
    digest_schedule: str = ""
    # FLAGS (issue 16): an annotation is "too fast" under this share of its project's median
    # time per annotation over the window (`labelpulse.metrics.flags`).
    flag_fast_fraction: float = 0.2
    # FC (forecasts): a project's daily throughput is read over this many days, ending on the
    # window's last day (docs/metrics-beyond.md).
    forecast_days: int = 14
    # PAY: whether managers see pay (cut to their projects); owners and admins always do.
    pay_visible_to_managers: bool = False


def load_settings(db: str | None = None) -> Settings:
    """Settings from arguments, then LABELPULSE_* environment variables, a file, defaults."""
    values: dict[str, Any] = _file_values()
    for name, variable in ENVIRONMENT.items():
        if os.environ.get(variable):
            values[name] = os.environ[variable]
    if db:
        values["db"] = db
    settings = Settings(
        db=str(values.get("db", DEFAULT_DB)),
        timezone=normalize_timezone(str(values.get("timezone", "UTC"))),
        fix_accept_credit=_credit(values.get("fix_accept_credit", 0.5)),
        max_request_mb=_positive("max_request_mb", values.get("max_request_mb", 32.0)),
        behind_proxy=_flag("behind_proxy", values.get("behind_proxy", False)),
        max_request_records=_count(
            "max_request_records", values.get("max_request_records", 100_000)
        ),
        # DIGEST
        smtp_host=str(values.get("smtp_host", "")).strip(),
        smtp_port=_port(values.get("smtp_port", 0)),
        smtp_tls=_choice("smtp_tls", values.get("smtp_tls", "starttls"), SMTP_TLS_MODES),
        smtp_user=str(values.get("smtp_user", "")),
        smtp_password=str(values.get("smtp_password", "")),
        smtp_from=str(values.get("smtp_from", "")).strip(),
        digest_webhook_url=str(values.get("digest_webhook_url", "")).strip(),
        digest_webhook_as=str(values.get("digest_webhook_as", "")).strip(),
        digest_schedule=str(values.get("digest_schedule", "")).strip(),
        # FLAGS (issue 16)
        flag_fast_fraction=_fraction("flag_fast_fraction", values.get("flag_fast_fraction", 0.2)),
        # FC (forecasts)
        forecast_days=_count("forecast_days", values.get("forecast_days", 14)),
        # PAY
        pay_visible_to_managers=_flag(
            "pay_visible_to_managers", values.get("pay_visible_to_managers", False)
        ),
    )
    return settings


def _file_values() -> dict[str, Any]:
    named = os.environ.get("LABELPULSE_CONFIG")
    path = Path(named) if named else Path(CONFIG_FILE)
    if not path.is_file():
        if named:
            raise UsageError(f"LABELPULSE_CONFIG names {named!r}, which is not a file")
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path} is not valid TOML: {exc}") from exc
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise UsageError(f"{path}: unknown setting(s) {', '.join(unknown)}; known: {sorted(known)}")
    return data


def _credit(value: Any) -> float:
    try:
        credit = float(value)
    except (TypeError, ValueError):
        credit = -1.0
    if isinstance(value, bool) or not 0.0 <= credit <= 1.0:
        raise UsageError(f"fix_accept_credit must be a number from 0 to 1, got {value!r}")
    return credit


def _positive(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if isinstance(value, bool) or not number > 0:
        raise UsageError(f"{name} must be a positive number, got {value!r}")
    return number


def _flag(name: str, value: Any) -> bool:
    """A yes/no setting: a TOML boolean, or true/false, yes/no, 1/0 from the environment."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "on"):
        return True
    if text in ("false", "no", "0", "off"):
        return False
    raise UsageError(f"{name} must be true or false, got {value!r}")


def _count(name: str, value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if isinstance(value, bool | float) or number < 1:
        raise UsageError(f"{name} must be a whole number of at least 1, got {value!r}")
    return number


# DIGEST: the SMTP connection's TLS modes.
SMTP_TLS_MODES = ("none", "starttls", "ssl")


def _port(value: Any) -> int:
    """A TCP port, or 0 for the TLS mode's usual one."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if isinstance(value, bool | float) or not 0 <= number <= 65535:
        raise UsageError(f"smtp_port must be a whole number from 0 to 65535, got {value!r}")
    return number


def _choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    text = str(value).strip().lower()
    if text not in choices:
        raise UsageError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return text


def check_timezone(name: str) -> ZoneInfo:
    """The zone a user's time zone names (see `normalize_timezone`), or a UsageError."""
    return ZoneInfo(normalize_timezone(name))


# `+02:00`, `-5`, `UTC+2`, `GMT-03:00`, `utc +0530`: a sign, hours and maybe minutes.
_OFFSET = re.compile(r"(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)
_UTC_NAMES = frozenset({"utc", "gmt", "z", "zulu", "etc/utc", "etc/gmt", "universal"})


def normalize_timezone(name: str) -> str:
    """The canonical IANA name of a time zone as a person types it; a UsageError naming the
    field `tz` otherwise.

    - any case and surrounding spaces: ` utc ` → `UTC`, `europe/berlin` → `Europe/Berlin`;
    - a fixed offset of whole hours: `+02:00`, `UTC+2`, `GMT-3` → `Etc/GMT-2`, `Etc/GMT+3`
      (the IANA `Etc/GMT` zones name the offset with the sign turned round); `+00:00` → `UTC`;
    - an offset that is not a whole hour (`+05:30`) has no fixed-offset IANA zone: refused,
      with a word to name the place's zone instead (`Asia/Kolkata`), which also knows its DST.

    Every store computes days in the zone it is given, ClickHouse by name in SQL: a canonical
    IANA name works in all of them.
    """
    text = str(name).strip()
    if not text:
        raise _unknown(name, "the time zone is empty")
    if text.casefold() in _UTC_NAMES:
        return "UTC"
    offset = _OFFSET.fullmatch(text)
    if offset:
        return _fixed_offset(name, offset.group(1), int(offset.group(2)), offset.group(3))
    zones = _zones_by_folded_name()
    found = zones.get(text.casefold())
    if found is not None:
        return found
    try:  # a name zoneinfo knows that its list leaves out
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise _unknown(name, f"unknown time zone {text!r}") from exc
    return text


def _fixed_offset(name: str, sign: str, hours: int, minutes: str | None) -> str:
    if minutes is not None and int(minutes) != 0:
        raise _unknown(
            name,
            f"{name.strip()!r} is not a whole-hour offset, and only those have a fixed IANA zone: "
            "name the place's zone instead (such as Asia/Kolkata for +05:30)",
            hint=False,
        )
    if hours == 0:
        return "UTC"
    # Etc/GMT-14 (UTC+14) to Etc/GMT+12 (UTC-12) exist; POSIX turns the sign round.
    if (sign == "+" and hours > 14) or (sign == "-" and hours > 12):
        raise _unknown(name, f"the offset {name.strip()!r} is outside UTC-12 to UTC+14")
    return f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"


def _unknown(name: str, problem: str, *, hint: bool = True) -> UsageError:
    message = problem
    if hint:
        message += "; use an IANA name such as Europe/Berlin, UTC, or an offset like +02:00"
    return UsageError(message, details=[{"field": "tz", "value": str(name), "message": problem}])


@cache
def _zones_by_folded_name() -> dict[str, str]:
    return {zone.casefold(): zone for zone in available_timezones()}


@cache
def all_timezones() -> tuple[str, ...]:
    """Every IANA zone name, sorted (the time-zone field's list)."""
    return tuple(sorted(available_timezones() | {"UTC"}))


# FLAGS (issue 16)
def _fraction(name: str, value: Any) -> float:
    """A share above 0 and at most 1 (`flag_fast_fraction`)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if isinstance(value, bool) or not 0.0 < number <= 1.0:
        raise UsageError(f"{name} must be a number above 0 and at most 1, got {value!r}")
    return number
