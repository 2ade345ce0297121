"""A real Label Studio for the connector tests: install, template data dir, server, client.

- `install()`: label-studio==LABEL_STUDIO_VERSION in its own virtualenv, cached outside the repo
  in ~/.cache/labelpulse/label-studio-VERSION/venv (LABELPULSE_CACHE moves the cache).
- `build_template()`: a data dir migrated once per machine (the first start takes 30-60 s),
  with the admin user and its fixed legacy API token; `prepare()` does both. Both take a file
  lock, so concurrent sessions (or `make label-studio` and pytest) never build at once.
- `running(folder)`: a copy of the template and `label-studio start` on a free port of
  127.0.0.1 (~3.5 s); yields a `LabelStudio` handle and kills the process group at the end.
- `Client`: a small typed REST client (urllib, `Authorization: Token ...`).

`python -m tests.labelstudio.server prepare` installs and builds the template (`make
label-studio` runs it). An install failure raises with pip's output: never a skip.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

LABEL_STUDIO_VERSION = "1.23.2"
CACHE = Path(os.environ.get("LABELPULSE_CACHE") or Path.home() / ".cache" / "labelpulse")
HOME = CACHE / f"label-studio-{LABEL_STUDIO_VERSION}"
VENV = HOME / "venv"
LABEL_STUDIO = VENV / "bin" / "label-studio"
TEMPLATE = HOME / "template"
# Written last, so a half-done install or template (a killed build) is redone, never used.
VENV_READY = VENV / ".labelpulse-ready"
TEMPLATE_READY = TEMPLATE / ".labelpulse-ready"
LOCK = CACHE / f"label-studio-{LABEL_STUDIO_VERSION}.lock"

ADMIN_EMAIL = "admin@labelpulse.test"
ADMIN_PASSWORD = "labelpulse-admin-password"
ADMIN_TOKEN = "labelpulse-admin-token"  # legacy token: > 5 characters, fixed before first start
SQLITE_FILE = "label_studio.sqlite3"

TEMPLATE_START_SECONDS = 300.0  # migrations on SQLite: 30-60 s on a busy 2-core machine
START_SECONDS = 120.0
STOP_SECONDS = 15.0

TEXT_CLASSIFICATION = (
    '<View><Text name="text" value="$text"/>'
    '<Choices name="sentiment" toName="text" choice="single">'
    '<Choice value="positive"/><Choice value="negative"/><Choice value="neutral"/>'
    "</Choices></View>"
)

Json = dict[str, Any]
Say = Callable[[str], None]


class LabelStudioSetupError(RuntimeError):
    """Label Studio could not be installed, migrated or started; the message says why."""


class LabelStudioError(RuntimeError):
    """An API call answered with an error status."""

    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        super().__init__(f"{method} {path} -> {status}: {body[:2000]}")
        self.method = method
        self.path = path
        self.status = status
        self.body = body


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- install and template --------------------------------------------------------------------


@contextmanager
def _locked(say: Say) -> Iterator[None]:
    CACHE.mkdir(parents=True, exist_ok=True)
    with LOCK.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"label-studio: waiting for another process to finish preparing it ({LOCK})...")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _python311() -> str:
    found = shutil.which("python3.11")
    if found:
        return found
    if sys.version_info[:2] == (3, 11):
        return sys.executable
    raise LabelStudioSetupError("label-studio needs python3.11, which is not on PATH")


def _run_logged(command: list[str], log: Path) -> None:
    with log.open("ab") as out:
        out.write(f"$ {' '.join(command)}\n".encode())
        out.flush()
        done = subprocess.run(
            command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, check=False
        )
    if done.returncode != 0:
        raise LabelStudioSetupError(
            f"{' '.join(command)} failed with exit code {done.returncode}. Its output "
            f"({log}):\n{log.read_text(errors='replace')}"
        )


def install(say: Say = _stderr) -> Path:
    """label-studio in its own virtualenv (idempotent; ~1 GB, about a minute the first time)."""
    if VENV_READY.is_file():
        return VENV
    with _locked(say):
        if VENV_READY.is_file():
            return VENV
        if VENV.exists():
            shutil.rmtree(VENV)
        HOME.mkdir(parents=True, exist_ok=True)
        log = HOME / "install.log"
        log.write_bytes(b"")
        say(
            f"label-studio: installing label-studio=={LABEL_STUDIO_VERSION} into {VENV} "
            "(first use on this machine: ~1 GB, about a minute)..."
        )
        started = time.monotonic()
        _run_logged([_python311(), "-m", "venv", str(VENV)], log)
        pip = [str(VENV / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
        _run_logged([*pip, "install", "--quiet", "--upgrade", "pip"], log)
        _run_logged([*pip, "install", "--quiet", f"label-studio=={LABEL_STUDIO_VERSION}"], log)
        if not LABEL_STUDIO.is_file():
            raise LabelStudioSetupError(f"pip succeeded, but {LABEL_STUDIO} is missing")
        VENV_READY.write_text(f"label-studio=={LABEL_STUDIO_VERSION}\n")
        say(f"label-studio: installed in {time.monotonic() - started:.0f} s")
    return VENV


def build_template(say: Say = _stderr) -> Path:
    """The migrated template data dir (idempotent): first start, /health, clean stop."""
    install(say)
    if TEMPLATE_READY.is_file():
        return TEMPLATE
    with _locked(say):
        if TEMPLATE_READY.is_file():
            return TEMPLATE
        for leftover in HOME.glob("template.building-*"):  # of a build that was killed
            shutil.rmtree(leftover, ignore_errors=True)
        building = HOME / f"template.building-{os.getpid()}"
        say(
            f"label-studio: migrating a template data dir into {TEMPLATE} "
            "(once per machine: 30-60 s)..."
        )
        started = time.monotonic()
        log = HOME / "template.log"
        with _started(building, log, TEMPLATE_START_SECONDS, first_start=True) as server:
            # The legacy token must work, or every test would answer 401.
            server.client().whoami()
        shutil.rmtree(TEMPLATE, ignore_errors=True)
        building.rename(TEMPLATE)
        TEMPLATE_READY.write_text(f"label-studio=={LABEL_STUDIO_VERSION}\n")
        say(f"label-studio: template built in {time.monotonic() - started:.0f} s")
    return TEMPLATE


def prepare(say: Say = _stderr) -> Path:
    """Install and build the template: what `make label-studio` runs."""
    return build_template(say)


# --- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(data_dir: Path, first_start: bool = False) -> dict[str, str]:
    """A small, explicit environment: Label Studio reads many bare names (HOST, PORT, DEBUG,
    USERNAME, ...) besides LABEL_STUDIO_*, so nothing of the caller's environment leaks in.

    The admin's email, password and token go to the first start only (the template's): given
    on every start, they make each start hash the password again for nothing."""
    env = {k: os.environ[k] for k in ("PATH", "HOME", "TMPDIR", "LANG") if k in os.environ}
    env.update(
        {
            "PYTHONUNBUFFERED": "1",
            "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir),
            # Without it, at the first start, `Authorization: Token` answers 401 for good.
            "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
            # Offline and quiet: no version check against the package index, no usage
            # analytics, no Sentry (on by default, backend and frontend), feature flags from
            # the bundled file (no LaunchDarkly).
            "LATEST_VERSION_CHECK": "false",
            "COLLECT_ANALYTICS": "false",
            "SENTRY_DSN": "",
            "FRONTEND_SENTRY_DSN": "",
            "FEATURE_FLAGS_OFFLINE": "true",
            # Its webhooks must reach a receiver on 127.0.0.1.
            "SSRF_PROTECTION_ENABLED": "false",
            # Webhooks are sent synchronously inside the API call; the default 1 s is tight on
            # a busy 2-core machine, and a timed-out delivery is silently dropped.
            "WEBHOOK_TIMEOUT": "5",
        }
    )
    if first_start:
        env["LABEL_STUDIO_USERNAME"] = ADMIN_EMAIL
        env["LABEL_STUDIO_PASSWORD"] = ADMIN_PASSWORD
        env["LABEL_STUDIO_USER_TOKEN"] = ADMIN_TOKEN  # more than 5 characters, or ignored
    return env


def _die_with_parent() -> None:
    """In the child: SIGKILL when the process that started it dies (no orphans)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


