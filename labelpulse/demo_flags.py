"""The demo's flagged work (issue 16, FLAGS): a rubber-stamping reviewer and a rushing
annotator, so that `labelpulse demo` (and `make run`) shows quality flags.

`mark(people)` picks them once the organisation is made; the generator then writes their work
its own way (`demo._lines`): the stamper accepts every annotation it reviews in 5 to 8 s (a
review session is never under 5 s in the demo), the rusher submits about a third of their
annotations after 2 to 6 s of labeling, far under any project's median. The number of events
is unchanged: they replace work the generator would have written anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

# The share of the rusher's annotations submitted too fast, and their seconds of labeling.
RUSHED_SHARE = 0.35
RUSHED_MS = (2_000, 6_000)
# The stamper's review sessions, in milliseconds: 5 to 8 s.
STAMP_MS = (5_000, 8_000)


class Marked(Protocol):
    role: str
    stamps: bool
    rushes: bool


def mark(people: Sequence[Marked]) -> None:
    """The last reviewer stamps, the last annotator rushes (ids rev-NN and ann-NN, the highest)."""
    for role, attribute in (("reviewer", "stamps"), ("annotator", "rushes")):
        found = [m for m in people if m.role == role]
        if found:
            setattr(found[-1], attribute, True)


def rushed_ms(draw: float) -> int:
    """A rushed labeling session from a uniform draw in [0, 1)."""
    low, high = RUSHED_MS
    return low + int(draw * (high - low))


def stamp_ms(draw: float) -> int:
    """A rubber stamp's review session from a uniform draw in [0, 1)."""
    low, high = STAMP_MS
    return low + int(draw * (high - low))
