"""The worker pools: bounded, results and errors come back, priority as configured."""

from __future__ import annotations

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
