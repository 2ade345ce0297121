"""Hostile request bodies: time, answer size and peak memory of one POST /api/events.

`python -m benchmarks.hostile_bodies [case ...]`; each case runs in a process of its own so its
peak RSS (ru_maxrss) is its own. Cases: `empty-1m` (1M lines of `{}`, 3 MB of NDJSON),
`empty-100k`, `array-1m` (the same as a JSON array), `deep` (`[` x 100000 as a JSON body).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

BODIES = {
    "empty-1m": (b"{}\n" * 1_000_000, "application/x-ndjson"),
    "empty-100k": (b"{}\n" * 100_000, "application/x-ndjson"),
    "array-1m": (b"[" + b",".join([b"{}"] * 1_000_000) + b"]", "application/json"),
    "deep": (b"[" * 100_000, "application/json"),
}


def run_case(name: str) -> None:
    from labelpulse.access import create_token
    from labelpulse.config import Settings
    from labelpulse.store import connect
    from labelpulse.web.app import create_app

    print(f"labelpulse from {Path(connect.__code__.co_filename).parents[1]}", file=sys.stderr)

    body, content_type = BODIES[name]
    with tempfile.TemporaryDirectory() as folder:
        store = connect(str(Path(folder) / "bench.duckdb"))
        store.put("members", {"id": "adm", "name": "Adam", "role": "admin"})
        token = create_token(store, "adm", name="bench", scope="ingest")[1]
        # LABELPULSE_MAX_REQUEST_RECORDS=2000000 shows validation itself on a million records.
        limit = os.environ.get("LABELPULSE_MAX_REQUEST_RECORDS")
        settings = Settings(db=store.url)
        if limit and hasattr(settings, "max_request_records"):
            settings = Settings(db=store.url, max_request_records=int(limit))
        app = create_app(store, settings)
        with TestClient(app, raise_server_exceptions=False) as client:
            start = time.perf_counter()
            response = client.post(
                "/api/events",
                content=body,
                headers={"authorization": f"Bearer {token}", "content-type": content_type},
            )
            seconds = time.perf_counter() - start
        store.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{name:>10}: {len(body) / 1e6:6.1f} MB body -> {response.status_code} in {seconds:6.2f} s,"
        f" answer {len(response.content) / 1e6:8.3f} MB, peak RSS {peak_mb:7.0f} MB"
    )


def main() -> None:
    names = sys.argv[1:] or list(BODIES)
    if os.environ.get("_HOSTILE_CASE"):
        run_case(os.environ["_HOSTILE_CASE"])
        return
    for name in names:
        # The child imports the same labelpulse as this process (a worktree's, or main's).
        env = {**os.environ, "_HOSTILE_CASE": name, "PYTHONPATH": os.pathsep.join(sys.path)}
        subprocess.run([sys.executable, "-m", "benchmarks.hostile_bodies"], env=env, check=False)


if __name__ == "__main__":
    main()
