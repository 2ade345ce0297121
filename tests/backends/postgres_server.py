"""A real PostgreSQL 15 server for the tests: one per test session, a fresh database per test.

The server runs from the Debian binaries in a temporary data directory, on a free port of
127.0.0.1, with trust authentication there. PostgreSQL refuses to run as root, so when the tests
run as root the server runs as the `postgres` user (`runuser -u postgres --`), in a directory it
owns. It is started on first use and stopped at the end of the session (and at exit, should the
session die), its whole process group with it; the data directory goes too.

Durability is switched off (`fsync`, `synchronous_commit`, `full_page_writes`): a test server
loses nothing it needs by a crash, and its commits cost no disk flushes.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

BIN = Path(os.environ.get("LABELPULSE_PG_BIN", "/usr/lib/postgresql/15/bin"))
START_TIMEOUT = 30.0


# A test server's settings: no durability (see the module's text), room for many connections.
TEST_SETTINGS: Mapping[str, str] = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}


class PostgresServer:
    """One PostgreSQL server process in a temporary data directory, run with `settings`
    (the benchmarks' own: stock durability, more memory)."""

    def __init__(self, settings: Mapping[str, str] = TEST_SETTINGS) -> None:
        self.settings = dict(settings)
        self.root = Path(tempfile.mkdtemp(prefix="labelpulse-pg-"))
        self.data = self.root / "data"
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._log = self.root / "server.log"

    @property
    def admin_url(self) -> str:
        return self.url("postgres")

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        if not (BIN / "postgres").exists():
            raise RuntimeError(f"no PostgreSQL binaries in {BIN} (set LABELPULSE_PG_BIN)")
        as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            as_user = ["runuser", "-u", "postgres", "--"]
        made = subprocess.run(
            [
                *as_user,
                str(BIN / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if made.returncode:
            raise RuntimeError(f"initdb failed: {made.stderr.strip()}")
        settings = {
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": str(self.root),
            **self.settings,
        }
        options = [arg for name, value in settings.items() for arg in ("-c", f"{name}={value}")]
        for _ in range(5):  # a free port may be taken between finding it and listening on it
            self.port = _free_port()
            log = self._log.open("ab")
            self._process = subprocess.Popen(
                [
                    *as_user,
                    str(BIN / "postgres"),
                    "-D",
                    str(self.data),
                    "-p",
                    str(self.port),
                    *options,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: stopped whole, never orphaned
            )
            log.close()
            if self._wait_ready():
                return
            self._kill()
        raise RuntimeError(f"PostgreSQL did not start; log:\n{self._log.read_text()[-3000:]}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                return False
            try:
                with psycopg.connect(self.admin_url, connect_timeout=2):
                    return True
            except psycopg.OperationalError:
                time.sleep(0.05)
        return False

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        # SIGINT is PostgreSQL's fast shutdown: open sessions are cut, the server exits cleanly.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def stop(self) -> None:
        self._kill()
        shutil.rmtree(self.root, ignore_errors=True)

    def create_database(self) -> str:
        name = f"lp_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.admin_url, autocommit=True) as con:
            con.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return name

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as con:
            con.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


_server: PostgresServer | None = None
_server_lock = threading.Lock()


def server(request: pytest.FixtureRequest | None = None) -> PostgresServer:
    """The session's server, started on first use and stopped when the session ends."""
    global _server
    with _server_lock:
        if _server is None:
            started = PostgresServer()
            try:
                started.start()
            except BaseException:
                started.stop()
                raise
            atexit.register(started.stop)
            if request is not None:
                request.config.add_cleanup(_stop_server)
            _server = started
        return _server


def _stop_server() -> None:
    global _server
    with _server_lock:
        if _server is not None:
            _server.stop()
            _server = None


def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database on the session's server; dropped afterwards."""
    del tmp_path  # the server keeps its own directory, shared by the session's databases
    running = server(request)
    name = running.create_database()
    try:
        yield running.url(name)
    finally:
        running.drop_database(name)
