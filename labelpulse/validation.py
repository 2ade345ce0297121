"""Bulk validation of events: every rule of the field table as one vectorised SQL check.

Events arrive by the million, so each rule of `labelpulse.events.EVENT_FIELDS` becomes a SQL
expression that an in-memory DuckDB evaluates over a batch of raw JSON lines at once; the
messages are built only for the records that break a rule. Directory records in the same batch
go to their Pydantic models. The DuckDB here is a compute engine, whatever backend stores.
"""

from __future__ import annotations

import json
import time as _time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from labelpulse.errors import RecordError
from labelpulse.events import (
    ALLOWED_EVENT_KEYS,
    DIRECTORY_KINDS,
    EVENT_FIELD_NAMES,
    EVENT_FIELDS,
    EVENT_SCHEMA,
    FUTURE_LIMIT_SECONDS,
    DirectoryRecord,
    FieldKind,
    FieldRule,
    parse_directory_record,
)

SCAN_CHUNK = 8_192

_NUMBER_TYPES = "('BIGINT','UBIGINT','DOUBLE')"
_INTEGER_TYPES = "('BIGINT','UBIGINT')"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _rule_sql(rule: FieldRule) -> str:
    """A SQL expression giving `field<TAB>rule` when the rule is broken, else NULL."""
    ty = f"ty_{rule.name}"
    v = f"v_{rule.name}"
    absent = f"({ty} IS NULL OR {ty} = 'NULL')"
    checks: list[tuple[str, str]] = []
    if rule.kind in ("id", "text"):
        checks.append((f"{ty} <> 'VARCHAR'", "must be a string"))
        if rule.kind == "id":
            checks.append((f"length({v}) < 1", "must not be empty"))
        if rule.max_length is not None:
            checks.append(
                (
                    f"length({v}) > {rule.max_length}",
                    f"must be at most {rule.max_length} characters",
                )
            )
        if rule.choices:
            listed = ", ".join(rule.choices)
            inlist = ", ".join(_quote(c) for c in rule.choices)
            checks.append((f"{v} NOT IN ({inlist})", f"must be one of: {listed}"))
    elif rule.kind == "timestamp":
        checks.append((f"{ty} <> 'VARCHAR'", "must be an RFC 3339 timestamp string"))
        # The shape by character positions (a regular expression costs several times more);
        # the digits and ranges are then checked by parsing, once, into ts_<field>.
        shape = (
            f"length({v}) BETWEEN 20 AND 35 AND substr({v}, 5, 1) = '-' "
            f"AND substr({v}, 8, 1) = '-' AND substr({v}, 11, 1) IN ('T', 't', ' ') "
            f"AND substr({v}, 14, 1) = ':' AND substr({v}, 17, 1) = ':' "
            f"AND (right({v}, 1) IN ('Z', 'z') "
            f"OR (substr({v}, -6, 1) IN ('+', '-') AND substr({v}, -3, 1) = ':'))"
        )
        checks.append(
            (
                f"NOT ({shape})",
                "must be an RFC 3339 timestamp with an offset (Z or +02:00), such as "
                "2026-03-02T10:00:00Z",
            )
        )
        # DuckDB takes any two-digit hour as an offset (+25:00); RFC 3339 offsets in use run
        # from -12:00 to +14:00, and ISO 8601 / most parsers stop at ±18:00.
        offset = (
            f"CASE WHEN right({v}, 1) IN ('Z', 'z') THEN 0 ELSE "
            f"TRY_CAST(substr({v}, -5, 2) AS INTEGER) * 60 "
            f"+ CASE WHEN TRY_CAST(substr({v}, -2, 2) AS INTEGER) < 60 "
            f"THEN TRY_CAST(substr({v}, -2, 2) AS INTEGER) END END"
        )
        checks.append(
            (
                f"coalesce(({offset}) > 18 * 60, true)",
                "must have a UTC offset from -18:00 to +18:00, such as Z or +02:00",
            )
        )
        checks.append((f"ts_{rule.name} IS NULL", "is not a valid date and time"))
    elif rule.kind == "number":
        bounds = _bounds_text(rule)
        checks.append((f"{ty} NOT IN {_NUMBER_TYPES}", f"must be a number{bounds}"))
        checks.append((f"NOT isfinite(CAST({v} AS DOUBLE))", f"must be a finite number{bounds}"))
        checks.extend(_bound_checks(rule, f"CAST({v} AS DOUBLE)", bounds, "a number"))
        # Durations are stored in whole microseconds: they must fit in a 64-bit integer.
        checks.append(
            (f"TRY_CAST(round(CAST({v} AS DOUBLE) * 1000000) AS BIGINT) IS NULL", "is too large")
        )
    elif rule.kind == "count":
        bounds = _bounds_text(rule)
        checks.append((f"{ty} NOT IN {_INTEGER_TYPES}", f"must be an integer{bounds}"))
        checks.append((f"TRY_CAST({v} AS BIGINT) IS NULL", "is too large"))
        checks.extend(_bound_checks(rule, f"CAST({v} AS HUGEINT)", bounds, "an integer"))
    elif rule.kind == "boolean":
        checks.append((f"{ty} <> 'BOOLEAN'", "must be true or false"))
    elif rule.kind == "object":
        checks.append((f"{ty} <> 'OBJECT'", "must be a JSON object"))
    when_absent = _quote(rule.name + "\t" + "is required") if rule.required else "NULL"
    whens = [f"WHEN {absent} THEN {when_absent}"]
    whens += [f"WHEN {cond} THEN {_quote(rule.name + chr(9) + msg)}" for cond, msg in checks]
    return "CASE " + " ".join(whens) + " END"


