"""`labelpulse members`, `labelpulse token`, `labelpulse demo --show-logins` and `serve`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labelpulse.access import authenticate, check_token
from labelpulse.cli import app
from labelpulse.errors import LabelpulseError
from labelpulse.store import connect

ENV = {"LABELPULSE_DB": None, "LABELPULSE_PASSWORD": None}


def run(db: Path, *args: str) -> tuple[int, str]:
    """Exit code and output; an error is what `main` would print (it turns errors into text)."""
    result = CliRunner().invoke(app, ["--db", str(db), *args], env=ENV)
    if isinstance(result.exception, LabelpulseError):
        return 1, result.output + str(result.exception)
    return result.exit_code, result.output


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cli.duckdb"
    code, out = run(
        path, "members", "add", "ann", "--name", "Anna A", "--email", "Anna@Acme.test",
        "--role", "annotator", "--password", "first password",
    )  # fmt: skip
    assert code == 0, out
    return path


def test_members_add_set_password_set_role_join_leave(db: Path) -> None:
    store = connect(str(db))
    try:
        viewer = authenticate(store, "anna@acme.test", "first password")
        assert viewer is not None and viewer.role == "annotator"
    finally:
        store.close()
    assert run(db, "members", "set-password", "ann", "--password", "second password")[0] == 0
    assert run(db, "members", "set-role", "ann", "reviewer")[0] == 0
    code, out = run(db, "members", "join", "ann", "--project", "p1")
    assert code == 1 and "no project 'p1'" in out
    store = connect(str(db))
    try:
        store.put("projects", {"id": "p1", "name": "Cars", "workspace": None})
    finally:
        store.close()
    assert run(db, "members", "join", "ann", "--project", "p1")[0] == 0
    code, out = run(db, "members", "list")
    assert code == 0 and "Anna A" in out and "reviewer" in out and "project:p1" in out
    assert run(db, "members", "leave", "ann", "--project", "p1")[0] == 0
    store = connect(str(db))
    try:
        assert authenticate(store, "anna@acme.test", "first password") is None
        viewer = authenticate(store, "ANNA@acme.test", "second password")
        assert viewer is not None and viewer.role == "reviewer"
        assert store.get("memberships") == []
    finally:
        store.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["set-role", "ann", "boss"], "role must be one of"),
        (["set-role", "nobody", "admin"], "no member 'nobody'"),
        (["set-password", "ann", "--password", "short"], "at least 8 characters"),
        (["join", "ann"], "exactly one of --workspace or --project"),
        (["add", "x", "--name", "X", "--email", "anna@acme.test", "--role", "admin",
          "--password", "long enough"], "already belongs to member 'ann'"),
    ],
)  # fmt: skip
def test_members_errors_are_messages(db: Path, args: list[str], message: str) -> None:
    code, out = run(db, "members", *args)
    assert code != 0
    assert message in out


def test_members_disable_enable_remove(db: Path) -> None:
    code, out = run(db, "token", "create", "--member", "ann", "--scope", "read")
    token = next(line for line in out.splitlines() if line.startswith("lp_"))
    code, out = run(db, "members", "disable", "ann")
    assert code == 0 and "ann is disabled" in out, out
    assert "disabled" in run(db, "members", "list")[1]
    store = connect(str(db))
    try:
        assert authenticate(store, "anna@acme.test", "first password") is None
        assert check_token(store, token) is None
    finally:
        store.close()
    assert "was disabled already" in run(db, "members", "disable", "ann")[1]
    code, out = run(db, "members", "enable", "ann")
    assert code == 0 and "ann is enabled" in out, out
    store = connect(str(db))
    try:
        assert authenticate(store, "anna@acme.test", "first password") is not None
        assert check_token(store, token) is not None
    finally:
        store.close()
    # Remove asks first; --yes does not.
    result = CliRunner().invoke(app, ["--db", str(db), "members", "remove", "ann"], input="n\n")
    assert result.exit_code != 0
    code, out = run(db, "members", "remove", "ann", "--yes")
    assert code == 0 and "removed" in out, out
    store = connect(str(db))
    try:
        assert store.get("members") == [] and store.get("accounts") == []
        assert check_token(store, token) is None
    finally:
        store.close()
    assert "no member 'ann'" in run(db, "members", "disable", "ann")[1]


def test_the_cli_may_do_anything_but_leave_no_owner(db: Path) -> None:
    code, out = run(
        db, "members", "add", "own", "--name", "Olive", "--email", "olive@acme.test",
        "--role", "owner", "--password", "owner password",
    )  # fmt: skip
    assert code == 0, out
    for args in (["set-role", "own", "admin"], ["disable", "own"], ["remove", "own", "--yes"]):
        code, out = run(db, "members", *args)
        assert code != 0 and "the last owner stays owner" in out, (args, out)
    assert run(db, "members", "set-role", "ann", "owner")[0] == 0
    assert run(db, "members", "set-role", "own", "admin")[0] == 0
    assert run(db, "members", "disable", "own")[0] == 0


def test_token_create_list_revoke(db: Path) -> None:
    code, out = run(db, "token", "create", "--member", "ann", "--scope", "read", "--name", "cron")
    assert code == 0, out
    token = next(line for line in out.splitlines() if line.startswith("lp_"))
    store = connect(str(db))
    try:
        found = check_token(store, token)
        assert found is not None and found[0].id == "ann" and found[1] == "read"
        token_id = store.get("tokens")[0]["id"]
        assert token.split("_")[1] == token_id
    finally:
        store.close()
    code, out = run(db, "token", "list")
    assert code == 0 and token_id in out and "cron" in out and token not in out
    assert run(db, "token", "revoke", token_id)[0] == 0
    store = connect(str(db))
    try:
        assert check_token(store, token) is None
    finally:
        store.close()
    assert "no token 'nope'" in run(db, "token", "revoke", "nope")[1]
    assert "scope is one of" in run(db, "token", "create", "--member", "ann", "--scope", "all")[1]


def test_demo_show_logins(tmp_path: Path) -> None:
    path = tmp_path / "demo.duckdb"
    code, out = run(path, "demo", "--events", "2000", "--members", "8")
    assert code == 0, out
    assert "labelpulse-demo" in out
    code, again = run(path, "demo", "--show-logins")
    assert code == 0 and "Demo sign-ins" in again
    for role in ("owner", "admin", "manager", "reviewer", "annotator"):
        assert role in again
    code, out = run(tmp_path / "empty.duckdb", "demo", "--show-logins")
    assert code != 0 and "no demo members" in out


def test_serve_answers_over_http(db: Path) -> None:
    """The real server process: health without a session, 401 for reports, then stops."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "LABELPULSE_DB"}
    server = subprocess.Popen(
        [sys.executable, "-m", "labelpulse", "--db", str(db), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health") as response:
                    assert response.status == 200
                    break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(f"the server stopped: {server.communicate()[1].decode()}")
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/reports/members")
            raise AssertionError("a report without a session must be refused")
        except urllib.error.HTTPError as exc:
            assert exc.code == 401
    finally:
        server.terminate()
        _, err = server.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/" in err.decode()


def test_an_import_that_would_leave_no_owner_is_refused(db: Path, tmp_path: Path) -> None:
    code, out = run(
        db, "members", "add", "own", "--name", "Olive", "--email", "olive@acme.test",
        "--role", "owner", "--password", "owner password",
    )  # fmt: skip
    assert code == 0, out
    demote = tmp_path / "demote.ndjson"
    demote.write_text(
        '{"kind": "member", "id": "own", "name": "Olive", "email": "olive@acme.test", '
        '"role": "admin"}\n'
    )
    code, out = run(db, "import", str(demote))
    assert code != 0 and "the last owner stays owner" in out, out
    store = connect(str(db))
    try:
        assert store.get("members", id="own")[0]["role"] == "owner"
    finally:
        store.close()
    # With another owner in the same file, the operator may demote Olive.
    demote.write_text(
        '{"kind": "member", "id": "boss", "name": "Bo", "email": "bo@acme.test", '
        '"role": "owner"}\n' + demote.read_text()
    )
    code, out = run(db, "import", str(demote))
    assert code == 0, out
