"""A job: one request on its provider, with its state machine and its delivery.

Pure data (docs/ARCHITECTURE.md "Jobs survive restarts"): the repository
(:mod:`storage.ledger`) builds these from rows; the runner (:mod:`bot.generation.jobs`)
moves them through ``queued → submitted → running → succeeded | failed | cancelled |
expired`` and their delivery through ``pending → sending → delivered``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.seedance.compiler import GenerationRequest, request_from_json
from bot.words import Phrase


class JobState(StrEnum):
    """Where a job is (the ``jobs.state`` column's values)."""

    QUEUED = "queued"
    SUBMITTED = "submitted"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


ACTIVE_STATES = frozenset({JobState.QUEUED, JobState.SUBMITTED, JobState.RUNNING})


class DeliveryState(StrEnum):
    """Whether a finished job's outcome was posted (``sending`` survives a crash mid-post,
    so the post is looked for before posting again)."""

    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"


@dataclass(frozen=True)
class Job:
    """A job as the Discord layer sees it.

    Attributes:
        id / session_id: database ids.
        guild_id / channel_id / user_id: Discord snowflakes.
        state: the job state; price: credits held or captured; provider: its name.
        request: the compiled request.
        result_key: the finished MP4's media key (:mod:`bot.hosting.store`), once
            succeeded.
        error: the member-facing reason of a failure (a :class:`bot.words.Phrase` as JSON;
            see :attr:`reason`).
        progress: 0.0–1.0 where the provider reports it.
        kind: "generate", "regenerate", "extend", "insert", "edit".
        delivery_message_id: the message that delivered it, once delivered.
        created_at: when Generate was pressed (UTC).
        seed: the seed the provider generated with, when it reported one.
        provider_task_id: the provider's task id once submitted.
        deadline_at: past this (UTC) an unfinished job expires with a refund.
        delivery_state: whether its outcome was posted (see :class:`DeliveryState`).
        submit_started_at: when a create was sent whose reply (the task id) has not been
            stored (UTC); ``None`` once it is, or before any.
        delivery_started_at: when the first post of its outcome was sent (UTC); ``None``
            before any. A job still ``sending`` with it was perhaps posted then.
    """

    id: int
    session_id: int
    guild_id: int
    channel_id: int
    user_id: int
    state: JobState
    price: int
    provider: str
    request: GenerationRequest
    result_key: str | None
    error: str | None
    progress: float | None
    kind: str
    delivery_message_id: int | None
    created_at: datetime
    seed: int | None = None
    provider_task_id: str | None = None
    deadline_at: datetime | None = None
    delivery_state: DeliveryState = DeliveryState.PENDING
    submit_started_at: datetime | None = None
    delivery_started_at: datetime | None = None

    @property
    def reason(self) -> Phrase | None:
        """Why it failed, expired or was cancelled, for the member; ``None`` otherwise."""
        return Phrase.from_json(self.error) if self.error else None

    @property
    def active(self) -> bool:
        """Queued or at the provider (not finished)."""
        return self.state in ACTIVE_STATES

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Job:
        """Build from a jobs row (the repository, storage.ledger, is the only caller)."""
        return cls(
            id=int(row["id"]),
            session_id=int(row["session_id"]),
            guild_id=int(row["guild_id"]),
            channel_id=int(row["channel_id"]),
            user_id=int(row["user_id"]),
            state=JobState(row["state"]),
            price=int(row["price"]),
            provider=row["provider"],
            request=request_from_json(row["request_json"]),
            result_key=row["result_path"] or None,
            error=row["error"],
            progress=row["progress"],
            kind=row["kind"],
            delivery_message_id=row["delivery_message_id"],
            created_at=datetime.fromisoformat(row["created_at"]),
            seed=row["seed"],
            provider_task_id=row["provider_task_id"],
            deadline_at=datetime.fromisoformat(row["deadline_at"]) if row["deadline_at"] else None,
            delivery_state=DeliveryState(row["delivery_state"]),
            submit_started_at=_when(row["submit_started_at"]),
            delivery_started_at=_when(row["delivery_started_at"]),
        )


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
