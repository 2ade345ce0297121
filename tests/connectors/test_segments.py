"""Segments.ai workunits → events: mapping, figures, idempotency, and sync through the real SDK.

Workunits are built with the SDK's own model (`segments.typing.Workunit`) and serialised with
its own `model_dump`, so their shape is the SDK's. The sync tests run the real `SegmentsClient`
against a small HTTP server on 127.0.0.1 that answers the requests the SDK sends.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from segments.typing import LabelStatus, Workunit

from labelpulse.config import Settings
from labelpulse.connectors.people import People
from labelpulse.connectors.segments import (
    LABEL_STATUSES,
    _Workunit,
    event_type,
    import_workunits,
    sync_workunits,
    workunit_records,
)
from labelpulse.errors import InvalidRecordsError, LabelpulseError, NotFoundError, UsageError
from labelpulse.ingest import IngestSummary, ingest_records
from labelpulse.metrics import report
from labelpulse.store import Store
from tests.conftest import REPO

DATASET = "jane/flowers"
KEY = "b7c1f0e2d3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8"
SAMPLES = {
    1: ("0d4a8a5e-5b1f-4c5e-9f3b-1c2d3e4f5a61", "flower_0001.jpg"),
    2: ("0d4a8a5e-5b1f-4c5e-9f3b-1c2d3e4f5a62", "flower_0002.jpg"),
    3: ("0d4a8a5e-5b1f-4c5e-9f3b-1c2d3e4f5a63", "flower_0003.jpg"),
    4: ("0d4a8a5e-5b1f-4c5e-9f3b-1c2d3e4f5a64", "flower_0004.jpg"),
}


def wu(
    n: int,
    user: str,
    work_type: str,
    status: LabelStatus | None,
    sample: int,
    when: str,
    active_ms: int,
    idle_ms: int = 0,
) -> Workunit:
    """A workunit as the SDK models it. Idle time is 0 or over the 5-minute threshold."""
    uuid, name = SAMPLES[sample]
    return Workunit(
        uuid=f"a3e1c9d2-7f4b-4a6e-b8c0-{n:012x}",
        created_at=when,
        created_by=user,
        work_type=work_type,
        next_label_status=None if status is None else status.value,
        time=active_ms,
        inactive_time=idle_ms,
        sample_uuid=uuid,
        sample_name=name,
    )


def flowers() -> list[Workunit]:
    """A week of work on jane/flowers; the figures of the tests below are worked out by hand."""
    S = LabelStatus
    return [
        wu(1, "alice", "label", S.LABELING_IN_PROGRESS, 1, "2026-10-05T09:12:30.250000Z", 61_250),
        wu(2, "alice", "label", S.LABELED, 1, "2026-10-05T09:20:02.125000Z", 95_500, 312_000),
        wu(3, "alice", "label", S.LABELED, 2, "2026-10-05T09:31:00.000000Z", 120_000),
        wu(4, "bob", "label", S.SKIPPED, 3, "2026-10-05T10:02:41.500000Z", 8_400),
        wu(5, "rita", "review", S.REJECTED, 1, "2026-10-06T14:00:00.000000Z", 45_000),
        wu(6, "rita", "review", S.REVIEWED, 2, "2026-10-06T14:05:00.000000Z", 30_500),
        wu(7, "alice", "label", S.LABELED, 1, "2026-10-07T08:00:00.000000Z", 40_000, 301_000),
        wu(8, "rita", "review", S.REVIEWED, 1, "2026-10-07T11:00:00.000000Z", 20_000),
        wu(9, "max", "normal", S.LABELED, 2, "2026-10-08T16:45:10.000000Z", 75_000),
        wu(10, "rita", "review", S.REVIEWING_IN_PROGRESS, 2, "2026-10-08T17:00:00Z", 15_000),
        wu(11, "max", "normal", S.VERIFIED, 1, "2026-10-09T09:00:00.000000Z", 12_000),
        wu(12, "bob", "label", S.LABELED, 4, "2026-11-02T10:00:00.000000Z", 50_000),
    ]


def as_json(workunits: list[Workunit]) -> list[dict[str, Any]]:
    return [w.model_dump(mode="json") for w in workunits]


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def october(store: Store, name: str, **params: Any) -> dict[str, Any]:
    return report(
        store, name, start="2026-10-01", end="2026-10-31", tz="UTC", settings=Settings(), **params
    )


def row(result: dict[str, Any], **keys: Any) -> dict[str, Any]:
    found: list[dict[str, Any]] = [
        r for r in result["rows"] if all(r.get(k) == v for k, v in keys.items())
    ]
    assert len(found) == 1, found
    return found[0]


def stored_events(store: Store) -> list[dict[str, Any]]:
    return store.rows("SELECT * FROM events ORDER BY id")


# -- the mapping -------------------------------------------------------------------------------

EXPECTED = {  # status: (label, review, normal), as the table in docs/connectors/segments.md
    "LABELED": ("annotation.submitted", "review.viewed", "annotation.updated"),
    "LABELING_IN_PROGRESS": ("annotation.draft", "review.viewed", "annotation.draft"),
    "SKIPPED": ("annotation.skipped", "review.viewed", "annotation.skipped"),
    "REVIEWED": ("review.accepted", "review.accepted", "review.accepted"),
    "REVIEWING_IN_PROGRESS": ("annotation.draft", "review.viewed", "annotation.draft"),
    "REJECTED": ("review.rejected", "review.rejected", "review.rejected"),
    "VERIFIED": ("review.accepted", "review.accepted", "review.accepted"),
    "PRELABELED": ("annotation.deleted", "review.viewed", "annotation.deleted"),
    "UNLABELED": ("annotation.deleted", "review.viewed", "annotation.deleted"),
    None: ("annotation.draft", "review.viewed", "annotation.draft"),
}


def test_every_status_the_sdk_defines_is_mapped_in_every_workflow(store: Store) -> None:
    assert set(LABEL_STATUSES) == {s.value for s in LabelStatus} == set(EXPECTED) - {None}
    people = People(store, "segments")
    for status, types in EXPECTED.items():
        for work_type, expected, ours in zip(
            ("label", "review", "normal"), types, ("label", "review", "edit"), strict=True
        ):
            assert event_type(work_type, status) == expected, (status, work_type)
            unit = Workunit(
                uuid=f"u-{status}-{work_type}",
                created_at="2026-10-05T09:00:00Z",
                created_by="alice",
                work_type=work_type,
                next_label_status=status,
                time=1000,
                inactive_time=0,
                sample_uuid="s1",
                sample_name="one.jpg",
            )
            event = workunit_records([unit], dataset=DATASET, people=people)[0]
            assert (event["type"], event["work_type"]) == (expected, ours)


def test_the_docs_table_is_the_mapping() -> None:
    page = (REPO / "docs" / "connectors" / "segments.md").read_text(encoding="utf-8")
    table = {}
    for line in page.splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and (cells[0] in LABEL_STATUSES or cells[0] == "none"):
            table[None if cells[0] == "none" else cells[0]] = tuple(cells[1:])
    assert table == EXPECTED


def test_the_fields_read_are_the_sdks() -> None:
    ours, sdk = set(_Workunit.model_fields), set(Workunit.model_fields)
    assert ours == sdk - {"session_time_metrics"}


def test_one_workunit_becomes_one_event(store: Store) -> None:
    unit = wu(2, "alice", "label", LabelStatus.LABELED, 1, "2026-10-05T11:20:02.125+02:00", 95_500)
    unit.inactive_time = 312_004
    unit.label_rating = 4
    records = workunit_records([unit], dataset=DATASET, people=People(store, "segments"))
    sample = SAMPLES[1][0]
    assert records == [
        {
            "id": "segments:a3e1c9d2-7f4b-4a6e-b8c0-000000000002",
            "type": "annotation.submitted",
            "time": "2026-10-05T09:20:02.125000Z",
            "actor": "segments-alice",
            "project": DATASET,
            "task": sample,
            "annotation": f"{DATASET}:{sample}:ground-truth",
            # (95 500 + 312 004) ms and 312 004 ms, in seconds
            "duration": 407.504,
            "idle": 312.004,
            "work_type": "label",
            "meta": {
                "sample_name": "flower_0001.jpg",
                "label_status": "LABELED",
                "label_rating": 4,
            },
            "author": "segments-alice",
        },
        {"kind": "member", "id": "segments-alice", "name": "alice", "role": "annotator"},
        {"kind": "project", "id": DATASET, "name": DATASET},
    ]


def test_review_and_edit_events_carry_no_author(store: Store) -> None:
    units = [w for w in flowers() if w.work_type != "label"]
    records = workunit_records(units, dataset=DATASET, people=People(store, "segments"))
    events = [r for r in records if "kind" not in r]
    assert len(events) == 6
    assert all("author" not in e for e in events)


def test_sdk_objects_and_their_json_give_the_same_records(store: Store) -> None:
    from_objects = workunit_records(flowers(), dataset=DATASET, people=People(store, "segments"))
    from_json = workunit_records(
        json.loads(json.dumps(as_json(flowers()))),
        dataset=DATASET,
        people=People(store, "segments"),
    )
    # nothing was stored in between, so both calls make the same four members and the project
    assert from_objects == from_json
    assert len(from_objects) == 12 + 4 + 1
    assert from_json[-1] == {"kind": "project", "id": DATASET, "name": DATASET}


def test_durations_and_idle_are_exact_in_the_store(store: Store, tmp_path: Path) -> None:
    import_workunits(store, write(tmp_path / "w.json", as_json(flowers())), dataset=DATASET)
    stored = {r["id"][-2:]: r for r in stored_events(store)}
    # workunit 2: 95 500 ms active + 312 000 ms idle; workunit 4: 8 400 ms, no idle
    assert (stored["02"]["duration_us"], stored["02"]["idle_us"]) == (407_500_000, 312_000_000)
    assert (stored["04"]["duration_us"], stored["04"]["idle_us"]) == (8_400_000, 0)
    assert stored["0a"]["type"] == "review.viewed"  # workunit 10: reviewer saved, no verdict
    assert stored["0b"]["type"] == "review.accepted"  # workunit 11: max verified from the tab
    assert stored["0b"]["work_type"] == "edit"


# -- figures (metrics.md, seed 003) -------------------------------------------------------------


def test_work_and_items_figures(store: Store, tmp_path: Path) -> None:
    summary = import_workunits(
        store, write(tmp_path / "w.json", as_json(flowers())), dataset=DATASET
    )
    assert (summary.stored, summary.duplicates) == (12, 0)
    # 4 members and the project
    assert (summary.directory_stored, summary.directory_unchanged) == (5, 0)
    work = october(store, "work")
    alice = row(work, member="segments-alice")
    assert alice["member_name"] == "alice"
    # label time (active): 61.25 (draft) + 95.5 + 120 + 40 = 316.75 over samples 1 and 2
    assert (alice["labeled"], alice["label_time"], alice["mean_label_time"]) == (2, 316.75, 158.375)
    assert (alice["reviewed"], alice["edited"]) == (0, 0)
    # bob: the skip of sample 3 (8.4 s) counts as labeled; sample 4 is in November
    bob = row(work, member="segments-bob")
    assert (bob["labeled"], bob["label_time"], bob["mean_label_time"]) == (1, 8.4, 8.4)
    # rita: 45 + 30.5 + 20 + 15 (saved, no verdict) = 110.5 over samples 1 and 2
    rita = row(work, member="segments-rita")
    assert (rita["reviewed"], rita["review_time"], rita["mean_review_time"]) == (2, 110.5, 55.25)
    # max: 75 (edit of sample 2) + 12 (verified sample 1) = 87 edit time over 2 labels; the
    # verification is also a review action, with no review time
    mx = row(work, member="segments-max")
    assert (mx["edited"], mx["edit_time"], mx["mean_edit_time"]) == (2, 87, 43.5)
    assert (mx["reviewed"], mx["review_time"], mx["mean_review_time"]) == (1, 0, 0)
    totals = work["totals"]
    assert (totals["labeled"], totals["label_time"]) == (3, 325.15)
    assert (totals["reviewed"], totals["review_time"]) == (2, 110.5)
    assert (totals["edited"], totals["edit_time"]) == (2, 87)

    items = october(store, "items")
    assert {r["project_name"] for r in items["rows"]} == {DATASET}
    one = row(items, task=SAMPLES[1][0])
    # sample 1: label 61.25 + 95.5 + 40; review 45 + 20; edit 12; rejected once
    assert (one["label_time"], one["review_time"], one["edit_time"]) == (196.75, 65, 12)
    assert (one["rejected"], one["frames"], one["annotations"]) == (1, None, 0)
    two = row(items, task=SAMPLES[2][0])
    assert (two["label_time"], two["review_time"], two["edit_time"], two["rejected"]) == (
        120,
        45.5,
        75,
        0,
    )
    three = row(items, task=SAMPLES[3][0])
    assert (three["label_time"], three["review_time"], three["edit_time"]) == (8.4, 0, 0)
    assert len(items["rows"]) == 3
    assert (items["totals"]["label_time"], items["totals"]["rejected"]) == (325.15, 1)


def test_reviews_are_credited_to_the_labeler(store: Store, tmp_path: Path) -> None:
    import_workunits(store, write(tmp_path / "w.json", as_json(flowers())), dataset=DATASET)
    alice = october(store, "member", member="segments-alice")["annotations"]
    # sample 1 ends accepted (max's verification), sample 2 updated by max: both submitted
    assert (alice["submitted"], alice["accepted"], alice["updated"]) == (2, 1, 1)
    # review actions on alice's labels: rejected, accepted, accepted, accepted (verified) = 3/4
    assert alice["performance_score"] == 0.75
    # lead time: sample 1 61.25 + 407.5 + 341 = 809.75, sample 2 120; active 316.75
    assert (alice["total_time"], alice["active_time"]) == (929.75, 316.75)
    bob = october(store, "member", member="segments-bob")["annotations"]
    assert (bob["skipped"], bob["submitted"]) == (1, 0)


def test_the_labeling_workflow_makes_the_author(store: Store, tmp_path: Path) -> None:
    S = LabelStatus
    units = [  # max saves the sample from the Samples tab before alice labels it
        wu(1, "max", "normal", S.PRELABELED, 1, "2026-10-05T08:00:00Z", 30_000),
        wu(2, "alice", "label", S.LABELED, 1, "2026-10-05T09:00:00Z", 60_000),
        wu(3, "rita", "review", S.REVIEWED, 1, "2026-10-05T10:00:00Z", 10_000),
    ]
    import_workunits(store, write(tmp_path / "w.json", as_json(units)), dataset=DATASET)
    alice = october(store, "member", member="segments-alice")["annotations"]
    assert (alice["submitted"], alice["accepted"], alice["performance_score"]) == (1, 1, 1.0)
    assert october(store, "member", member="segments-max")["annotations"]["submitted"] == 0


# -- import: idempotency, forms, errors ---------------------------------------------------------


def test_importing_again_stores_nothing_and_changes_no_figure(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "w.json", as_json(flowers()))
    import_workunits(store, path, dataset=DATASET)
    before = [october(store, name) for name in ("work", "items", "insights")]
    again = import_workunits(store, path, dataset=DATASET)
    assert (again.stored, again.duplicates, again.conflicts) == (0, 12, 0)
    # the members and the project are known now: no directory record is sent again
    assert (again.directory_stored, again.directory_unchanged) == (0, 0)
    # the same workunits in another grouping and order, in the object form
    other = write(tmp_path / "o.json", {"dataset": DATASET, "workunits": as_json(flowers())[::-1]})
    assert import_workunits(store, other).duplicates == 12
    assert [october(store, name) for name in ("work", "items", "insights")] == before
    assert len(stored_events(store)) == 12
    assert len(store.get("external_ids", source="segments", kind="member")) == 4


def test_file_forms_and_the_dataset(store: Store, tmp_path: Path) -> None:
    units = as_json(flowers()[:2])
    with pytest.raises(UsageError, match="does not name its dataset"):
        import_workunits(store, write(tmp_path / "a.json", units))
    named = write(tmp_path / "b.json", {"dataset": DATASET, "workunits": units})
    with pytest.raises(UsageError, match="not of 'jane/roses'"):
        import_workunits(store, named, dataset="jane/roses")
    with pytest.raises(UsageError, match="owner/name"):
        import_workunits(store, write(tmp_path / "c.json", units), dataset="flowers")
    with pytest.raises(UsageError, match="not valid JSON"):
        import_workunits(store, _broken(tmp_path), dataset=DATASET)
    with pytest.raises(UsageError, match="expected a JSON array"):
        import_workunits(store, write(tmp_path / "e.json", {"results": units}), dataset=DATASET)
    with pytest.raises(NotFoundError):
        import_workunits(store, tmp_path / "missing.json", dataset=DATASET)
    assert stored_events(store) == []
    assert import_workunits(store, named, dataset=DATASET).stored == 2


def _broken(tmp_path: Path) -> Path:
    path = tmp_path / "broken.json"
    path.write_text('[{"uuid": ', encoding="utf-8")
    return path


def rejects(summary: IngestSummary) -> list[dict[str, Any]]:
    assert summary.rejects_path is not None
    text = Path(summary.rejects_path).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def broken_units() -> list[Any]:
    """Four of flowers' workunits, three of them broken, and a fifth that is not one."""
    units: list[Any] = as_json(flowers()[:4])
    del units[1]["created_by"]
    units[2]["time"] = -5
    units[2]["created_at"] = "2026-10-05T09:31:00"  # no offset
    units[3]["next_label_status"] = "ARCHIVED"
    units[3]["work_type"] = "labeling"
    units.append("not a workunit")
    return units


