"""Export file names that say what the file holds: the report, and every filter that changes
its content (member, workspaces, projects, members, the window, the zone, and a paged report's
search, sort and rows), e.g.
`labelpulse-member-ann-05-cars-2026-11-01_2026-11-30-Europe_Berlin.csv`.

Names are ASCII (a header is Latin-1): an id with other characters ("zoë", "李") is spelled
with `_` and a short hash of the id, so two ids never share a name.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

PLAIN = re.compile(r"[A-Za-z0-9._+-]+")
# A name past this many characters (many projects, say) ends with a hash of the rest.
MAX_NAME = 180


@dataclass(frozen=True)
class Question:
    """What an export answers: the report and its filters, as the request gave them."""

    report: str
    start: str
    end: str
    tz: str
    member: str | None = None
    workspaces: Sequence[str] = ()
    projects: Sequence[str] = ()
    members: Sequence[str] = ()
    # A paged report's own parameters (search, sort, offset, limit), as (name, value).
    paging: Sequence[tuple[str, str]] = field(default_factory=tuple)


def slug(text: str) -> str:
    """`text` as a file-name piece: itself when plain ASCII, else spelled safe plus a hash."""
    if PLAIN.fullmatch(text) and not text.startswith("."):
        return text
    safe = "".join(c if PLAIN.fullmatch(c) else "_" for c in text).strip(".") or "_"
    return f"{safe}~{_hash(text)}"


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:6]


def file_name(question: Question, extension: str) -> str:
    """The download's file name (without quotes), ending in `.extension`."""
    q = question
    parts = ["labelpulse", q.report]
    if q.member:
        parts.append(slug(q.member))
    parts += [f"ws_{slug(w)}" for w in q.workspaces]
    parts += [slug(p) for p in q.projects]
    parts += [f"m_{slug(m)}" for m in q.members if m != q.member]
    parts.append(f"{q.start}_{q.end}")
    parts.append(slug(q.tz.strip().replace("/", "_").replace(":", "_")))
    parts += [f"{key}_{slug(value)}" for key, value in q.paging]
    stem = "-".join(part for part in parts if part)
    if len(stem) > MAX_NAME:
        stem = f"{stem[: MAX_NAME - 7]}~{_hash(stem)}"
    return f"{stem}.{extension}"
