"""The local channel `labelpulse serve` leaves beside a DuckDB file, so the CLI works meanwhile.

DuckDB lets one process hold a database file. While `serve` holds it, a CLI command that needs
the database hands itself to the server: the server listens on a Unix socket in a directory
beside the file (`<db>.serve/sock`, the directory 0700 and the socket 0600, so only the user
who runs the server can connect; the file permissions are the authentication) and runs the
command in-process, on its open store, as the operator (the owner authority the CLI always
has). The command's output goes back over the socket as it is written, then its exit code.

The wire: the server sends one JSON line, `{"pid": N}`; the client sends one JSON line, the
request (`command`: the names below the root, `params`: the command's parsed parameters); the
server answers JSON lines `{"out": text}` / `{"err": text}` and finally `{"exit": code}`.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import socketserver
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from labelpulse.config import Settings
    from labelpulse.web.priority import WritesFirst

# Runs a command (its names below `labelpulse`, its pickled parameters); its exit code.
Runner = Callable[[list[str], str], int]

SOCKET = "sock"
# Linux's sun_path holds 107 bytes and a terminating NUL.
MAX_SOCKET_PATH = 107
VERSION = 1


def channel_dir(db: str) -> Path | None:
    """The directory of the channel beside a DuckDB file; None for other databases (PostgreSQL
    and ClickHouse hold no file lock) and for `:memory:`."""
    scheme, sep, rest = db.partition("://")
    if sep and scheme != "duckdb":
        return None
    path = rest if sep else db
    if not path or path == ":memory:":
        return None
    file = Path(path).expanduser().resolve()
    return file.parent / f"{file.name}.serve"


def socket_path(db: str) -> Path | None:
    folder = channel_dir(db)
    return None if folder is None else folder / SOCKET


def probe(db: str, timeout: float = 2.0) -> tuple[socket.socket, int] | None:
    """A connection to the server's channel and the server's pid, or None when no server
    answers there (no socket, or a stale one left by a server that was killed)."""
    path = socket_path(db)
    if path is None or not path.exists():
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(path))
        hello = json.loads(_read_line(sock))
    except (OSError, ValueError):
        sock.close()
        return None
    sock.settimeout(None)
    return sock, int(hello["pid"])


def _read_line(sock: socket.socket) -> bytes:
    data = bytearray()
    while not data.endswith(b"\n"):
        chunk = sock.recv(1)
        if not chunk:
            raise ConnectionError("the channel closed")
        data += chunk
    return bytes(data)


# -- the server's side --------------------------------------------------------------------------


class _Routed(io.TextIOBase):
    """sys.stdout/sys.stderr/sys.stdin of the serving process: a thread running a channel
    command writes to (and reads from) its own stream; every other thread to the original."""

    def __init__(self, original: Any, local: threading.local, name: str) -> None:
        self._original = original
        self._local = local
        self._name = name

    def _target(self) -> Any:
        return getattr(self._local, self._name, None) or self._original

    def write(self, text: str) -> int:
        return int(self._target().write(text) or 0)

    def flush(self) -> None:
        self._target().flush()

    def read(self, size: int | None = -1) -> str:
        return str(self._target().read(size))

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        return str(self._target().readline(size))

    def isatty(self) -> bool:
        return bool(self._target().isatty())

    def fileno(self) -> int:
        target = self._target()
        if target is self._original:
            return int(target.fileno())
        raise io.UnsupportedOperation("a channel command's stream has no file descriptor")

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8" if self._target() is not self._original else self._original.encoding

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return "strict" if self._target() is not self._original else self._original.errors


class _Frames(io.TextIOBase):
    """A command's stdout or stderr, sent over the socket as JSON lines as it is written."""

    def __init__(self, sock: socket.socket, key: str, lock: threading.Lock) -> None:
        self._sock = sock
        self._key = key
        self._lock = lock
        self.gone = False

    def write(self, text: str | bytes) -> int:
        # typer.echo writes bytes (a report's JSON chunks) as they are, to a stream without
        # a binary buffer: text is what goes over the wire.
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        if text and not self.gone:
            try:
                send(self._sock, {self._key: text}, self._lock)
            except OSError:
                # The client went away (Ctrl+C): the command goes on to its end, unheard, so
                # that a write is never left half done for a lost terminal.
                self.gone = True
        return len(text)

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return "strict"


