"""The CLI beside a running `labelpulse serve` on the same DuckDB file: the commands a user runs
then (import, report, members, token, sync) are run by the server through its local channel;
the others fail at once with what to do.

One real server for the module (tests/web/serving.py), and the commands as real processes
started from the database's directory, as a user would type them.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from labelpulse.cli.channel import socket_path
from tests.browser.harness import _wait_healthy, free_port
from tests.web.serving import SOURCE, served

WINDOW = ("--from", "2026-03-01", "--to", "2026-03-31")
THROUGH = "(through the running server, pid "
EVENT = {
    "id": "e1",
    "type": "annotation.submitted",
    "time": "2026-03-02T10:00:00Z",
    "actor": "ann",
    "project": "p1",
    "task": "t1",
    "annotation": "a1",
}


def cli(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`labelpulse --db labelpulse.duckdb ARGS` run in cwd, as a user would."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABELPULSE_", "LABEL_"))}
    env["PYTHONPATH"] = SOURCE
    return subprocess.run(
        [sys.executable, "-m", "labelpulse", "--db", "labelpulse.duckdb", *args],
        cwd=cwd,
        env=env,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def said(stderr: str) -> str:
    """A message as one line: Rich wraps it at the terminal's width."""
    return " ".join(stderr.split())


def own_lines(stderr: str) -> str:
    """stderr without the line that says the server ran the command."""
    return "".join(line for line in stderr.splitlines(True) if not line.startswith(THROUGH))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A database with an owner, served; yields its directory and the server's URL."""
    folder = tmp_path_factory.mktemp("beside")
    added = cli(
        folder, "members", "add", "boss", "--name", "Boss", "--email", "boss@example.com",
        "--role", "owner", "--password", "a long enough password",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    with served(folder / "labelpulse.duckdb") as url:
        yield folder, url


@pytest.fixture(scope="module")
def token(server: tuple[Path, str]) -> str:
    """An owner's read token, made through the server: it then works against its HTTP API."""
    folder, _ = server
    made = cli(folder, "token", "create", "--member", "boss")
    assert made.returncode == 0, made.stderr
    assert THROUGH in made.stderr
    return made.stdout.strip()


def api(url: str, token: str, path: str) -> Any:
    request = urllib.request.Request(url + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_the_socket_is_the_users_alone(server: tuple[Path, str]) -> None:
    folder, _ = server
    sock = socket_path(str(folder / "labelpulse.duckdb"))
    assert sock is not None
    assert stat.S_ISSOCK(sock.stat().st_mode)
    assert stat.S_IMODE(sock.stat().st_mode) == 0o600
    assert stat.S_IMODE(sock.parent.stat().st_mode) == 0o700
    assert sock.parent.stat().st_uid == os.getuid()


@pytest.fixture(scope="module")
def imported(server: tuple[Path, str]) -> subprocess.CompletedProcess[str]:
    """One event of ours imported through the server, from a file named relative to here."""
    folder, _ = server
    (folder / "mine.ndjson").write_text(json.dumps(EVENT) + "\n")
    return cli(folder, "import", "mine.ndjson")


def test_import_is_seen_by_the_server_at_once(
    server: tuple[Path, str], token: str, imported: subprocess.CompletedProcess[str]
) -> None:
    _, url = server
    assert imported.returncode == 0, imported.stderr
    assert THROUGH in imported.stderr
    assert "stored" in imported.stdout
    rows = api(url, token, "/api/reports/members?from=2026-03-01&to=2026-03-31")["rows"]
    assert [row["member"] for row in rows if row["member"] == "ann"] == ["ann"]


def test_report_equals_the_apis(
    server: tuple[Path, str], token: str, imported: subprocess.CompletedProcess[str]
) -> None:
    folder, url = server
    shown = cli(folder, "report", "members", "--format", "json", *WINDOW, "--tz", "UTC")
    assert shown.returncode == 0, shown.stderr
    answer = api(url, token, "/api/reports/members?from=2026-03-01&to=2026-03-31&tz=UTC")
    assert json.loads(shown.stdout) == answer


def test_a_report_file_lands_where_the_user_is(server: tuple[Path, str]) -> None:
    folder, _ = server
    written = cli(folder, "report", "members", "--format", "csv", *WINDOW, "-o", "team.csv")
    assert written.returncode == 0, written.stderr
    assert THROUGH in written.stderr
    assert (folder / "team.csv").read_text().startswith("member,")


def test_members_add_and_list(server: tuple[Path, str]) -> None:
    folder, _ = server
    added = cli(
        folder, "members", "add", "rev", "--name", "Ravi", "--email", "ravi@example.com",
        "--role", "reviewer", "--no-password",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout == "Member rev (reviewer) saved.\n"
    listed = cli(folder, "members", "list")
    assert listed.returncode == 0, listed.stderr
    assert "Ravi" in listed.stdout and "Boss" in listed.stdout


def test_a_password_is_asked_here_not_by_the_server(server: tuple[Path, str]) -> None:
    folder, _ = server
    # No terminal: typer's prompt reads the answer and its confirmation from stdin, here.
    changed = cli(folder, "members", "set-password", "boss", stdin="another long one\n" * 2)
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout.endswith("Password of boss set.\n")


def test_sync_fails_as_it_would_without_a_server(server: tuple[Path, str], tmp_path: Path) -> None:
    folder, _ = server
    args = ("sync", "label-studio", "--url", f"http://127.0.0.1:{free_port()}", "--token", "t")
    through = cli(folder, *args)
    alone = cli(tmp_path, *args)
    assert through.returncode == alone.returncode != 0
    assert THROUGH in through.stderr
    assert own_lines(through.stderr) == alone.stderr
    assert through.stdout == alone.stdout


def test_a_failing_import_fails_the_same_way(server: tuple[Path, str], tmp_path: Path) -> None:
    folder, _ = server
    bad = json.dumps({**EVENT, "id": "bad", "time": "not a time"}) + "\n"
    (folder / "bad.ndjson").write_text(bad)
    (tmp_path / "bad.ndjson").write_text(bad)
    through = cli(folder, "import", "bad.ndjson", "-q")
    alone = cli(tmp_path, "import", "bad.ndjson", "-q")
    assert through.returncode == alone.returncode == 1
    # The reasons are the same; the server names the file by its whole path.
    reasons = [line for line in alone.stderr.splitlines() if line.startswith("  ")]
    assert reasons and all(line in through.stderr for line in reasons)
    assert (folder / "bad.ndjson.rejects.ndjson").exists()  # beside the file, as without


def test_standard_input_is_refused(server: tuple[Path, str]) -> None:
    folder, _ = server
    refused = cli(folder, "import", "-", stdin=json.dumps(EVENT))
    assert refused.returncode == 1
    assert "standard input ('-') cannot be read through the running server" in refused.stderr
    assert "Traceback" not in refused.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("copy", "--from", "labelpulse.duckdb", "--to", "copy.duckdb"), "`labelpulse copy`"),
        (("check", "--repair"), "`labelpulse check`"),
        (("demo",), "`labelpulse demo`"),
        (("serve",), "already serves"),
    ],
)
def test_what_cannot_run_through_the_server_fails_at_once(
    server: tuple[Path, str], args: tuple[str, ...], says: str
) -> None:
    folder, _ = server
    started = time.monotonic()
    failed = cli(folder, *args)
    assert time.monotonic() - started < 15
    assert failed.returncode == 1
    assert "labelpulse serve (pid " in failed.stderr
    assert says in said(failed.stderr)
    assert "Traceback" not in failed.stderr


