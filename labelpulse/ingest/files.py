"""Files of records — NDJSON, a JSON array, CSV — read as batches of JSON lines.

NDJSON, the format of large imports, is read in 16 MB blocks that become Arrow string arrays
directly; a JSON array or a CSV file is turned into JSON lines record by record, CSV cells into
the JSON values their columns mean (`csv_value`). A CSV file read with a column mapping
(`labelpulse.ingest.mapping`) has its rows turned into events by that mapping.
"""

from __future__ import annotations

import csv
import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from labelpulse.errors import TooLargeError, UsageError
from labelpulse.events import EVENT_FIELDS
from labelpulse.validation import Lines, Positions

if TYPE_CHECKING:
    from labelpulse.ingest.mapping import ColumnMapping

READ_BLOCK = 16 * 1024 * 1024

Progress = Callable[[int], None]


def _batches(items: Iterable[tuple[int, str]], size: int) -> Iterator[tuple[list[int], list[str]]]:
    positions: list[int] = []
    lines: list[str] = []
    for position, line in items:
        positions.append(position)
        lines.append(line)
        if len(lines) >= size:
            yield positions, lines
            positions, lines = [], []
    if lines:
        yield positions, lines


def read_batches(
    path: Path,
    size: int,
    progress: Progress | None = None,
    *,
    mapping: ColumnMapping | None = None,
) -> Iterator[tuple[Positions, Lines]]:
    """(positions, JSON texts) of up to `size` records at a time, from any supported file.

    With a column `mapping` (CSV only), each row becomes the event the mapping describes.
    """
    if mapping is not None:
        if detect_format(path) != "csv":
            raise UsageError(f"mapping: {path.name} is not a CSV file; a mapping reads CSV only")
        yield from _batches(_mapped_csv_lines(path, mapping, progress), size)
    elif detect_format(path) == "ndjson":
        yield from _ndjson_batches(path, size, progress)
    elif detect_format(path) == "json":
        yield from _array_batches(path, size, progress)
    else:
        yield from _batches(_record_lines(path, progress), size)


def _ndjson_batches(
    path: Path, size: int, progress: Progress | None
) -> Iterator[tuple[pa.Array, pa.Array]]:
    """NDJSON as Arrow arrays built straight from 16 MB blocks of the file's bytes.

    Making a Python string of every line cost more than validating it, so lines are found
    with NumPy and the block becomes the data buffer of an Arrow string array.
    """
    first_line = 1
    positions: list[pa.Array] = []
    lines: list[pa.Array] = []
    held = 0
    rest = b""
    with path.open("rb") as fh:
        while True:
            block = fh.read(READ_BLOCK)
            if progress is not None and block:
                progress(len(block))
            if block:
                if first_line == 1 and not rest:
                    block = block.removeprefix(BOM)  # a byte order mark is not a record
                block = rest + block
                cut = block.rfind(b"\n")
                if cut < 0:
                    rest = block
                    continue
                block, rest = block[:cut], block[cut + 1 :]
            elif rest:
                block, rest = rest, b""
            else:
                break
            numbers, texts, count = _block_lines(block, first_line)
            first_line += count
            positions.append(numbers)
            lines.append(texts)
            held += len(texts)
            if held >= size:
                all_positions = pa.concat_arrays(positions)
                all_lines = pa.concat_arrays(lines)
                start = 0
                while held - start >= size:
                    yield all_positions[start : start + size], all_lines[start : start + size]
                    start += size
                positions, lines = [all_positions[start:]], [all_lines[start:]]
                held -= start
    if held:
        yield pa.concat_arrays(positions), pa.concat_arrays(lines)


def _block_lines(block: bytes, first_line: int) -> tuple[pa.Array, pa.Array, int]:
    """(line numbers, trimmed texts) of the non-blank lines of a block, and its line count."""
    ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == ord("\n"))
    offsets = np.concatenate(([0], ends + 1, [len(block)])).astype(np.int64)
    count = len(offsets) - 1
    raw = pa.LargeStringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(block))
    try:
        raw.validate(full=True)
    except pa.ArrowInvalid:  # not UTF-8: decode with replacement characters, line by line
        raw = pa.array(block.decode("utf-8", errors="replace").split("\n"), pa.large_string())
    texts = pc.utf8_trim_whitespace(raw).cast(pa.string())
    numbers = pa.array(np.arange(first_line, first_line + count, dtype=np.int64))
    keep = pc.greater(pc.binary_length(texts), 0)
    return numbers.filter(keep), texts.filter(keep), count


def _record_lines(path: Path, progress: Progress | None) -> Iterator[tuple[int, str]]:
    """(position, JSON text) for each record of a CSV file."""
    yield from _csv_lines(path, progress)


def detect_format(path: Path) -> str:
    """`csv`, `json` (an array) or `ndjson`, from the extension and the first character."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return "csv"
    with path.open("rb") as fh:
        head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"["):
        return "json"
    if suffix in (".json", ".ndjson", ".jsonl") or head.startswith(b"{") or not head:
        return "ndjson"
    raise UsageError(
        f"cannot tell the format of {path}: expected NDJSON, a JSON array, or CSV (.csv)"
    )


def _array_batches(
    path: Path, size: int, progress: Progress | None
) -> Iterator[tuple[pa.Array, pa.Array]]:
    """A JSON-array file's records, `size` at a time, as the JSON texts of its elements."""
    lines = json_array_lines(path.read_bytes(), path.name)
    if progress is not None:
        progress(path.stat().st_size)
    for start in range(0, len(lines), size):
        chunk = lines[start : start + size]
        yield pa.array(np.arange(start + 1, start + 1 + len(chunk), dtype=np.int64)), chunk