def _bounds_text(rule: FieldRule) -> str:
    if rule.minimum is not None and rule.maximum is not None:
        return f" from {rule.minimum:g} to {rule.maximum:g}"
    if rule.minimum is not None:
        return f" ≥ {rule.minimum:g}"
    return ""


def _bound_checks(rule: FieldRule, value: str, bounds: str, noun: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if rule.minimum is not None:
        out.append((f"{value} < {rule.minimum}", f"must be {noun}{bounds}"))
    if rule.maximum is not None:
        out.append((f"{value} > {rule.maximum}", f"must be {noun}{bounds}"))
    return out


def _json_type(raw: str, kind: FieldKind) -> str:
    """The JSON type of a raw JSON value (as json_type names it), from its first character.

    Only the distinction a field's rules need is made: a string field needs to know whether it
    holds a string, a count whether it holds an integer.
    """
    first = f"{raw}[1]"
    if kind in ("id", "text", "timestamp"):
        found = f"WHEN {first} = '\"' THEN 'VARCHAR'"
    elif kind == "boolean":
        found = f"WHEN {raw} IN ('true', 'false') THEN 'BOOLEAN'"
    elif kind == "object":
        found = f"WHEN {first} = '{{' THEN 'OBJECT'"
    elif kind == "number":
        found = f"WHEN {first} NOT IN ('\"', '{{', '[', 't', 'f') THEN 'DOUBLE'"
    else:
        found = (
            f"WHEN {first} IN ('\"', '{{', '[', 't', 'f') THEN 'OTHER' "
            f"WHEN regexp_matches({raw}, '[.eEIN]') THEN 'DOUBLE' WHEN true THEN 'BIGINT'"
        )
    return f"CASE WHEN {raw} IS NULL THEN NULL {found} ELSE 'OTHER' END"


def _json_text(raw: str, kind: FieldKind) -> str:
    """A raw JSON value as text: strings unquoted (unescaped only when they hold escapes)."""
    if kind not in ("id", "text", "timestamp"):
        return raw
    return (
        f"CASE WHEN {raw}[1] <> '\"' THEN {raw} WHEN contains({raw}, '\\') "
        f"THEN json_extract_string({raw}, '$') ELSE {raw}[2:-2] END"
    )


def _validation_sql() -> str:
    keys = [*EVENT_FIELD_NAMES, "kind"]
    kinds: dict[str, FieldKind] = {rule.name: rule.kind for rule in EVENT_FIELDS}
    kinds["kind"] = "id"
    struct = _quote(json.dumps(dict.fromkeys(keys, "JSON")))
    allowed = "[" + ", ".join(_quote(k) for k in ALLOWED_EVENT_KEYS) + "]"
    unpacked = ", ".join(
        f"{_json_type(f'raw_{name}', kind)} AS ty_{name}, "
        f"{_json_text(f'raw_{name}', kind)} AS v_{name}"
        for name, kind in kinds.items()
    )
    raws = ", ".join(f"CAST(s.{name} AS VARCHAR) AS raw_{name}" for name in keys)
    present_count = " + ".join(f"(ty_{name} IS NOT NULL)::INTEGER" for name in keys)
    rule_columns = ", ".join(f"{_rule_sql(rule)} AS err_{rule.name}" for rule in EVENT_FIELDS)
    field_errors = ", ".join(f"err_{rule.name}" for rule in EVENT_FIELDS)
    directory_kinds = ", ".join(_quote(k) for k in DIRECTORY_KINDS)

    def message(name: str, rule: str) -> str:
        return _quote(f"{name}\t{rule}")

    def present(name: str) -> str:
        return f"(ty_{name} IS NOT NULL AND ty_{name} <> 'NULL')"

    def number(name: str, default: str) -> str:
        return f"CASE WHEN {present(name)} THEN TRY_CAST(v_{name} AS DOUBLE) ELSE {default} END"

    def timestamp(name: str) -> str:
        # RFC 3339 allows a lower-case t and z, which DuckDB's parser does not.
        return (
            f"CASE WHEN ty_{name} = 'VARCHAR' THEN coalesce(TRY_CAST(v_{name} AS TIMESTAMPTZ), "
            f"TRY_CAST(upper(v_{name}) AS TIMESTAMPTZ)) END"
        )

    def usable(name: str) -> str:
        return f"(err_{name} IS NULL AND {present(name)})"

    cross_checks = [
        # Each cross-field rule runs only when the fields it compares are themselves valid.
        f"CASE WHEN kind IS NOT NULL AND kind <> 'event' THEN "
        f"{message('kind', 'must be one of: event, ' + ', '.join(DIRECTORY_KINDS))} END",
        f"CASE WHEN {usable('type')} AND v_type = 'comment.created' AND NOT {present('text')} "
        f"THEN {message('text', 'is required on comment.created')} END",
        f"CASE WHEN given_started_us > time_us "
        f"THEN {message('started_at', 'must not be after time')} END",
        f"CASE WHEN time_us > $now_us + {FUTURE_LIMIT_SECONDS * 1_000_000} "
        f"THEN {message('time', 'must not be more than 24 hours in the future')} END",
        f"CASE WHEN err_idle IS NULL AND err_duration IS NULL AND idle_value > duration_value "
        f"THEN {message('idle', 'must not be more than duration')} END",
    ]
    # A repeated key is rare: look for one only where there are more keys than values. Checked
    # on directory records too, which otherwise go to their models (where the last value wins).
    repeated = (
        f"CASE WHEN len(keys) > {present_count} AND len(keys) <> len(list_distinct(keys)) "
        f"THEN {message('', 'has a field more than once')} END"
    )
    cross_checks.append(repeated)
    unknown = (
        f"list_transform(list_filter(keys, lambda k: NOT list_contains({allowed}, k)), "
        f"lambda k: k || chr(9) || 'is not a field of an event (unknown fields are rejected)')"
    )
    # Every JSON function re-parses its input, so each line is parsed a fixed few times:
    # once to validate, once into a struct of raw JSON values (their types are read off their
    # first character), once for the keys. Each rule is then evaluated once, as a column, and
    # the messages are built only for bad records.
    return f"""
    WITH parsed AS (
      SELECT pos, idx, line, left(ltrim(line), 1) = '{{' AS is_object FROM batch
    ), structs AS (
      -- An object is parsed once, into the struct; TRY turns malformed JSON into NULL.
      SELECT pos, idx, line, is_object,
        CASE WHEN is_object THEN TRY(json_transform(line, {struct})) END AS s
      FROM parsed
    ), lists AS (
      SELECT pos, idx, is_object, s,
        CASE WHEN is_object THEN s IS NOT NULL ELSE json_valid(line) END AS j_ok,
        CASE WHEN s IS NOT NULL THEN json_keys(line) END AS keys
      FROM structs
    ), raws AS (
      SELECT pos, idx, j_ok, keys, is_object, {raws} FROM lists
    ), unpacked AS (
      SELECT pos, idx, j_ok, keys, CASE WHEN is_object THEN 'OBJECT' END AS jt, {unpacked}
      FROM raws
    ), typed AS (
      SELECT *, v_kind AS kind,
        {timestamp("time")} AS ts_time, {timestamp("started_at")} AS ts_started_at
      FROM unpacked
    ), rules AS (
      SELECT *, {rule_columns} FROM typed
    ), valued AS (
      SELECT *,
        {number("idle", "NULL")} AS idle_value,
        {number("duration", "0.0")} AS duration_value,
        CASE WHEN {usable("time")} THEN epoch_us(ts_time) END AS time_us,
        CASE WHEN {usable("started_at")}
             THEN epoch_us(ts_started_at) END AS given_started_us
      FROM rules
    ), crossed AS (
      SELECT *, {", ".join(f"{c} AS cross_{n}" for n, c in enumerate(cross_checks))},
        len(list_filter(keys, lambda k: NOT list_contains({allowed}, k))) AS unknown_count
      FROM valued
    ), checked AS (
      SELECT *,
        coalesce(given_started_us,
                 time_us - TRY_CAST(round(duration_value * 1000000) AS BIGINT)) AS started_us,
        CASE
          WHEN NOT j_ok THEN [chr(9) || 'is not valid JSON']
          WHEN jt IS NULL THEN [chr(9) || 'must be a JSON object']
          WHEN kind IN ({directory_kinds})
               THEN list_filter([cross_{len(cross_checks) - 1}], lambda x: x IS NOT NULL)
          WHEN coalesce({field_errors}, {", ".join(f"cross_{n}" for n in range(len(cross_checks)))})
               IS NULL AND unknown_count = 0 THEN []
          ELSE list_filter([{field_errors}], lambda x: x IS NOT NULL)
               || {unknown}
               || list_filter([{", ".join(f"cross_{n}" for n in range(len(cross_checks)))}],
                              lambda x: x IS NOT NULL)
        END AS problems
      FROM crossed
    )
    SELECT pos, idx, kind, problems,
      len(problems) = 0 AND (kind IS NULL OR kind = 'event') AS is_event,
      CASE WHEN ty_id = 'VARCHAR' THEN v_id END AS record_id,
      v_id AS id, v_type AS type, time_us, started_us,
      v_actor AS actor, v_project AS project, v_task AS task,
      v_annotation AS annotation, v_author AS author,
      TRY_CAST(round(duration_value * 1000000) AS BIGINT) AS duration_us,
      TRY_CAST(round(idle_value * 1000000) AS BIGINT) AS idle_us,
      TRY_CAST({number("regions_added", "0")} AS BIGINT) AS regions_added,
      TRY_CAST({number("regions_removed", "0")} AS BIGINT) AS regions_removed,
      TRY_CAST({number("regions_updated", "0")} AS BIGINT) AS regions_updated,
      TRY_CAST({number("regions", "NULL")} AS BIGINT) AS regions,
      coalesce(TRY_CAST(v_model_assisted AS BOOLEAN), false) AS model_assisted,
      coalesce(TRY_CAST(v_marked_null AS BOOLEAN), false) AS marked_null,
      {number("agreement", "NULL")} AS agreement,
      v_text AS text,
      TRY_CAST({number("frames", "NULL")} AS BIGINT) AS frames,
      v_work_type AS work_type,
      CASE WHEN {present("meta")} THEN v_meta END AS meta
    FROM checked
    """


_EMPTY_BATCH = pa.table({"pos": pa.array([], pa.int64()), "idx": pa.array([], pa.int64()),
                         "line": pa.array([], pa.string())})  # fmt: skip

Lines: TypeAlias = Sequence[str] | pa.Array | pa.ChunkedArray
Positions: TypeAlias = Sequence[int] | pa.Array | pa.ChunkedArray


def as_list(values: Positions) -> list[int]:
    """Positions as a Python list, whichever form they came in."""
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return list(values.to_pylist())
    return list(values)


def as_arrow(values: Sequence[Any] | pa.Array, type_: pa.DataType) -> pa.Array:
    """An Arrow array of `values`, as it is when it already is one."""
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values
    return pa.array(values, type_)


def line_at(lines: Lines, index: int) -> str:
    """One line of a batch, whichever form the batch came in."""
    line = lines[index]
    return str(line.as_py()) if isinstance(line, pa.Scalar) else str(line)


@dataclass
class Validated:
    """The outcome of validating one batch of raw records."""

    events: pa.Table
    directory: list[tuple[int, DirectoryRecord]] = field(default_factory=list)
    rejects: list[tuple[RecordError, str]] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    rejected: int = 0
    """How many records were rejected: all of them, even when `rejects` holds only the first."""
    problems: int = 0
    """How many rules were broken, in all: `rejects` may hold only the first of them."""

    @property
    def errors(self) -> list[RecordError]:
        return [err for err, _ in self.rejects]


class Validator:
    """Validates batches of raw JSON lines in bulk. Not thread-safe: one per thread."""

    def __init__(self, threads: int | None = None) -> None:
        self._con = duckdb.connect(":memory:")
        self._con.execute("SET TimeZone = 'UTC'")
        if threads is not None:
            self._con.execute(f"SET threads = {int(threads)}")
        # Results are matched to their lines by position and index, never by order.
        self._con.execute("SET preserve_insertion_order = false")
        self._sql = _validation_sql()
        # Prepared once: parsing, binding and planning this statement costs ~80 ms, four times
        # what running it on a small batch does (an API POST of one event). It reads whatever
        # Arrow table is registered as `batch` when it runs.
        self._con.register("batch", _EMPTY_BATCH)
        try:
            self._con.execute("PREPARE validate AS " + self._sql.replace("$now_us", "$1"))
        finally:
            self._con.unregister("batch")

    def validate_lines(
        self,
        lines: Lines,
        positions: Positions,
        now_us: int | None = None,
        *,
        max_rejects: int | None = None,
    ) -> Validated:
        """Check each line (one JSON record); split into good events, directory records, rejects.

        `lines` and `positions` may be Python sequences or Arrow arrays (a file reader hands over
        Arrow arrays built straight from the file's bytes, sparing a Python string per line).

        With `max_rejects`, only the problems of the first that many rejected records (by
        position) become `rejects`; the others are counted (`rejected`, `problems`) but no
        Python object is made for them, so a batch of a million bad records stays cheap.
        """
        if now_us is None:
            now_us = _time.time_ns() // 1000
        batch = pa.table(
            {
                "pos": as_arrow(positions, pa.int64()),
                "idx": pa.array(range(len(lines)), pa.int64()),
                "line": as_arrow(lines, pa.string()),
            }
        )
        # DuckDB scans an Arrow table in parallel by record batch: give it several.
        batch = pa.Table.from_batches(batch.to_batches(max_chunksize=SCAN_CHUNK), batch.schema)
        self._con.register("batch", batch)
        try:
            result = self._con.sql(f"EXECUTE validate({int(now_us)})").to_arrow_table()
        finally:
            self._con.unregister("batch")
        return self._split(result, lines, max_rejects)

    def _split(self, result: pa.Table, lines: Lines, max_rejects: int | None) -> Validated:
        is_event = result.column("is_event")
        out = Validated(
            events=result.filter(is_event).select(EVENT_SCHEMA.names).cast(EVENT_SCHEMA)
        )
        out.positions = result.column("pos").filter(is_event).to_pylist()
        others = result.filter(pc.invert(is_event))
        others = others.select(["pos", "idx", "kind", "problems", "record_id"])
        counts = pc.list_value_length(others.column("problems"))
        bad = others.filter(pc.greater(counts, 0))
        out.rejected = bad.num_rows
        out.problems = int(pc.sum(counts).as_py() or 0)
        if max_rejects is not None and bad.num_rows > max_rejects:
            bad = bad.take(pc.select_k_unstable(bad, max_rejects, [("pos", "ascending")]))
        for row in bad.sort_by("pos").to_pylist():
            pos, line = row["pos"], line_at(lines, row["idx"])
            for item in row["problems"]:
                name, _, rule = item.partition("\t")
                out.rejects.append((RecordError(pos, row["record_id"], name or None, rule), line))
        directory = others.filter(pc.equal(counts, 0))
        for row in directory.select(["pos", "idx", "record_id"]).to_pylist():
            pos, line = row["pos"], line_at(lines, row["idx"])
            parsed = _directory_record(line, pos, row["record_id"])
            if isinstance(parsed, list):
                out.rejected += 1
                out.problems += len(parsed)
                if max_rejects is None or len({e.position for e, _ in out.rejects}) < max_rejects:
                    out.rejects.extend((err, line) for err in parsed)
            else:
                out.directory.append((pos, parsed))
        out.rejects.sort(key=lambda reject: reject[0].position)
        return out


def _directory_record(
    line: str, pos: int, record_id: str | None
) -> DirectoryRecord | list[RecordError]:
    try:
        data = json.loads(line)
    except RecursionError:
        # DuckDB read it (it parses without recursing); Python's parser gives up on deep nesting.
        return [RecordError(pos, record_id, None, "nests too deeply to be read")]
    return parse_directory_record(data, pos)


def encode_records(records: Sequence[Any]) -> list[str]:
    """JSON lines for already-decoded records (API bodies, library calls)."""
    return [json.dumps(r, separators=(",", ":"), allow_nan=True) for r in records]
