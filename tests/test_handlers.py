"""Acknowledgements before work: the ordering :class:`cogs.handlers.Handlers` keeps."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

from cogs.handlers import Handlers
from tests.helpers import running_bot


async def test_work_waits_while_an_acknowledgement_is_in_flight() -> None:
    handlers = Handlers(slots=2, max_wait_s=60)
    release = asyncio.Event()
    order: list[str] = []

    async def acknowledge() -> None:
        async with handlers.acknowledgement():
            await release.wait()
            order.append("ack")

    async def work() -> None:
        async with handlers.work():
            order.append("work")

    ack = asyncio.create_task(acknowledge())
    await asyncio.sleep(0)  # the acknowledgement is in flight
    assert handlers.acknowledging == 1
    worker = asyncio.create_task(work())
    for _ in range(5):
        await asyncio.sleep(0)
    assert order == []  # the work has not started behind the acknowledgement
    release.set()
    await asyncio.gather(ack, worker)
    assert order == ["ack", "work"]
    assert handlers.acknowledging == 0


async def test_quiet_returns_once_no_acknowledgement_is_in_flight() -> None:
    handlers = Handlers(max_wait_s=60)
    await handlers.quiet()  # nothing in flight: at once
    release = asyncio.Event()

    async def acknowledge() -> None:
        async with handlers.acknowledgement():
            await release.wait()

    ack = asyncio.create_task(acknowledge())
    await asyncio.sleep(0)
    waiting = asyncio.create_task(handlers.quiet())
    for _ in range(5):
        await asyncio.sleep(0)
    assert not waiting.done()  # background work waits behind the acknowledgement
    release.set()
    await asyncio.gather(ack, waiting)


async def test_quiet_returns_anyway_after_the_longest_wait() -> None:
    handlers = Handlers(max_wait_s=0.01)
    async with handlers.acknowledgement():
        async with asyncio.timeout(30):
            await handlers.quiet()


async def test_work_starts_anyway_after_the_longest_wait() -> None:
    handlers = Handlers(slots=1, max_wait_s=0.01)
    async with handlers.acknowledgement():  # an acknowledgement that never ends
        async with asyncio.timeout(30):
            async with handlers.work():
                started = True
    assert started


async def test_at_most_slots_handlers_work_at_once() -> None:
    handlers = Handlers(slots=2)
    busy, most = 0, 0
    gate = asyncio.Event()

    async def work() -> None:
        nonlocal busy, most
        async with handlers.work():
            busy += 1
            most = max(most, busy)
            await gate.wait()
            busy -= 1

    tasks = [asyncio.create_task(work()) for _ in range(5)]
    for _ in range(10):
        await asyncio.sleep(0)
    assert busy == 2
    gate.set()
    await asyncio.gather(*tasks)
    assert most == 2


async def test_the_ready_bot_keeps_startup_objects_out_of_full_collections(
    tmp_path: Path, media: Path
) -> None:
    gc.unfreeze()
    async with running_bot(tmp_path, media):
        assert gc.get_freeze_count() > 0
