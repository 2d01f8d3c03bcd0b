"""Ids on every log line: the process's shards, and the guild, session and job a line is
about, where known.

:class:`IdsFilter`, on the log handler (``python -m bot`` installs it), gives each record an
``ids`` attribute (`` [shard=0 guild=81… session=12 job=40]``, or ``""``) that the format
ends with. The ids come from three places, none of which the logging call has to pass:

- the process: :func:`set_process` (the gateway's ``SHARD_IDS``, or a worker's name);
- the interaction being handled: :func:`bind` (the Discord layer binds the guild, and the
  session a component belongs to, when it acknowledges), a context variable, so it holds
  for the handler's task and the tasks it starts;
- the job: the job runner names each job's task ``job-<id>`` and each delivery
  ``deliver-<id>`` (:mod:`bot.generation.jobs`), read from the running task.
"""

from __future__ import annotations

import asyncio
import logging
import re
from contextvars import ContextVar
from typing import Final

_process: str = ""
_ids: ContextVar[tuple[tuple[str, int], ...]] = ContextVar("callsheet_log_ids", default=())
JOB_TASK: Final = re.compile(r"(?:job|deliver)-([0-9]+)")


def set_process(label: str) -> None:
    """Name this process on every line (``"shard=0,1"``, ``"worker=w1"``; ``""``: none)."""
    global _process
    _process = label


def bind(**ids: int | None) -> None:
    """Name ``ids`` (``guild=…``, ``session=…``; ``None`` is skipped) on every line logged
    from now on in this task and the tasks it starts."""
    known = dict(_ids.get())
    known.update({name: value for name, value in ids.items() if value is not None})
    _ids.set(tuple(known.items()))


def current_ids() -> str:
    """The ids known here, as `` [shard=0 guild=1 job=2]`` (``""`` when none)."""
    parts = [_process] if _process else []
    parts.extend(f"{name}={value}" for name, value in _ids.get())
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no running loop (a worker pool's thread)
        task = None
    if task is not None:
        found = JOB_TASK.fullmatch(task.get_name())
        if found:
            parts.append(f"job={found.group(1)}")
    return f" [{' '.join(parts)}]" if parts else ""


class IdsFilter(logging.Filter):
    """Sets ``record.ids`` (see the module docstring); lets every record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.ids = current_ids()
        return True