BOM = b"\xef\xbb\xbf"
_MALFORMED_AT = re.compile(r"Malformed JSON at byte (\d+) of input: ([^.]*)")
_local = threading.local()


def json_array_lines(data: bytes, source: str, max_records: int | None = None) -> pa.Array:
    """The JSON text of each element of a JSON array (or of one JSON object), read by DuckDB.

    Each element stays the text it was, so its record is validated as an NDJSON line is:
    a repeated key is rejected (Python's `json` would keep the last value), and nesting of any
    depth is read (DuckDB's parser does not recurse; Python's raises RecursionError).
    A leading UTF-8 byte order mark is ignored. `max_records`: more elements are a 413.
    """
    data = data.removeprefix(BOM)
    text = _utf8(data, source)
    stripped = text.strip()
    if not stripped.startswith(("[", "{")):
        raise UsageError(f"{source}: expected a JSON array of records (or one JSON object)")
    con = getattr(_local, "con", None)
    if con is None:
        con = _local.con = duckdb.connect(":memory:")
    try:
        if stripped.startswith("{"):
            con.execute("SELECT CAST($t AS JSON)", {"t": stripped}).fetchall()  # well-formed?
            return pa.array([stripped], pa.string())
        if max_records is not None:
            # The count first, before a string is made of each record.
            ((count,),) = con.execute("SELECT json_array_length($t)", {"t": stripped}).fetchall()
            if count > max_records:
                raise TooLargeError(
                    f"{source} holds {count} records, more than the limit of {max_records} "
                    "(max_request_records); send them in several requests"
                )
        table = con.sql(
            "SELECT unnest(CAST($t AS JSON[])) AS line", params={"t": stripped}
        ).to_arrow_table()
    except (duckdb.ConversionException, duckdb.InvalidInputException) as exc:
        lead = len(text) - len(text.lstrip())
        raise UsageError(_json_problem(source, data, lead, str(exc))) from exc
    return table.column("line").combine_chunks().cast(pa.string())


def _json_problem(source: str, data: bytes, lead: int, error: str) -> str:
    """DuckDB's complaint about a JSON text, with the line and column it is at."""
    found = _MALFORMED_AT.search(error)
    if found is None:
        return f"{source} is not a valid JSON array"
    # DuckDB counts bytes of the text without its leading white space (one byte a character).
    head = data[: lead + int(found.group(1))]
    line = head.count(b"\n") + 1
    column = len(head) - (head.rfind(b"\n") + 1) + 1
    return f"{source} is not valid JSON: {found.group(2)} at line {line} column {column}"


def _utf8(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UsageError(f"{source}: line {line} is not valid UTF-8 (byte {exc.start})") from exc


_FIELD_KINDS = {rule.name: rule.kind for rule in EVENT_FIELDS}
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def csv_value(name: str, text: str) -> Any:
    """A CSV cell as the JSON value its column means; left as text when it does not parse."""
    kind = _FIELD_KINDS.get(name)
    try:
        if kind == "number":
            return float(text) if any(c in text for c in ".eE") else int(text)
        if kind == "count":
            return int(text)
        if kind == "object":
            return json.loads(text)
    except (ValueError, RecursionError):  # nested too deep for Python: left as text, rejected
        return text
    if kind == "boolean" and text.lower() in _TRUE | _FALSE:
        return text.lower() in _TRUE
    return text


@contextmanager
def _csv_read(path: Path) -> Iterator[TextIO]:
    """A CSV file open for reading; its undecodable bytes or broken quoting a UsageError
    naming the file and line, not a UnicodeDecodeError or csv.Error from deep inside."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        try:
            yield fh
        except UnicodeDecodeError as exc:
            raise UsageError(
                f"{path.name}: line {_bad_utf8_line(path)} is not valid UTF-8 "
                "(a CSV file must be UTF-8 text)"
            ) from exc
        except csv.Error as exc:
            raise UsageError(f"{path.name}: not a readable CSV file: {exc}") from exc


def _bad_utf8_line(path: Path) -> int:
    """The number of the first line of a file that is not UTF-8 (the decoder reads ahead)."""
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1


def _csv_lines(path: Path, progress: Progress | None) -> Iterator[tuple[int, str]]:
    with _csv_read(path) as fh:
        reader = csv.DictReader(fh, delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
        names = reader.fieldnames or []
        repeated = sorted({name for name in names if name and names.count(name) > 1})
        if repeated:
            # The same field twice in a row: rejected, as a repeated key is in JSON.
            raise UsageError(f"{path.name}: column(s) {', '.join(repeated)} appear more than once")
        for row in reader:
            if progress is not None:
                progress(sum(len(v or "") + 1 for v in row.values()))
            record: dict[str, Any] = {}
            for name, text in row.items():
                if name is None:
                    record["(extra columns)"] = text
                elif text not in (None, ""):
                    record[name] = csv_value(name, text)
            if record:
                yield reader.line_num, json.dumps(record, separators=(",", ":"))


def _mapped_csv_lines(
    path: Path, mapping: ColumnMapping, progress: Progress | None
) -> Iterator[tuple[int, str]]:
    """(CSV line number, JSON text) of each non-empty row, as the mapping makes it an event."""
    with _csv_read(path) as fh:
        reader = csv.reader(fh, delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
        header = next(reader, None)
        if header is None:
            return
        bound = mapping.bind(header, file=path.name)
        for row in reader:
            if progress is not None:
                progress(sum(len(cell) + 1 for cell in row))
            line = bound.line(row)
            if line is not None:
                yield reader.line_num, line
