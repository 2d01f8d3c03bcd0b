"""A provider measured: each call's duration and failures go to :class:`bot.metrics.Metrics`.

:func:`bot.services.build_providers` wraps every configured provider in one, so the job
runner, reconciling and ``/admin`` cancels are measured without knowing it.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from bot.metrics import Metrics
from bot.providers.base import CallbackScheme, Provider, ProviderProfile, TaskStatus
from bot.seedance.compiler import GenerationRequest


class MeteredProvider:
    """``inner``, its every call timed (``callsheet_provider_request_seconds``) and its
    exceptions counted (``callsheet_provider_errors_total``) under ``name``; a
    :class:`bot.providers.base.Provider` itself. Exceptions pass through unchanged."""

    def __init__(self, name: str, inner: Provider, metrics: Metrics) -> None:
        self.name = name
        self.inner = inner
        self.metrics = metrics
        self.profile: ProviderProfile = inner.profile
        self.callbacks: CallbackScheme | None = inner.callbacks

    @asynccontextmanager
    async def _measure(self, operation: str) -> AsyncIterator[None]:
        started = time.perf_counter()
        try:
            yield
        except Exception:  # not a cancel: the runner stopping is no provider error
            self.metrics.provider_errors.labels(self.name, operation).inc()
            raise
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.provider_seconds.labels(self.name, operation).observe(elapsed)

    async def submit(
        self,
        request: GenerationRequest,
        job_id: int,
        callback_url: str | None = None,
        *,
        expires_in_s: float | None = None,
    ) -> str:
        """:meth:`Provider.submit`, measured."""
        async with self._measure("submit"):
            return await self.inner.submit(request, job_id, callback_url, expires_in_s=expires_in_s)

    async def poll(self, task_id: str) -> TaskStatus:
        """:meth:`Provider.poll`, measured."""
        async with self._measure("poll"):
            return await self.inner.poll(task_id)

    async def find_tasks(
        self, request: GenerationRequest, job_id: int, since: datetime
    ) -> list[str] | None:
        """:meth:`Provider.find_tasks`, measured."""
        async with self._measure("find_tasks"):
            return await self.inner.find_tasks(request, job_id, since)

    async def download(self, task_id: str, out_path: Path) -> None:
        """:meth:`Provider.download`, measured."""
        async with self._measure("download"):
            await self.inner.download(task_id, out_path)

    async def download_last_frame(self, task_id: str, out_path: Path) -> bool:
        """:meth:`Provider.download_last_frame`, measured."""
        async with self._measure("download_last_frame"):
            return await self.inner.download_last_frame(task_id, out_path)

    async def cancel(self, task_id: str) -> bool:
        """:meth:`Provider.cancel`, measured."""
        async with self._measure("cancel"):
            return await self.inner.cancel(task_id)
