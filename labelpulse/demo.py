"""A synthetic data-labeling organisation: directory records, then schema-v1 events.

Deterministic by `seed` for an `end` in the past; with `end` today, work stops at the start of
the current UTC hour, so the output also depends on that hour. Events are streamed one annotation
lifecycle at a time (draft or skip, submission, review, rejection and fix, comments, manager
edits), so memory stays flat; times never go backwards within a lifecycle, but the stream as a
whole is not sorted by time.

Speed: events are built directly as JSON text (json.dumps costs more than all the rest), and that
text is the one source: `write_ndjson` writes it as it is, `generate` parses it back.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import pathlib
import random
import time as _time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any
from zoneinfo import ZoneInfo

from labelpulse import demo_flags  # FLAGS (issue 16): a rubber stamp and a rushing annotator

__all__ = ["generate", "write_ndjson"]

# One sign-in per role, for `make run` and the browser tests; a demo, never a real password.
DEMO_LOGINS = ("owner", "admin", "mgr-01", "rev-01", "ann-01")
DEMO_PASSWORD = "labelpulse-demo"

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_WORKSPACES = (
    ("vision", "Vision", ("Retail Shelf Detection", "image"), ("Dashcam Video Tracking", "video"),
     ("LiDAR Street Scenes", "lidar")),
    ("documents", "Documents", ("Invoice Field Extraction", "doc"), ("Contract Clause NER", "doc"),
     ("Support Ticket Triage", "text")),
    ("audio", "Audio", ("Call Center Transcription", "audio"), ("Speaker Diarization", "audio"),
     ("Podcast Topic Tagging", "text")),
)  # fmt: skip
# kind: median label seconds, regions (lo, hi), frames (lo, hi), model-assisted labeling
_KINDS: dict[str, tuple[float, int, int, tuple[int, int] | None, bool]] = {
    "image": (75.0, 1, 24, None, True),
    "video": (300.0, 3, 40, (60, 900), True),
    "lidar": (420.0, 5, 60, (20, 200), False),
    "doc": (110.0, 4, 18, None, True),
    "text": (30.0, 1, 3, None, True),
    "audio": (240.0, 2, 30, None, False),
}
_REJECTIONS = {
    "image": ("Boxes are too loose on the small items, please tighten them.",
              "Occluded products must still be labeled (guideline 4.1)."),
    "video": ("Track IDs switch around frame 212 — keep one ID per object.",
              "Missed two pedestrians near the left edge."),
    "lidar": ("Cuboid heading is flipped on the parked truck.",
              "Cyclist labeled as pedestrian, see the class guide."),
    "doc": ('The invoice total is tagged as "subtotal".', "The governing-law clause is missing.",
            "Dates should follow the guideline format (YYYY-MM-DD)."),
    "text": ("Wrong category: this is about billing, not shipping.",
             "Please pick the most specific topic, not the generic one."),
    "audio": ("Speaker turns are misaligned by about a second.",
              "Please transcribe filler words as per guideline 3.2.",
              "Overlapping speech should be marked as such."),
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
    recent: list[tuple[str, int, _Member]] = field(default_factory=list)  # last 64 tasks


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
    zoff: list[int] = field(default_factory=list)  # true UTC offset per day
    offs: list[tuple[int, str]] = field(default_factory=list)  # offset and suffix written
    stamps: bool = False  # FLAGS: accepts everything in seconds (demo_flags)
    rushes: bool = False  # FLAGS: submits some annotations far too fast (demo_flags)


def _organisation(
    rng: random.Random, members: int, first: int, last: int
) -> tuple[list[_Member], list[dict[str, Any]]]:
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
            zone = rng.choices(tuple(_NAMES), (2, 3, 2, 3, 2, 1))[0]
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
                    zone != "UTC" and len(people) % 3 == 1, 8 + rng.random() * 1.5,
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
        for i in range(max(len(group), len(projects))):  # everyone in a project, and vice versa
            group[i % len(group)].projects.append(projects[i % len(projects)])
        for m in group:
            for p in rng.sample(projects, rng.randint(0, 2)):
                if p not in m.projects:
                    m.projects.append(p)
            for p in m.projects:
                records.append({"kind": "membership", "member": m.id, "project": p.id})
                if role == "reviewer":
                    p.reviewers.append(m)
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
    return people, records


def _text(texts: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(',"text":' + json.dumps(s) for s in texts)  # ASCII-only lines write fastest


# Comment texts ready to append to an event's JSON; lookup tables for fast formatting.
_TEXTS = {kind: _text(texts) for kind, texts in _REJECTIONS.items()}
_REPLY_TEXTS, _PRAISE_TEXTS = _text(_REPLIES), _text(_PRAISE)
_LOW = tuple(f"{i:03d}" for i in range(1000))
_SIXTY = tuple(f"{i:02d}" for i in range(60))
# Every time of day, "00:00:00" to "23:59:59": joined from parts, ~5x faster at import than
# formatting 86,400 times (`labelpulse --help` imports this module).
_CLOCK = tuple(map(":".join, itertools.product(_SIXTY[:24], _SIXTY, _SIXTY)))
_FRACTIONS = ("", *(f".{i:03d}".rstrip("0") for i in range(1, 1000)))  # milliseconds as JSON
# An annotator's work on one project: project, speed-scaled median seconds, regions range,
# frames range, model assistance, label/comment/review JSON tails, first-review reject chance.
_Job = tuple[_Project, float, int, int, tuple[int, int] | None, bool, str, str, str, float]
_Z = tuple(NormalDist().inv_cdf((i + 0.5) / 4096) for i in range(4096))  # log-normals by lookup


def _ids(letter: str, width: int) -> Callable[[], str]:
    """The next of the sequential ids from 1 ("e0000001"), wider past the padding; C-speed."""
    blocks = map(lambda high: map(f"{letter}{high:0{width}d}".__add__, _LOW), itertools.count())
    ids = itertools.chain.from_iterable(blocks)
    next(ids)  # no id 0
    return ids.__next__


def generate(
    *,
    members: int = 24,
    days: int = 30,
    events: int = 20_000,
    seed: int = 7,
    end: dt.date | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield directory records first (each with "kind"), then events (no "kind"), schema v1."""
    records, batches = _stream(members, days, events, seed, end)
    decode = json.JSONDecoder().raw_decode
    return itertools.chain(records, (decode(line)[0] for b in batches for line in b))


