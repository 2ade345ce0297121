"""The only part that differs between a ClickHouse server and chDB: the connection.

`clickhouse://user:password@host:port/database` (`clickhouses://` for TLS) talks to a server
through clickhouse-connect over HTTP; `chdb://PATH?database=NAME` runs the ClickHouse engine
in this process through chDB. Both take the same SQL, the same `{name:Type}` parameters and
Arrow in and out; any other query parameter of the URL is a ClickHouse setting for every
query (`?prefer_global_in_and_join=1`, say).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, cast
from urllib.parse import parse_qsl, unquote, urlsplit

import pyarrow as pa

from labelpulse.errors import StoreError, UsageError

# Settings every query runs with, on either connection.
SETTINGS: dict[str, str] = {
    # Reads see the latest live row per key of every ReplacingMergeTree, merged or not.
    "final": "1",
    # ...without a merge of the parts of a partition that has one part (none of the tables is
    # partitioned, so every version of a row is in the one partition): merged tables read at
    # the speed of plain MergeTree.
    "do_not_merge_across_partitions_select_final": "1",
    # sum/avg/median/argMin over no rows are NULL (as in DuckDB and the spec), not 0 or nan.
    "aggregate_functions_null_for_empty": "1",
    # Outer joins fill NULL, as standard SQL does, not the type's default value.
    "join_use_nulls": "1",
    # The hidden _version/_deleted columns are written explicitly.
    "insert_allow_materialized_columns": "1",
    "session_timezone": "UTC",
}

DEFAULT_DATABASE = "labelpulse"
# Reads at once per store, each on a connection of its own (`store/pool.py`): a connection
# runs one query at a time (chDB's holds a lock; a server's client is one HTTP session), but
# chDB runs any number of connections to its one directory in parallel, as a server does.
POOL_SIZE = 8


class Connection(Protocol):
    """SQL in, Arrow out; `{name:Type}` placeholders take their values from `params`."""

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None: ...

    def arrow(self, sql: str, params: Mapping[str, Any] | None = None) -> pa.Table: ...

    def stream(
        self, sql: str, params: Mapping[str, Any] | None, size: int
    ) -> Iterator[pa.RecordBatch]:
        """`arrow` in record batches of at most `size` rows, read as they are consumed."""
        ...

    def insert(self, table: str, data: pa.Table) -> None:
        """Insert an Arrow table whose columns are named as the table's."""
        ...

    def close(self) -> None: ...


@dataclass
class Target:
    """What a URL names: the connection kind, where, which database, which settings."""

    kind: str  # "chdb" or "server"
    database: str
    path: str = ""
    host: str = "localhost"
    port: int | None = None
    username: str = "default"
    password: str = ""
    secure: bool = False
    settings: dict[str, str] = field(default_factory=dict)


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def parse_url(url: str) -> Target:
    scheme, _, rest = url.partition("://")
    path, _, query = rest.partition("?")
    options = dict(parse_qsl(query, keep_blank_values=True))
    database = options.pop("database", "")
    for name in options:
        if not _NAME.fullmatch(name):
            raise UsageError(f"not a ClickHouse setting name in the database URL: {name!r}")
    if scheme == "chdb":
        if not path:
            raise UsageError("a chdb:// URL needs a directory: chdb://PATH[?database=NAME]")
        target = Target("chdb", database or DEFAULT_DATABASE, path=path, settings=options)
    else:
        parts = urlsplit(url)
        secure = scheme == "clickhouses"
        target = Target(
            "server",
            database or unquote(parts.path.lstrip("/")) or DEFAULT_DATABASE,
            host=parts.hostname or "localhost",
            port=parts.port,
            username=unquote(parts.username) if parts.username else "default",
            password=unquote(parts.password) if parts.password else "",
            secure=secure,
            settings=options,
        )
    if not _NAME.fullmatch(target.database):
        raise UsageError(f"not a database name: {target.database!r} (letters, digits, _)")
    return target


