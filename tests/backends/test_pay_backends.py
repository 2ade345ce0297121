"""PAY: the worked example's pay, its audit list and a closed period, alike on every backend."""

from __future__ import annotations

from labelpulse.ingest import ingest_records
from labelpulse.metrics.pay_periods import close, periods
from labelpulse.store.base import Store
from tests.metrics.org import member, run
from tests.metrics.test_pay import EVENTS, LATE, RATES, _paging


def test_pay_and_closing_are_the_same_on_every_backend(backend_store: Store) -> None:
    numbered = [{"id": f"e{n:03d}", **e} for n, e in enumerate(EVENTS, start=1)]
    ingest_records(backend_store, [member("ann", "Ann"), member("rev", "Rev", "reviewer"),
                                   *RATES, *numbered])  # fmt: skip
    data = run(backend_store, "pay")
    totals = {t["currency"]: t["amount"] for t in data["currency_totals"]}
    assert totals == {"": "0.00", "EUR": "17.20", "USD": "2.39"}
    lines = run(backend_store, "pay_lines")
    assert lines["page"]["total_rows"] == len(lines["rows"]) == 15  # 3 + 3 + 9 item-days
    # A page, built from the days it lies in, and one in a zone that moves work to other days.
    page = run(backend_store, "pay_lines", paging=_paging(limit=4, offset=5))
    assert (page["rows"], page["page"]["total_rows"]) == (lines["rows"][5:9], 15)
    east = run(backend_store, "pay_lines", tz="Pacific/Kiritimati")["rows"]
    page = run(
        backend_store, "pay_lines", tz="Pacific/Kiritimati", paging=_paging(limit=3, offset=7)
    )
    assert page["rows"] == east[7:10]
    close(backend_store, "2026-03-01", "2026-03-15", "UTC", "own")
    ingest_records(backend_store, LATE)
    assert [p.first.isoformat() for p in periods(backend_store)] == ["2026-03-01"]
    kept = {(r["member"], r["project"], r["currency"]): r
            for r in run(backend_store, "pay", "2026-03-01", "2026-03-15")["rows"]}  # fmt: skip
    assert kept["ann", "p1", "EUR"]["earned"] == "7.90"
    later = {(r["member"], r["project"], r["currency"]): r
             for r in run(backend_store, "pay", "2026-03-16", "2026-03-31")["rows"]}  # fmt: skip
    assert later["ann", "p1", "EUR"]["adjustment"] == "1.90"
    assert later["rev", "p1", "USD"]["amount"] == "1.23"
