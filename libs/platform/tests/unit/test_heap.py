"""The cyclic garbage collector is paused while a batch transaction runs (the consumer's
batch handlers, attendance's sweep) and always given back: overlapping batches, a failing
batch, a collector someone else turned off."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest

from kairos_platform.heap import cyclic_gc_paused


@pytest.fixture(autouse=True)
def _gc_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


async def test_overlapping_batches_resume_the_collector_when_the_last_one_ends() -> None:
    first_in, second_out = asyncio.Event(), asyncio.Event()
    seen = []

    async def first() -> None:
        with cyclic_gc_paused():
            first_in.set()
            await second_out.wait()
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())

    async def second() -> None:
        await first_in.wait()
        with cyclic_gc_paused():
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())  # the first batch still runs
        second_out.set()

    await asyncio.gather(first(), second())
    assert seen == [False, False, False, True]


def test_a_failing_batch_gives_the_collector_back() -> None:
    with pytest.raises(RuntimeError), cyclic_gc_paused():
        assert not gc.isenabled()
        raise RuntimeError("batch failed")
    assert gc.isenabled()


def test_a_collector_turned_off_by_someone_else_stays_off() -> None:
    gc.disable()
    with cyclic_gc_paused():
        pass
    assert not gc.isenabled()
