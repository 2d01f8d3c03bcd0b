"""A storyboard: a shot list of up to eight clips made from one conversation, each with its
prompt, length and references, the cut between consecutive shots, and one soundtrack for
the film they are joined into (issue 17). Pure data: no I/O.

Storyboard-wide references (the character, the style) are the assets of
the storyboard's session that no shot claims, so the session's upload, role and face flow
is reused as it is; a reference attached to a shot is one of those assets claimed by that
shot alone. Every shot inherits the storyboard-wide references. The soundtrack is kept
beside them (longer than any one reference may be) and each shot gets its part.

Limits and their sources:
    - a shot is 4–15 s (seeds 000, 001: "4–15 s" per clip; the provider's profile may
      narrow it, ``Limits.min_output_s``/``max_output_s``);
    - at most :data:`MAX_SHOTS` shots (issue 17: "up to 8 shots"), so a film is at most
      120 s;
    - a shot's prompt is the request's prompt, so seed 001's prompt limit applies
      (``Limits.max_prompt_chars``), checked when the shot is compiled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal, get_args

from bot.generation.job import JobState
from bot.seedance.session import Asset
from bot.words import Phrase

MAX_SHOTS = 8
"""Shots in one storyboard (issue 17: "a shot list (up to 8 shots)")."""

Continuity = Literal["continue", "cut", "match"]
"""How a shot follows the one before it:

- ``continue``: its first frame is the previous shot's last frame (the provider's
  returned last frame, or the decoded one), so it runs after that shot;
- ``cut``: independent, runs in parallel;
- ``match``: the previous shot's own references too, no frame carried over; runs in
  parallel.

