"""The demo's pay: rates, a closed fortnight, and a late annotation shown as an adjustment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from labelpulse.cli.pay_demo import LATE_ANNOTATION, UNPAID, add_demo_pay
from labelpulse.demo import write_ndjson
from labelpulse.ingest import import_file
from labelpulse.store import connect
from tests.metrics.org import run

END = dt.date(2024, 6, 28)


def test_the_demo_has_rates_a_closed_period_and_an_adjustment(tmp_path: Path) -> None:
    source = tmp_path / "demo.ndjson"
    write_ndjson(source, members=24, days=30, events=4_000, seed=7, end=END)
    store = connect(str(tmp_path / "demo.duckdb"))
    import_file(store, source)
    period = add_demo_pay(store, 30, "UTC", END)
    assert period is not None
    first = END - dt.timedelta(days=29)
    assert (period.first, period.last) == (first, first + dt.timedelta(days=13))
    paid = {r["member"] for r in store.get("rates")}
    assert "ann-01" in paid and UNPAID not in paid
    assert {r["currency"] for r in store.get("rates")} == {"EUR", "USD"}
    kept = run(store, "pay", period.first.isoformat(), period.last.isoformat())
    assert kept["period"]["status"] == "closed"
    after = run(store, "pay", (period.last + dt.timedelta(days=1)).isoformat(), END.isoformat())
    adjusted = {r["member"]: Decimal(r["adjustment"]) for r in after["rows"]
                if Decimal(r["adjustment"])}  # fmt: skip
    assert adjusted.get("ann-01", Decimal(0)) > 0 and adjusted.get("rev-01", Decimal(0)) > 0
    assert store.rows(f"SELECT count(*) AS n FROM state WHERE annotation = '{LATE_ANNOTATION}'")
    assert any(r["note"] == "no rate" for r in kept["rows"] + after["rows"])
    store.close()
