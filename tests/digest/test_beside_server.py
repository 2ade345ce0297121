"""`labelpulse digest` beside a running `labelpulse serve` on the same DuckDB file: the server
runs it through its local channel, as it runs `report`."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_beside_server import THROUGH, cli
from tests.web.serving import served


def test_the_digest_runs_through_the_running_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    folder = tmp_path_factory.mktemp("digest-beside")
    added = cli(
        folder, "members", "add", "boss", "--name", "Boss", "--email", "boss@example.com",
        "--role", "owner", "--no-password",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    with served(folder / "labelpulse.duckdb"):
        shown = cli(folder, "digest", "--format", "json", "--week-ending", "2026-03-08")
        assert shown.returncode == 0, shown.stderr
        assert THROUGH in shown.stderr
        digests = json.loads(shown.stdout)["digests"]
        assert [(d["recipient"]["id"], d["recipient"]["email"]) for d in digests] == [
            ("boss", "boss@example.com")
        ]
        assert {t["key"]: t["value"] for t in digests[0]["totals"]}["submitted"] == 0
        # Without an SMTP server or a webhook it has nowhere to send, and says so.
        failed = cli(folder, "digest", "--week-ending", "2026-03-08")
        assert failed.returncode == 2 and "nowhere to go" in " ".join(failed.stderr.split())
        assert "Traceback" not in failed.stderr
