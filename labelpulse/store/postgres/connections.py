"""Connections to PostgreSQL: their pool, the value adapters, `$name` placeholders, Arrow.

Values cross as DuckDB would give and take them: Python ints go as BIGINT (never a smaller type
whose arithmetic could overflow), strings as TEXT; a NUMERIC result (PostgreSQL's `sum` of
BIGINT, its `avg`) comes back as an int when it has no fractional digits, else as a float,
which is what DuckDB answers for the same SQL (a HUGEINT sum, a DOUBLE average).
"""

from __future__ import annotations

import re
from typing import Any

import psycopg
import pyarrow as pa
from psycopg.abc import Buffer
from psycopg.adapt import Loader
from psycopg.pq import TransactionStatus
from psycopg.types.numeric import Int8Dumper
from psycopg.types.string import StrDumper

from labelpulse.errors import StoreError
from labelpulse.store.base import redacted
from labelpulse.store.pool import Pool

POOL_SIZE = 8
_PLACEHOLDER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def pyformat(sql: str) -> str:
    """`$name` placeholders as psycopg's `%(name)s`; a literal `%` (LIKE 'a%') doubled."""
    return _PLACEHOLDER.sub(r"%(\1)s", sql.replace("%", "%%"))


class _NumericLoader(Loader):
    """NUMERIC → int when whole (a sum), else float (an average), as DuckDB's types."""

    def load(self, data: Buffer) -> int | float:
        text = bytes(data)
        if text.isdigit() or (text[:1] == b"-" and text[1:].isdigit()):
            return int(text)
        return float(text)


def _configure(con: psycopg.Connection[Any]) -> None:
    con.adapters.register_dumper(int, Int8Dumper)
    con.adapters.register_dumper(str, StrDumper)
    con.adapters.register_loader("numeric", _NumericLoader)
    con.execute("SET TimeZone TO 'UTC'")
    # Compiling a query to machine code costs tens of milliseconds, more than a member's
    # report takes to run; PostgreSQL's default would do it for any large enough estimate.
    con.execute("SET jit = off")


def connect(url: str) -> psycopg.Connection[Any]:
    """A connection in autocommit, configured as every store connection is."""
    try:
        con = psycopg.connect(url, autocommit=True, application_name="labelpulse")
    except psycopg.Error as exc:
        raise StoreError(f"cannot open database {redacted(url)}: {exc}") from exc
    try:
        _configure(con)
    except BaseException:
        con.close()
        raise
    return con


def reusable(con: psycopg.Connection[Any]) -> bool:
    """A connection given back broken, or inside a transaction, is closed rather than lent
    again."""
    return (
        not con.closed and not con.broken and con.info.transaction_status == TransactionStatus.IDLE
    )


def open_pool(url: str, size: int = POOL_SIZE) -> Pool[psycopg.Connection[Any]]:
    """Up to `size` connections in autocommit; a write opens its own transaction
    (`con.transaction()`)."""
    return Pool(lambda: connect(url), size, reusable)


# PostgreSQL type OIDs → the Arrow types DuckDB gives the same columns.
_ARROW_TYPES: dict[int, pa.DataType] = {
    16: pa.bool_(),
    20: pa.int64(),
    21: pa.int64(),
    23: pa.int64(),
    25: pa.string(),
    1043: pa.string(),
    700: pa.float64(),
    701: pa.float64(),
    1082: pa.date32(),
    1114: pa.timestamp("us"),
    1184: pa.timestamp("us", tz="UTC"),
}


def arrow_table(cursor: psycopg.Cursor[Any]) -> pa.Table:
    """A fetched result as Arrow, typed by the columns' PostgreSQL types."""
    columns = cursor.description or []
    rows = cursor.fetchall()
    arrays = []
    for index, column in enumerate(columns):
        values = [row[index] for row in rows]
        arrays.append(pa.array(values, type=_ARROW_TYPES.get(column.type_code)))
    return pa.table(arrays, names=[column.name for column in columns])
