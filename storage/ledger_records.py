"""What the ledger repository (:mod:`storage.ledger`) takes and returns: ledger entries,
the caps and allowance a hold applies, the hold's outcome and a member's balance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

Row = dict[str, Any]
ACTIVE_JOB_STATES = ("queued", "submitted", "running")
FinalState = Literal["succeeded", "failed", "cancelled", "expired"]


@dataclass(frozen=True)
class LedgerEntry:
    """One ledger entry.

    Attributes:
        kind: grant, revoke, refill, adjust, hold, capture or release.
        amount: the credits the entry is about (≥ 0); delta: its effect on the available
            balance (grant/refill +, revoke −, adjust ±, hold −, release +, capture 0).
        job_id: the job it belongs to, if any. note: why, in words.
        created_at: when (UTC).
    """

    id: int
    guild_id: int
    user_id: int
    kind: str
    amount: int
    delta: int
    job_id: int | None
    note: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> LedgerEntry:
        """Build from a ledger row."""
        return cls(
            id=int(row["id"]),
            guild_id=int(row["guild_id"]),
            user_id=int(row["user_id"]),
            kind=row["kind"],
            amount=int(row["amount"]),
            delta=int(row["delta"]),
            job_id=row["job_id"],
            note=row["note"],
            created_at=datetime.fromisoformat(row["created_at"]),
        )


@dataclass(frozen=True)
class HoldLimits:
    """Per-member caps checked in the same transaction as the hold (``None``: no cap).

    Attributes:
        videos_per_day / seconds_per_day: jobs and output seconds since ``day_start``
            (failed, cancelled and expired jobs do not count).
        concurrent_jobs: unfinished jobs at once.
        cooldown_s: seconds since the member's previous job.
        day_start: start of the current UTC day.
    """

    day_start: datetime
    videos_per_day: int | None = None
    seconds_per_day: int | None = None
    concurrent_jobs: int | None = None
    cooldown_s: int | None = None


Refusal = Literal["busy", "balance", "videos_per_day", "seconds_per_day", "concurrent", "cooldown"]


@dataclass(frozen=True)
class HoldOutcome:
    """Result of :meth:`LedgerRepository.create_job_with_hold`.

    Attributes:
        job_id: the new job, or the session's already-active job (refused "busy"), or ``None``.
        created: a new job was created and its price held.
        available: the member's available credits after the attempt.
        refused: why nothing was created, or ``None``.
        detail: the measured value behind a cap refusal (count, seconds, or seconds to wait).
    """

    job_id: int | None
    created: bool
    available: int
    refused: Refusal | None = None
    detail: float = 0.0


@dataclass(frozen=True)
class AllowanceEntries:
    """The allowance entries a member is owed now, each written once by its key.

    Attributes:
        start_grant / start_key: the starting grant (0: none).
        refill_amount / refill_cap / refill_key: this period's refill, which tops the
            available balance up to at most ``refill_cap`` (``refill_key`` ``None``: none).
    """

    start_grant: int = 0
    start_key: str = ""
    refill_amount: int = 0
    refill_cap: int = 0
    refill_key: str | None = None

    def keys(self) -> tuple[str, ...]:
        """The idempotency keys of the entries this allowance would write."""
        start = (self.start_key,) if self.start_grant > 0 else ()
        refill = (self.refill_key,) if self.refill_key and self.refill_amount > 0 else ()
        return start + refill


NO_ALLOWANCE = AllowanceEntries()


@dataclass(frozen=True)
class MemberBalance:
    """A member's credits: ``available`` to spend now, ``held`` by unfinished jobs."""

    available: int
    held: int