@dataclass(frozen=True)
class User:
    id: int
    email: str
    token: str


@dataclass
class LabelStudio:
    """A running Label Studio: its base URL, admin token and data dir."""

    url: str
    admin_token: str
    data_dir: Path
    log: Path
    process: subprocess.Popen[bytes]
    start_seconds: float

    def client(self, token: str | None = None) -> Client:
        return Client(self.url, token or self.admin_token)

    def user_token(self, email: str) -> str:
        """The legacy API token of a user, read from the server's SQLite file (read-only).

        `label-studio user --username EMAIL --data-dir DIR` prints the same token, but takes
        4-12 s a call (it loads Django); there is no API that reads another user's token.
        """
        uri = f"file:{self.data_dir / SQLITE_FILE}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True, timeout=10)) as db:
            row = db.execute(
                "SELECT t.key FROM authtoken_token t JOIN htx_user u ON u.id = t.user_id "
                "WHERE u.email = ?",
                (email,),
            ).fetchone()
        if row is None:
            raise LookupError(f"no API token for {email}")
        return str(row[0])

    def add_user(self, email: str, first_name: str = "", last_name: str = "") -> User:
        """A member of the admin's organization (POST /api/users/), with its own token."""
        admin = self.client()
        created = admin.create_user(email, first_name=first_name, last_name=last_name)
        # POST /api/users/ adds the user to the organization but leaves
        # active_organization null; set it, as signing up through an invite would.
        admin.update_user(created["id"], active_organization=admin.whoami()["active_organization"])
        return User(id=int(created["id"]), email=email, token=self.user_token(email))

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _start_process(
    data_dir: Path, port: int, log: Path, first_start: bool
) -> subprocess.Popen[bytes]:
    command = [str(LABEL_STUDIO), "start", "--no-browser", "--internal-host", "127.0.0.1"]
    command += ["-p", str(port), "--data-dir", str(data_dir)]
    with log.open("ab") as out:
        out.write(f"$ {' '.join(command)}\n".encode())
        out.flush()
        return subprocess.Popen(
            command,
            cwd=data_dir,
            env=server_env(data_dir, first_start),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed whole at the end
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the group, then SIGKILL. Not SIGINT: a process started from a background job
    of a non-interactive shell (CI, make under nohup) inherits SIGINT ignored. Every write
    was committed when its API call answered, so SQLite is left consistent."""
    if process.poll() is None:
        for sig, grace in ((signal.SIGTERM, STOP_SECONDS), (signal.SIGKILL, STOP_SECONDS)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(timeout=grace)
                break
            except subprocess.TimeoutExpired:
                continue
    # Whatever it started in its group goes too (runserver --noreload starts none).
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    if process.returncode is None:
        process.wait(timeout=STOP_SECONDS)


_PORT_TAKEN = re.compile(rb"Port \d+ is in use")


def _wait_healthy(process: subprocess.Popen[bytes], url: str, log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LabelStudioSetupError(
                f"label-studio exited with {process.returncode} before answering /health; "
                f"its log ({log}):\n{log.read_text(errors='replace')[-20000:]}"
            )
        if _PORT_TAKEN.search(log.read_bytes()):
            raise _PortTaken(url)
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise LabelStudioSetupError(
        f"label-studio did not answer {url}/health within {seconds:.0f} s; "
        f"its log ({log}):\n{log.read_text(errors='replace')[-20000:]}"
    )


class _PortTaken(Exception):
    """Label Studio found its port taken (and would silently move to the next one)."""


@contextmanager
def _started(
    data_dir: Path, log: Path, seconds: float, first_start: bool = False
) -> Iterator[LabelStudio]:
    data_dir.mkdir(parents=True, exist_ok=True)
    log.write_bytes(b"")
    for _attempt in range(3):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        started = time.monotonic()
        process = _start_process(data_dir, port, log, first_start)
        try:
            _wait_healthy(process, url, log, seconds)
        except _PortTaken:
            _stop(process)
            continue
        except BaseException:
            _stop(process)
            raise
        server = LabelStudio(
            url=url,
            admin_token=ADMIN_TOKEN,
            data_dir=data_dir,
            log=log,
            process=process,
            start_seconds=time.monotonic() - started,
        )
        try:
            yield server
        finally:
            _stop(process)
        return
    raise LabelStudioSetupError(f"label-studio found its port taken three times: see {log}")


@contextmanager
def running(folder: Path, say: Say = _stderr) -> Iterator[LabelStudio]:
    """A fresh Label Studio on a copy of the template, in folder/data; log in folder/server.log."""
    template = build_template(say)
    data_dir = folder / "data"
    shutil.copytree(template, data_dir, ignore=shutil.ignore_patterns(TEMPLATE_READY.name))
    with _started(data_dir, folder / "server.log", START_SECONDS) as server:
        yield server


# --- the client ------------------------------------------------------------------------------


class Client:
    """The REST calls the connector tests make, as one user (`Authorization: Token ...`)."""

    def __init__(self, url: str, token: str, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: Mapping[str, str | int | bool] | None = None,
    ) -> Any:
        """One call; the decoded JSON answer (None when empty). Errors raise LabelStudioError."""
        target = self.url + path
        if query:
            params = {k: str(v).lower() if isinstance(v, bool) else v for k, v in query.items()}
            target += "?" + urllib.parse.urlencode(params)
        headers = {"Authorization": f"Token {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(target, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            with exc:
                text = exc.read().decode(errors="replace")
            raise LabelStudioError(method, path, exc.code, text) from None
        return json.loads(raw) if raw.strip() else None

    # users

    def whoami(self) -> Json:
        result: Json = self.request("GET", "/api/current-user/whoami")
        return result

    def users(self) -> list[Json]:
        """The organization's members (GET /api/users/ is not paginated: a plain list)."""
        result: list[Json] = self.request("GET", "/api/users/")
        return result

    def create_user(
        self, email: str, *, first_name: str = "", last_name: str = "", username: str = ""
    ) -> Json:
        body = {"email": email, "first_name": first_name, "last_name": last_name}
        body["username"] = username or email.split("@")[0]
        result: Json = self.request("POST", "/api/users/", body)
        return result

    def update_user(self, user_id: int, **fields: Any) -> Json:
        result: Json = self.request("PATCH", f"/api/users/{user_id}/", fields)
        return result

    # projects and tasks

    def create_project(self, title: str, label_config: str = TEXT_CLASSIFICATION) -> Json:
        """title: 3 to 50 characters."""
        body = {"title": title, "label_config": label_config}
        result: Json = self.request("POST", "/api/projects/", body)
        return result

    def project(self, project_id: int) -> Json:
        result: Json = self.request("GET", f"/api/projects/{project_id}/")
        return result

    def projects(self, page_size: int = 100) -> list[Json]:
        """All pages of GET /api/projects/ ({count, next, previous, results}; page_size <= 100)."""
        found: list[Json] = []
        page = 1
        while True:
            answer = self.request(
                "GET", "/api/projects/", query={"page": page, "page_size": page_size}
            )
            found += answer["results"]
            if not answer["next"]:
                return found
            page += 1

    def import_tasks(self, project_id: int, tasks: Sequence[Json]) -> Json:
        """POST /api/projects/{id}/import: a list of task data dicts ({"text": ...})."""
        result: Json = self.request("POST", f"/api/projects/{project_id}/import", list(tasks))
        return result

    def tasks(self, project_id: int, page_size: int = 100) -> list[Json]:
        """All pages of GET /api/tasks/?project= ({tasks, total, total_annotations, ...})."""
        found: list[Json] = []
        page = 1
        while True:
            query = {"project": project_id, "page": page, "page_size": page_size}
            answer = self.request("GET", "/api/tasks/", query=query)
            found += answer["tasks"]
            if not answer["tasks"] or len(found) >= answer["total"]:
                return found
            page += 1

    def task(self, task_id: int) -> Json:
        result: Json = self.request("GET", f"/api/tasks/{task_id}/")
        return result

    # annotations and drafts

    def annotate(
        self,
        task_id: int,
        result: Sequence[Json],
        lead_time: float,
        *,
        was_cancelled: bool = False,
        draft_id: int | None = None,
    ) -> Json:
        """Submit an annotation as this client's user (completed_by follows the token)."""
        body: Json = {"result": list(result), "lead_time": lead_time}
        body["was_cancelled"] = was_cancelled
        if draft_id is not None:
            body["draft_id"] = draft_id
        created: Json = self.request("POST", f"/api/tasks/{task_id}/annotations/", body)
        return created

    def skip(self, task_id: int, lead_time: float) -> Json:
        """What the Skip button sends: an empty result with was_cancelled true."""
        return self.annotate(task_id, [], lead_time, was_cancelled=True)

    def save_draft(self, task_id: int, result: Sequence[Json], lead_time: float) -> Json:
        body = {"result": list(result), "lead_time": lead_time}
        created: Json = self.request("POST", f"/api/tasks/{task_id}/drafts", body)
        return created

    def drafts(self, task_id: int) -> list[Json]:
        found: list[Json] = self.request("GET", f"/api/tasks/{task_id}/drafts")
        return found

    def update_annotation(self, annotation_id: int, **fields: Any) -> Json:
        """PATCH /api/annotations/{id}/, e.g. result=..., lead_time=<new cumulative total>."""
        updated: Json = self.request("PATCH", f"/api/annotations/{annotation_id}/", fields)
        return updated

    def delete_annotation(self, annotation_id: int) -> None:
        self.request("DELETE", f"/api/annotations/{annotation_id}/")

    def annotation(self, annotation_id: int) -> Json:
        found: Json = self.request("GET", f"/api/annotations/{annotation_id}/")
        return found

    def annotations(self, task_id: int) -> list[Json]:
        found: list[Json] = self.request("GET", f"/api/tasks/{task_id}/annotations/")
        return found

    # export and webhooks

    def export(
        self, project_id: int, export_type: str = "JSON", download_all_tasks: bool = True
    ) -> Any:
        """GET /api/projects/{id}/export: for JSON, a list of tasks with their annotations."""
        query: dict[str, str | int | bool] = {"exportType": export_type}
        query["download_all_tasks"] = download_all_tasks
        return self.request("GET", f"/api/projects/{project_id}/export", query=query)

    def create_webhook(
        self,
        url: str,
        project_id: int,
        *,
        headers: Mapping[str, str] | None = None,
        send_payload: bool = True,
        send_for_all_actions: bool = True,
        actions: Sequence[str] = (),
    ) -> Json:
        body: Json = {"url": url, "project": project_id, "send_payload": send_payload}
        body["send_for_all_actions"] = send_for_all_actions
        body["headers"] = dict(headers or {})
        body["actions"] = list(actions)
        created: Json = self.request("POST", "/api/webhooks/", body)
        return created

    def webhooks(self, project_id: int | None = None) -> list[Json]:
        query = {"project": project_id} if project_id is not None else None
        found: list[Json] = self.request("GET", "/api/webhooks/", query=query)
        return found


# --- a webhook receiver ----------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """One webhook call as received: its path, headers (as sent) and JSON body."""

    path: str
    headers: dict[str, str]
    body: Json


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 (its own thread) recording every POST; answers 200 at once.

    Label Studio sends webhooks synchronously inside the API call that caused them, so a
    delivery is recorded before that call answers.
    """

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                delivery = Delivery(self.path, dict(self.headers.items()), json.loads(raw))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                with receiver._arrived:
                    receiver.deliveries.append(delivery)
                    receiver._arrived.notify_all()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/labelstudio/webhook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Delivery]:
        """The deliveries once at least count have arrived (AssertionError after timeout)."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.deliveries) >= count, timeout):
                actions = [d.body.get("action") for d in self.deliveries]
                raise AssertionError(f"expected {count} webhook deliveries, got {actions}")
            return list(self.deliveries)

    def clear(self) -> None:
        with self._lock:
            self.deliveries.clear()


def main(argv: Sequence[str]) -> int:
    commands = {"install": install, "prepare": prepare}
    if len(argv) != 1 or argv[0] not in commands:
        usage = f"usage: python -m tests.labelstudio.server {{{','.join(commands)}}}"
        print(usage, file=sys.stderr)
        return 2
    try:
        commands[argv[0]](_stderr)
    except LabelStudioSetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
