"""Retention: members' files are not kept forever (``RETENTION_DAYS``, an operator setting).

A periodic sweep (hourly, from the session cog) removes, once they are older than the
retention period (``days``):

- **closed and expired sessions' files** (``sessions/<id>/``: the assets, the originals
  kept aside for one-click fixes, fixed copies, frames and sound tracks; for a storyboard's
  session also ``storyboards/<id>/``: its soundtrack and the parts cut from it, the frames
  carried between shots, its films), counted from the session's end or its last job's (a
  shot or a film), whichever came later;
- **results** (``results/job-<id>.mp4`` and the copy fitted under Discord's upload limit)
  and **work files** (``jobs/<id>/``: frames grabbed, images given to an edit, stitched
  videos), counted from the job's end.

**What a result's buttons need is kept.** A result delivered within the period stays
usable: Regenerate needs every file its request was made from (in its session's folder,
or a frame or image in a parent's ``jobs/<id>/``); Extend, Edit and Use as reference need
its video; Stitch needs the videos of its whole extend/insert chain. So no file is removed
that a job finished within the period (or still running) names — its result or an asset
of its request — nor the result of any job it was built on, however old. Once a result
is past the period its buttons say its video (or, for Regenerate, its files) is no longer
kept. Open sessions are never swept. Rows stay: the ledger and the audit log keep the
history; only files go.

Where media are shared by key (``ASSET_HOST=s3``, :mod:`bot.hosting.s3_media`), the same
keys are removed from the bucket too, after this machine's copies, by the one process
that sweeps for all; every other process (shards, workers) sweeps its own cache of them.

``days`` 0 keeps everything (no sweep).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.generation.job import Job
from bot.hosting.store import MediaStore
from bot.workers import WorkerPool
from storage.retention import EndedSession, RetentionRepository

log = logging.getLogger(__name__)

SWEEP_INTERVAL_HOURS = 1  # how often the cog runs the sweep


@dataclass(frozen=True)
class Swept:
    """What one sweep removed: ``files`` and their ``bytes``."""

    files: int = 0
    bytes: int = 0


class Retention:
    """The retention sweep.

    Args:
        repo: what may go and what must stay (sessions, jobs).
        data_dir: the data folder (``sessions/``, ``jobs/``, ``results/`` under it).
        media: the media store the same keys are removed from (by default this machine's
            ``data_dir``, which holds nothing else).
        days: how long files are kept (``RETENTION_DAYS``); 0 keeps everything.
        media_pool: where files are removed (off the loop).
        clock: returns the current UTC time.
    """

    def __init__(
        self,
        *,
        repo: RetentionRepository,
        data_dir: Path,
        days: int,
        media_pool: WorkerPool,
        clock: Callable[[], datetime],
        media: MediaStore | None = None,
    ) -> None:
        self.repo = repo
        self.data_dir = data_dir
        self.media = media or MediaStore(data_dir)
        self.days = days
        self.media_pool = media_pool
        self.clock = clock

    async def sweep(self, *, stored: bool = True) -> Swept:
        """Remove what the retention period has passed for (see the module docstring):
        this machine's files, and with ``stored`` the media store's copies too (one process
        does that for all; the others sweep only their own caches of a shared store)."""
        if self.days <= 0:
            return Swept()
        cutoff = self.clock() - timedelta(days=self.days)
        keep = _needed(await self.repo.kept_jobs(cutoff))
        doomed: list[str] = []  # media keys; one ending in "/" names a folder
        for ended in await self.repo.sessions_ended_before(cutoff):
            doomed.extend(self._folders(ended))
        for job in await self.repo.jobs_finished_before(cutoff):
            doomed.append(self.media.key(self.data_dir / "jobs" / str(job.id)) + "/")
            if job.result_key is not None:
                result = self.media.path(job.result_key)
                doomed.append(job.result_key)
                doomed.append(self.media.key(result.with_name(f"job-{job.id}-fitted.mp4")))
        paths = [self.media.path(key) for key in doomed]
        swept = await self.media_pool.run(
            _remove, paths, {self.media.path(k).resolve() for k in keep}
        )
        gone = await self.media.remove(doomed, keep) if stored else 0
        if gone:
            log.info("retention (%s days): removed %s stored objects", self.days, gone)
        if swept.files:
            log.info(
                "retention (%s days): removed %s files, %s bytes", self.days, swept.files,
                swept.bytes,
            )  # fmt: skip
        return swept

    def _folders(self, ended: EndedSession) -> list[str]:
        """The media keys (folders, ending in "/") of an ended session's files: its own
        ``sessions/<id>/`` and, for a storyboard's session, ``storyboards/<id>/``."""
        folders = [self.data_dir / "sessions" / str(ended.id)]
        if ended.storyboard_id is not None:
            folders.append(self.data_dir / "storyboards" / str(ended.storyboard_id))
        return [self.media.key(folder) + "/" for folder in folders]


def _needed(jobs: Iterable[Job]) -> set[str]:
    """The media keys ``jobs`` still need: their results and their requests' assets."""
    keep: set[str] = set()
    for job in jobs:
        if job.result_key is not None:
            keep.add(job.result_key)
        keep.update(placed.asset.key for placed in job.request.assets)
    return keep


def _remove(paths: Iterable[Path], keep: set[Path]) -> Swept:
    """Remove each file of ``paths`` (a folder: the files under it, then the folders left
    empty) that ``keep`` does not name; missing ones are skipped."""
    files = size = 0
    for path in paths:
        if path.is_dir():
            targets = [p for p in path.rglob("*") if not p.is_dir()]
        elif path.exists():
            targets = [path]
        else:
            continue
        for target in targets:
            if target.resolve() in keep:
                continue
            try:
                length = target.lstat().st_size
                target.unlink()
            except FileNotFoundError:
                continue
            files += 1
            size += length
        if path.is_dir():
            for folder, _, _ in sorted(os.walk(path), key=lambda w: -len(w[0])):
                try:
                    os.rmdir(folder)  # only if empty
                except OSError:
                    pass
    return Swept(files, size)
