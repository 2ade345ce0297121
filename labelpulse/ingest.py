"""Records → store: validation, batching, duplicates and conflicts, rejects, a summary.

Two entry points. `ingest_records` takes decoded records (library and API) and is atomic: one
bad record and nothing is stored. `import_file` streams a file (NDJSON, JSON array or CSV) in
batches, stores the good records and writes each rejected one with its reasons to a rejects file.
"""

from __future__ import annotations

import csv
import io
import json
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from labelpulse.errors import InvalidRecordsError, NotFoundError, RecordError, UsageError
from labelpulse.events import (
    EVENT_FIELDS,
    Lines,
    Positions,
    Validated,
    Validator,
    as_list,
    encode_records,
    line_at,
)
from labelpulse.store.base import Store

BATCH_SIZE = 250_000
READ_BLOCK = 16 * 1024 * 1024

ERRORS_KEPT = 50

Progress = Callable[[int], None]


@dataclass
class IngestSummary:
    """Counts of what happened to every record read."""

    stored: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0
    directory_stored: int = 0
    directory_unchanged: int = 0
    rejects_path: str | None = None
    errors: list[RecordError] = field(default_factory=list)

    @property
    def read(self) -> int:
        return (
            self.stored
            + self.duplicates
            + self.conflicts
            + self.rejected
            + self.directory_stored
            + self.directory_unchanged
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "stored": self.stored,
            "duplicates": self.duplicates,
            "conflicts": self.conflicts,
            "rejected": self.rejected,
            "directory_stored": self.directory_stored,
            "directory_unchanged": self.directory_unchanged,
            "rejects_path": self.rejects_path,
            "errors": [e.as_dict() for e in self.errors],
        }


def ingest_records(store: Store, records: Sequence[Any]) -> IngestSummary:
    """Store a batch of decoded records whole, or raise InvalidRecordsError and store nothing."""
    lines = encode_records(records)
    validated = Validator().validate_lines(lines, range(1, len(lines) + 1))
    if validated.rejects:
        errors = validated.errors
        bad = len({e.position for e in errors})
        raise InvalidRecordsError(
            f"{bad} of {len(lines)} record(s) are invalid; nothing was stored",
            details=[e.as_dict() for e in errors],
        )
    outcome = store.append(validated.events, validated.positions, validated.directory, atomic=True)
    return IngestSummary(
        stored=outcome.stored,
        duplicates=outcome.duplicates,
        directory_stored=outcome.directory_stored,
        directory_unchanged=outcome.directory_unchanged,
    )


def import_file(
    store: Store,
    path: Path,
    *,
    rejects_path: Path | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> IngestSummary:
    """Import one file of records; rejects go to `rejects_path` (default: beside the file).

    A reader thread reads and validates the next batch while this thread stores the one
    before it (both mostly in DuckDB, outside the GIL), so a file imports at the speed of the
    slower of the two.
    """
    if not path.is_file():
        raise NotFoundError(f"no such file: {path}")
    rejects = _Rejects(rejects_path or path.with_name(path.name + ".rejects.ndjson"))
    summary = IngestSummary()
    reader = _Reader(path, batch_size, progress)
    try:
        for positions, lines, validated in reader:
            _store_batch(store, positions, lines, validated, summary, rejects)
    finally:
        reader.stop()
        rejects.close()
    summary.rejects_path = rejects.written
    return summary


class _Reader:
    """Reads and validates batches in a thread of its own, one batch ahead of the caller."""

    def __init__(self, path: Path, size: int, progress: Progress | None) -> None:
        self._queue: queue.Queue[tuple[Positions, Lines, Validated] | BaseException | None]
        self._queue = queue.Queue(maxsize=1)
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(path, size, progress), name="labelpulse-reader", daemon=True
        )
        self._thread.start()

    def _run(self, path: Path, size: int, progress: Progress | None) -> None:
        validator = Validator()
        try:
            for positions, lines in read_batches(path, size, progress):
                if self._stopping.is_set():
                    return
                self._put((positions, lines, validator.validate_lines(lines, positions)))
        except BaseException as exc:  # handed to the caller's thread, raised there
            self._put(exc)
        self._put(None)

    def _put(self, item: tuple[Positions, Lines, Validated] | BaseException | None) -> None:
        while not self._stopping.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def __iter__(self) -> Iterator[tuple[Positions, Lines, Validated]]:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()


def _store_batch(
    store: Store,
    positions: Positions,
    lines: Lines,
    validated: Validated,
    summary: IngestSummary,
    rejects: _Rejects,
) -> None:
    outcome = store.append(validated.events, validated.positions, validated.directory)
    summary.stored += outcome.stored
    summary.duplicates += outcome.duplicates
    summary.directory_stored += outcome.directory_stored
    summary.directory_unchanged += outcome.directory_unchanged
    problems: dict[int, list[RecordError]] = {}
    raw: dict[int, str] = {}
    for err, line in validated.rejects:
        problems.setdefault(err.position, []).append(err)
        raw[err.position] = line
    summary.rejected += len(problems)
    if outcome.conflicts:
        index = {p: i for i, p in enumerate(as_list(positions))}
        for err in outcome.conflicts:
            problems.setdefault(err.position, []).append(err)
            raw[err.position] = line_at(lines, index[err.position])
    summary.conflicts += len(outcome.conflicts)
    for position in sorted(problems):
        errs = problems[position]
        room = ERRORS_KEPT - len(summary.errors)
        summary.errors.extend(errs[: max(room, 0)])
        rejects.write(
            {
                "position": position,
                "id": errs[0].record_id,
                "errors": [str(e) for e in errs],
                "record": raw[position],
            }
        )


class _Rejects:
    """The rejects file, created on the first rejected record only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.written: str | None = None
        self._file: io.TextIOWrapper | None = None

    def write(self, entry: dict[str, Any]) -> None:
        if self._file is None:
            self._file = self.path.open("w", encoding="utf-8")
            self.written = str(self.path)
        self._file.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


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
    path: Path, size: int, progress: Progress | None = None
) -> Iterator[tuple[Positions, Lines]]:
    """(positions, JSON texts) of up to `size` records at a time, from any supported file."""
    if detect_format(path) == "ndjson":
        yield from _ndjson_batches(path, size, progress)
    else:
        yield from _batches(read_lines(path, progress), size)


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


def read_lines(path: Path, progress: Progress | None = None) -> Iterator[tuple[int, str]]:
    """(position, JSON text) for each record of an NDJSON, JSON-array or CSV file."""
    fmt = detect_format(path)
    if fmt == "csv":
        yield from _csv_lines(path, progress)
    elif fmt == "json":
        yield from _array_lines(path, progress)
    else:
        yield from _ndjson_lines(path, progress)


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


def _ndjson_lines(path: Path, progress: Progress | None) -> Iterator[tuple[int, str]]:
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if progress is not None:
                progress(len(raw))
            text = raw.decode("utf-8", errors="replace").strip()
            if text:
                yield number, text


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
