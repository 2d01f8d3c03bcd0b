"""The provider interface: a compiled request in, a finished video file out.

docs/ARCHITECTURE.md "Providers": ``submit → poll → result → download``, with cancel, and provider
errors mapped to member-facing messages and refund decisions. The session core and the
job runner only see this interface; they never know which provider runs. A provider that
can call back when a task ends has a :class:`CallbackScheme` (docs/ARCHITECTURE.md "Jobs
and callbacks").
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from bot.errors import CallsheetError
from bot.providers.catalogue import Catalogue, ModelOffer
from bot.seedance.compiler import GenerationRequest
from bot.seedance.limits import DEFAULT_LIMITS, Limits
from bot.seedance.roles import Dialect
from bot.words import Phrase

# "lost": the provider has no record of the task (a local render lost in a restart); the
# job runner submits the request again.
TaskState = Literal["queued", "running", "succeeded", "failed", "lost"]


class ProviderError(CallsheetError):
    """A provider refused or failed a task; :attr:`phrase` is what the member reads.

    Attributes:
        refund: whether the member's held credits are released (True for every failure
            where the provider does not bill; the providers do not bill failed tasks;
            docs/ARCHITECTURE.md "Providers").
        retryable: whether retrying the same request may succeed (outage, rate limit).
        rate_limited: the provider said "too many requests" (HTTP 429): every call to it,
            not only this one, should wait (the job runner holds all polls of the provider).
        retry_after: seconds the provider asked us to wait (``Retry-After``), if it said.
        unconfirmed: a create that may have reached the provider (the connection broke
            after it was sent): whether a task exists is found out by
            :meth:`Provider.find_tasks`, never by creating it again.
    """

    def __init__(
        self,
        message: Phrase,
        *,
        refund: bool = True,
        retryable: bool = False,
        rate_limited: bool = False,
        retry_after: float | None = None,
        unconfirmed: bool = False,
    ) -> None:
        super().__init__(message)
        self.refund = refund
        self.retryable = retryable
        self.rate_limited = rate_limited
        self.retry_after = retry_after
        self.unconfirmed = unconfirmed


def job_seed(job_id: int, request: GenerationRequest) -> int:
    """The seed a job's task is created with (0 … 2³¹ − 1): derived from the job id and the
    prompt, so it is the same on every attempt of the job and differs between jobs. A
    provider that reports the seed back (Ark) can tell the job's own task apart by it when
    an unconfirmed create is reconciled."""
    digest = hashlib.sha256(f"callsheet:{job_id}:{request.prompt}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFF_FFFF


@dataclass(frozen=True)
class ProviderProfile:
    """What a provider accepts and how it wants the prompt.

    Attributes:
        name: settings name ("preview", "ark", …).
        label: shown to members ("Preview (local renderer)").
        dialect: prompt dialect (docs/ARCHITECTURE.md "Seedance rules").
        limits: limits, relaxed or tightened from the seeds' defaults; their ``models``
            are the catalogue's (what each model can make).
        catalogue: the models it offers, their ids, output options and prices
            (:mod:`bot.providers.catalogue`).
        cancels: the task states in which the provider's cancel stops a task before it
            bills (Ark and fal: only "queued"; EvoLink: none); each provider declares its
            own, from its docs. A cancel at any other time is not confirmed: the job
            finishes and is delivered (docs/ARCHITECTURE.md "Cancels and money").
        bills: the provider bills a task that runs (``False`` for the local preview: its
            jobs are refunded whenever they are cancelled).
        poll_interval_s: seconds between status polls.
        reads_files: the provider reads the references' files on this machine (the local
            preview) instead of fetching them by URL, so a job's files are fetched from a
            shared media store first (:meth:`bot.hosting.store.MediaStore.localise`).
    """

    name: str
    label: str
    dialect: Dialect
    limits: Limits = field(default_factory=lambda: DEFAULT_LIMITS)
    catalogue: Catalogue = field(default_factory=Catalogue)
    cancels: frozenset[TaskState] = frozenset()
    bills: bool = True
    poll_interval_s: float = 5.0
    reads_files: bool = False

    def __post_init__(self) -> None:
        if self.catalogue.offers:  # the limits know what each offered model can make
            limits = dataclasses.replace(self.limits, models=self.catalogue.outputs)
            object.__setattr__(self, "limits", limits)

    def offer(self, model: str) -> ModelOffer | None:
        """The catalogue's offer of ``model``, or ``None`` when it is not offered."""
        return self.catalogue.offer(model)

    @property
    def can_cancel(self) -> bool:
        """The provider can cancel a task in some state."""
        return bool(self.cancels)