def write_ndjson(path: pathlib.Path, **kwargs: Any) -> int:
    """Write generate(**kwargs) as NDJSON (one compact JSON object per line).

    Returns the number of records written, directory records included."""
    records, batches = _stream(**kwargs)
    count = len(records)
    with pathlib.Path(path).open("wb") as f:  # binary: much faster than a text stream here
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
        for batch in batches:
            f.write("".join(batch).encode())
            count += len(batch)
    return count


def _stream(
    members: int = 24, days: int = 30, events: int = 20_000, seed: int = 7,
    end: dt.date | None = None,
) -> tuple[list[dict[str, Any]], Iterator[list[str]]]:  # fmt: skip
    """The directory records, and the events as batches of JSON lines (each ending in a newline):
    the one source of both outputs."""
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
    people, records = _organisation(rng, members, first, last)
    demo_flags.mark(people)
    return records, _lines(rng, people, first, last, limit, events)


def _lines(
    rng: random.Random, people: list[_Member], first: int, last: int, limit: int, total: int
) -> Iterator[list[str]]:
    rnd = rng.random
    clock, z = _CLOCK, _Z
    span = range(first - 2, last + 3)
    dates = [dt.date.fromordinal(d + _EPOCH_ORDINAL).isoformat() + "T" for d in span]
    b1, b2 = first - 1, first - 2
    eid, aid = _ids("e", 4), _ids("a", 3)
    frac = _FRACTIONS
    wait = tuple(math.exp(x) for x in z)  # waits between steps: median 1, log-sd 1
    label_f = tuple(math.exp(0.55 * x) for x in z)
    review_ms = tuple(int(min(180.0, max(5.0, 35 * math.exp(0.8 * x))) * 1000) for x in z)
    out: list[str] = []  # lines not yet handed out
    ctx, idle, started = "", False, False  # the current annotation's ids, its source's habits

    def later(t: int, median: float) -> int:
        t2 = t + int(median * wait[int(rnd() * 4096)]) + 1
        return t2 if t2 <= limit else t + int((limit - t) * rnd())

    def ldur(scale: float) -> int:  # a labeling session, 20 s to 15 min, in ms
        s = scale * label_f[int(rnd() * 4096)]
        return 20_000 if s < 20.0 else 900_000 if s > 900.0 else int(s * 1000)

    def rdur() -> int:  # a review session, 5 s to 3 min, in ms
        return review_ms[int(rnd() * 4096)]

    def put(typ: str, t: int, m: _Member, ms: int, tail: str) -> None:
        if ms:
            tail = f',"duration":{ms // 1000}{frac[ms % 1000]}{tail}'
            if idle:
                i = int(ms * rnd() * 0.4)
                tail = f',"idle":{i // 1000}{frac[i % 1000]}{tail}'
            if started and rnd() < 0.7:
                s = t - (ms + 999) // 1000
                off, suffix = m.offs[s // 86400 - b1]
                s += off
                tail = f',"started_at":"{dates[s // 86400 - b2]}{clock[s % 86400]}{suffix}"{tail}'
        off, suffix = m.offs[t // 86400 - b1]
        t += off
        out.append(f'{{"id":"{eid()}","type":"{typ}","time":"{dates[t // 86400 - b2]}'
                   f'{clock[t % 86400]}{suffix}","actor":"{m.id}",{ctx}{tail}}}\n')  # fmt: skip

    def life(a: _Member, jobs: list[_Job], t0: int, width: float) -> None:
        nonlocal ctx, idle, started
        p, scale, rlo, rhi, fr, ma_ok, lwt, ctail, rtail, reject = jobs[int(rnd() * len(jobs))]
        task, frames = "", 0
        if p.recent and rnd() < 0.1:  # a second opinion on a task someone else labeled
            task, frames, prev = p.recent[int(rnd() * len(p.recent))]
            task = "" if prev is a else task
        if not task:
            p.tasks += 1
            task = f"{p.id}-t{str(p.tasks).zfill(6)}"
            frames = fr[0] + p.tasks * 7919 % (fr[1] - fr[0] + 1) if fr else 0
            if len(p.recent) < 64:
                p.recent.append((task, frames, a))
            else:
                p.recent[p.tasks % 64] = (task, frames, a)
        ctx = f'"project":"{p.id}","task":"{task}","annotation":"{aid()}"'
        idle, started = p.idle, p.started
        ftail = f',"frames":{frames}' if frames else ""
        ltail = lwt + ftail
        ms = ldur(scale)
        if a.rushes and rnd() < demo_flags.RUSHED_SHARE:  # FLAGS
            ms = demo_flags.rushed_ms(rnd())
        secs = ms / 1000
        t = t0 + int(secs + rnd() * (width - secs) if secs < width else rnd() * width)
        r = rnd()
        if r < 0.05:  # skipped; now and then taken up again later
            put("annotation.skipped", t, a, ms // 4, ltail)
            if rnd() < 0.75:
                return
            t = later(t, 3600)
        elif r < 0.17:  # saved as a draft first, submitted later
            part = int(ms * (0.2 + 0.5 * rnd()))
            k = rlo + int(rnd() * (rhi - rlo + 1) / 2)
            put("annotation.draft", t, a, part, f'{ltail},"regions_added":{k},"regions":{k}')
            ms -= part
            t = later(t, 3600)
        n = rlo + int(rnd() * (rhi - rlo + 1))
        r = rnd()
        if r < 0.05:
            n, tail = 0, ',"regions":0,"marked_null":true'
        elif ma_ok and r < 0.3:  # started from a model's predictions
            pre = max(1, n + int(rnd() * 5) - 2)
            removed = int(rnd() * min(3, pre))
            added = max(0, n - pre + removed)
            n = pre - removed + added
            tail = (f',"model_assisted":true,"regions_added":{added},"regions_removed":{removed}'
                    f',"regions_updated":{int(rnd() * pre)},"regions":{n}')  # fmt: skip
            if rnd() < 0.2:
                tail += f',"meta":{{"model_version":"{p.kind}-v3.1"}}'
        else:
            tail = f',"regions_added":{n},"regions":{n}'
        put("annotation.submitted", t, a, ms, ltail + tail)
        r = rnd()
        if r < 0.01:  # withdrawn by its author
            put("annotation.deleted", later(t, 1200), a, 0, ltail)
            return
        if r < 0.04:  # changed before review
            t = later(t, 1200)
            put("annotation.updated", t, a, ldur(scale * 0.3),
                f'{ltail},"regions_updated":{1 + int(rnd() * 3)},"regions":{n}')  # fmt: skip
        if rnd() < 0.12:  # not reviewed (yet)
            return
        rv = p.reviewers[int(rnd() * len(p.reviewers))]
        t = later(t, 10800)
        if rnd() < 0.12:  # opened, left without acting, came back later
            put("review.viewed", t, rv, rdur(), rtail)
            t = later(t, 1200)
        rounds = 0
        while True:
            if rv.stamps:  # FLAGS: a rubber stamp accepts at once
                put("review.accepted", t, rv, demo_flags.stamp_ms(rnd()), rtail)
                break
            r = rnd()
            if r < reject and rounds < 3:
                put("review.rejected", t, rv, rdur(), rtail)
                if rnd() < 0.75:
                    t = min(t + 1 + int(rnd() * 40), limit)
                    texts = _TEXTS[p.kind]
                    put("comment.created", t, rv, 0, ctail + texts[int(rnd() * len(texts))])
                    if rnd() < 0.3:
                        t = later(t, 1200)
                        put("comment.created", t, a, 0, ctail + _REPLY_TEXTS[int(rnd() * 5)])
                if rnd() < 0.2:  # not fixed (yet): the annotation stays rejected
                    return
                t = later(t, 7200)
                added = int(rnd() * 3)
                n += added
                put("annotation.updated", t, a, ldur(scale * 0.35), f'{ltail},"regions_added":'
                    f'{added},"regions_updated":{1 + int(rnd() * 3)},"regions":{n}')  # fmt: skip
                t = later(t, 7200)
                reject, rounds = reject * 0.5, rounds + 1
            elif r < reject + 0.12:
                tail = f'{rtail},"regions_updated":{1 + int(rnd() * 4)},"regions":{n}'
                if rnd() < 0.8:
                    tail += f',"agreement":{round(rng.betavariate(6.0, 1.5), 3)}'
                put("review.fixed_and_accepted", t, rv, min(180_000, 2 * rdur()), tail)
                break
            else:
                put("review.accepted", t, rv, rdur(), rtail)
                if rnd() < 0.04:
                    t = min(t + 1 + int(rnd() * 20), limit)
                    put("comment.created", t, rv, 0, ctail + _PRAISE_TEXTS[int(rnd() * 3)])
                break
        r = rnd()
        if r < 0.03 and p.managers:  # a manager opens it from the task list and edits or deletes it
            mgr = p.managers[int(rnd() * len(p.managers))]
            t = later(t, 21600)
            if r < 0.004:
                put("annotation.deleted", t, mgr, 0, ftail)
            else:
                put("annotation.updated", t, mgr, ldur(scale * 0.3),
                    f'{ftail},"regions_updated":{1 + int(rnd() * 4)},"regions":{n}')  # fmt: skip

    # What each annotator works on: their first project twice as often as each other one.
    jobs: dict[str, list[_Job]] = {}
    annotators = [m for m in people if m.role == "annotator"]
    for a in annotators:
        mine = []
        for p in a.projects:
            median, rlo, rhi, fr, ma_ok = _KINDS[p.kind]
            ctail = f',"author":"{a.id}"' if p.author else ""
            wt = ',"work_type":"label"' if p.idle else ""
            rtail = ctail + (',"work_type":"review"' if p.idle else "")
            reject = 0.08 + 0.5 * (1 - a.quality)
            mine.append((p, median * a.speed, rlo, rhi, fr, ma_ok, wt, ctail, rtail, reject))
        jobs[a.id] = mine[:1] * 2 * len(mine) + mine
    # Working windows per day: (annotator, start, end, capacity), in UTC seconds.
    away: dict[str, range] = {}
    for m in annotators:
        if rnd() < 0.3:  # a few days off
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
    # Spread the events over the days by capacity; on the final day, go on until the count.
    total_w = sum(w for rows in plan for *_, w in rows)
    final = max(i for i, rows in enumerate(plan) if rows)
    done = lifecycles = 0  # lines handed out, lifecycles generated
    cum = 0.0
    for i, rows in enumerate(plan):
        if not rows:
            continue
        day_w = sum(w for *_, w in rows)
        cum += day_w
        per = (done + len(out)) / lifecycles if lifecycles >= 100 else 3.0
        want = (total * cum / total_w - done - len(out)) / per
        if i == final:
            want = want * 1.25 + 10
        slots = []
        for m, ws, we, w in rows:
            if (n := int(want * w / day_w + rnd())) > 0:
                slots.append((m, jobs[m.id], ws, (we - ws) / n, n))
        for k in range(max((s[4] for s in slots), default=0)):
            for m, mine, ws, width, n in slots:
                if k < n:
                    life(m, mine, int(ws + k * width), width)
                    lifecycles += 1
                    if done + len(out) >= total:
                        yield out[: total - done]
                        return
                    if len(out) >= 1000:
                        yield out
                        done += len(out)
                        out = []
    rows = plan[final]
    while True:
        m, ws, we, _ = rows[int(rnd() * len(rows))]
        t0 = ws + int(rnd() * (we - ws))
        life(m, jobs[m.id], t0, float(min(600, we - t0)))
        if done + len(out) >= total:
            yield out[: total - done]
            return