def open_connection(url: str) -> Connection:
    target = parse_url(url)
    settings = {**SETTINGS, **target.settings}
    if target.kind == "chdb":
        return ChdbConnection(target, settings)
    return ServerConnection(target, settings)


# -- parameters --------------------------------------------------------------------------------
_PLACEHOLDER = re.compile(
    r"'(?:[^'\\]|\\.|'')*'"  # a string literal: left alone
    r'|"(?:[^"\\]|\\.)*"|`[^`]*`'  # a quoted identifier: left alone
    r"|\$([A-Za-z_][A-Za-z0-9_]*)"
)


def clickhouse_type(value: Any) -> str:
    """The ClickHouse type a Python parameter value binds as."""
    if value is None:
        return "Nullable(String)"
    if isinstance(value, bool):
        return "Bool"
    if isinstance(value, int):
        return "Int64"
    if isinstance(value, float):
        return "Float64"
    if isinstance(value, str):
        return "String"
    if isinstance(value, tuple):
        return f"Tuple({', '.join(clickhouse_type(v) for v in value)})"
    if isinstance(value, list):
        present = [v for v in value if v is not None]
        inner = clickhouse_type(present[0]) if present else "String"
        if len(present) < len(value) and not inner.startswith("Nullable"):
            inner = f"Nullable({inner})"
        return f"Array({inner})"
    raise UsageError(f"unsupported query parameter value: {value!r}")


def bind(sql: str, params: Mapping[str, Any] | None) -> tuple[str, dict[str, Any]]:
    """`$name` placeholders (outside string literals) → `{name:Type}`, and their values."""
    values = dict(params or {})
    used: dict[str, Any] = {}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return match.group(0)
        if name not in values:
            raise UsageError(f"no value for query parameter ${name}")
        value = values[name]
        used[name] = normalized(value)
        return "{" + name + ":" + clickhouse_type(value) + "}"

    return _PLACEHOLDER.sub(replace, sql), used


