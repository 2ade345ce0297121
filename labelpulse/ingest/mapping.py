"""Generic CSV: a column mapping from a spreadsheet export's columns to event fields.

A spec is a comma-separated list of `FIELD=SOURCE` items (docs/connectors/csv.md):

    time=Submitted, actor=Annotator Email, type=:annotation.submitted, duration=Time (ms)/1000

- `FIELD=COLUMN`: the field is read from that column (names are trimmed, matched exactly).
- `FIELD=:VALUE`: the field is that constant on every row.
- `FIELD=COLUMN/N`, `FIELD=COLUMN*N`: a number field (duration, idle, agreement) divided or
  multiplied by N: milliseconds `/1000`, minutes `*60`, percent `/100`. A duration or idle cell
  written `h:mm:ss` is read as hours, minutes and seconds.
- `FIELD=COLUMN+COLUMN`: an id field (id, actor, project, task, annotation, author) made of
  several cells joined with `/`, such as `annotation=Task ID+Annotator Email`.
- `meta.KEY=COLUMN`: the cell kept as text under `KEY` in the event's `meta`.
- A name or constant in double quotes may hold `,`, `+`, `*`, `/` or a leading `:`; `""` is a
  quote inside quotes.

Unmapped columns named like an event field fill that field, as in a plain CSV import; every other
unmapped column is ignored. When nothing gives an `id`, it is derived from the row's mapped values,
so re-importing a file stores nothing new (and two identical rows are one event).

Every mistake in a spec, or between a spec and a file's header, is a UsageError raised before
any row is read.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from labelpulse.errors import RecordError, UsageError
from labelpulse.events import EVENT_FIELD_NAMES, EVENT_FIELDS, FieldRule
from labelpulse.ingest.files import csv_value

CONSTANT_MARK = ":"
JOIN_MARK = "+"
JOIN_SEPARATOR = "/"
META_PREFIX = "meta."
DERIVED_ID_PREFIX = "csv-"

_RULES: dict[str, FieldRule] = {rule.name: rule for rule in EVENT_FIELDS}
#: Fields that take a `*N` or `/N` conversion: the number fields.
SCALED_FIELDS: tuple[str, ...] = tuple(r.name for r in EVENT_FIELDS if r.kind == "number")
#: Fields that may join several columns: the free-form id fields.
JOINED_FIELDS: tuple[str, ...] = tuple(
    r.name for r in EVENT_FIELDS if r.kind == "id" and not r.choices
)
#: Fields whose cells may be written h:mm:ss.
CLOCK_FIELDS: tuple[str, ...] = ("duration", "idle")
REQUIRED_FIELDS: tuple[str, ...] = tuple(r.name for r in EVENT_FIELDS if r.required)

_SCALE = re.compile(r"^(?P<column>.*?)\s*(?P<op>[*/])\s*(?P<number>\d+(?:\.\d+)?)$")
_CLOCK = re.compile(r"^(\d+):([0-5]\d):([0-5]\d(?:\.\d+)?)$")

Operator = Literal["*", "/"]
Read = Callable[[Sequence[str]], Any]
_TEXT_KINDS = ("id", "text", "timestamp")


@dataclass(frozen=True)
class FieldSource:
    """Where one event field (or one key of `meta`) comes from: columns, or a constant."""

    target: str
    """An event field, or `meta.KEY`."""
    item: str
    """The spec item as written, for messages."""
    columns: tuple[str, ...] = ()
    """One column; several for a join; none for a constant."""
    constant: Any = None
    scale: tuple[Operator, int | float] | None = None

    @property
    def column(self) -> str | None:
        """The column(s) as one name for messages (`A+B` for a join); None for a constant."""
        return JOIN_MARK.join(self.columns) if self.columns else None

    def reader(self, indices: Sequence[int]) -> Read:
        """A function from a row's cells (`indices`: this source's columns) to the JSON value
        of the field; it gives None when the cells are empty. Cells are trimmed."""
        if not self.columns:
            constant = self.constant
            return lambda row: constant
        if len(indices) > 1:

            def joined(row: Sequence[str]) -> str | None:
                cells = [row[i].strip() for i in indices]
                return JOIN_SEPARATOR.join(cells) if all(cells) else None

            return joined
        index = indices[0]
        if self.target.startswith(META_PREFIX) or _RULES[self.target].kind in _TEXT_KINDS:
            return lambda row: row[index].strip() or None
        return lambda row: self.value(row[index].strip())

    def value(self, text: str) -> Any:
        """The JSON value of one cell of a non-text field; None when it is empty."""
        if not text:
            return None
        if self.target in CLOCK_FIELDS:
            clock = _CLOCK.match(text)
            if clock is not None:
                hours, minutes, secs = clock.groups()
                seconds = float(secs) if "." in secs else int(secs)
                return int(hours) * 3600 + int(minutes) * 60 + seconds
        value = csv_value(self.target, text)
        if self.scale is not None and isinstance(value, int | float):
            op, number = self.scale
            return value * number if op == "*" else value / number
        return value


@dataclass(frozen=True)
class ColumnMapping:
    """A parsed spec: where each mapped event field comes from. Make one with `parse_mapping`."""

    sources: tuple[FieldSource, ...]
    spec: str = ""

    def source(self, target: str) -> FieldSource | None:
        """The source of one field (or `meta.KEY`), if the mapping maps it."""
        return next((s for s in self.sources if s.target == target), None)

    @property
    def targets(self) -> frozenset[str]:
        """The event fields the mapping sets (`meta` when it sets any key of it)."""
        return frozenset(
            "meta" if s.target.startswith(META_PREFIX) else s.target for s in self.sources
        )

    def explain(self, error: RecordError) -> RecordError:
        """The error naming the column its field was read from, when that is another name."""
        source = self.source(error.field) if error.field else None
        if source is None or source.column is None or source.column == error.field:
            return error
        return replace(error, column=source.column)

    def bind(self, header: Sequence[str], *, file: str = "the file") -> BoundMapping:
        """The mapping applied to one CSV header; UsageError when a column is missing."""
        names = [name.strip() for name in header]
        where: dict[str, list[int]] = {}
        for index, name in enumerate(names):
            where.setdefault(name, []).append(index)
        missing = [(s, c) for s in self.sources for c in s.columns if c not in where]
        if missing:
            what = " and no column ".join(f'"{c}" (mapped to {s.target})' for s, c in missing)
            listed = ", ".join(f'"{n}"' for n in names) or "none"
            raise UsageError(f"mapping: {file} has no column {what}; its columns are: {listed}")
        for s in self.sources:
            for c in s.columns:
                if len(where[c]) > 1:
                    raise UsageError(
                        f'mapping: column "{c}" (mapped to {s.target}) appears '
                        f"{len(where[c])} times in the header of {file}"
                    )
        targets = self.targets
        passthrough = tuple(
            (name, where[name][-1])
            for name in EVENT_FIELD_NAMES
            if name in where and name not in targets
        )
        given = targets | {name for name, _ in passthrough} | {"id"}
        unmet = [name for name in REQUIRED_FIELDS if name not in given]
        if unmet:
            first = unmet[0]
            raise UsageError(
                "mapping: nothing gives the required field(s) "
                + ", ".join(f'"{n}"' for n in unmet)
                + f" in {file}: map each to a column ({first}=COLUMN) "
                f"or a constant ({first}=:VALUE)"
            )
        fields = [(name, _cell_reader(name, index)) for name, index in passthrough]
        meta: list[tuple[str, Read]] = []
        for source in self.sources:
            read = source.reader([where[c][0] for c in source.columns])
            if source.target.startswith(META_PREFIX):
                meta.append((source.target[len(META_PREFIX) :], read))
            else:
                fields.append((source.target, read))
        return BoundMapping(
            width=len(names),
            fields=tuple(fields),
            meta=tuple(meta),
            derive_id="id" not in targets and "id" not in where,
        )


@dataclass(frozen=True)
class BoundMapping:
    """A mapping matched to one file's header: turns each row of cells into an event."""

    width: int
    fields: tuple[tuple[str, Read], ...]
    """Each event field the file gives, and how to read it from a row."""
    meta: tuple[tuple[str, Read], ...]
    """Each `meta` key the mapping gives, and how to read it from a row."""
    derive_id: bool

    def record(self, row: Sequence[str]) -> dict[str, Any] | None:
        """The event record of one row (without a derived id); None when all cells are empty."""
        if not "".join(row).strip():
            return None
        if len(row) < self.width:
            row = [*row, *[""] * (self.width - len(row))]
        record: dict[str, Any] = {}
        for name, read in self.fields:
            value = read(row)
            if value is not None:
                record[name] = value
        if self.meta:
            meta = {key: value for key, read in self.meta if (value := read(row)) is not None}
            if meta:
                record["meta"] = meta
        if len(row) > self.width:
            extra = [cell.strip() for cell in row[self.width :]]
            if any(extra):
                record["(extra columns)"] = extra
        return record

    def line(self, row: Sequence[str]) -> str | None:
        """The event of one row as a JSON text, with its derived id when it has none."""
        record = self.record(row)
        if record is None:
            return None
        if not self.derive_id:
            return json.dumps(record, separators=(",", ":"))
        canonical = _canonical(record)
        rest = "}" if canonical == "{}" else "," + canonical[1:]
        return '{"id":"' + _hashed(canonical) + '"' + rest


