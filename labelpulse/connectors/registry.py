"""The labeling tools labelpulse reads, by the name the command line knows them by.

`labelpulse import SOURCE FILE...` and `labelpulse sync SOURCE ...` go through `CONNECTORS`.
Each entry names the module that holds the tool's two entry points, with one shape for every
tool:

- `import_file(store, path, options: ImportOptions) -> IngestSummary`: one export file; its good
  records are stored and each bad one is written with its reasons to the rejects file, as
  `labelpulse import` does with our own files (the summary's `rejects_path`);
- `sync(store, options: SyncOptions, progress: SyncProgress | None) -> SyncOutcome`: the tool's
  API, pulled again any time (only what changed since is stored).

Adding a tool is that module, its entry here, its page docs/connectors/NAME.md and its
`labelpulse sync NAME` flags (`labelpulse.cli.sync`). The module is imported only when the tool
is used, so that listing the tools (`labelpulse --help`) loads no Pydantic and no tool's SDK.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from labelpulse.ingest import IngestSummary
    from labelpulse.store.base import Store


class LeadTime(StrEnum):
    """label-studio: how `lead_time` is read. Servers since April 2022 send the annotation's
    running total (`cumulative`); older ones sent each save's own session time (`session`);
    `auto` decides per annotation from its versions (docs/connectors/label-studio.md)."""

    auto = "auto"
    cumulative = "cumulative"
    session = "session"


@dataclass(frozen=True)
class ImportOptions:
    """What `labelpulse import SOURCE` may tell a connector; each reads those it needs."""

    project_name: str | None = None
    """label-studio: the project's name (its export has only the id)."""
    dataset: str | None = None
    """segments: the dataset, owner/name, when the file does not say."""
    users: Path | None = None
    """label-studio: a saved GET /api/users/ answer, so members match by email."""
    lead_time: LeadTime = LeadTime.auto
    """label-studio: how `lead_time` is read (per session before April 2022)."""
    rejects: Path | None = None
    """Where the file's rejected records go (default: FILE.rejects.ndjson beside it)."""


@dataclass(frozen=True)
class SyncOptions:
    """What `labelpulse sync SOURCE` may tell a connector; each reads those it needs."""

    url: str | None = None
    token: str | None = None
    username: str | None = None
    password: str | None = None
    api_key: str | None = None
    api_url: str | None = None
    dataset: str | None = None
    projects: Sequence[int] = ()
    since: dt.datetime | None = None
    lead_time: LeadTime = LeadTime.auto
    """label-studio: how `lead_time` is read (per session before April 2022)."""


SyncProgress = Callable[[str, int, int | None], None]
"""Called as a sync reads: what it reads (a project's title, "workunits"), how many so far, and
out of how many (None when the tool does not say)."""


@dataclass
class SyncOutcome:
    """What a sync read and stored, as `labelpulse sync` shows it: a table titled `title` whose
    columns are `counts` (what was read), then the summary's events stored, already held,
    `deleted` (when the tool reports deletions) and directory records; then `notes`."""

    title: str
    summary: IngestSummary
    counts: dict[str, int] = field(default_factory=dict)
    deleted: int | None = None
    notes: list[str] = field(default_factory=list)


class ConnectorModule(Protocol):
    """The two entry points every connector's module has."""

    def import_file(self, store: Store, path: Path, options: ImportOptions) -> IngestSummary: ...

    def sync(
        self, store: Store, options: SyncOptions, progress: SyncProgress | None
    ) -> SyncOutcome: ...


@dataclass(frozen=True)
class Connector:
    """One labeling tool: its SOURCE name, its name for people, what its export files are, and
    the module with its entry points (imported on first use)."""

    name: str
    title: str
    export: str
    """What `labelpulse import SOURCE` reads, as the command's help says it."""
    module: str

    @property
    def doc(self) -> str:
        """The page that says how the tool's records become events."""
        return f"docs/connectors/{self.name}.md"

    def entry_points(self) -> ConnectorModule:
        return cast("ConnectorModule", importlib.import_module(self.module))

    def import_file(self, store: Store, path: Path, options: ImportOptions) -> IngestSummary:
        """Import one of the tool's export files: the good records, the bad ones rejected."""
        return self.entry_points().import_file(store, path, options)

    def sync(
        self, store: Store, options: SyncOptions, progress: SyncProgress | None = None
    ) -> SyncOutcome:
        """Pull the tool's API; only what changed since the last time is stored."""
        return self.entry_points().sync(store, options, progress)


CONNECTORS: dict[str, Connector] = {
    c.name: c
    for c in (
        Connector(
            "label-studio",
            "Label Studio",
            "a project's JSON export",
            "labelpulse.connectors.labelstudio.connector",
        ),
        Connector("segments", "Segments.ai", "workunits JSON", "labelpulse.connectors.segments"),
        Connector("cvat", "CVAT", "events CSV", "labelpulse.connectors.cvat"),
    )
}
