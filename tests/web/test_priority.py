"""Writes first: reports take one core fewer while a write is under way, and never stall."""

from __future__ import annotations

import threading

from labelpulse.web.priority import WritesFirst


def test_reports_take_every_core_until_a_write_comes() -> None:
    gate = WritesFirst(cores=2)
    with gate.reading(), gate.reading():
        pass  # two at once with no write under way: no wait


def test_a_write_leaves_a_core_to_itself_and_reports_go_on() -> None:
    gate = WritesFirst(cores=2)
    entered = threading.Event()
    release = threading.Event()
    second_in = threading.Event()

    def first_reader() -> None:
        with gate.reading():
            entered.set()
            release.wait(10)

    def second_reader() -> None:
        with gate.reading():
            second_in.set()

    with gate.writing():
        one = threading.Thread(target=first_reader)
        one.start()
        assert entered.wait(10), "one report runs while a write is under way"
        two = threading.Thread(target=second_reader)
        two.start()
        # The second report waits: while the write lasts, reports have one slot of two.
        assert not second_in.wait(0.3)
        release.set()
        assert second_in.wait(10), "the report goes on once the first one is done"
        one.join(10)
        two.join(10)


def test_a_report_waiting_for_a_slot_goes_on_when_the_write_ends() -> None:
    gate = WritesFirst(cores=2)
    inside = threading.Event()
    release = threading.Event()
    waited = threading.Event()

    def holder() -> None:
        with gate.reading():
            inside.set()
            release.wait(10)

    def waiter() -> None:
        with gate.reading():
            waited.set()

    writing = gate.writing()
    writing.__enter__()
    one = threading.Thread(target=holder)
    one.start()
    assert inside.wait(10)
    two = threading.Thread(target=waiter)
    two.start()
    assert not waited.wait(0.3)
    writing.__exit__(None, None, None)
    assert waited.wait(10), "with no write under way, both slots are the reports' again"
    release.set()
    one.join(10)
    two.join(10)


def test_one_core_keeps_one_slot_for_reports() -> None:
    gate = WritesFirst(cores=1)
    with gate.writing(), gate.reading():
        pass  # never zero slots: a write cannot stop every report


def test_slow_reports_do_not_hold_every_slot() -> None:
    """Two reports on two cores hold their slots past `aging`: a third starts beside them."""
    gate = WritesFirst(cores=2, aging=0.05)
    release = threading.Event()
    inside = [threading.Event(), threading.Event()]
    third = threading.Event()

    def slow(entered: threading.Event) -> None:
        with gate.reading():
            entered.set()
            release.wait(30)

    def short() -> None:
        with gate.reading():
            third.set()

    threads = [threading.Thread(target=slow, args=(entered,)) for entered in inside]
    for thread, entered in zip(threads, inside, strict=True):
        thread.start()
        assert entered.wait(30)
    threads.append(threading.Thread(target=short))
    threads[-1].start()
    try:
        assert third.wait(30), "the short report ran while both slow ones still held a slot"
    finally:
        release.set()
        for thread in threads:
            thread.join(30)