The first shot has no cut before it; it is always ``cut``.
"""

CONTINUITIES: tuple[Continuity, ...] = get_args(Continuity)

FilmAudio = Literal["soundtrack", "shots"]
"""The film's sound: the storyboard's soundtrack, whole (the default), or the shots' own
generated sound (the member opted out)."""


class ShotState(StrEnum):
    """Where a shot is.

    - ``draft``: not started (editable);
    - ``waiting``: credits held, waiting for the previous shot's last frame (``continue``)
      or for a free slot among its owner's jobs (the guild's per-member cap);
    - ``queued`` / ``running``: its job is queued or at the provider;
    - ``done``: its video is made; ``failed``: failed, expired or cancelled (refunded;
      it can be retried alone).
    """

    DRAFT = "draft"
    WAITING = "waiting"
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class StoryboardState(StrEnum):
    """Where a storyboard is, from its shots.

    - ``draft``: not started; ``running``: some shot is not finished;
    - ``failed``: every shot finished and some failed (retry them alone);
    - ``done``: every shot made and the film recorded.
    - ``stitching``: every shot made, the film not recorded yet.
    """

    DRAFT = "draft"
    RUNNING = "running"
    FAILED = "failed"
    STITCHING = "stitching"
    DONE = "done"


@dataclass(frozen=True)
class Shot:
    """One shot of a storyboard.

    Attributes:
        id: database id (stable across moves).
        storyboard_id: its storyboard.
        position: 1-based place in the shot list.
        prompt: what happens in it, as the member wrote it (``@tags`` name the
            storyboard's assets as in a session).
        duration_s: its length in seconds (4–15; seeds 000, 001).
        continuity: the cut before it (see :data:`Continuity`); ``cut`` for the first.
        references: its own references (assets of the storyboard's session claimed by
            this shot), in tag order.
        reference_ids: the ids of the assets it claims (as stored).
        job_id: its current job (the latest attempt), once started.
        job_state: that job's state; ``None`` before the start.
        waiting: its job holds credits but is not released to the runner yet.
        result_key: its video's media key (:mod:`bot.hosting.store`), once made.
        provider / task_id: where its current job ran (its provider's name and task).
        error: why its job failed (a :class:`bot.words.Phrase` as JSON), or ``None``.
        price: credits held or spent by its current job; ``None`` before the start.
    """

    id: int
    storyboard_id: int
    position: int
    prompt: str
    duration_s: int
    continuity: Continuity = "cut"
    references: tuple[Asset, ...] = ()
    reference_ids: tuple[int, ...] = ()
    job_id: int | None = None
    job_state: JobState | None = None
    waiting: bool = False
    result_key: str | None = None
    provider: str | None = None
    task_id: str | None = None
    error: str | None = None
    price: int | None = None

    @property
    def state(self) -> ShotState:
        """Where the shot is (from its job)."""
        if self.job_state is None:
            return ShotState.DRAFT
        if self.job_state == JobState.SUCCEEDED:
            return ShotState.DONE
        if self.job_state in (JobState.FAILED, JobState.CANCELLED, JobState.EXPIRED):
            return ShotState.FAILED
        if self.job_state == JobState.QUEUED:
            return ShotState.WAITING if self.waiting else ShotState.QUEUED
        return ShotState.RUNNING

    @property
    def follows_previous(self) -> bool:
        """Its first frame is the previous shot's last frame (it runs after that shot)."""
        return self.continuity == "continue" and self.position > 1


@dataclass(frozen=True)
class Storyboard:
    """A member's storyboard.

    Attributes:
        id: database id.
        session_id: the session holding its storyboard-wide references, settings (ratio,
            resolution, model, generated sound) and uploads.
        guild_id / channel_id / user_id: Discord snowflakes.
        shots: the shot list in order (≤ :data:`MAX_SHOTS`).
        references: the storyboard-wide references every shot inherits (the session's
            assets no shot claims), in tag order.
        soundtrack_key: the media key (:mod:`bot.hosting.store`) of the storyboard's sound
            file, split at the shots' boundaries (each
            shot gets its part as a reference) and laid under the film; ``None``: none.
            It is not a session asset: a 60–120 s track is longer than any one reference
            may be (seeds 000, 001, 004: ≤ 15 s of audio).
        soundtrack_name: the name it was uploaded under (display only).
        soundtrack_s: its length in seconds.
        film_audio: what the film sounds like (see :data:`FilmAudio`).
        started_at: when the member confirmed the price (UTC), or ``None``.
        film_job_id: the latest film (a free, locally made result), or ``None``.
        film_of: the shot jobs that film joined, in order.
        created_at / updated_at: UTC.
    """

    id: int
    session_id: int
    guild_id: int
    channel_id: int
    user_id: int
    created_at: datetime
    updated_at: datetime
    shots: tuple[Shot, ...] = ()
    references: tuple[Asset, ...] = ()
    soundtrack_key: str | None = None
    soundtrack_name: str | None = None
    soundtrack_s: float | None = None
    film_audio: FilmAudio = "soundtrack"
    started_at: datetime | None = None
    film_job_id: int | None = None
    film_of: tuple[int, ...] = ()

    @property
    def total_s(self) -> int:
        """The film's length: the sum of the shots' lengths, in seconds."""
        return sum(shot.duration_s for shot in self.shots)

    @property
    def state(self) -> StoryboardState:
        """Where the storyboard is (from its shots and film)."""
        states = {shot.state for shot in self.shots}
        if self.started_at is None or not self.shots or states == {ShotState.DRAFT}:
            return StoryboardState.DRAFT
        if states - {ShotState.DONE, ShotState.FAILED, ShotState.DRAFT}:
            return StoryboardState.RUNNING
        if states != {ShotState.DONE}:
            return StoryboardState.FAILED
        current = tuple(shot.job_id for shot in self.shots)
        return StoryboardState.DONE if self.film_of == current else StoryboardState.STITCHING

    def shot(self, shot_id: int) -> Shot | None:
        """The shot with database id ``shot_id``, or ``None``."""
        return next((s for s in self.shots if s.id == shot_id), None)

    def previous(self, shot: Shot) -> Shot | None:
        """The shot before ``shot``, or ``None`` for the first."""
        return next((s for s in self.shots if s.position == shot.position - 1), None)


@dataclass(frozen=True)
class ShotQuote:
    """One shot's price, or why it can't be made as it is.

    Attributes:
        position: the shot's place (1-based). duration_s: its length (s).
        price: credits, when it compiles. breakdown: the price's parts in words
            (:attr:`bot.credits.pricing.PriceBreakdown.phrase`), when it compiles.
        problem: why it does not compile (member-facing), or ``None``.
    """

    position: int
    duration_s: int
    price: int | None
    breakdown: Phrase | None = None
    problem: Phrase | None = None


@dataclass(frozen=True)
class StoryboardQuote:
    """The whole storyboard's price, shown and confirmed once.

    Attributes:
        total: credits for every shot (``None`` when a shot does not compile or there
            are none). shots: each shot's part, in order.
        seconds: the film's length (s).
        problem: the first reason it can't start (a shot's problem, no shots), or ``None``.
        blocked: why the owner may not generate at all (a moderator's ban), or ``None``.
    """

    total: int | None
    shots: tuple[ShotQuote, ...]
    seconds: int
    problem: Phrase | None = None
    blocked: Phrase | None = None
