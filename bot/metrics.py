"""Prometheus metrics of one process (prometheus-client), served at ``/metrics``.

Every process (a gateway shard, a worker) builds one :class:`Metrics` in its composition
root (:func:`bot.services.build_services`) on a registry of its own, never
prometheus-client's global ``REGISTRY``, so two bots in one test process, or a bot and its
tests, never share a counter. The bot's web server (:class:`bot.hosting.signed.AssetServer`)
serves :meth:`Metrics.routes`.

What is measured (every name starts ``callsheet_``):

- ``interactions_total{type}``: interactions received (``application_command``,
  ``component``, ``modal_submit``, ``autocomplete``), counted by the gateway process.
- ``ack_seconds{ack}``: from the interaction's creation (its snowflake's time) to the
  bot's acknowledgement answered by Discord (``update``, ``thinking``, ``private``);
  Discord's deadline is 3 s (docs/ARCHITECTURE.md "Discord facts").
- ``jobs{state,provider}`` and ``queue_depth``: jobs in each state in the database (read
  when scraped, so every process reports the same whole-system numbers: aggregate with
  ``max``, not ``sum``).
- ``jobs_finished_total{state,provider}``: jobs this process finished.
- ``provider_request_seconds{provider,operation}`` and
  ``provider_errors_total{provider,operation}``: each provider call (``submit``,
  ``poll``, ``download``, ``download_last_frame``, ``cancel``, ``find_tasks``) this
  process made, retries inside
  it included, and those that raised.
- ``credits_total{movement,provider}``: credits this process ``held`` at Generate,
  ``captured`` on success and ``refunded`` on failure or cancel.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Final

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

log = logging.getLogger(__name__)

# Discord's 3 s deadline sits between buckets, so the share answered in time is readable.
ACK_BUCKETS: Final = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 2.5, 3.0, 5.0, 10.0)
# A poll takes tens of milliseconds; a download of a result, seconds to minutes.
PROVIDER_BUCKETS: Final = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)

JobCounts = Mapping[tuple[str, str], int]
"""Jobs per ``(state, provider)``."""


class Metrics:
    """One process's metrics on its own :class:`CollectorRegistry`.

    Args:
        job_counts: reads the jobs per ``(state, provider)`` from the database when
            ``/metrics`` is scraped; ``None``: the job gauges stay empty.
    """

    def __init__(self, job_counts: Callable[[], Awaitable[JobCounts]] | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._job_counts = job_counts
        reg = self.registry
        self.interactions = Counter(
            "callsheet_interactions", "Interactions received.", ["type"], registry=reg
        )
        self.ack_seconds = Histogram(
            "callsheet_ack_seconds",
            "From an interaction's creation to its acknowledgement (Discord allows 3 s).",
            ["ack"],
            buckets=ACK_BUCKETS,
            registry=reg,
        )
        self.jobs = Gauge(
            "callsheet_jobs", "Jobs in the database by state.", ["state", "provider"], registry=reg
        )
        self.queue_depth = Gauge(
            "callsheet_queue_depth", "Jobs queued, not yet sent to a provider.", registry=reg
        )
        self.jobs_finished = Counter(
            "callsheet_jobs_finished",
            "Jobs this process finished, by final state.",
            ["state", "provider"],
            registry=reg,
        )
        self.provider_seconds = Histogram(
            "callsheet_provider_request_seconds",
            "Provider calls (retries included).",
            ["provider", "operation"],
            buckets=PROVIDER_BUCKETS,
            registry=reg,
        )
        self.provider_errors = Counter(
            "callsheet_provider_errors",
            "Provider calls that raised.",
            ["provider", "operation"],
            registry=reg,
        )
        self.credits = Counter(
            "callsheet_credits",
            "Credits held, captured and refunded by this process.",
            ["movement", "provider"],
            registry=reg,
        )

    def credits_moved(self, movement: str, provider: str, amount: int) -> None:
        """Count ``amount`` credits ``held``, ``captured`` or ``refunded`` (``provider``:
        the job's). A job's final move also counts the job as finished."""
        self.credits.labels(movement, provider).inc(amount)

    def job_finished(self, state: str, provider: str) -> None:
        """Count one job this process moved to its final ``state``."""
        self.jobs_finished.labels(state, provider).inc()

    async def refresh(self) -> None:
        """Read the job gauges from the database (called on each scrape)."""
        if self._job_counts is None:
            return
        counts = await self._job_counts()
        self.jobs.clear()
        queued = 0
        for (state, provider), count in counts.items():
            self.jobs.labels(state, provider).set(count)
            if state == "queued":
                queued += count
        self.queue_depth.set(queued)

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format."""
        return generate_latest(self.registry)

    def routes(self) -> list[web.RouteDef]:
        """``GET /metrics`` for the bot's web server."""
        return [web.get("/metrics", self._serve)]

    async def _serve(self, request: web.Request) -> web.Response:
        try:
            await self.refresh()
        except Exception:  # a database hiccup must not take the other metrics with it
            log.exception("could not read the job counts for /metrics")
        return web.Response(body=self.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})
