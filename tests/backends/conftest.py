"""One store fixture over every backend: the conformance suite runs each test on each.

`backend_store` is a fresh, empty store of the backend named by the parameter. Each backend's
server (or in-process engine) comes from its own module beside this one:

- duckdb: a file in the test's temporary directory;
- postgres: `postgres_server.py` starts one real PostgreSQL 15 server per test session (a
  temporary data dir, a free port, run as the `postgres` user when the tests run as root), and
  each test gets a fresh database on it;
- clickhouse: `clickhouse_server.py` gives ClickHouse in-process through chDB, through the same
  store code as a ClickHouse server apart from the connection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from labelpulse.store import Store, connect

BACKENDS = ("duckdb", "postgres", "clickhouse")


def _duckdb_url(tmp_path: Path) -> str:
    return str(tmp_path / "conformance.duckdb")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def store_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of a fresh, empty database on `backend`."""
    if backend == "duckdb":
        yield _duckdb_url(tmp_path)
    elif backend == "postgres":
        from tests.backends.postgres_server import fresh_database

        yield from fresh_database(request, tmp_path)
    else:
        from tests.backends.clickhouse_server import fresh_database

        yield from fresh_database(request, tmp_path)


@pytest.fixture
def backend_store(store_url: str) -> Iterator[Store]:
    opened = connect(store_url)
    yield opened
    opened.close()


@pytest.fixture
def another_store(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], Store]]:
    """Opens more stores on the same backend (fresh databases), closed at the end."""
    opened: list[Store] = []
    finalizers: list[Iterator[str]] = []

    def make() -> Store:
        folder = tmp_path / f"more-{len(opened)}"
        folder.mkdir()
        if backend == "duckdb":
            url = _duckdb_url(folder)
        else:
            module = __import__(f"tests.backends.{backend}_server", fromlist=["fresh_database"])
            generator = module.fresh_database(request, folder)
            url = next(generator)
            finalizers.append(generator)
        store = connect(url)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()
    for generator in finalizers:
        for _ in generator:
            pass
