"""Settings: the command line over the environment over a TOML file over the defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from labelpulse.config import Settings, load_settings
from labelpulse.errors import UsageError


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("LABELPULSE_DB", "LABELPULSE_TZ", "LABELPULSE_FIX_ACCEPT_CREDIT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("LABELPULSE_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults() -> None:
    assert load_settings() == Settings()


def test_file_then_environment_then_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    Path("labelpulse.toml").write_text(
        'db = "from-file.duckdb"\ntimezone = "Asia/Kolkata"\nfix_accept_credit = 0.25\n'
    )
    assert load_settings() == Settings("from-file.duckdb", "Asia/Kolkata", 0.25)
    monkeypatch.setenv("LABELPULSE_TZ", "Europe/Berlin")
    monkeypatch.setenv("LABELPULSE_DB", "from-env.duckdb")
    assert load_settings() == Settings("from-env.duckdb", "Europe/Berlin", 0.25)
    assert load_settings("from-arg.duckdb").db == "from-arg.duckdb"


def test_config_file_named_by_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text("fix_accept_credit = 0.8\n")
    monkeypatch.setenv("LABELPULSE_CONFIG", str(elsewhere))
    assert load_settings().fix_accept_credit == 0.8
    monkeypatch.setenv("LABELPULSE_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(UsageError, match=r"missing\.toml"):
        load_settings()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("timezone = 'Mars/Base'\n", "unknown time zone 'Mars/Base'"),
        ("fix_accept_credit = 2\n", "fix_accept_credit must be a number from 0 to 1, got 2"),
        ("fix_accept_credit = true\n", "fix_accept_credit must be a number from 0 to 1"),
        ("tz = 'UTC'\n", "unknown setting(s) tz"),
        ("db = \n", "is not valid TOML"),
    ],
)
def test_bad_files_name_the_setting(text: str, message: str) -> None:
    Path("labelpulse.toml").write_text(text)
    with pytest.raises(UsageError) as caught:
        load_settings()
    assert message in str(caught.value)


def test_bad_credit_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABELPULSE_FIX_ACCEPT_CREDIT", "lots")
    with pytest.raises(UsageError, match="got 'lots'"):
        load_settings()
