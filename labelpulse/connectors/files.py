"""Files of records — NDJSON, a JSON array, CSV — read as batches of JSON lines.

NDJSON, the format of large imports, is read in 16 MB blocks that become Arrow string arrays
directly; a JSON array or a CSV file is turned into JSON lines record by record, CSV cells into
the JSON values their columns mean (`csv_value`). A CSV file read with a column mapping
(`labelpulse.connectors.mapping`) has its rows turned into events by that mapping.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from labelpulse.errors import UsageError
from labelpulse.events import EVENT_FIELDS
from labelpulse.validation import Lines, Positions, encode_records

if TYPE_CHECKING:
    from labelpulse.connectors.mapping import ColumnMapping

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
    """(position, JSON text) for each record of a JSON-array or CSV file."""
    if detect_format(path) == "csv":
        yield from _csv_lines(path, progress)
    else:
        yield from _array_lines(path, progress)


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


def _array_lines(path: Path, progress: Progress | None) -> Iterator[tuple[int, str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path} is not valid JSON: {exc}") from exc
    if progress is not None:
        progress(path.stat().st_size)
    if not isinstance(data, list):
        raise UsageError(f"{path}: expected a JSON array of records")
    yield from enumerate(encode_records(data), start=1)


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
    except ValueError:
        return text
    if kind == "boolean" and text.lower() in _TRUE | _FALSE:
        return text.lower() in _TRUE
    return text


def _csv_lines(path: Path, progress: Progress | None) -> Iterator[tuple[int, str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh, delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
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
    with path.open(newline="", encoding="utf-8-sig") as fh:
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
