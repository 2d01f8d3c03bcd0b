"""The preview provider: Seedance's interface, rendered locally.

The default while no provider API key is configured, so the whole bot works with no
account and no spend. A task renders a real, clearly labelled H.264/AAC MP4 from the
request's references with :func:`bot.providers.preview.render.render_preview`, in a worker
thread so the event loop stays free.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.media.film import FilmError, last_frame
from bot.providers.base import CallbackScheme, ProviderError, ProviderProfile, TaskStatus
from bot.providers.catalogue import PREVIEW_CATALOGUE
from bot.providers.preview.render import render_preview
from bot.providers.preview.spec import PreviewSpec, RenderError, RenderReference
from bot.seedance.compiler import GenerationRequest
from bot.seedance.limits import output_size
from bot.seedance.roles import get_role
from bot.words import Words, say
from bot.workers import WorkerPool

log = logging.getLogger(__name__)


@dataclass
class _Task:
    out_path: Path
    progress: float = 0.0
    runner: asyncio.Task[None] | None = None

    def report(self, fraction: float) -> None:
        self.progress = fraction


@dataclass
class PreviewProvider:
    """Renders previews in worker threads.

    Attributes:
        work_dir: where rendered files are written before they are downloaded.
        pool: where renders run (the bot gives a bounded, low-priority
            :class:`bot.workers.WorkerPool`, so previews never take the CPU from the event
            loop or from intake); ``None``: the default thread pool.
        profile: tags dialect (the card shows ``@Image1`` phrases), seed-default limits.
        callbacks: none: a local render is polled (every 0.25 s at first).
    """

    work_dir: Path
    pool: WorkerPool | None = None
    profile: ProviderProfile = field(
        default_factory=lambda: ProviderProfile(
            name="preview",
            label="Preview (local renderer, no spend at a provider)",
            dialect="tags",
            catalogue=PREVIEW_CATALOGUE,
            bills=False,
            poll_interval_s=0.25,
            reads_files=True,  # it decodes the references itself
        )
    )
    callbacks: CallbackScheme | None = None
    _tasks: dict[str, _Task] = field(default_factory=dict)
    _delivered: dict[str, Path] = field(default_factory=dict)  # where download moved each

    async def submit(
        self,
        request: GenerationRequest,
        job_id: int,
        callback_url: str | None = None,
        *,
        expires_in_s: float | None = None,
    ) -> str:
        """Start rendering ``request``; the task id is ``preview-<job_id>`` (no callbacks:
        ``callback_url`` is never given)."""
        task_id = f"preview-{job_id}"
        size = output_size(request.resolution, request.ratio)
        spec = PreviewSpec(
            width=size.width,
            height=size.height,
            duration_s=float(request.duration_s),
            prompt=request.prompt,
            references=tuple(
                RenderReference(
                    kind=ra.asset.kind,
                    path=ra.asset.path,
                    tag=ra.asset.tag,
                    role=ra.asset.role,
                    role_label=Words.english().text(get_role(ra.asset.role).name),
                )
                for ra in request.assets
            ),
            generate_audio=request.generate_audio,
        )
        self.work_dir.mkdir(parents=True, exist_ok=True)
        out_path = self.work_dir / f"{task_id}.mp4"
        task = _Task(out_path=out_path)
        render = (
            self.pool.run(render_preview, spec, out_path, task.report)
            if self.pool is not None
            else asyncio.to_thread(render_preview, spec, out_path, task.report)
        )
        task.runner = asyncio.create_task(render, name=task_id)
        self._tasks[task_id] = task
        log.info("preview task %s submitted (%s×%s, %s s)", task_id, size.width, size.height,
                 request.duration_s)  # fmt: skip
        return task_id

    async def poll(self, task_id: str) -> TaskStatus:
        """State of a preview task. A task this process does not know was lost in a restart
        ("lost": the job runner renders it again) unless its file was finished."""
        task = self._tasks.get(task_id)
        if task is None:
            done = (self.work_dir / f"{task_id}.mp4").is_file()
            return TaskStatus("succeeded", progress=1.0) if done else TaskStatus("lost")
        if task.runner is None or not task.runner.done():
            return TaskStatus("running", progress=task.progress)
        exc = task.runner.exception()
        if exc is None:
            return TaskStatus("succeeded", progress=1.0)
        if isinstance(exc, RenderError):
            return TaskStatus(
                "failed", error=ProviderError(say("preview-failed", reason=exc.phrase))
            )
        log.error("preview task %s crashed", task_id, exc_info=exc)
        return TaskStatus("failed", error=ProviderError(say("preview-crashed")))

    async def find_tasks(
        self, request: GenerationRequest, job_id: int, since: datetime
    ) -> list[str]:
        """``[]``: a local render does not outlive the process that started it."""
        return []

    async def download(self, task_id: str, out_path: Path) -> None:
        """Move the rendered file to ``out_path`` (idempotent: a restart may ask twice)."""
        self._tasks.pop(task_id, None)
        rendered = self.work_dir / f"{task_id}.mp4"
        if not rendered.exists():
            if out_path.exists():
                return
            raise ProviderError(say("preview-file-missing"))
        out_path.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(shutil.move, rendered, out_path)
        self._delivered[task_id] = out_path

    async def download_last_frame(self, task_id: str, out_path: Path) -> bool:
        """Decode the render's last frame into the PNG ``out_path``
        (:func:`bot.media.film.last_frame`, on the pool), whether or not the request asked
        for it; ``True`` when written. ``False`` when this process no longer has the
        render (a restart between download and this call) or can't decode it: the
        caller decodes the downloaded video itself."""
        video = self._delivered.pop(task_id, None)
        rendered = self.work_dir / f"{task_id}.mp4"
        if video is None or not video.is_file():
            video = rendered if rendered.is_file() else None
        if video is None:
            return False
        try:
            if self.pool is not None:
                await self.pool.run(last_frame, video, out_path)
            else:
                await asyncio.to_thread(last_frame, video, out_path)
        except FilmError:
            log.warning("preview task %s: its last frame could not be decoded", task_id)
            return False
        return True

    async def cancel(self, task_id: str) -> bool:
        """Previews cannot be cancelled once started (a render takes seconds)."""
        return False
