"""`labelpulse sync label-studio --lead-time` against a real Label Studio (the session's server).

A server before April 2022 saved each session's own time as `lead_time`; 1.23.2 keeps whatever
a save sends, so an annotation saved with 10 s, then 4 s, then 6 s (through the API, as such a
frontend would send them) is one from an old server. Synced after each save into one database
per reading, the reading decides what the later saves add.
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from labelpulse.cli import app as cli
from labelpulse.store import connect
from tests.labelstudio.server import Client, Json, LabelStudio

READINGS = ("cumulative", "session", "auto")
POSITIVE: list[Json] = [
    {"from_name": "sentiment", "to_name": "text", "type": "choices",
     "value": {"choices": ["Positive"]}}
]  # fmt: skip


def test_sync_reads_lead_time_as_asked(
    label_studio: LabelStudio, admin: Client, tmp_path: Path
) -> None:
    project = admin.create_project("Lead time per session")
    admin.import_tasks(project["id"], [{"text": "saved by an old frontend"}])
    (task,) = admin.tasks(project["id"])
    made = admin.annotate(task["id"], POSITIVE, 10.0)
    runner = CliRunner()
    env = {"LABEL_STUDIO_URL": label_studio.url, "LABEL_STUDIO_TOKEN": admin.token}

    def sync_all() -> None:
        for reading in READINGS:
            args = ["--db", str(tmp_path / f"{reading}.duckdb"), "sync", "label-studio"]
            args += ["--project", str(project["id"]), "--lead-time", reading, "-q"]
            done = runner.invoke(cli, args, env=env)
            assert done.exit_code == 0, done.output

    sync_all()
    for lead_time in (4.0, 6.0):  # two more sessions, each synced
        admin.update_annotation(made["id"], lead_time=lead_time)
        sync_all()
    found = {}
    for reading in READINGS:
        store = connect(str(tmp_path / f"{reading}.duckdb"))
        try:
            rows = store.rows("SELECT type, duration_us FROM events ORDER BY time_us")
        finally:
            store.close()
        found[reading] = [(r["type"], r["duration_us"] / 1e6) for r in rows]
    submitted, updated = "annotation.submitted", "annotation.updated"
    assert found == {
        # 4 and 6 read as running totals are below 10: they add nothing (10 s in all).
        "cumulative": [(submitted, 10.0), (updated, 0.0), (updated, 0.0)],
        # Each save its own session: 10 + 4 + 6 = 20 s.
        "session": [(submitted, 10.0), (updated, 4.0), (updated, 6.0)],
        # 4 after 10 cannot be a running total: per session from there on (20 s).
        "auto": [(submitted, 10.0), (updated, 4.0), (updated, 6.0)],
    }