def test_bad_workunits_are_rejected_by_name_and_the_rest_stored(
    store: Store, tmp_path: Path
) -> None:
    summary = import_workunits(store, write(tmp_path / "w.json", broken_units()), dataset=DATASET)
    assert (summary.stored, summary.rejected) == (1, 4)
    entries = rejects(summary)
    assert [e["position"] for e in entries] == [2, 3, 4, 5]
    assert entries[0]["errors"] == [
        'record 2 (id "a3e1c9d2-7f4b-4a6e-b8c0-000000000002"): field "created_by": is required'
    ]
    assert {e.field for e in summary.errors} == {
        "created_by", "time", "created_at", "work_type", "next_label_status", None,
    }  # fmt: skip
    assert any("offset" in m for m in entries[1]["errors"])
    assert any("LABELED" in m for m in entries[2]["errors"])
    assert entries[3]["record"] == '"not a workunit"'
    assert [e["duration_us"] for e in stored_events(store)] == [61_250_000]  # alice's first
    assert [r["id"] for r in store.rows("SELECT id FROM members")] == ["segments-alice"]


def test_a_sync_with_a_refused_workunit_stores_nothing(
    store: Store, segments_api: FakeSegments
) -> None:
    segments_api.workunits[2]["created_at"] = "2036-10-05T09:31:00Z"  # the ingest refuses it
    with pytest.raises(InvalidRecordsError) as caught:
        sync_workunits(store, api_key=KEY, dataset=DATASET, api_url=segments_api.url)
    assert [(d["position"], d["field"]) for d in caught.value.details] == [(12, "time")]
    assert stored_events(store) == []
    assert store.get("external_ids", source="segments", kind="member") == []
    assert store.rows("SELECT id FROM members") == []