def normalized(value: Any) -> Any:
    """Bools as 0/1 (which ClickHouse parses as Bool); lists and tuples element by element."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, tuple):
        return tuple(normalized(v) for v in value)
    if isinstance(value, list):
        return [normalized(v) for v in value]
    return value


# A backslash before each of these (a tab or newline stays itself), as clickhouse-connect does.
_ESCAPED = str.maketrans({c: "\\" + c for c in "\\'`\t\n"})


def parameter_text(value: Any, top: bool = True) -> str:
    """A parameter value in the text form ClickHouse parses query parameters from (the form
    clickhouse-connect sends for server-side binding)."""
    if value is None:
        return "\\N" if top else "NULL"
    if isinstance(value, str):
        escaped = value.translate(_ESCAPED)
        return escaped if top else f"'{escaped}'"
    if isinstance(value, list | tuple):
        inner = ", ".join(parameter_text(v, False) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    if isinstance(value, bool):
        return str(int(value))
    return str(value)


# -- the two connections -----------------------------------------------------------------------
class ChdbConnection:
    """ClickHouse in this process. chDB hosts one engine, on one directory, per process: stores
    on the same directory share it (each its own connection and database); a second directory
    can be opened only once every connection to the first is closed."""

    def __init__(self, target: Target, settings: Mapping[str, str]) -> None:
        import chdb

        try:
            self._con: Any = cast(Any, chdb).connect(target.path)  # untyped
        except RuntimeError as exc:
            raise StoreError(
                f"cannot open chDB at {target.path!r}: {exc} (chDB runs one directory per "
                "process: use chdb://SAME_PATH?database=OTHER for more stores)"
            ) from exc
        # A plain lock, not an RLock: a stream holds it from its first batch to its last, and a
        # streamed response reads its batches on whichever worker thread is free, so the thread
        # that releases it is not always the one that took it.
        self._lock = threading.Lock()
        try:
            self.execute(f"CREATE DATABASE IF NOT EXISTS {target.database}")
            self.execute(f"USE {target.database}")
            for name, value in settings.items():
                self.execute(f"SET {name} = {_setting_literal(value)}")
        except BaseException:
            self._con.close()
            raise

    def _run(self, sql: str, fmt: str, params: Mapping[str, Any] | None) -> Any:
        text = {name: parameter_text(value) for name, value in (params or {}).items()}
        with self._lock:
            try:
                return self._con.query(sql, fmt, params=text)
            except RuntimeError as exc:
                raise StoreError(f"ClickHouse (chDB) query failed: {exc}") from exc

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        self._run(sql, "CSV", params)

    def arrow(self, sql: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        table: pa.Table = self._run(sql, "ArrowTable", params)
        return table

    def stream(
        self, sql: str, params: Mapping[str, Any] | None, size: int
    ) -> Iterator[pa.RecordBatch]:
        # chDB runs one query at a time per connection: the stream holds it to the end.
        text = {name: parameter_text(value) for name, value in (params or {}).items()}
        with self._lock:
            try:
                result = self._con.send_query(sql, "Arrow", params=text)
                batches = result.record_batch(rows_per_batch=size)
            except RuntimeError as exc:
                raise StoreError(f"ClickHouse (chDB) query failed: {exc}") from exc
            try:
                yield from batches
            finally:
                result.close()

    def insert(self, table: str, data: pa.Table) -> None:
        # chDB's Python() table function reads an Arrow table in place by its variable name
        # (the fastest way in: ~1.3M events/s here, against ~0.8M/s through an Arrow stream).
        _lp_rows = data  # read by its name by the query below
        columns = ", ".join(data.column_names)
        self._run(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM Python(_lp_rows)", "CSV", None
        )

    def close(self) -> None:
        with self._lock:
            self._con.close()


class ServerConnection:
    """A ClickHouse server (or cluster node) over HTTP through clickhouse-connect."""

    def __init__(self, target: Target, settings: Mapping[str, str]) -> None:
        try:
            import clickhouse_connect
            from clickhouse_connect.driver.exceptions import ClickHouseError
        except ImportError as exc:  # pragma: no cover - an install without the extra
            raise StoreError(
                "clickhouse:// needs clickhouse-connect: pip install 'labelpulse[clickhouse]'"
            ) from exc
        self._errors: tuple[type[BaseException], ...] = (ClickHouseError,)
        try:
            self._client: Any = clickhouse_connect.get_client(
                host=target.host,
                port=target.port,
                username=target.username,
                password=target.password,
                secure=target.secure,
                settings=dict(settings),
                # No HTTP session: settings travel with each query, and threads may share it.
                autogenerate_session_id=False,
            )
            self._client.command(f"CREATE DATABASE IF NOT EXISTS {target.database}")
        except self._errors as exc:
            raise StoreError(f"cannot open ClickHouse at {target.host}: {exc}") from exc
        self._client.database = target.database

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        try:
            self._client.command(sql, parameters=dict(params) if params else None)
        except self._errors as exc:
            raise StoreError(f"ClickHouse query failed: {exc}") from exc

    def arrow(self, sql: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        try:
            table: pa.Table = self._client.query_arrow(
                sql, parameters=dict(params) if params else None, use_strings=True
            )
        except self._errors as exc:
            raise StoreError(f"ClickHouse query failed: {exc}") from exc
        return table

    def stream(
        self, sql: str, params: Mapping[str, Any] | None, size: int
    ) -> Iterator[pa.RecordBatch]:
        try:
            with self._client.query_arrow_stream(
                sql,
                parameters=dict(params) if params else None,
                settings={"max_block_size": size},
                use_strings=True,
            ) as batches:
                yield from batches
        except self._errors as exc:
            raise StoreError(f"ClickHouse query failed: {exc}") from exc

    def insert(self, table: str, data: pa.Table) -> None:
        try:
            self._client.insert_arrow(table, data)
        except self._errors as exc:
            raise StoreError(f"ClickHouse insert into {table} failed: {exc}") from exc

    def close(self) -> None:
        self._client.close()


def _setting_literal(value: str) -> str:
    if re.fullmatch(r"-?\d+(\.\d+)?", value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
