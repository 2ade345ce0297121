"""A report as a ZIP: one CSV per table plus `about.csv` (the question: member, window, zone,
filters, when it was made), for a report of several tables, or any report with `format=zip`.

The archive is written as it is sent: each table's rows are read, compressed and handed on in
pieces, so a ZIP of a paged report of millions of rows holds a batch at a time, like its CSV.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator, Sequence
from typing import Any

from labelpulse.exports.about import about_lines
from labelpulse.exports.tabular import streamed_tables, table_csv_chunks

ABOUT = "about.csv"


class _Pipe:
    """A write-only, unseekable file that keeps what was written until it is taken."""

    def __init__(self) -> None:
        self.held: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.held.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        return None

    def take(self) -> bytes:
        out = b"".join(self.held)
        self.held.clear()
        return out


def zip_chunks(
    name: str,
    data: dict[str, Any],
    generated: dt.datetime | None = None,
    extra: Sequence[tuple[str, Any]] = (),
) -> Iterator[bytes]:
    """The ZIP's bytes in pieces: `about.csv` (with `extra` lines, e.g. a paged report's
    search), then `<table>.csv` for each table."""
    generated = generated or dt.datetime.now(dt.UTC)
    pipe = _Pipe()
    # An unseekable file: zipfile writes each member's sizes after its data (a data descriptor).
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED) as archive:  # type: ignore[call-overload]
        lines = [*about_lines(name, data, generated), *extra]
        about = [{"field": key, "value": value} for key, value in lines]
        tables = [(ABOUT.removesuffix(".csv"), ["field", "value"], about)]
        for title, columns, rows in [*tables, *streamed_tables(name, data)]:
            info = zipfile.ZipInfo(f"{title}.csv", date_time=_local(generated))
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as member:
                for chunk in table_csv_chunks(columns, rows):
                    member.write(chunk.encode())
                    yield pipe.take()
        # closing writes the central directory
    yield pipe.take()


def _local(moment: dt.datetime) -> tuple[int, int, int, int, int, int]:
    """A ZIP's member time (no zone, 1980 or later): the moment in UTC."""
    utc = moment.astimezone(dt.UTC)
    return (max(utc.year, 1980), utc.month, utc.day, utc.hour, utc.minute, utc.second)
