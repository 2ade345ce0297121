"""`labelpulse serve --label-studio-url ...` against a real Label Studio: each periodic sync logs
one line with what it found.

A Label Studio of its own (a fresh copy of the template: the admin and nothing else), not the
session's: the periodic sync reads every project the token sees, and the figures must not
depend on what other tests made there. Each `serve` runs its first sync 5 s after it starts; two
serves in turn over one database are two runs, with changes made in Label Studio between them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.labelstudio.server import Json, LabelStudio, LabelStudioSetupError, running
from tests.web.serving import served

SYNC_LINE = re.compile(r" INFO Label Studio sync: (?P<figures>.*), (?P<seconds>[0-9.]+) s$")
WAIT_SECONDS = 120.0


def choice(label: str) -> list[Json]:
    value = {"choices": [label]}
    return [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": value}]


@pytest.fixture(scope="module")
def own_label_studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabelStudio]:
    try:
        with running(tmp_path_factory.mktemp("serve-label-studio")) as server:
            yield server
    except LabelStudioSetupError as exc:
        pytest.fail(str(exc), pytrace=False)


def sync_lines(db: Path, label_studio: LabelStudio) -> list[tuple[str, float]]:
    """Serve `db` syncing `label_studio` until its first sync has logged; that run's lines."""
    options = ["--label-studio-url", label_studio.url]
    options += ["--label-studio-token", label_studio.admin_token]
    with served(db, *options) as url:
        log = db.parent / f"serve-{url.rsplit(':', 1)[1]}.log"
        deadline = time.monotonic() + WAIT_SECONDS
        while not logged(log) and "ERROR" not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        time.sleep(0.5)  # a second line, were there one, would be there by now
        lines = logged(log)
    assert lines, log.read_text()
    return [(m["figures"], float(m["seconds"])) for m in lines]


def logged(log: Path) -> list[re.Match[str]]:
    found = (SYNC_LINE.search(line) for line in log.read_text().splitlines())
    return [m for m in found if m is not None]


def test_each_periodic_sync_logs_one_line_with_its_figures(
    own_label_studio: LabelStudio, tmp_path: Path
) -> None:
    ls = own_label_studio
    admin = ls.client()
    ann = ls.client(ls.add_user("ann@serve.test", "Ann", "Test").token)
    bob = ls.client(ls.add_user("bob@serve.test", "Bob", "Test").token)
    project = admin.create_project("Periodic")
    admin.import_tasks(project["id"], [{"data": {"text": "one"}}, {"data": {"text": "two"}}])
    t1, t2 = (t["id"] for t in admin.tasks(project["id"]))
    annotation = ann.annotate(t1, choice("positive"), 12.0)
    db = tmp_path / "served.duckdb"

    # Run 1, on an empty database: Ann's annotation is one event.
    [(figures, seconds)] = sync_lines(db, ls)
    assert figures == "projects 1, events stored 1, already held 0, deleted 0, errors 0"
    assert 0 <= seconds < WAIT_SECONDS

    # Run 2: Ann's annotation was deleted (one annotation.deleted event) and Bob skipped task 2
    # (one annotation.skipped event); nothing the database holds is on Label Studio's pages.
    ann.delete_annotation(annotation["id"])
    bob.skip(t2, 3.0)
    [(figures, seconds)] = sync_lines(db, ls)
    assert figures == "projects 1, events stored 2, already held 0, deleted 1, errors 0"
    assert 0 <= seconds < WAIT_SECONDS

    # Run 3, nothing changed: Bob's skip is on Label Studio's pages and already held.
    [(figures, seconds)] = sync_lines(db, ls)
    assert figures == "projects 1, events stored 0, already held 1, deleted 0, errors 0"