QUEUED_ONLY: frozenset[TaskState] = frozenset({"queued"})


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


@dataclass(frozen=True)
class CallbackNotice:
    """What a provider's callback says, as far as the runner cares.

    Attributes:
        task_id: the task the body names (``None`` when it names none); only logged: the
            callback's URL, not its body, says which job it is for.
        final: the body says the task ended (succeeded, failed, cancelled, expired). It is
            a hint for whether to poll now, never trusted for the outcome: the runner polls
            the provider to read the result. A body that can't be read counts as final.
    """

    task_id: str | None
    final: bool


class CallbackScheme(Protocol):
    """How one provider calls back: how to check a callback came from it, and what it says.

    The per-job token in the callback's URL is checked by the receiver for every provider
    (``bot.generation.callbacks``); a scheme adds the provider's own signature where it
    signs (fal) and reads the body. Adding a provider's webhooks is one class like this.
    """

    def accepts(self, url: str) -> bool:
        """Whether the provider takes ``url`` as a callback URL (EvoLink: HTTPS only). The
        runner registers no callback, and polls at the faster pace, when it does not."""
        ...

    async def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        """Whether ``body`` with ``headers`` is signed by the provider (``True`` for a
        provider that does not sign).

        Raises:
            ProviderError: the signature could not be checked now (its keys could not be
                fetched, retryable); the receiver answers 503 so the provider retries.
        """
        ...

    def notice(self, body: Any) -> CallbackNotice:
        """Read the decoded JSON body (any value: it comes from the network)."""
        ...


class Provider(Protocol):
    """A video provider.

    Attributes:
        profile: what it accepts and how it wants the prompt.
        callbacks: how it calls back when a task ends, or ``None`` when it can't.
    """

    profile: ProviderProfile
    callbacks: CallbackScheme | None

    async def submit(
        self,
        request: GenerationRequest,
        job_id: int,
        callback_url: str | None = None,
        *,
        expires_in_s: float | None = None,
    ) -> str:
        """Start a task for ``request``; return the provider's task id. With
        ``callback_url`` (only given when ``callbacks`` is set), ask the provider to POST
        there when the task ends. ``expires_in_s``: seconds left before the job's deadline
        (a provider that can drop a task not started by then is told so: Ark's
        ``execution_expires_after``).

        Raises:
            ProviderError: the provider refused the request.
        """
        ...

    async def poll(self, task_id: str) -> TaskStatus:
        """The task's current state."""
        ...

    async def find_tasks(
        self, request: GenerationRequest, job_id: int, since: datetime
    ) -> list[str] | None:
        """The tasks a create for this job made since ``since`` (UTC), oldest first: how an
        unconfirmed create (sent, its reply never read) is reconciled after a restart
        (docs/ARCHITECTURE.md "No double tasks"). ``[]``: none was made, creating it is
        safe; ``None``: the provider can't list its tasks, so it can't be told.

        Raises:
            ProviderError: the provider could not be asked now.
        """
        ...

    async def download(self, task_id: str, out_path: Path) -> None:
        """Write the finished video of a succeeded task to ``out_path`` (MP4).

        Raises:
            ProviderError: the result could not be fetched.
        """
        ...

    async def download_last_frame(self, task_id: str, out_path: Path) -> bool:
        """Write the last frame of a succeeded task's video to ``out_path`` (PNG) where the
        provider gives it, after :meth:`download`; ``True`` when written.

        ``False``: the provider offers none (fal, Replicate, EvoLink), the request did not
        ask for it (Ark: ``GenerationRequest.return_last_frame``), or it could not be
        fetched; the caller then decodes it from the downloaded video with
        :func:`bot.media.film.last_frame`, which gives the same pixels. Never raises for
        a missing frame: the fallback always exists.
        """
        ...

    async def cancel(self, task_id: str) -> bool:
        """Cancel the task where the provider can (``profile.cancels``); return ``True``
        only when the provider confirms the task is cancelled and will not bill. ``False``:
        it runs on (running, finished, or the provider could not be asked)."""
        ...