def test_a_workunit_whose_event_is_refused_is_rejected_alone(store: Store, tmp_path: Path) -> None:
    units = as_json(flowers()[:3])
    units[2]["created_at"] = "2036-10-05T09:31:00Z"  # ten years ahead: the ingest refuses it
    summary = import_workunits(store, write(tmp_path / "w.json", units), dataset=DATASET)
    assert (summary.stored, summary.rejected) == (2, 1)
    (entry,) = rejects(summary)
    assert entry["position"] == 3
    assert entry["errors"][0].startswith(
        'record 3 (id "a3e1c9d2-7f4b-4a6e-b8c0-000000000003"): field "event.time": '
    )
    # alice's 61.25 s, then 95.5 s active and 312 s idle
    assert sum(e["duration_us"] for e in stored_events(store)) == 468_750_000
    units[2]["created_at"] = "2026-10-05T09:31:00Z"
    again = import_workunits(store, write(tmp_path / "w.json", units), dataset=DATASET)
    assert (again.stored, again.duplicates, again.rejected) == (1, 2, 0)
    assert [r["id"] for r in store.rows("SELECT id FROM members")] == ["segments-alice"]


def test_a_known_project_is_left_as_it_is(store: Store, tmp_path: Path) -> None:
    ingest_records(
        store,
        [
            {"kind": "workspace", "id": "w1", "name": "Plants"},
            {"kind": "project", "id": DATASET, "name": "Flowers", "workspace": "w1"},
        ],
    )
    import_workunits(store, write(tmp_path / "w.json", as_json(flowers()[:1])), dataset=DATASET)
    assert store.rows("SELECT id, name, workspace FROM projects") == [
        {"id": DATASET, "name": "Flowers", "workspace": "w1"}
    ]


