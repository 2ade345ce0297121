"""A command beside a running `labelpulse serve`: handed to it, or refused with what to do.

When a command cannot open the DuckDB file because another process holds it, and a
`labelpulse serve` answers on the channel beside the file (`labelpulse.cli.channel`), the
commands below are run by that server, on its open store; the others fail at once with a
message. The command's parameters are sent as parsed here (options taken from the environment
included), with the paths it names made absolute from this directory.
"""

from __future__ import annotations

import base64
import json
import os
import pickle
import re
import socket
import sys
from pathlib import Path
from typing import Any

import typer

from labelpulse.cli.channel import VERSION, probe, send
from labelpulse.errors import LabelpulseError

# The commands a running server runs for the CLI (the first name below `labelpulse`).
FORWARDED = frozenset({"import", "report", "members", "token", "sync", "check", "pay"})
# Parameters that name files though they are not typed as paths: (command, parameter).
PATH_LISTS: dict[tuple[str, ...], str] = {("import",): "files"}
_LOCK = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")


class Forward(BaseException):
    """Raised where a command would open the store, caught by `labelpulse.cli.main`: run the
    command through the server instead. A BaseException, so that no command's `except
    Exception` keeps it."""

    def __init__(self, sock: socket.socket, pid: int, command: list[str], params: str) -> None:
        super().__init__(f"through the running server, pid {pid}")
        self.sock = sock
        self.pid = pid
        self.command = command
        self.params = params

    def run(self) -> int:
        """Send the command, copy its output here as it comes, and return its exit code."""
        sys.stderr.write(f"(through the running server, pid {self.pid})\n")
        sys.stderr.flush()
        try:
            return self._relay()
        except KeyboardInterrupt:
            sys.stderr.write(f"\nAborted here; the server (pid {self.pid}) ends the command.\n")
            return 1

    def _relay(self) -> int:
        with self.sock:
            send(self.sock, {"version": VERSION, "command": self.command, "params": self.params})
            for line in self.sock.makefile("rb"):
                frame = json.loads(line)
                if "exit" in frame:
                    return int(frame["exit"])
                stream = sys.stdout if "out" in frame else sys.stderr
                try:
                    stream.write(frame.get("out", frame.get("err", "")))
                    stream.flush()
                except BrokenPipeError:
                    # Piped into `head`, which has read enough: stop quietly, as Click does.
                    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115
                    return 1
        sys.stderr.write(
            f"Error: the running server (pid {self.pid}) stopped before the command ended.\n"
        )
        return 1


def lock_holder(message: str) -> tuple[int, str] | None:
    """The pid and program DuckDB names as holding the file's lock, if that is the failure."""
    found = _LOCK.search(message)
    return None if found is None else (int(found["pid"]), found["program"])


def held(
    db: str, error: LabelpulseError, ctx: typer.Context | None, name: str | None = None
) -> BaseException:
    """What to raise when opening `db` failed with `error`: the same error unless another
    process holds the file; then the command handed to the server beside it (`Forward`), or a
    message saying who holds the file and what to do."""
    from labelpulse.store.base import redacted

    holder = lock_holder(error.message)
    if holder is None:
        return error
    pid, program = holder
    command = _command(ctx) if name is None else name.split()
    name = f"labelpulse {' '.join(command)}".strip()
    found = probe(db)
    if found is None:
        return LabelpulseError(
            f"{redacted(db)} is held by another process (pid {pid}, {program}): DuckDB lets one "
            f"process open the file. Stop that process (kill {pid}) and run `{name}` again. "
            "A `labelpulse serve` of this version runs commands for the CLI meanwhile; an older "
            "one does not: restart it with this version."
        )
    sock, server = found
    if ctx is not None and forwardable(command, ctx.params):
        return Forward(sock, server, command, _params(ctx, command))
    sock.close()
    if command == ["serve"]:
        return LabelpulseError(
            f"labelpulse serve (pid {server}) already serves {redacted(db)}: open its "
            f"dashboard, or stop it first (Ctrl+C where it runs, or kill {server})."
        )
    return LabelpulseError(
        f"labelpulse serve (pid {server}) holds {redacted(db)}, and `{name}` cannot run "
        f"through it: stop the server first (Ctrl+C where it runs, or kill {server}), run the "
        "command, then start the server again."
    )


def _command(ctx: typer.Context | None) -> list[str]:
    """The command's names below `labelpulse`, e.g. ["members", "add"]."""
    names: list[str] = []
    current: Any = ctx
    while current is not None and current.parent is not None:
        names.insert(0, str(current.info_name))
        current = current.parent
    return names


def forwardable(command: list[str], params: dict[str, Any]) -> bool:
    """Whether a running server runs this command for the CLI."""
    if not command or command[0] not in FORWARDED:
        return False
    # Repairing rebuilds every state table: not while the server answers from them.
    return not (command == ["check"] and params.get("repair"))


def _params(ctx: typer.Context, command: list[str]) -> str:
    """The command's parsed parameters, paths made absolute from here, pickled: the server is
    this same program, and pickle keeps each value's type (a Path, an enum) as the command
    takes it. Only this user can reach the socket, so unpickling is no wider a door."""
    here = Path.cwd()
    out: dict[str, Any] = {}
    for name, value in ctx.params.items():
        if isinstance(value, os.PathLike):
            value = Path(_absolute(here, value))
        elif value is not None and PATH_LISTS.get(tuple(command)) == name:
            value = _files(here, list(value))
        out[name] = value
    return base64.b64encode(pickle.dumps(out)).decode()


def _files(here: Path, files: list[str]) -> list[str]:
    """`import`'s arguments: a SOURCE name first stays a name (as the command tells them)."""
    from labelpulse.connectors.registry import CONNECTORS

    first = files[:1]
    if first and first[0] in CONNECTORS and not (here / first[0]).exists():
        return [first[0], *_absolute(here, files[1:])]
    return list(_absolute(here, files))


def _absolute(here: Path, value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_absolute(here, v) for v in value]
    if os.fspath(value) == "-":
        raise LabelpulseError(
            "standard input ('-') cannot be read through the running server: "
            "write it to a file and name the file"
        )
    return str(here / os.fspath(value))
