"""`config.normalize_timezone`: the one reading of a time zone as a person types it."""

from __future__ import annotations

import datetime as dt

import pytest

from labelpulse.config import all_timezones, normalize_timezone
from labelpulse.errors import UsageError
from labelpulse.metrics.scope import make_window


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("UTC", "UTC"),
        ("utc", "UTC"),
        (" UTC ", "UTC"),
        ("gmt", "UTC"),
        ("Z", "UTC"),
        ("+00:00", "UTC"),
        ("+02:00", "Etc/GMT-2"),  # the IANA Etc/GMT zones turn the sign round
        ("-05:00", "Etc/GMT+5"),
        ("UTC+2", "Etc/GMT-2"),
        ("utc+02", "Etc/GMT-2"),
        ("GMT-3", "Etc/GMT+3"),
        ("+0900", "Etc/GMT-9"),
        ("+14", "Etc/GMT-14"),
        ("-12:00", "Etc/GMT+12"),
        ("europe/berlin", "Europe/Berlin"),
        ("  Asia/Tokyo  ", "Asia/Tokyo"),
        ("AMERICA/NEW_YORK", "America/New_York"),
        ("Etc/GMT+3", "Etc/GMT+3"),
    ],
)
def test_a_typed_zone_becomes_its_iana_name(typed: str, canonical: str) -> None:
    assert normalize_timezone(typed) == canonical


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("Mars/Base", "unknown time zone 'Mars/Base'"),
        ("", "empty"),
        ("   ", "empty"),
        ("+05:30", "not a whole-hour offset"),
        ("UTC-03:30", "not a whole-hour offset"),
        ("+15:00", "outside UTC-12 to UTC+14"),
        ("-13", "outside UTC-12 to UTC+14"),
        ("../../etc/passwd", "unknown time zone"),
    ],
)
def test_a_zone_that_names_nothing_is_refused_naming_the_field(typed: str, words: str) -> None:
    with pytest.raises(UsageError) as caught:
        normalize_timezone(typed)
    assert words in caught.value.message
    assert caught.value.details[0]["field"] == "tz"
    assert caught.value.details[0]["value"] == typed


def test_the_list_holds_every_zone_sorted() -> None:
    zones = all_timezones()
    assert list(zones) == sorted(zones)
    assert {"UTC", "Asia/Tokyo", "Etc/GMT-2", "America/Argentina/Buenos_Aires"} <= set(zones)
    assert len(zones) > 400


def test_a_window_in_an_offset_starts_at_that_local_midnight() -> None:
    window = make_window("2026-03-02", "2026-03-03", "+02:00")
    assert window.tz == "Etc/GMT-2"
    start = dt.datetime(2026, 3, 1, 22, tzinfo=dt.UTC)
    assert window.lo_us == int(start.timestamp()) * 1_000_000
    assert window.hi_us - window.lo_us == 2 * 86_400 * 1_000_000
    assert window.offsets == ((window.lo_us, 2 * 3_600 * 1_000_000),)
    # The same window as a city zone with the same offset, and typed in another case.
    assert make_window("2026-03-02", "2026-03-03", "-10:00").lo_us == (
        make_window("2026-03-02", "2026-03-03", "pacific/honolulu").lo_us
    )
    assert make_window("2026-03-02", "2026-03-03", " utc ").tz == "UTC"
