"""Asking for a page of a paged report: `--sort label_time:desc --limit 50 --offset 100`.

The CLI, the API and the pages all read their sort, limit, offset and search through
`make_paging`, so a bad one is the same error (naming the field) everywhere. Light on purpose:
the CLI builds its options from here at start-up.
"""

from __future__ import annotations

from labelpulse.errors import UsageError
from labelpulse.metrics.registry import Paging, ReportSpec

DESCENDING = "desc"
ASCENDING = "asc"
# More rows than any report has, and well inside the 64-bit integers every database binds.
MOST = 10**12


def make_paging(
    spec: ReportSpec,
    *,
    sort: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    search: str | None = None,
    stream: bool = False,
) -> Paging:
    """A checked `Paging` for `spec`: `sort` is `KEY`, `KEY:asc` or `KEY:desc`."""
    if not spec.paged:
        asked = sort is not None or limit is not None or offset or search
        if asked:
            raise UsageError(f"the {spec.name} report is not paged: it takes no sort, limit, "
                             "offset or search")  # fmt: skip
        return Paging(stream=stream)
    key: str | None = None
    descending = False
    if sort:
        key, descending = split_sort(sort)
        if key not in spec.sort_keys:
            raise _bad(
                "sort", f"unknown sort key {key!r}: choose one of {', '.join(spec.sort_keys)}"
            )
    for name, value in (("limit", limit), ("offset", offset)):
        if value is not None and not 0 <= value <= MOST:
            raise _bad(name, f"{name} must be from 0 to {MOST}, got {value}")
    return Paging(key, descending, limit, offset, search or None, stream)


def split_sort(sort: str) -> tuple[str, bool]:
    """`KEY`, `KEY:asc` or `KEY:desc` as (key, descending); a bad order is a UsageError naming
    `sort`. The key is the caller's to check: a report's sort keys, a table's columns."""
    key, _, direction = sort.partition(":")
    if direction not in ("", ASCENDING, DESCENDING):
        raise _bad("sort", f"sort order must be {ASCENDING} or {DESCENDING}, got {direction!r}")
    return key, direction == DESCENDING


def _bad(field: str, message: str) -> UsageError:
    return UsageError(message, details=[{"field": field, "message": message}])
