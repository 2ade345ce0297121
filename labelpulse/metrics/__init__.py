"""Every report of metrics.md, as library calls: `report(store, name, ...)`.

Importing this package is cheap: the report names come from the registry, and the functions
that compute (and import Ibis and the store) load on first use, so that `labelpulse --help`
does not wait for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from labelpulse.metrics.registry import SPECS

if TYPE_CHECKING:
    from labelpulse.metrics.reports import compute, report
    from labelpulse.metrics.scope import Scope, Window, make_scope, make_window
    from labelpulse.store.directory import Directory

MEMBER_REPORTS = tuple(name for name, spec in SPECS.items() if spec.kind == "member")
TABLE_REPORTS = tuple(name for name, spec in SPECS.items() if spec.kind == "table")
REPORTS = (*MEMBER_REPORTS, *TABLE_REPORTS)

# Where each name loads from when first asked for.
_LAZY = {
    "compute": "labelpulse.metrics.reports",
    "report": "labelpulse.metrics.reports",
    "Scope": "labelpulse.metrics.scope",
    "Window": "labelpulse.metrics.scope",
    "make_scope": "labelpulse.metrics.scope",
    "make_window": "labelpulse.metrics.scope",
    "Directory": "labelpulse.store.directory",
}

__all__ = [
    "MEMBER_REPORTS",
    "REPORTS",
    "TABLE_REPORTS",
    "Directory",
    "Scope",
    "Window",
    "compute",
    "make_scope",
    "make_window",
    "report",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value
