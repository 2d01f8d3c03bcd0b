"""When the job runner polls a task: the fallback schedule and provider-wide rate limits.

docs/ARCHITECTURE.md "Jobs and callbacks". A job's *age* is the seconds since this
process submitted its task or resumed it after a restart (a resumed job polls at once,
then ages from there). The waits between polls:

- **no callback registered** (no public URL, or a provider that can't call back): the
  provider's ``poll_interval_s`` (5 s for the HTTP providers) while the job is young, then
  a tenth of its age, at most 60 s: 5 s up to age 50 s, 30 s at 5 min, 60 s from 10 min.
  A finished task is noticed at most ~10 % of its age late.
- **callback registered**: polling is only the fallback for a lost callback (the
  providers retry theirs, and a restart polls every job at once), so the first poll comes
  after 120 s, then every quarter of the job's age, at most 300 s: 120 s up to age 8 min,
  300 s from 20 min. 1,000 young jobs then cost ~8 polls/s (``bench/jobs.py``).

Each wait is jittered by ±10 % so jobs submitted together do not poll in lockstep. A
rate limit (HTTP 429) from a poll holds **every** poll of that provider for its
``Retry-After`` (30 s when it names none), at most 5 minutes.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PollSchedule:
    """The waits between polls (see the module docstring; seconds).

    Attributes:
        growth / max_s: with no callback, wait ``age × growth``, at least the provider's
            ``poll_interval_s``, at most ``max_s``.
        callback_first_s / callback_growth / callback_max_s: the same with a callback
            registered, at least ``callback_first_s``.
        jitter: each wait is scaled by a random factor in ``1 ± jitter``.
    """

    growth: float = 0.1
    max_s: float = 60.0
    callback_first_s: float = 120.0
    callback_growth: float = 0.25
    callback_max_s: float = 300.0
    jitter: float = 0.1

    def interval(self, age_s: float, base_s: float, *, callback: bool) -> float:
        """The wait before the next poll of a job ``age_s`` old, without jitter."""
        if callback:
            return min(
                self.callback_max_s, max(self.callback_first_s, age_s * self.callback_growth)
            )
        return min(max(self.max_s, base_s), max(base_s, age_s * self.growth))

    def wait(
        self,
        age_s: float,
        base_s: float,
        *,
        callback: bool,
        rng: Callable[[], float] = random.random,
    ) -> float:
        """:meth:`interval`, jittered."""
        return self.interval(age_s, base_s, callback=callback) * (1 + self.jitter * (2 * rng() - 1))


@dataclass
class ProviderHolds:
    """Provider-wide pauses after a rate limit.

    Attributes:
        default_s: the pause when the provider gave no ``Retry-After``.
        max_s: the longest pause honoured.
        now: a monotonic clock in seconds (injectable).
    """

    default_s: float = 30.0
    max_s: float = 300.0
    now: Callable[[], float] = time.monotonic
    _until: dict[str, float] = field(default_factory=dict)

    def hold(self, provider: str, retry_after: float | None) -> float:
        """Hold ``provider``'s polls for ``retry_after`` seconds (or ``default_s``), capped;
        return the pause. A longer hold already in force is kept."""
        pause = min(self.max_s, retry_after if retry_after is not None else self.default_s)
        until = self.now() + pause
        self._until[provider] = max(until, self._until.get(provider, 0.0))
        return pause

    def remaining(self, provider: str) -> float:
        """Seconds ``provider``'s polls must still wait (0 when none)."""
        return max(0.0, self._until.get(provider, 0.0) - self.now())


async def pause(poke: asyncio.Event | None, seconds: float) -> None:
    """Wait ``seconds``, or less if ``poke`` is set meanwhile (a callback: poll now)."""
    if poke is None:
        await asyncio.sleep(seconds)
        return
    timer = asyncio.get_running_loop().call_later(seconds, poke.set)
    try:
        await poke.wait()
    finally:
        timer.cancel()
