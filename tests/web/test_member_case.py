"""A member is found by any case of their id or email: in member URLs and in member filters.
(Ids made from emails are lower-cased; Label Studio and mail clients show the email as typed.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from labelpulse.store.base import Store

MARCH = {"from": "2026-03-01", "to": "2026-03-31", "tz": "UTC"}


def test_member_urls_and_filters_find_the_member_in_any_case(
    app: Any, token_for: Callable[[str, str], str], org_store: Store
) -> None:
    with TestClient(app) as client:
        owner = {"Authorization": f"Bearer {token_for('own', 'read')}"}
        # Anna (id ann, email anna@acme.test) submitted a1, a2 and a3 in March; a2 was
        # rejected, so 2 count as submitted (metrics.md).
        for given in ("ann", "ANN", "Anna@Acme.TEST"):
            body = client.get(f"/api/members/{given}/report", params=MARCH, headers=owner).json()
            assert (body["member"]["id"], body["annotations"]["submitted"]) == ("ann", 2), given
        rows = client.get(
            "/api/reports/members", params={**MARCH, "member": "ANNA@acme.test"}, headers=owner
        ).json()["rows"]
        assert [r["member"] for r in rows] == ["ann"]
        # An annotator asking for her own report in another case is not refused.
        own = {"Authorization": f"Bearer {token_for('ann', 'read')}"}
        answer = client.get("/api/members/Anna@ACME.test/report", params=MARCH, headers=own)
        assert answer.status_code == 200 and answer.json()["member"]["id"] == "ann"
