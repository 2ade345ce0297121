"""Records → store: validation, batching, duplicates and conflicts, rejects, a summary.

Two entry points. `ingest_records` takes decoded records (library and API) and is atomic: one
bad record and nothing is stored. `import_file` streams a file (NDJSON, JSON array or CSV) in
batches, stores the good records and writes each rejected one with its reasons to a rejects file.

Another tool's export file is read the second way too: its connector checks each of the tool's
records (and, with `record_problems`, the events it makes of them), stores the good ones and hands
the bad ones, as `Rejected`, to `write_rejects`, which writes them as `import_file` writes ours.
"""

from __future__ import annotations

import io
import json
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from labelpulse.errors import MAX_DETAILS, NotFoundError, RecordError
from labelpulse.events import DirectoryRecord
from labelpulse.ingest.files import Progress, read_batches
from labelpulse.ingest.foreign import refuse_tool_exports
from labelpulse.ingest.invalid import invalid_batch
from labelpulse.ingest.mapping import ColumnMapping
from labelpulse.store.base import AppendOutcome, Store, ValidatedBatch
from labelpulse.validation import (
    Lines,
    Positions,
    Validated,
    Validator,
    as_list,
    encode_records,
    line_at,
)

BATCH_SIZE = 250_000

ERRORS_KEPT = 50


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


class _Validators:
    """Validators lent to one thread at a time and kept for the next batch: making one costs
    ~50 ms, more than checking a small batch (an API POST). As many are made as batches were
    ever validated at once; the web server's worker threads share them, whichever runs a POST.
    """

    def __init__(self) -> None:
        self._idle: list[Validator] = []
        self._lock = threading.Lock()

    @contextmanager
    def lend(self) -> Iterator[Validator]:
        with self._lock:
            validator = self._idle.pop() if self._idle else None
        if validator is None:
            # One thread each: batches lent out are small (API POSTs) and several run at once;
            # a pool of every core per validator made them contend for the cores with each
            # other and with the store's append.
            validator = Validator(threads=1)
        try:
            yield validator
        finally:
            with self._lock:
                self._idle.append(validator)


_validators = _Validators()


def ingest_records(store: Store, records: Sequence[Any]) -> IngestSummary:
    """Store a batch of decoded records whole, or raise InvalidRecordsError and store nothing."""
    return ingest_lines(store, encode_records(records))


def ingest_lines(store: Store, lines: Sequence[str]) -> IngestSummary:
    """Store a batch of JSON lines whole (an NDJSON request body), or store nothing."""
    with _validators.lend() as validator:
        validated = validator.validate_lines(
            lines, range(1, len(lines) + 1), max_rejects=MAX_DETAILS
        )
    if validated.rejected:
        raise invalid_batch(
            validated.errors,
            len(lines),
            "record(s)",
            bad=validated.rejected,
            problems=validated.problems,
        )
    outcome = store.append(validated.events, validated.positions, validated.directory, atomic=True)
    return IngestSummary(
        stored=outcome.stored,
        duplicates=outcome.duplicates,
        directory_stored=outcome.directory_stored,
        directory_unchanged=outcome.directory_unchanged,
    )


def record_problems(records: Sequence[Any]) -> dict[int, list[RecordError]]:
    """What breaks labelpulse's rules in each bad record, by position (from 1); nothing is
    stored. A connector reading a file checks the events it made before storing any, so that an
    event refused here (a time ten years ahead) rejects only the tool's record it came from."""
    lines = encode_records(records)
    with _validators.lend() as validator:
        validated = validator.validate_lines(lines, range(1, len(lines) + 1))
    problems: dict[int, list[RecordError]] = {}
    for err in validated.errors:
        problems.setdefault(err.position, []).append(err)
    return problems


def as_source_error(error: RecordError, position: int, record_id: str | None) -> RecordError:
    """An error `record_problems` found in an event, as the error of the tool's record the event
    was made of: that record's position and id, the event's field under `event.`."""
    return replace(
        error, position=position, record_id=record_id, field=f"event.{error.field or 'record'}"
    )


@dataclass(frozen=True)
class Rejected:
    """One record of another tool's file that was not stored, and why: `errors` name it by its
    position in the file and its id, as `RecordError` does, and `record` is what the file held
    (a JSON value; the rejects file has its JSON text, as it has our own files' lines)."""

    errors: list[RecordError]
    record: Any


