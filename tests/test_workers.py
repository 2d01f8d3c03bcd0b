"""The worker pools: bounded, results and errors come back, priority as configured."""

from __future__ import annotations

import asyncio
import os
import sys
import threading

import pytest

from bot.workers import WorkerPool


def _priority() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


async def test_a_pool_returns_results_and_raises_what_its_work_raised() -> None:
    pool = WorkerPool("test", 2)
    try:
        assert await pool.run(sum, [1, 2, 3]) == 6
        assert await pool.run(threading.current_thread) is not threading.current_thread()
        with pytest.raises(ZeroDivisionError):
            await pool.run(divmod, 1, 0)
    finally:
        pool.close()
    pool.close()  # twice is fine


@pytest.mark.skipif(sys.platform != "linux" or _priority() > 7, reason="per-thread nice is Linux's")
async def test_threads_run_at_the_configured_priority() -> None:
    base = _priority()
    low, default = WorkerPool("low", 1, nice=7), WorkerPool("default", 1)
    try:
        assert await low.run(_priority) == 7  # an absolute nice value
        assert await default.run(_priority) == base
        assert _priority() == base  # the loop's own thread is untouched
    finally:
        low.close()
        default.close()


async def test_a_gated_pool_starts_each_task_only_once_its_gate_opens() -> None:
    """The Discord layer gates the pools on "no acknowledgement in flight": a task waits
    for it, and a task queued behind a busy thread waits for it too, not in the pool."""
    pool = WorkerPool("gated", 1)
    gate = asyncio.Event()
    started: list[int] = []
    pool.wait_for(gate.wait)
    try:
        first = asyncio.create_task(pool.run(started.append, 1))
        second = asyncio.create_task(pool.run(started.append, 2))
        for _ in range(10):
            await asyncio.sleep(0)
        assert started == []  # neither reached a thread while the gate was shut
        gate.set()
        await asyncio.gather(first, second)
        assert started == [1, 2]
    finally:
        pool.close()


async def test_a_gated_pool_holds_queued_tasks_until_a_thread_is_free() -> None:
    pool = WorkerPool("bounded", 1)
    passed = 0

    async def gate() -> None:
        nonlocal passed
        passed += 1

    pool.wait_for(gate)
    release = threading.Event()
    try:
        busy = asyncio.create_task(pool.run(release.wait, 30))
        queued = asyncio.create_task(pool.run(sum, [1, 2]))
        for _ in range(10):
            await asyncio.sleep(0)
        assert passed == 1  # the second waits for the thread before it asks the gate
        release.set()
        assert await queued == 3
        assert await busy is True
        assert passed == 2
    finally:
        release.set()
        pool.close()
