"""Generation: the Job (pure data), the Generation service (quote, hold, queue), the
JobRunner (scheduling, polling, delivery, restarts) and Results (building on a video).

Only :mod:`bot.generation.job` is imported eagerly: the repositories in ``storage`` import
it, and the services import those repositories, so the rest loads on first use.
"""

from typing import TYPE_CHECKING

from bot.generation.job import DeliveryState, Job, JobState

if TYPE_CHECKING:
    from bot.generation.jobs import JobRunner
    from bot.generation.listener import JobListener
    from bot.generation.results import Results
    from bot.generation.service import Generation, Quote, Started

__all__ = [
    "DeliveryState",
    "Generation",
    "Job",
    "JobListener",
    "JobRunner",
    "JobState",
    "Quote",
    "Results",
    "Started",
]

_LAZY = {
    "JobListener": "bot.generation.listener",
    "JobRunner": "bot.generation.jobs",
    "Results": "bot.generation.results",
    "Generation": "bot.generation.service",
    "Quote": "bot.generation.service",
    "Started": "bot.generation.service",
}


def __getattr__(name: str) -> object:
    """The services, imported on first use (see the module docstring)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