def test_a_workunit_without_uuid_gets_an_id_from_its_content(store: Store) -> None:
    unit = flowers()[0]
    unit.uuid = None
    first = workunit_records([unit], dataset=DATASET, people=People(store, "segments"))[0]
    second = workunit_records(
        [unit.model_dump()], dataset=DATASET, people=People(store, "segments")
    )[0]
    assert first["id"] == second["id"]
    assert first["id"].startswith("segments:sha256-")
    unit.time += 1
    third = workunit_records([unit], dataset=DATASET, people=People(store, "segments"))[0]
    assert third["id"] != first["id"]


# -- sync through the real SDK ------------------------------------------------------------------


class FakeSegments:
    """Answers the SDK's requests: the status check and pages of a dataset's workunits.

    Pages past the last are a 404 "Invalid page." (Django REST framework's page pagination).
    """

    def __init__(self, workunits: list[dict[str, Any]]) -> None:
        self.workunits = workunits
        self.requests: list[tuple[str, dict[str, str]]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.requests.append((self.path, dict(self.headers)))
                status, body = fake.answer(self.path, self.headers.get("Authorization"))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, path: str, auth: str | None) -> tuple[int, Any]:
        if auth != f"APIKey {KEY}":
            return 401, {"detail": "Invalid API key."}
        parts = urlsplit(path)
        if parts.path == "/api_status/":
            return 200, {}
        if parts.path != f"/datasets/{DATASET}/workunits/":
            return 404, {"detail": "Not found."}
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        page, per_page = int(query["page"]), int(query["per_page"])
        ordered = sorted(self.workunits, key=lambda w: str(w["created_at"]))
        if query["sort"] == "-created_at":
            ordered.reverse()
        start = (page - 1) * per_page
        if page > 1 and start >= len(ordered):
            return 404, {"detail": "Invalid page."}
        return 200, ordered[start : start + per_page]

    def workunit_requests(self) -> list[dict[str, str]]:
        out = []
        for path, _ in self.requests:
            parts = urlsplit(path)
            if parts.path.endswith("/workunits/"):
                out.append({k: v[0] for k, v in parse_qs(parts.query).items()})
        return out


