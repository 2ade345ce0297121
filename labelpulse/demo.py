"""A synthetic data-labeling organisation: directory records, then schema-v1 events.

Deterministic by `seed` (for a past `end`; with `end` today, work stops at the current hour).
Events are streamed one annotation lifecycle at a time (draft/skip, submission, reviews, fixes,
comments, edits), so memory stays flat; within a lifecycle times never go backwards, but the
stream as a whole is not sorted by time.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import math
import pathlib
import random
import time as _time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["generate", "write_ndjson"]

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_WORKSPACES = (
    ("vision", "Vision", ("Retail Shelf Detection", "image"), ("Dashcam Video Tracking", "video"),
     ("LiDAR Street Scenes", "lidar")),
    ("documents", "Documents", ("Invoice Field Extraction", "doc"), ("Contract Clause NER", "doc"),
     ("Support Ticket Triage", "text")),
    ("audio", "Audio", ("Call Center Transcription", "audio"), ("Speaker Diarization", "audio"),
     ("Podcast Topic Tagging", "text")),
)  # fmt: skip
# kind: median label seconds, regions (lo, hi), frames (lo, hi) or None, model-assisted labeling
_KINDS: dict[str, tuple[float, int, int, tuple[int, int] | None, bool]] = {
    "image": (75.0, 1, 24, None, True),
    "video": (300.0, 3, 40, (60, 900), True),
    "lidar": (420.0, 5, 60, (20, 200), False),
    "doc": (110.0, 4, 18, None, True),
    "text": (30.0, 1, 3, None, True),
    "audio": (240.0, 2, 30, None, False),
}
_REJECT_TEXT = {
    "vision": ("Boxes are too loose on the small items, please tighten them.",
               "Missed two pedestrians near the left edge.",
               "Track IDs switch around frame 212 — keep one ID per object.",
               "Occluded objects must still be labeled (guideline 4.1)."),
    "documents": ('The invoice total is tagged as "subtotal".',
                  "The governing-law clause is missing.",
                  "Dates should follow the guideline format (YYYY-MM-DD).",
                  "Wrong category: this ticket is about billing, not shipping."),
    "audio": ("Speaker turns are misaligned by about a second.",
              "Please transcribe filler words as per guideline 3.2.",
              "Overlapping speech should be marked as such.",
              "Topic is off: the episode is mostly about personal finance."),
}  # fmt: skip
_REPLIES = ("Fixed, thanks!", "Good catch, updated.", "Done. Should partially visible ones count?",
            "Updated per the guideline.", "Corrected, sorry about that.")  # fmt: skip
_PRAISE = ("Nice work, very clean.", "Great job on the tricky ones.", "Perfect, thanks!")
_NAMES = {
    "Europe/Berlin": ("Lena Jonas Mia Felix Hannah Lukas Sophie Maximilian Anna Paul Clara Jan",
                      "Müller Schmidt Schneider Fischer Weber Becker Wagner Hoffmann Koch Richter"),
    "Asia/Kolkata": ("Aarav Priya Rohan Ananya Vikram Sneha Arjun Kavya Rahul Isha Siddharth Neha",
                     "Sharma Iyer Patel Banerjee Reddy Gupta Nair Mukherjee Das Chatterjee"),
    "America/Sao_Paulo": ("João Ana Lucas Mariana Gabriel Beatriz Rafael Camila Thiago Larissa",
                          "Silva Santos Oliveira Souza Costa Pereira Almeida Ferreira Carvalho"),
    "Asia/Manila": ("Jose Maria Mark Kristine Angelica Carlo Patricia Miguel Andrea Paolo Joanna",
                    "Reyes Cruz Bautista Garcia Mendoza Ramos Aquino Villanueva Santos Castillo"),
    "America/New_York": ("Emily Michael Sarah David Jessica Daniel Ashley Chris Megan Ryan",
                         "Johnson Williams Brown Miller Davis Wilson Anderson Taylor O'Brien"),
    "UTC": ("Olivia Noah Amara Yuki Leila Tomasz Sofia Kwame Ines Mateo",
            "Okafor Tanaka Haddad Nowak Rossi Mensah Bennett Kowalski Novak Lindqvist"),
}  # fmt: skip
_ZONES = tuple(_NAMES)
_ZONE_WEIGHTS = (2, 3, 2, 3, 2, 1)


@dataclass(eq=False)
class _Project:
    id: str
    name: str
    ws: str
    kind: str
    idle: bool  # a Segments-like source: inactive time known, explicit work_type
    started: bool  # the source records when each session began
    author: bool  # the source names the author on reviews and comments
    reviewers: list[_Member] = field(default_factory=list)
    managers: list[_Member] = field(default_factory=list)
    tasks: int = 0
    recent: list[tuple[str, int, str]] = field(default_factory=list)


@dataclass(eq=False)
class _Member:
    id: str
    name: str
    email: str
    role: str
    zone: str
    local: bool  # writes times with its local offset instead of "Z"
    start: float  # local hour the working day usually starts
    speed: float  # > 1: slower than the project's median
    quality: float
    projects: list[_Project] = field(default_factory=list)
    pick: list[_Project] = field(default_factory=list)
    zoff: list[int] = field(default_factory=list)  # true UTC offset per day
    offs: list[tuple[int, str]] = field(default_factory=list)  # offset and suffix written


@functools.cache
def _clock() -> tuple[str, ...]:
    return tuple(
        f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)
    )


def _organisation(
    rng: random.Random, members: int, first: int, last: int
) -> tuple[list[_Project], list[_Member], list[dict[str, Any]]]:
    n_ws = 3 if members >= 10 else 2
    projects: list[_Project] = []
    records: list[dict[str, Any]] = []
    for ws_id, ws_name, *kinds in _WORKSPACES[:n_ws]:
        records.append({"kind": "workspace", "id": f"ws-{ws_id}", "name": ws_name})
        for name, kind in kinds[: rng.choice((2, 3))]:
            pid = f"p{len(projects) + 1}"
            seg = rng.random() < 0.4
            projects.append(_Project(pid, name, ws_id, kind, seg, rng.random() < 0.6, not seg))
            records.append({"kind": "project", "id": pid, "name": name, "workspace": f"ws-{ws_id}"})
    n_mgr = max(1, round(members * 0.1))
    n_rev = max(1, round(members * 0.2))
    n_ann = members - 2 - n_mgr - n_rev
    roles = [("owner", "owner"), ("admin", "admin")]
    roles += [(f"mgr-{i:02d}", "manager") for i in range(1, n_mgr + 1)]
    roles += [(f"rev-{i:02d}", "reviewer") for i in range(1, n_rev + 1)]
    roles += [(f"ann-{i:02d}", "annotator") for i in range(1, n_ann + 1)]
    people: list[_Member] = []
    names: set[str] = set()
    emails: set[str] = set()
    for mid, role in roles:
        if role in ("annotator", "reviewer"):
            zone = rng.choices(_ZONES, _ZONE_WEIGHTS)[0]
        else:
            zone = rng.choice(("Europe/Berlin", "America/New_York", "UTC"))
        firsts, lasts = (pool.split() for pool in _NAMES[zone])
        for _ in range(50):
            first_name, last_name = rng.choice(firsts), rng.choice(lasts)
            if f"{first_name} {last_name}" not in names:
                break
        names.add(f"{first_name} {last_name}")
        local = "".join(
            c for c in unicodedata.normalize("NFKD", f"{first_name}.{last_name}".lower())
            if c.isascii() and (c.isalnum() or c == ".")
        )  # fmt: skip
        email, k = f"{local}@example.com", 1
        while email in emails:
            k += 1
            email = f"{local}{k}@example.com"
        emails.add(email)
        people.append(
            _Member(mid, f"{first_name} {last_name}", email, role, zone,
                    zone != "UTC" and rng.random() < 0.3, 8 + rng.random() * 1.5,
                    rng.lognormvariate(0, 0.3), rng.betavariate(8, 2))
        )  # fmt: skip
        records.append({"kind": "member", "id": mid, "name": people[-1].name, "email": email,
                        "role": role})  # fmt: skip
    ws_ids = list(dict.fromkeys(p.ws for p in projects))
    by_role = {r: [m for m in people if m.role == r] for r in ("manager", "reviewer", "annotator")}
    for i, m in enumerate(by_role["manager"]):
        mine = {ws_ids[i % len(ws_ids)]}
        if rng.random() < 0.5:
            mine.add(rng.choice(ws_ids))
        for ws in sorted(mine):
            records.append({"kind": "membership", "member": m.id, "workspace": f"ws-{ws}"})
            for p in projects:
                if p.ws == ws:
                    p.managers.append(m)
    for role in ("reviewer", "annotator"):
        group = by_role[role]
        for i, p in enumerate(projects):
            group[i % len(group)].projects.append(p)
        for m in group:
            for p in rng.sample(projects, rng.randint(0, 2)):
                if p not in m.projects:
                    m.projects.append(p)
            for p in m.projects:
                records.append({"kind": "membership", "member": m.id, "project": p.id})
                if role == "reviewer":
                    p.reviewers.append(m)
            m.pick = [m.projects[0]] * (2 * len(m.projects)) + m.projects
    for m in people:
        tz = ZoneInfo(m.zone)
        for day in range(first - 1, last + 2):
            noon = dt.datetime.fromtimestamp(day * 86400 + 43200, dt.UTC).astimezone(tz)
            delta = noon.utcoffset()
            off = int(delta.total_seconds()) if delta is not None else 0
            m.zoff.append(off)
            if m.local:
                sign, mins = ("-" if off < 0 else "+"), abs(off) // 60
                m.offs.append((off, f"{sign}{mins // 60:02d}:{mins % 60:02d}"))
            else:
                m.offs.append((0, "Z"))
    return projects, people, records


def generate(
    *,
    members: int = 24,
    days: int = 30,
    events: int = 20_000,
    seed: int = 7,
    end: dt.date | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield directory records first (each with "kind"), then events (no "kind"), schema v1."""
    if members < 6:
        raise ValueError(f"members must be at least 6, got {members}")
    if days < 1 or events < 0:
        raise ValueError("days must be at least 1 and events at least 0")
    if end is None:
        end = dt.datetime.now(dt.UTC).date()
    last = dt.date(end.year, end.month, end.day).toordinal() - _EPOCH_ORDINAL
    first = last - days + 1
    limit = min((last + 1) * 86400 - 1, int(_time.time()) // 3600 * 3600)
    if limit < first * 86400:
        raise ValueError(f"the {days} days ending {end} are all in the future")
    rng = random.Random(seed)
    _, people, records = _organisation(rng, members, first, last)
    return itertools.chain(records, _events(rng, people, first, last, limit, events))


def _events(
    rng: random.Random, people: list[_Member], first: int, last: int, limit: int, total: int
) -> Iterator[dict[str, Any]]:
    if total == 0:
        return
    rnd, lognorm = rng.random, rng.lognormvariate
    clock = _clock()
    dates = [
        dt.date.fromordinal(d + _EPOCH_ORDINAL).isoformat() + "T"
        for d in range(first - 2, last + 3)
    ]
    b1, b2 = first - 1, first - 2
    eid: Callable[[], str] = map("e{:07d}".format, itertools.count(1)).__next__
    aid: Callable[[], str] = map("a{:06d}".format, itertools.count(1)).__next__
    mu_20min, mu_hour, mu_2h, mu_3h, mu_6h = (math.log(s) for s in (1200, 3600, 7200, 10800, 21600))
    mu_review = math.log(35)

    def fmt(m: _Member, t: int) -> str:
        off, suffix = m.offs[t // 86400 - b1]
        t += off
        return dates[t // 86400 - b2] + clock[t % 86400] + suffix

    def later(t: int, mu: float) -> int:
        t2 = t + int(lognorm(mu, 1.0)) + 1
        return t2 if t2 <= limit else t + int((limit - t) * rnd())

    def ldur(scale: float) -> int:
        return int(min(900.0, max(20.0, scale * lognorm(0.0, 0.55))) * 1000)

    def rdur() -> int:
        return int(min(180.0, max(5.0, lognorm(mu_review, 0.8))) * 1000)

    def ev(
        typ: str, t: int, m: _Member, p: _Project, task: str, ann: str, ms: int
    ) -> dict[str, Any]:
        d: dict[str, Any] = {"id": eid(), "type": typ, "time": fmt(m, t), "actor": m.id, "project": p.id,
                              "task": task, "annotation": ann}  # fmt: skip
        if ms:
            d["duration"] = ms / 1000
            if p.idle:
                d["idle"] = int(ms * rnd() * 0.4) / 1000
            if p.started and rnd() < 0.7:
                d["started_at"] = fmt(m, t - (ms + 999) // 1000)
        return d

    def life(a: _Member, t0: int, width: float) -> list[dict[str, Any]]:
        p = a.pick[int(rnd() * len(a.pick))]
        median, rlo, rhi, fr, ma_ok = _KINDS[p.kind]
        task, frames = "", 0
        if p.recent and rnd() < 0.1:
            task, frames, prev = p.recent[int(rnd() * len(p.recent))]
            task = "" if prev == a.id else task
        if not task:
            p.tasks += 1
            task = f"{p.id}-t{p.tasks:06d}"
            frames = fr[0] + p.tasks * 7919 % (fr[1] - fr[0] + 1) if fr else 0
            if len(p.recent) < 64:
                p.recent.append((task, frames, a.id))
            else:
                p.recent[p.tasks % 64] = (task, frames, a.id)
        ann = aid()
        out: list[dict[str, Any]] = []

        def label(typ: str, t: int, ms: int, m: _Member = a) -> dict[str, Any]:
            d = ev(typ, t, m, p, task, ann, ms)
            if p.idle and m is a:
                d["work_type"] = "label"
            if frames:
                d["frames"] = frames
            out.append(d)
            return d

        def review(typ: str, t: int, r: _Member, ms: int, text: str = "") -> dict[str, Any]:
            d = ev(typ, t, r, p, task, ann, ms)
            if text:
                d["text"] = text
            if p.author:
                d["author"] = a.id
            if p.idle and typ[0] == "r":
                d["work_type"] = "review"
            out.append(d)
            return d

        scale = median * a.speed
        ms = ldur(scale)
        secs = ms / 1000
        t = t0 + int(secs + rnd() * (width - secs) if secs < width else rnd() * width)
        t = min(t, limit)
        r = rnd()
        if r < 0.05:  # skipped; now and then taken up again later
            label("annotation.skipped", t, ms // 4)
            if rnd() < 0.75:
                return out
            t = later(t, mu_hour)
        elif r < 0.17:  # saved as a draft first, submitted later
            part = int(ms * (0.2 + 0.5 * rnd()))
            d = label("annotation.draft", t, part)
            d["regions_added"] = d["regions"] = rlo + int(rnd() * (rhi - rlo + 1) / 2)
            ms -= part
            t = later(t, mu_hour)
        n = rlo + int(rnd() * (rhi - rlo + 1))
        d = label("annotation.submitted", t, ms)
        r = rnd()
        if r < 0.05:
            n = d["regions"] = 0
            d["marked_null"] = True
        elif ma_ok and r < 0.3:
            pre = max(1, n + int(rnd() * 5) - 2)
            removed = int(rnd() * min(3, pre))
            added = max(0, n - pre + removed)
            n = pre - removed + added
            d["model_assisted"] = True
            d["regions_added"], d["regions_removed"] = added, removed
            d["regions_updated"], d["regions"] = int(rnd() * pre), n
            if rnd() < 0.2:
                d["meta"] = {"model_version": f"{p.kind}-v3.1"}
        else:
            d["regions_added"] = d["regions"] = n
        r = rnd()
        if r < 0.01:  # withdrawn by its author
            label("annotation.deleted", later(t, mu_20min), 0)
            return out
        if r < 0.04:  # changed before review
            t = later(t, mu_20min)
            d = label("annotation.updated", t, ldur(scale * 0.3))
            d["regions_updated"], d["regions"] = 1 + int(rnd() * 3), n
        if not p.reviewers or rnd() < 0.12:  # not reviewed (yet)
            return out
        rv = p.reviewers[int(rnd() * len(p.reviewers))]
        t = later(t, mu_3h)
        if rnd() < 0.12:
            review("review.viewed", t, rv, rdur())
            t = later(t, mu_20min)
        reject, rounds = 0.08 + 0.5 * (1 - a.quality), 0
        while True:
            r = rnd()
            if r < reject and rounds < 3:
                review("review.rejected", t, rv, rdur())
                if rnd() < 0.75:
                    t = min(t + 1 + int(rnd() * 40), limit)
                    texts = _REJECT_TEXT[p.ws]
                    review("comment.created", t, rv, 0, texts[int(rnd() * len(texts))])
                    if rnd() < 0.3:
                        t = later(t, mu_20min)
                        review("comment.created", t, a, 0, _REPLIES[int(rnd() * len(_REPLIES))])
                t = later(t, mu_2h)
                d = label("annotation.updated", t, ldur(scale * 0.35))
                added = int(rnd() * 3)
                n += added
                d["regions_added"], d["regions_updated"], d["regions"] = (
                    added,
                    1 + int(rnd() * 3),
                    n,
                )
                t = later(t, mu_2h)
                reject, rounds = reject * 0.5, rounds + 1
            elif r < reject + 0.12:
                d = review("review.fixed_and_accepted", t, rv, min(180_000, 2 * rdur()))
                d["regions_updated"], d["regions"] = 1 + int(rnd() * 4), n
                if rnd() < 0.8:
                    d["agreement"] = round(rng.betavariate(6.0, 1.5), 3)
                break
            else:
                review("review.accepted", t, rv, rdur())
                if rnd() < 0.04:
                    t = min(t + 1 + int(rnd() * 20), limit)
                    review("comment.created", t, rv, 0, _PRAISE[int(rnd() * len(_PRAISE))])
                break
        r = rnd()
        if r < 0.03 and p.managers:  # a manager opens it from the task list and edits or deletes it
            mgr = p.managers[int(rnd() * len(p.managers))]
            t = later(t, mu_6h)
            if r < 0.004:
                label("annotation.deleted", t, 0, mgr)
            else:
                d = label("annotation.updated", t, ldur(scale * 0.3), mgr)
                d["regions_updated"], d["regions"] = 1 + int(rnd() * 4), n
        return out

    # Working windows: (annotator, start, end, capacity) per day, in UTC seconds.
    annotators = [m for m in people if m.role == "annotator"]
    away: dict[str, range] = {}
    for m in annotators:
        if rnd() < 0.3:
            start = first + int(rnd() * (last - first + 1))
            away[m.id] = range(start, start + 3 + int(rnd() * 5))
    plan: list[list[tuple[_Member, int, int, float]]] = []
    for day in range(first, last + 1):
        midnight, weekend = day * 86400, (day + 3) % 7 >= 5
        rows = []
        for m in annotators:
            if rnd() > (0.07 if weekend else 0.94) or day in away.get(m.id, ()):
                continue
            h0 = m.start + rnd() * 0.75
            ws = midnight + int(h0 * 3600) - m.zoff[day - b1]
            we = min(ws + int(min(6.5 + rnd() * 2.5, 18.5 - h0) * 3600), midnight + 86399, limit)
            ws = max(ws, midnight)
            if we > ws:
                rows.append((m, ws, we, (we - ws) / m.speed))
        plan.append(rows)
    if not any(plan):  # nobody's working hours have begun yet: use whatever time there is
        for i in range(len(plan)):
            midnight = (first + i) * 86400
            if midnight <= limit:
                plan[i] = [(m, midnight, min(midnight + 86399, limit), 1.0) for m in annotators]
    total_w = sum(w for rows in plan for *_, w in rows)
    final = max(i for i, rows in enumerate(plan) if rows)
    emitted = lifecycles = 0
    cum = 0.0
    for i, rows in enumerate(plan):
        if not rows:
            continue
        day_w = sum(w for *_, w in rows)
        cum += day_w
        per = emitted / lifecycles if lifecycles >= 100 else 3.5
        want = (total * cum / total_w - emitted) / per
        if i == final:
            want = want * 1.25 + 10
        slots = []
        for m, ws, we, w in rows:
            n = int(want * w / day_w + rnd())
            if n > 0:
                slots.append((m, ws, (we - ws) / n, n))
        for k in range(max((s[3] for s in slots), default=0)):
            for m, ws, width, n in slots:
                if k < n:
                    for e in life(m, int(ws + k * width), width):
                        yield e
                        emitted += 1
                        if emitted == total:
                            return
                    lifecycles += 1
    rows = plan[final]
    while True:  # the count is not reached yet: more work at random times on the final day
        m, ws, we, _ = rows[int(rnd() * len(rows))]
        t0 = ws + int(rnd() * (we - ws))
        for e in life(m, t0, float(min(600, we - t0))):
            yield e
            emitted += 1
            if emitted == total:
                return


def _line(rec: dict[str, Any]) -> str:
    """One compact JSON object. Fast path for the generator's own events, whose strings are
    all plain ASCII ids and timestamps except `text`."""
    if "kind" in rec:
        return json.dumps(rec, separators=(",", ":"), ensure_ascii=False)
    parts = []
    for k, v in rec.items():
        t = type(v)
        if t is str and k != "text":
            parts.append(f'"{k}":"{v}"')
        elif t is int or t is float:
            parts.append(f'"{k}":{v!r}')
        elif t is bool:
            parts.append(f'"{k}":true' if v else f'"{k}":false')
        else:
            parts.append(f'"{k}":' + json.dumps(v, separators=(",", ":"), ensure_ascii=False))
    return "{" + ",".join(parts) + "}"


def write_ndjson(path: pathlib.Path, **kwargs: Any) -> int:
    """Write generate(**kwargs) as NDJSON (one compact JSON object per line).

    Returns the number of records written (directory records included)."""
    count = 0
    with pathlib.Path(path).open("w", encoding="utf-8", newline="\n") as f:
        lines: list[str] = []
        for rec in generate(**kwargs):
            lines.append(_line(rec))
            if len(lines) == 8192:
                f.write("\n".join(lines) + "\n")
                count += len(lines)
                lines.clear()
        if lines:
            f.write("\n".join(lines) + "\n")
            count += len(lines)
    return count
