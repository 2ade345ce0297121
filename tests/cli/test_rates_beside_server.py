"""Rates beside a running `labelpulse serve`: `labelpulse import` of rate records and
`labelpulse pay rates ...` are run by the server (the operator's commands, so any rate goes),
and the server's API sees them at once."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_beside_server import THROUGH, api, cli, server, token

__all__ = ["server", "token"]  # the fixtures, shared with test_beside_server


def test_rates_through_the_running_server(server: tuple[Path, str], token: str) -> None:
    folder, url = server
    rate = {"kind": "rate", "member": "boss", "effective": "2026-01-01", "currency": "EUR",
            "per_hour": 20}  # fmt: skip
    (folder / "rates.ndjson").write_text(json.dumps(rate) + "\n")
    imported = cli(folder, "import", "rates.ndjson")
    assert imported.returncode == 0, imported.stderr
    assert THROUGH in imported.stderr
    done = cli(folder, "pay", "rates", "set", "boss", "--effective", "2026-02-01",
               "--currency", "EUR", "--per-accepted", "0.5")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert THROUGH in done.stderr
    assert done.stdout == "Rate of boss in every project from 2026-02-01 set.\n"
    listed = cli(folder, "pay", "rates", "list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == api(url, token, "/api/rates")
    assert [(r["effective"], r["per_hour"], r["per_accepted"])
            for r in json.loads(listed.stdout)["rows"]] == [
        ("2026-01-01", 20, 0), ("2026-02-01", 0, 0.5)
    ]  # fmt: skip
