"""`labelpulse digest` as a user runs it (Typer's CliRunner on the real app and database)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labelpulse.cli import app
from tests.digest.conftest import Inbox

WEEK = ["--week-ending", "2026-03-09"]


def smtp_env(monkeypatch: pytest.MonkeyPatch, inbox: Inbox) -> None:
    for name, value in {
        "LABELPULSE_SMTP_HOST": inbox.host,
        "LABELPULSE_SMTP_PORT": str(inbox.port),
        "LABELPULSE_SMTP_TLS": "none",
        "LABELPULSE_SMTP_FROM": "digest@acme.test",
    }.items():
        monkeypatch.setenv(name, value)


def test_the_json_format_shows_every_digest_and_sends_nothing(
    org_path: Path, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp_env(monkeypatch, inbox)
    result = CliRunner().invoke(app, ["--db", str(org_path), "digest", "-f", "json", *WEEK])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["week"] == {"start": "2026-03-03", "end": "2026-03-09"}
    assert [d["recipient"]["id"] for d in shown["digests"]] == ["own", "adm", "mgr"]
    owner = {t["key"]: t["value"] for t in shown["digests"][0]["totals"]}
    manager = {t["key"]: t["value"] for t in shown["digests"][2]["totals"]}
    assert (owner["submitted"], owner["reviews"]) == (3, 3)
    assert (manager["submitted"], manager["reviews"]) == (1, 2)
    assert shown["webhook"] is None
    assert inbox.mails == []


def test_sending_prints_a_line_per_recipient_and_fails_when_one_fails(
    org_path: Path, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp_env(monkeypatch, inbox)
    result = CliRunner().invoke(app, ["--db", str(org_path), "digest", *WEEK])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Weekly digest 2026-03-03–2026-03-09 (UTC)",
        "olive@acme.test (Olive Owner, owner): email sent",
        "adam@acme.test (Adam Admin, admin): email sent",
        "maya@acme.test (Maya Manager, manager): email sent",
        "3 sent, 0 failed.",
    ]
    assert len(inbox.mails) == 3
    inbox.refuse.add("olive@acme.test")
    result = CliRunner().invoke(app, ["--db", str(org_path), "digest", *WEEK, "--member", "own"])
    assert result.exit_code == 1
    assert "olive@acme.test (Olive Owner, owner): email FAILED: the SMTP server" in result.output
    assert "Traceback" not in result.output and len(inbox.mails) == 3


def test_a_bad_week_or_no_delivery_is_a_usage_error(org_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["--db", str(org_path), "digest", "--week-ending", "soon"])
    assert result.exit_code != 0 and "YYYY-MM-DD" in str(result.exception)
    result = runner.invoke(app, ["--db", str(org_path), "digest", *WEEK])
    assert result.exit_code != 0 and "nowhere to go" in str(result.exception)
