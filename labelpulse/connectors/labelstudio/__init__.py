"""Label Studio (open-source and Enterprise) → labelpulse; the mapping is
docs/connectors/label-studio.md.

Three paths, one mapping, deterministic event ids (`ls:{unique_id}:{version}`; without a
`unique_id`, a key derived from project, task and annotation id that `apply` makes meet the
other), so that the same work met by any of them, in any order, is stored once:

- `import_export(store, path, project_name=...)`: a project's JSON export file;
- `sync_label_studio(store, url=..., token=...)`: the REST API, incremental, deletions included;
- `ingest_webhook(store, payload)`: one webhook delivery (`POST /api/hooks/label-studio`,
  `labelpulse.web.hooks`), registered by `register_webhooks` (`labelpulse hook label-studio`).

Each takes the store, or the `Applier` its owner shares between webhook deliveries and syncs
in one process (the web app's). `connector` holds the first two in the shape of every
connector (`labelpulse.connectors.registry`).

Modules: `records` (Label Studio's records, checked), `mapping` (records → events, pure),
`apply` (what is held → what to store, one step at a time), `client` (REST), `sync`,
`webhooks`, `connector`.
"""

from labelpulse.connectors.labelstudio.apply import Applier
from labelpulse.connectors.labelstudio.mapping import UPDATED_AFTER
from labelpulse.connectors.labelstudio.records import SOURCE
from labelpulse.connectors.labelstudio.sync import (
    SyncResult,
    import_export,
    remember_users,
    sync_label_studio,
)
from labelpulse.connectors.labelstudio.webhooks import (
    HOOK_PATH,
    SECRET_HEADER,
    SECRET_NAME,
    Registration,
    WebhookResult,
    ensure_secret,
    ingest_webhook,
    register_webhooks,
    webhook_secret,
)

__all__ = [
    "HOOK_PATH",
    "SECRET_HEADER",
    "SECRET_NAME",
    "SOURCE",
    "UPDATED_AFTER",
    "Applier",
    "Registration",
    "SyncResult",
    "WebhookResult",
    "ensure_secret",
    "import_export",
    "ingest_webhook",
    "register_webhooks",
    "remember_users",
    "sync_label_studio",
    "webhook_secret",
]
