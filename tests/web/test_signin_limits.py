"""Sign-in abuse limits: back-off per account and per address, and the Argon2 concurrency cap."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from labelpulse.access import passwords
from labelpulse.web.throttle import ACCOUNT_BACKOFF, ADDRESS_BACKOFF, SignInThrottle, Throttle
from tests.web.conftest import EMAILS, PASSWORD, csrf_of


class FakeClock:
    """Time that moves only when the test says so, so back-off is tested without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(app: Any) -> FakeClock:
    clock = FakeClock()
    app.state.sign_in_throttle = SignInThrottle(clock=clock)
    return clock


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def attempt(client: TestClient, email: str, password: str, accept: str = "*/*") -> Any:
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf": token, "next": "/"},
        headers={"accept": accept},
        follow_redirects=False,
    )


def test_failed_sign_ins_back_off_then_the_right_password_waits_too(
    client: TestClient, clock: FakeClock
) -> None:
    email = EMAILS["ann"]
    for _ in range(ACCOUNT_BACKOFF.free):
        assert attempt(client, email, "wrong password").status_code == 401
    refused = attempt(client, email, PASSWORD)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    error = refused.json()["error"]
    assert error["code"] == "too_many_requests"
    assert "try again in 1 second" in error["message"]
    # The same account in another case is the same account.
    assert attempt(client, email.upper(), PASSWORD).status_code == 429
    clock.now += 1
    assert attempt(client, email, "wrong again").status_code == 401
    second = attempt(client, email, PASSWORD)
    assert (second.status_code, second.headers["retry-after"]) == (429, "2")
    clock.now += 2
    assert attempt(client, email, PASSWORD).status_code == 303


def test_a_browser_gets_the_sign_in_page_with_the_wait(
    client: TestClient, clock: FakeClock
) -> None:
    for _ in range(ACCOUNT_BACKOFF.free):
        attempt(client, EMAILS["rev"], "wrong password", accept="text/html")
    page = attempt(client, EMAILS["rev"], PASSWORD, accept="text/html")
    assert page.status_code == 429
    assert page.headers["retry-after"] == "1"
    assert page.headers["content-type"].startswith("text/html")
    assert "Too many failed sign-ins: try again in 1 second" in page.text
    assert '<form method="post" action="/login">' in page.text


def test_a_success_resets_the_accounts_count(client: TestClient, clock: FakeClock) -> None:
    email = EMAILS["mgr"]
    for _ in range(ACCOUNT_BACKOFF.free - 1):
        assert attempt(client, email, "wrong password").status_code == 401
    assert attempt(client, email, PASSWORD).status_code == 303
    client.cookies.clear()
    for _ in range(ACCOUNT_BACKOFF.free - 1):
        assert attempt(client, email, "wrong password").status_code == 401
    assert attempt(client, email, PASSWORD).status_code == 303


def test_an_attacker_delays_a_member_by_the_account_cap_at_most(
    client: TestClient, clock: FakeClock
) -> None:
    email = EMAILS["ann2"]
    throttle: SignInThrottle = client.app.state.sign_in_throttle  # type: ignore[attr-defined]
    # A hundred failures from a hundred addresses: the account's wait stays at its cap.
    for n in range(100):
        throttle.failed(email, f"10.0.0.{n}")
    assert throttle.retry_after(email, "192.0.2.1") == ACCOUNT_BACKOFF.cap
    clock.now += ACCOUNT_BACKOFF.cap
    assert attempt(client, email, PASSWORD).status_code == 303


def test_one_address_guessing_many_accounts_is_stopped(
    client: TestClient, clock: FakeClock
) -> None:
    for n in range(ADDRESS_BACKOFF.free):
        assert attempt(client, f"nobody{n}@acme.test", "wrong password").status_code == 401
    # An account this address never tried is refused too: the address waits.
    refused = attempt(client, EMAILS["own"], PASSWORD)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"


def test_tracked_keys_are_bounded_and_old_failures_are_forgotten() -> None:
    clock = FakeClock()
    throttle = Throttle(ACCOUNT_BACKOFF, max_keys=100, forget_after=60, clock=clock)
    for n in range(10_000):
        throttle.failed(f"user{n}@example.test")
    assert len(throttle) == 100
    for _ in range(10):
        throttle.failed("target@example.test")
    assert throttle.wait("target@example.test") > 0
    clock.now += 61
    assert throttle.wait("target@example.test") == 0
    throttle.failed("target@example.test")
    assert throttle.wait("target@example.test") == 0  # counting starts over


def test_parallel_sign_ins_run_at_most_the_cap_of_argon2_at_once(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Long enough that none gives up on a busy machine: this is about the cap, not the wait.
    monkeypatch.setattr(passwords, "WAIT_SECONDS", 300.0)
    passwords.GATE.peak = 0
    with TestClient(app) as client:
        token = csrf_of(client.get("/login").text)
        statuses: list[int] = []

        def guess(n: int) -> None:
            response = client.post(
                "/login",
                data={"email": f"x{n}@acme.test", "password": "wrong", "csrf": token},
                follow_redirects=False,
            )
            statuses.append(response.status_code)

        threads = [threading.Thread(target=guess, args=(n,)) for n in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert statuses == [401] * 12
    assert passwords.GATE.peak == passwords.MAX_CONCURRENT
    assert passwords.GATE.active == 0


def test_a_full_gate_answers_503_with_retry_after(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(passwords, "WAIT_SECONDS", 0.05)
    holding = [passwords.GATE.slot(1.0) for _ in range(passwords.MAX_CONCURRENT)]
    for slot in holding:
        slot.__enter__()
    try:
        busy = attempt(client, EMAILS["ann"], PASSWORD)
    finally:
        for slot in holding:
            slot.__exit__(None, None, None)
    assert busy.status_code == 503
    assert busy.headers["retry-after"] == "1"
    assert busy.json()["error"]["code"] == "busy"
    assert attempt(client, EMAILS["ann"], PASSWORD).status_code == 303