def write_rejects(summary: IngestSummary, rejected: Sequence[Rejected], path: Path) -> None:
    """Add a connector's rejected records to its import's summary and write them to `path`
    (created only when there is one), in the shape `import_file` writes: position, id, the
    reasons, the record."""
    rejects = _Rejects(path)
    try:
        for item in rejected:
            first = item.errors[0]
            room = ERRORS_KEPT - len(summary.errors)
            summary.errors.extend(item.errors[: max(room, 0)])
            record = json.dumps(item.record, ensure_ascii=False, separators=(",", ":"))
            rejects.write(
                {
                    "position": first.position,
                    "id": first.record_id,
                    "errors": [str(e) for e in item.errors],
                    "record": record,
                }
            )
    finally:
        rejects.close()
    summary.rejected += len(rejected)
    summary.rejects_path = rejects.written


def default_rejects(path: Path) -> Path:
    """Where a file's rejected records go unless told: FILE.rejects.ndjson beside it."""
    return path.with_name(path.name + ".rejects.ndjson")


def import_file(
    store: Store,
    path: Path,
    *,
    rejects_path: Path | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
    mapping: ColumnMapping | None = None,
    status: Callable[[str], None] | None = None,
    check_directory: Callable[[Sequence[tuple[int, DirectoryRecord]]], None] | None = None,
) -> IngestSummary:
    """Import one file of records; rejects go to `rejects_path` (default: beside the file).

    `progress` is told the bytes read as they are; `status`, what the store does once every
    record is in, should it take time (PostgreSQL's report indexes, `Store.importing`).

    A column `mapping` (`labelpulse.ingest.mapping.parse_mapping`) reads a CSV file's rows as
    the events it describes; rejects then name the column each bad field was read from.

    A reader thread reads and validates the next batch while the store stores the ones
    before it (`Store.append_batches`: PostgreSQL has two in flight), all mostly outside the
    GIL, so a file imports at the speed of the slower of the two.

    `check_directory` sees each batch's valid directory records before the batch is stored and
    may refuse them by raising (the CLI's owner guard): the batches before it stay stored.
    """
    if not path.is_file():
        raise NotFoundError(f"no such file: {path}")
    if mapping is None:
        refuse_tool_exports(path)
    rejects = _Rejects(rejects_path or default_rejects(path))
    summary = IngestSummary()
    reader = _Reader(path, batch_size, progress, mapping)
    try:
        read: deque[tuple[Positions, Lines, Validated]] = deque()

        def batches() -> Iterator[ValidatedBatch]:
            for positions, lines, validated in reader:
                if check_directory is not None and validated.directory:
                    check_directory(validated.directory)
                read.append((positions, lines, validated))
                yield validated.events, validated.positions, validated.directory

        with store.importing(status):
            for outcome in store.append_batches(batches()):
                positions, lines, validated = read.popleft()
                _count_batch(outcome, positions, lines, validated, summary, rejects, mapping)
    finally:
        reader.stop()
        rejects.close()
    summary.rejects_path = rejects.written
    return summary


class _Reader:
    """Reads and validates batches in a thread of its own, one batch ahead of the caller."""

    def __init__(
        self, path: Path, size: int, progress: Progress | None, mapping: ColumnMapping | None
    ) -> None:
        self._queue: queue.Queue[tuple[Positions, Lines, Validated] | BaseException | None]
        self._queue = queue.Queue(maxsize=1)
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run,
            args=(path, size, progress, mapping),
            name="labelpulse-reader",
            daemon=True,
        )
        self._thread.start()

    def _run(
        self, path: Path, size: int, progress: Progress | None, mapping: ColumnMapping | None
    ) -> None:
        validator = Validator()
        try:
            for positions, lines in read_batches(path, size, progress, mapping=mapping):
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


def _count_batch(
    outcome: AppendOutcome,
    positions: Positions,
    lines: Lines,
    validated: Validated,
    summary: IngestSummary,
    rejects: _Rejects,
    mapping: ColumnMapping | None,
) -> None:
    """Add a stored batch's outcome to the summary, and its rejected records to the file."""
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
        if mapping is not None:
            errs = [mapping.explain(e) for e in errs]
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
