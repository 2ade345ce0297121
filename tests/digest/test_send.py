"""Delivery, end to end: a real SMTP server (aiosmtpd) and a real HTTP receiver, both local.

Each recipient's email holds their digest's figures (the registry's, as they may see them);
one recipient's failure is reported in words and the others still get theirs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from labelpulse.access.policy import viewer_for
from labelpulse.config import Settings
from labelpulse.digest import render
from labelpulse.digest.content import digest_for
from labelpulse.digest.send import Outcome, send_digest
from labelpulse.digest.week import week_ending
from labelpulse.errors import UsageError
from labelpulse.ingest import ingest_records
from labelpulse.metrics import Directory
from labelpulse.store import Store
from tests.digest.conftest import Inbox, Receiver, free_port, mail_settings

WEEK = week_ending(dt.date(2026, 3, 9))
ADDRESSES = {"own": "olive@acme.test", "adm": "adam@acme.test", "mgr": "maya@acme.test"}


def test_each_owner_admin_and_manager_gets_their_own_digest(org_store: Store, inbox: Inbox) -> None:
    settings = mail_settings(inbox)
    lines: list[str] = []
    outcomes = send_digest(org_store, settings, WEEK, progress=lambda o: lines.append(o.line))
    assert [o.failed for o in outcomes] == [False, False, False]
    assert lines == [
        "olive@acme.test (Olive Owner, owner): email sent",
        "adam@acme.test (Adam Admin, admin): email sent",
        "maya@acme.test (Maya Manager, manager): email sent",
    ]
    assert sorted(a for m in inbox.mails for a in m.to) == sorted(ADDRESSES.values())
    directory = Directory.load(org_store)
    for member, address in ADDRESSES.items():
        mail = inbox.to(address)
        digest = digest_for(org_store, viewer_for(directory, member), WEEK, settings, directory)
        assert mail.sender == "digest@acme.test"
        assert mail.message["Subject"] == render.subject(digest)
        assert mail.part("plain") == render.text(digest)
        for total in digest.totals:
            assert f"- {total.label}: {total.text} ({total.change})" in mail.part("plain")
            assert total.change in mail.part("html")
    owner, manager = inbox.to(ADDRESSES["own"]), inbox.to(ADDRESSES["mgr"])
    assert "- Annotations submitted: 3 (+200% vs 2026-02-24–2026-03-02)" in owner.part("plain")
    assert "- Annotations submitted: 1 " in manager.part("plain")
    assert "Bianca Books" in owner.part("plain")
    assert "Bianca" not in manager.part("plain") and "Bianca" not in manager.part("html")


def test_a_refused_recipient_is_reported_and_the_others_still_get_theirs(
    org_store: Store, inbox: Inbox
) -> None:
    inbox.refuse.add(ADDRESSES["adm"])
    outcomes = send_digest(org_store, mail_settings(inbox), WEEK)
    assert [o.failed for o in outcomes] == [False, True, False]
    error = outcomes[1].error or ""
    assert error.startswith(f"the SMTP server 127.0.0.1:{inbox.port} refused the recipient")
    assert "550" in error and "Traceback" not in error
    assert sorted(a for m in inbox.mails for a in m.to) == [ADDRESSES["mgr"], ADDRESSES["own"]]


def test_an_unreachable_smtp_server_fails_every_email_in_words(org_store: Store) -> None:
    port = free_port()
    settings = Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none", smtp_from="d@x")
    outcomes = send_digest(org_store, settings, WEEK, timeout=2)
    assert len(outcomes) == 3 and all(o.failed for o in outcomes)
    assert {o.error for o in outcomes} == {
        f"could not reach the SMTP server 127.0.0.1:{port}: Connection refused"
    }


def test_a_manager_without_an_email_is_skipped_not_failed(org_store: Store, inbox: Inbox) -> None:
    ingest_records(org_store, [{"kind": "member", "id": "mgr2", "name": "Max", "role": "manager"}])
    outcomes = send_digest(org_store, mail_settings(inbox), WEEK)
    skipped = [o for o in outcomes if o.skipped]
    assert skipped == [
        Outcome("Max (manager, mgr2)", "email", skipped="no email address in the directory")
    ]
    assert not any(o.failed for o in outcomes) and len(inbox.mails) == 3


def test_only_the_members_asked_for(org_store: Store, inbox: Inbox) -> None:
    outcomes = send_digest(org_store, mail_settings(inbox), WEEK, only=["maya@acme.test"])
    assert [o.to for o in outcomes] == ["maya@acme.test (Maya Manager, manager)"]
    with pytest.raises(UsageError, match="'ann' has the role annotator"):
        send_digest(org_store, mail_settings(inbox), WEEK, only=["ann"])


def test_the_webhook_gets_one_message_of_the_chosen_members_scope(
    org_store: Store, receiver: Receiver
) -> None:
    settings = Settings(digest_webhook_url=receiver.url, digest_webhook_as="mgr")
    outcomes = send_digest(org_store, settings, WEEK)
    host = receiver.url.split("/hooks")[0]
    assert [o.line for o in outcomes] == [
        "webhook (scope of Maya Manager (manager, mgr)): webhook sent"
    ]
    assert len(receiver.bodies) == 1
    body = receiver.bodies[0]
    directory = Directory.load(org_store)
    digest = digest_for(org_store, viewer_for(directory, "mgr"), WEEK, settings, directory)
    assert body["text"] == render.text(digest)
    assert body["recipient"]["id"] == "mgr" and body["scope"] == "projects Cars, Signs"
    assert {t["key"]: t["value"] for t in body["totals"]} == {t.key: t.value for t in digest.totals}
    assert "Bianca" not in str(body)
    # The flags and forecasts the manager's own digest holds (their projects only), as JSON.
    assert body["flags"] == json.loads(json.dumps(digest.flags, default=str))
    assert body["forecasts_at_risk"] == json.loads(json.dumps(digest.at_risk, default=str))
    assert host.startswith("http://127.0.0.1:")


@pytest.mark.parametrize(
    ("status", "delay", "words"),
    [(500, 0.0, "answered HTTP 500 Internal Server Error"), (200, 2.0, "did not answer within")],
)
def test_a_failing_webhook_is_reported_in_words_after_the_emails(
    org_store: Store, inbox: Inbox, receiver: Receiver, status: int, delay: float, words: str
) -> None:
    receiver.status, receiver.delay = status, delay
    settings = dataclasses.replace(
        mail_settings(inbox), digest_webhook_url=receiver.url, digest_webhook_as="own"
    )
    outcomes = send_digest(org_store, settings, WEEK, timeout=0.5)
    assert [o.channel for o in outcomes] == ["email", "email", "email", "webhook"]
    assert [o.failed for o in outcomes] == [False, False, False, True]
    assert words in (outcomes[-1].error or "")
    # The webhook's path is its secret: the words name only its host.
    assert "s3cret" not in (outcomes[-1].error or "")
    assert len(inbox.mails) == 3


def test_settings_that_cannot_send_are_refused(org_store: Store) -> None:
    with pytest.raises(UsageError, match="nowhere to go"):
        send_digest(org_store, Settings(), WEEK)
    with pytest.raises(UsageError, match="smtp_from"):
        send_digest(org_store, Settings(smtp_host="127.0.0.1"), WEEK)
    with pytest.raises(UsageError, match="digest_webhook_as"):
        send_digest(org_store, Settings(digest_webhook_url="http://127.0.0.1:9/x"), WEEK)
    with pytest.raises(UsageError, match="http:// or https://"):
        send_digest(
            org_store, Settings(digest_webhook_url="file:///etc/passwd", digest_webhook_as="own"),
            WEEK,
        )  # fmt: skip


# The local server takes a login without TLS (there is no certificate here), and says so.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_a_login_is_sent_when_a_user_is_set(org_store: Store, login_inbox: Inbox) -> None:
    right = mail_settings(login_inbox, smtp_user="digest", smtp_password="right password")
    outcomes = send_digest(org_store, right, WEEK, only=["own"])
    assert [o.error for o in outcomes] == [None] and len(login_inbox.mails) == 1
    wrong = dataclasses.replace(right, smtp_password="wrong")
    error = send_digest(org_store, wrong, WEEK, only=["own"])[0].error or ""
    assert "refused the user name or password (535" in error
    nobody = send_digest(org_store, mail_settings(login_inbox), WEEK, only=["own"])[0].error
    assert nobody is not None and "refused the message (530" in nobody
    assert "right password" not in repr(right)  # the password stays out of the settings' repr


@pytest.mark.parametrize(
    ("tls", "words"),
    [
        ("starttls", "does not offer STARTTLS: set smtp_tls to ssl or none"),
        ("ssl", "TLS with the SMTP server 127.0.0.1:"),
    ],
)
def test_tls_the_server_does_not_speak_is_a_failure_in_words(
    org_store: Store, inbox: Inbox, tls: str, words: str
) -> None:
    settings = dataclasses.replace(mail_settings(inbox), smtp_tls=tls)
    outcomes = send_digest(org_store, settings, WEEK, only=["own"], timeout=5)
    assert words in (outcomes[0].error or "") and inbox.mails == []
