"""A real `labelpulse serve` in a subprocess, for tests of what only a real server shows."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import labelpulse
from tests.browser.harness import _wait_healthy, free_port

# The checkout under test, whatever copy the virtualenv has installed.
SOURCE = str(Path(labelpulse.__file__).resolve().parent.parent)


@contextmanager
def served(db: Path, *options: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`labelpulse serve` over db with these options until the block ends; yields its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "labelpulse", "--db", str(db), "serve", "--port", str(port)]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LABELPULSE_")}
    clean["PYTHONPATH"] = SOURCE
    log = db.parent / f"serve-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, *options], env={**clean, **(env or {})}, stdout=out, stderr=out
        )
    try:
        _wait_healthy(process, url, log)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
