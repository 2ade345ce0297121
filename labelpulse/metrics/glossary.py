"""What each figure means, in a sentence people read beside it: one place for every page,
table header, card and tooltip (the words follow ../shared/spec/metrics.md).

`help_for(report, key)` answers for a report's column or card key (e.g. ("members",
"performance_score"), ("member", "annotations.total_time")); None when there is nothing to add
to the label.
"""

from __future__ import annotations

# (report, key) → help text; report "*" applies to every report with that key.
HELP: dict[tuple[str, str], str] = {}


def help_for(report: str, key: str) -> str | None:
    """The help text of a figure, or None."""
    return HELP.get((report, key)) or HELP.get(("*", key))
