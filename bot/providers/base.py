"""The provider interface: a compiled request in, a finished video file out.

docs/ARCHITECTURE.md "Providers": ``submit → poll → result → download``, with cancel, and provider
errors mapped to member-facing messages and refund decisions. The session core and the
job runner only see this interface; they never know which provider runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from bot.errors import CallsheetError
from bot.seedance.compiler import GenerationRequest
from bot.seedance.limits import DEFAULT_LIMITS, Limits
from bot.seedance.roles import Dialect

# "lost": the provider has no record of the task (a local render lost in a restart); the
# job runner submits the request again.
TaskState = Literal["queued", "running", "succeeded", "failed", "lost"]


class ProviderError(CallsheetError):
    """A provider refused or failed a task; ``str(error)`` is the member-facing message.

    Attributes:
        refund: whether the member's held credits are released (True for every failure
            where the provider does not bill; the providers do not bill failed tasks;
            docs/ARCHITECTURE.md "Providers").
        retryable: whether retrying the same request may succeed (outage, rate limit).
    """

    def __init__(self, message: str, *, refund: bool = True, retryable: bool = False) -> None:
        super().__init__(message)
        self.refund = refund
        self.retryable = retryable


@dataclass(frozen=True)
class ProviderProfile:
    """What a provider accepts and how it wants the prompt.

    Attributes:
        name: settings name ("preview", "ark", …).
        label: shown to members ("Preview (local renderer)").
        dialect: prompt dialect (docs/ARCHITECTURE.md "Seedance rules").
        limits: limits, relaxed or tightened from the seeds' defaults.
        can_cancel: the provider can cancel a submitted task.
        poll_interval_s: seconds between status polls.
    """

    name: str
    label: str
    dialect: Dialect
    limits: Limits = field(default_factory=lambda: DEFAULT_LIMITS)
    can_cancel: bool = False
    poll_interval_s: float = 5.0


@dataclass(frozen=True)
class TaskStatus:
    """A provider task's state.

    Attributes:
        state: "queued", "running", "succeeded", "failed" or "lost".
        progress: 0.0–1.0 where the provider reports it, else ``None``.
        error: the failure, when ``state`` is "failed".
        seed: the seed the provider generated with, when it reports one (succeeded tasks).
        eta_s: the provider's estimate of the seconds left, where it gives one (EvoLink).
        queue_position: the task's place in the provider's queue, where it says (fal).
    """

    state: TaskState
    progress: float | None = None
    error: ProviderError | None = None
    seed: int | None = None
    eta_s: float | None = None
    queue_position: int | None = None


class Provider(Protocol):
    """A video provider."""

    profile: ProviderProfile

    async def submit(self, request: GenerationRequest, job_id: int) -> str:
        """Start a task for ``request``; return the provider's task id.

        Raises:
            ProviderError: the provider refused the request.
        """
        ...

    async def poll(self, task_id: str) -> TaskStatus:
        """The task's current state."""
        ...

    async def download(self, task_id: str, out_path: Path) -> None:
        """Write the finished video of a succeeded task to ``out_path`` (MP4).

        Raises:
            ProviderError: the result could not be fetched.
        """
        ...

    async def cancel(self, task_id: str) -> bool:
        """Cancel a task where the provider supports it; return whether it was cancelled."""
        ...