def test_another_holder_is_named(tmp_path: Path) -> None:
    """A process that is no labelpulse server (or an older one) holds the file: its pid, and
    what to do."""
    code = "import duckdb, sys; c = duckdb.connect('labelpulse.duckdb'); print('ok', flush=True);"
    code += " sys.stdin.read()"
    holder = subprocess.Popen(
        [sys.executable, "-c", code], cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"ok\n"
        failed = cli(tmp_path, "members", "list")
    finally:
        holder.communicate(b"", timeout=10)
    assert failed.returncode == 1
    message = said(failed.stderr)
    assert f"(pid {holder.pid}," in message and f"kill {holder.pid}" in message
    assert "Traceback" not in failed.stderr


def test_a_killed_servers_socket_is_replaced(tmp_path: Path) -> None:
    db = tmp_path / "labelpulse.duckdb"
    sock = socket_path(str(db))
    assert sock is not None

    def start() -> subprocess.Popen[bytes]:
        port = free_port()
        log = tmp_path / f"serve-{port}.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("LABELPULSE_")}
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "labelpulse", "--db", str(db), "serve", "--port", str(port)],
                env={**env, "PYTHONPATH": SOURCE}, stdout=out, stderr=out,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip
        _wait_healthy(process, f"http://127.0.0.1:{port}", log)
        return process

    first = start()
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert sock.exists()  # left behind: nobody removed it
    alone = cli(tmp_path, "members", "list")
    assert alone.returncode == 0, alone.stderr
    assert THROUGH not in alone.stderr  # the file is free: the command opens it itself
    second = start()
    try:
        through = cli(tmp_path, "members", "list")
        assert through.returncode == 0, through.stderr
        assert f"{THROUGH}{second.pid})" in through.stderr
    finally:
        second.terminate()
        second.wait(timeout=10)
    assert not sock.exists() and not sock.parent.exists()  # a clean stop leaves nothing