def _cell_reader(name: str, index: int) -> Read:
    """Reads an unmapped column named like an event field, as a plain CSV import does."""
    return lambda row: csv_value(name, text) if (text := row[index].strip()) else None


def _canonical(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"))


def _hashed(canonical: str) -> str:
    return DERIVED_ID_PREFIX + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def derived_id(record: dict[str, Any]) -> str:
    """The id of a record that has none: `csv-` and 32 hex digits of the SHA-256 of its values
    as JSON (keys sorted, no spaces, non-ASCII escaped), so that the same row gives the same id."""
    return _hashed(_canonical(record))


# -- parsing -----------------------------------------------------------------------------------

_FORMS = "FIELD=COLUMN, FIELD=:CONSTANT, FIELD=COLUMN/NUMBER or FIELD=COLUMN*NUMBER"


def parse_mapping(spec: str) -> ColumnMapping:
    """Parse `time=Submitted,actor=Annotator Email,type=:annotation.submitted,...`."""
    items = _split(spec)
    if not items:
        raise UsageError(
            "mapping: empty; expected FIELD=COLUMN items separated by commas, "
            'such as "time=Submitted,actor=Annotator Email"'
        )
    sources: list[FieldSource] = []
    for item in items:
        target, equals, text = item.partition("=")
        target, text = target.strip(), text.strip()
        if not equals:
            raise UsageError(f'mapping: "{item}" has no "="; each item is {_FORMS}')
        _check_target(target, item)
        earlier = next((s for s in sources if s.target == target), None)
        if earlier is not None:
            raise UsageError(
                f'mapping: field "{target}" is mapped twice ("{earlier.item}" and "{item}")'
            )
        sources.append(_source(target, text, item))
    keys = [s.target for s in sources if s.target.startswith(META_PREFIX)]
    if keys and any(s.target == "meta" for s in sources):
        raise UsageError(
            f'mapping: "meta" is mapped whole and by key ({", ".join(keys)}); use one or the other'
        )
    return ColumnMapping(tuple(sources), spec)


def _split(spec: str) -> list[str]:
    """The spec's items: split at commas outside double quotes; blank items dropped."""
    if spec.count('"') % 2:
        raise UsageError(f"mapping: a double quote is not closed in: {spec}")
    return [item.strip() for item in _split_outside_quotes(spec, ",") if item.strip()]


def _check_target(target: str, item: str) -> None:
    if target in _RULES:
        return
    if target.startswith(META_PREFIX):
        if target == META_PREFIX:
            raise UsageError(f'mapping: "{item}" names no key after "meta."')
        return
    if not target:
        raise UsageError(f'mapping: "{item}" names no field before "="')
    close = difflib.get_close_matches(target, EVENT_FIELD_NAMES, n=1, cutoff=0.75)
    hint = f'did you mean "{close[0]}"?' if close else "fields: " + ", ".join(EVENT_FIELD_NAMES)
    raise UsageError(f'mapping: "{target}" (in "{item}") is not a field of an event; {hint}')


def _source(target: str, text: str, item: str) -> FieldSource:
    if text.startswith(CONSTANT_MARK):
        constant = _unquote(text[1:].strip(), item)
        if not constant:
            raise UsageError(f'mapping: "{item}" gives an empty constant')
        if target == "id":
            raise UsageError(
                f'mapping: "{item}": a constant id would make every row one event; map id to '
                "a column, or leave it out to derive one from each row"
            )
        return FieldSource(target, item, constant=_constant(target, constant, item))
    if not text:
        raise UsageError(f'mapping: "{item}" names no column after "="')
    if target in SCALED_FIELDS:
        scaled = _SCALE.match(text)
        if scaled is not None and scaled["column"]:
            number = float(scaled["number"])
            if number == 0:
                raise UsageError(
                    f'mapping: "{item}": the number after {scaled["op"]} must not be 0'
                )
            op: Operator = "*" if scaled["op"] == "*" else "/"
            whole = int(number) if number.is_integer() else number
            column = _column(scaled["column"], item)
            return FieldSource(target, item, columns=(column,), scale=(op, whole))
    if target in JOINED_FIELDS and JOIN_MARK in text:
        parts = _split_outside_quotes(text, JOIN_MARK)
        return FieldSource(target, item, columns=tuple(_column(p, item) for p in parts))
    return FieldSource(target, item, columns=(_column(text, item),))


def _split_outside_quotes(text: str, mark: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == mark and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _column(text: str, item: str) -> str:
    name = _unquote(text.strip(), item)
    if not name:
        raise UsageError(f'mapping: "{item}" has an empty column name')
    return name


def _unquote(text: str, item: str) -> str:
    if not text.startswith('"'):
        return text
    if len(text) < 2 or not text.endswith('"'):
        raise UsageError(f'mapping: in "{item}", a quoted name must end with its closing quote')
    return text[1:-1].replace('""', '"')


def _constant(target: str, text: str, item: str) -> Any:
    """A constant as the JSON value its field takes, checked against the field's rule now."""
    rule = _RULES.get(target)
    if rule is None:  # a meta key
        return text
    value = csv_value(target, text)
    problem: str | None = None
    if rule.kind in ("number", "count"):
        if not _in_bounds(value, rule):
            noun = "an integer" if rule.kind == "count" else "a number"
            problem = f"must be {noun}{_bounds(rule)}"
    elif rule.kind == "boolean" and not isinstance(value, bool):
        problem = "must be true or false"
    elif rule.kind == "object" and not isinstance(value, dict):
        problem = "must be a JSON object"
    elif rule.choices and value not in rule.choices:
        problem = "must be one of: " + ", ".join(rule.choices)
    elif rule.max_length is not None and len(text) > rule.max_length:
        problem = f"must be at most {rule.max_length} characters"
    if problem is not None:
        raise UsageError(f'mapping: "{item}": the constant {problem}')
    return value


def _in_bounds(value: Any, rule: FieldRule) -> bool:
    """Whether a constant is a number of the rule's kind, finite and within its bounds."""
    numeric = int if rule.kind == "count" else int | float
    if not isinstance(value, numeric) or isinstance(value, bool) or not math.isfinite(value):
        return False
    return (rule.minimum is None or value >= rule.minimum) and (
        rule.maximum is None or value <= rule.maximum
    )


def _bounds(rule: FieldRule) -> str:
    if rule.minimum is not None and rule.maximum is not None:
        return f" from {rule.minimum:g} to {rule.maximum:g}"
    if rule.minimum is not None:
        return f" ≥ {rule.minimum:g}"
    return ""
