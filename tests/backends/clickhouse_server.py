"""ClickHouse for tests: chDB, the ClickHouse engine in this process, through the same store code
as a ClickHouse server apart from the connection.

chDB runs one engine per process, bound to one directory: a second directory can be opened
only after every connection to the first is closed. So every test of a session shares one
directory (under pytest's base temporary directory) and gets a database of its own on it:
`chdb://DIR?database=tNNN`, dropped after the test. A connection held for the whole session
keeps the engine up between tests (starting it again per test would cost time).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_numbers = itertools.count()
_engine: dict[str, Any] = {}


def engine_path(request: pytest.FixtureRequest) -> Path:
    """The session's chDB directory; the first call starts the engine for the session."""
    if "path" not in _engine:
        import chdb

        factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
        folder = factory.getbasetemp() / "chdb"
        _engine["keeper"] = chdb.connect(str(folder))  # type: ignore[no-untyped-call]  # chdb: untyped
        _engine["path"] = folder

        def stop() -> None:
            _engine.pop("keeper").close()
            _engine.pop("path")

        request.config.add_cleanup(stop)
    path: Path = _engine["path"]
    return path


def database_url(request: pytest.FixtureRequest, name: str) -> str:
    return f"chdb://{engine_path(request)}?database={name}"


def drop_database(name: str) -> None:
    _engine["keeper"].query(f"DROP DATABASE IF EXISTS {name} SYNC")


def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of a new, empty ClickHouse database (chDB); dropped after the test."""
    name = f"t{os.getpid()}_{next(_numbers)}"
    url = database_url(request, name)
    try:
        yield url
    finally:
        drop_database(name)