def send(sock: socket.socket, frame: dict[str, Any], lock: threading.Lock | None = None) -> None:
    data = (json.dumps(frame) + "\n").encode()
    with lock or contextlib.nullcontext():
        sock.sendall(data)


class Channel:
    """The socket beside the database, served from a thread of `labelpulse serve`."""

    def __init__(self, run: Runner, priority: WritesFirst, folder: Path) -> None:
        self.run = run
        self.priority = priority
        self.folder = folder
        self.path = folder / SOCKET
        self._server: socketserver.ThreadingUnixStreamServer | None = None
        self._local = threading.local()
        # One command at a time: the store writes one batch at a time anyway, and a command's
        # figures should not interleave with another's.
        self._running = threading.Lock()

    def start(self) -> None:
        """Listen: the directory made (or checked) 0700 and the user's, a stale socket of a
        killed server replaced (this process holds the database, so no live server has it)."""
        if not hasattr(socketserver, "ThreadingUnixStreamServer"):
            raise OSError("this system has no Unix sockets")
        if len(str(self.path)) > MAX_SOCKET_PATH:
            raise OSError(f"the socket path {self.path} is longer than {MAX_SOCKET_PATH} bytes")
        self.folder.mkdir(mode=0o700, exist_ok=True)
        info = self.folder.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            raise OSError(f"{self.folder} is not a directory of this user's")
        self.folder.chmod(0o700)
        self.path.unlink(missing_ok=True)
        channel = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                channel._handle(self.request)

        server = socketserver.ThreadingUnixStreamServer(str(self.path), Handler)
        server.daemon_threads = True
        self.path.chmod(0o600)
        self._server = server
        self._install_streams()
        threading.Thread(
            target=server.serve_forever, name="labelpulse-channel", daemon=True
        ).start()

    def stop(self) -> None:
        """Stop listening and leave nothing behind."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.folder.rmdir()

    def _install_streams(self) -> None:
        import sys

        for name in ("stdout", "stderr", "stdin"):
            current = getattr(sys, name)
            if not isinstance(current, _Routed):
                setattr(sys, name, _Routed(current, self._local, name))

    def _handle(self, sock: socket.socket) -> None:
        lock = threading.Lock()
        try:
            send(sock, {"pid": os.getpid(), "version": VERSION})
            request = json.loads(_read_line(sock))
        except (OSError, ValueError):
            return  # a probe, or a client that went away
        with self._running:
            self._local.stdout = _Frames(sock, "out", lock)
            self._local.stderr = _Frames(sock, "err", lock)
            self._local.stdin = io.StringIO("")
            try:
                code = self._run(request)
            finally:
                self._local.stdout = self._local.stderr = self._local.stdin = None
        with contextlib.suppress(OSError):
            send(sock, {"exit": code}, lock)

    def _run(self, request: dict[str, Any]) -> int:
        import sys

        if request.get("version") != VERSION:
            sys.stderr.write(
                "Error: this labelpulse differs from the running server's; "
                "stop the server and start it again with this version.\n"
            )
            return 1
        command = [str(name) for name in request.get("command") or [""]]
        # A report reads; every other command may write, and writes go first (`WritesFirst`).
        with self.priority.reading() if command[0] == "report" else self.priority.writing():
            return self.run(command, str(request.get("params", "")))


@contextlib.contextmanager
def serving_channel(
    settings: Settings, run: Runner, priority: WritesFirst
) -> Iterator[Channel | None]:
    """The channel beside the settings' DuckDB file while the block runs, running commands
    with `run` (None for other databases, or when it cannot listen: the server serves anyway,
    and its log says why)."""
    import logging

    folder = channel_dir(settings.db)
    if folder is None:
        yield None
        return
    channel = Channel(run, priority, folder)
    try:
        channel.start()
    except OSError as exc:
        logging.getLogger("labelpulse").warning(
            "no local channel for the CLI (%s): stop the server to run labelpulse commands on "
            "this database",
            exc,
        )
        yield None
        return
    try:
        yield channel
    finally:
        channel.stop()