@pytest.fixture
def segments_api() -> Iterator[FakeSegments]:
    fake = FakeSegments(as_json(flowers()))
    fake.thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()
        fake.thread.join()


def test_sync_reads_every_page_through_the_sdk(store: Store, segments_api: FakeSegments) -> None:
    pages: list[int] = []
    summary = sync_workunits(
        store,
        api_key=KEY,
        dataset=DATASET,
        api_url=segments_api.url,
        progress=pages.append,
        per_page=5,
    )
    assert (summary.stored, summary.duplicates, summary.directory_stored) == (12, 0, 5)
    assert pages == [5, 5, 2]
    first_path, headers = segments_api.requests[0]
    assert first_path.startswith("/api_status/?lib_version=1.")
    assert headers["Authorization"] == f"APIKey {KEY}"
    assert headers["X-source"] == "python-sdk"
    assert segments_api.requests[1][0] == (
        "/datasets/jane/flowers/workunits/?per_page=5&page=1&sort=created_at"
    )
    assert segments_api.workunit_requests() == [
        {"per_page": "5", "page": str(n), "sort": "created_at"} for n in (1, 2, 3)
    ]
    assert all(h["Authorization"] == f"APIKey {KEY}" for _, h in segments_api.requests)
    work = october(store, "work")
    assert row(work, member="segments-alice")["label_time"] == 316.75

    again = sync_workunits(
        store, api_key=KEY, dataset=DATASET, api_url=segments_api.url, per_page=5
    )
    assert (again.stored, again.duplicates, again.directory_stored) == (0, 12, 0)
    assert october(store, "work") == work


