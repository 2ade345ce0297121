"""A real local SMTP server (aiosmtpd) and a real local HTTP receiver for the digest's tests,
over the small organisation of tests/web/conftest.py. Nothing is ever sent anywhere else."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from labelpulse.config import Settings
from tests.web.conftest import org_store, org_template  # noqa: F401 (fixtures)

__all__ = ["Inbox", "Receiver"]


@dataclass
class Mail:
    sender: str
    to: list[str]
    message: EmailMessage

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None
        return str(body.get_content()).replace("\r\n", "\n")


@dataclass
class Inbox:
    """What the SMTP server received; it refuses the addresses in `refuse` with a 550."""

    host: str = "127.0.0.1"
    port: int = 0
    mails: list[Mail] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content
        assert isinstance(content, bytes)
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.mails.append(Mail(str(envelope.mail_from), list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> Mail:
        found = [m for m in self.mails if address in m.to]
        assert len(found) == 1, (address, [m.to for m in self.mails])
        return found[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    """The one login the authenticating server takes: digest / right password."""
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        b"digest",
        b"right password",
    )
    return AuthResult(success=ok, handled=False)


@contextmanager
def smtp_server(**options: Any) -> Iterator[Inbox]:
    box = Inbox(port=free_port())
    controller = Controller(box, hostname=box.host, port=box.port, **options)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture
def login_inbox() -> Iterator[Inbox]:
    """An SMTP server that requires a login (over plain SMTP: these tests have no certificate)."""
    with smtp_server(authenticator=authenticate, auth_required=True, auth_require_tls=False) as box:
        yield box


@dataclass
class Receiver:
    """A local HTTP server that records each POST; answers `status`, after `delay` seconds."""

    url: str = ""
    bodies: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    delay: float = 0.0


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    got = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            got.bodies.append(json.loads(self.rfile.read(length)))
            time.sleep(got.delay)
            self.send_response(got.status)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # a client that gave up waiting (the timeout test) is no news

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    got.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/T0/B0/s3cret"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield got
    finally:
        server.shutdown()
        server.server_close()


def mail_settings(inbox: Inbox, **more: Any) -> Settings:
    return Settings(
        timezone="UTC",
        smtp_host=inbox.host,
        smtp_port=inbox.port,
        smtp_tls="none",
        smtp_from="digest@acme.test",
        **more,
    )


@pytest.fixture
def org_path(org_template: Path, tmp_path: Path) -> Path:  # noqa: F811
    """A copy of the organisation's database file, not opened (for the CLI to open)."""
    path = tmp_path / "cli.duckdb"
    shutil.copy(org_template, path)
    return path
