"""Label Studio in the shape of every connector (`labelpulse.connectors.registry`): what
`labelpulse import label-studio` and `labelpulse sync label-studio` call."""

from __future__ import annotations

from pathlib import Path

from labelpulse.connectors.labelstudio.sync import import_export, sync_label_studio
from labelpulse.connectors.registry import ImportOptions, SyncOptions, SyncOutcome, SyncProgress
from labelpulse.errors import UsageError
from labelpulse.ingest import IngestSummary
from labelpulse.store.base import Store


def import_file(store: Store, path: Path, options: ImportOptions) -> IngestSummary:
    """`labelpulse import label-studio`: `import_export` with the command's options."""
    return import_export(
        store,
        path,
        project_name=options.project_name,
        users=options.users,
        lead_time=options.lead_time,
        rejects=options.rejects,
    )


def sync(store: Store, options: SyncOptions, progress: SyncProgress | None) -> SyncOutcome:
    """`labelpulse sync label-studio`: `sync_label_studio`, with each project's tasks read so
    far as progress, and which Enterprise features the server had as a note."""
    if options.url is None or options.token is None:
        raise UsageError("syncing Label Studio needs its --url and a --token")
    result = sync_label_studio(
        store,
        url=options.url,
        token=options.token,
        projects=options.projects,
        progress=progress,
        lead_time=options.lead_time,
    )
    found = [name.replace("_", " ") for name, present in result.features.items() if present]
    return SyncOutcome(
        f"Label Studio · {options.url}",
        result.summary,
        counts={"projects": len(result.projects), "users": result.users},
        deleted=result.deleted,
        notes=[
            "Enterprise features read: " + ", ".join(found)
            if found
            else "Open-source edition: no reviews, comments or annotation history to read."
        ],
    )
