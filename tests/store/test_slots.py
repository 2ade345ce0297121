"""Read slots: as many young holders as the size, a long holder gives its slot up, a ceiling
on all (labelpulse.store.slots)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from labelpulse.store.slots import Slots


@contextmanager
def holders(slots: Slots, count: int) -> Iterator[list[threading.Event]]:
    """`count` threads that take a slot each, one after the other, and hold it until the block
    ends; yields the events each sets once it holds its slot."""
    release = threading.Event()
    inside = [threading.Event() for _ in range(count)]

    def hold(entered: threading.Event) -> None:
        with slots.held():
            entered.set()
            release.wait(30)

    threads = []
    try:
        for entered in inside:
            threads.append(threading.Thread(target=hold, args=(entered,)))
            threads[-1].start()
            assert entered.wait(30), "a holder got its slot"
        yield inside
    finally:
        release.set()
        for thread in threads:
            thread.join(30)


def enter(slots: Slots, entered: threading.Event) -> threading.Thread:
    """A thread that takes a slot, sets `entered` and leaves at once."""

    def read() -> None:
        with slots.held():
            entered.set()

    thread = threading.Thread(target=read)
    thread.start()
    return thread


def test_a_short_read_starts_beside_long_ones_holding_every_slot() -> None:
    slots = Slots(lambda: 2, ceiling=4, aging=0.05)
    with holders(slots, 2):
        short = threading.Event()
        thread = enter(slots, short)
        # The two holders still hold (they wait for the block to end): the read went beside.
        assert short.wait(30)
        thread.join(30)


def test_a_young_holder_keeps_its_slot() -> None:
    slots = Slots(lambda: 1, ceiling=2, aging=60)  # nobody ages during the test
    waiting = threading.Event()
    with holders(slots, 1):
        thread = enter(slots, waiting)
        assert not waiting.wait(0.3), "one slot, held by a young holder"
    assert waiting.wait(30), "the slot is free once its holder leaves"
    thread.join(30)


def test_the_ceiling_bounds_the_holders_old_ones_included() -> None:
    slots = Slots(lambda: 1, ceiling=2, aging=0.05)
    third = threading.Event()
    with holders(slots, 2):  # the second started beside the first once it had aged
        thread = enter(slots, third)
        assert not third.wait(0.3), "two holders in all"
    assert third.wait(30)
    thread.join(30)
