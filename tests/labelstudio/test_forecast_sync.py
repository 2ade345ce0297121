"""FC: the sync fills a project's task count from Label Studio (`task_number`) and keeps what
only labelpulse holds (the deadline, the workspace), against the session's real Label Studio."""

from __future__ import annotations

from pathlib import Path

from labelpulse.config import Settings
from labelpulse.connectors.labelstudio import sync_label_studio
from labelpulse.ingest import ingest_records
from labelpulse.metrics import Directory, report
from labelpulse.store import connect
from tests.labelstudio.server import Client, LabelStudio


def test_sync_fills_the_task_count_and_keeps_the_deadline(
    label_studio: LabelStudio, admin: Client, tmp_path: Path
) -> None:
    project = admin.create_project("Forecast")
    number = int(project["id"])
    admin.import_tasks(number, [{"data": {"text": f"item {n}"}} for n in range(4)])
    store = connect(str(tmp_path / "synced.duckdb"))
    try:

        def sync() -> dict[str, object]:
            sync_label_studio(
                store, url=label_studio.url, token=label_studio.admin_token, projects=[number]
            )
            return Directory.load(store).projects[f"ls-{number}"]

        first = sync()
        assert (first["name"], first["tasks"], first["deadline"]) == ("Forecast", 4, None)
        # A lead plans the project in labelpulse: a deadline and a workspace.
        ingest_records(
            store,
            [
                {"kind": "workspace", "id": "ws", "name": "Team"},
                {"kind": "project", "id": f"ls-{number}", "name": "Forecast", "tasks": 4,
                 "deadline": "2030-01-31", "workspace": "ws"},
            ],
        )  # fmt: skip
        admin.import_tasks(number, [{"data": {"text": "item 5"}}, {"data": {"text": "item 6"}}])
        again = sync()
        assert (again["tasks"], again["deadline"], again["workspace"]) == (6, "2030-01-31", "ws")
        rows = report(store, "forecast", start="2030-01-01", end="2030-01-01", settings=Settings())[
            "rows"
        ]
        assert [(r["project"], r["tasks"], r["remaining"]) for r in rows] == [
            (f"ls-{number}", 6, 6)
        ]
    finally:
        store.close()