def test_sync_stops_after_a_full_last_page(store: Store, segments_api: FakeSegments) -> None:
    summary = sync_workunits(
        store, api_key=KEY, dataset=DATASET, api_url=segments_api.url, per_page=4
    )
    assert summary.stored == 12
    # pages 1-3 are full; page 4 is "Invalid page."
    assert [r["page"] for r in segments_api.workunit_requests()] == ["1", "2", "3", "4"]


def test_sync_and_import_of_the_same_workunits_agree(
    store: Store, segments_api: FakeSegments, tmp_path: Path
) -> None:
    sync_workunits(store, api_key=KEY, dataset=DATASET, api_url=segments_api.url)
    assert [r["page"] for r in segments_api.workunit_requests()] == ["1"]
    path = write(tmp_path / "w.json", {"dataset": DATASET, "workunits": as_json(flowers())})
    assert (import_workunits(store, path).stored, import_workunits(store, path).duplicates) == (
        0,
        12,
    )


def test_sync_errors_store_nothing(store: Store, segments_api: FakeSegments) -> None:
    with pytest.raises(UsageError, match="refused the API key"):
        sync_workunits(store, api_key="wrong", dataset=DATASET, api_url=segments_api.url)
    with pytest.raises(NotFoundError, match="no dataset 'jane/roses'"):
        sync_workunits(store, api_key=KEY, dataset="jane/roses", api_url=segments_api.url)
    with pytest.raises(UsageError, match="owner/name"):
        sync_workunits(store, api_key=KEY, dataset="roses", api_url=segments_api.url)
    with pytest.raises(UsageError, match="API key is required"):
        sync_workunits(store, api_key="", dataset=DATASET, api_url=segments_api.url)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    with pytest.raises(LabelpulseError, match="could not be read") as caught:
        sync_workunits(store, api_key=KEY, dataset=DATASET, api_url=closed)
    assert caught.value.code == "upstream_error"
    segments_api.workunits[3]["created_by"] = None
    with pytest.raises(LabelpulseError) as caught:
        sync_workunits(store, api_key=KEY, dataset=DATASET, api_url=segments_api.url)
    assert caught.value.code == "upstream_error"  # the SDK's own model refused the page
    assert stored_events(store) == []
