"""Session state: the assets a member has gathered, their roles, the prompt and settings.

Pure data and rules, no I/O. Storage persists these records; the sessions service
(:mod:`bot.sessions`) changes them in response to what members do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from bot.seedance.limits import AssetKind


class SessionState(StrEnum):
    """Where a session is: open, generating (a job is running), closed or expired."""

    OPEN = "open"
    GENERATING = "generating"
    CLOSED = "closed"
    EXPIRED = "expired"


# A tag as members write it: @image1, @Video2, @AUDIO3 (seeds 002, 004).
TAG_PATTERN = re.compile(r"@(image|video|audio)(\d+)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Asset:
    """One accepted reference file.

    Attributes:
        id: database id.
        session_id: owning session.
        kind: "image", "video" or "audio".
        ordinal: 1-based number within its kind, in arrival order (``@image2`` → 2).
        role: role key from :mod:`bot.seedance.roles`.
        path: the stored file under the data directory.
        filename: the name the member uploaded it under (display only).
        sha256: hex digest of the bytes.
        format / size_bytes / width / height / duration_s / has_audio: from the probe.
        face_flag: the face pre-check: "none", "warned" (awaiting the member's answer) or
            "kept" (the member confirmed it is drawn or stylised).
    """

    id: int
    session_id: int
    kind: AssetKind
    ordinal: int
    role: str
    path: Path
    filename: str
    sha256: str
    format: str
    size_bytes: int
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    has_audio: bool = False
    face_flag: str = "none"

    @property
    def tag(self) -> str:
        """The member-facing tag, ``@image1``."""
        return f"@{self.kind}{self.ordinal}"


@dataclass(frozen=True)
class Session:
    """A member's open video session in one channel.

    Attributes:
        id: database id.
        guild_id / channel_id / user_id: Discord snowflakes (plain ints; no discord types).
        state: "open", "generating" (a job is running), "closed" or "expired".
        prompt: the member's prompt, with ``@tags`` as written.
        duration_s: requested clip length in seconds (seeds 000, 001: 4–15).
        ratio: "16:9", "9:16", "1:1", "4:3", "3:4" or "21:9".
        resolution: "480p" or "720p".
        generate_audio: ask the model for a sound track (seed 001 "Dialogue generation").
        card_message_id: the Discord message showing the session card, once posted.
        thread_id: the thread the session lives in (started from its card), or ``None``
            when it runs in its channel.
        model: "standard" (Seedance 2.0) or "fast" (2.0 Fast, seed 003: quick iterations).
        template: key of the seed 001 template the session was opened from, if any.
        locale: the language its owner reads (a shipped locale of :mod:`bot.words`).
        updated_at: last activity, for idle expiry.
        assets: accepted assets, in arrival order.
    """

    id: int
    guild_id: int
    channel_id: int
    user_id: int
    state: SessionState
    prompt: str
    duration_s: int
    ratio: str
    resolution: str
    generate_audio: bool
    created_at: datetime
    updated_at: datetime
    card_message_id: int | None = None
    thread_id: int | None = None
    model: str = "standard"
    template: str | None = None
    locale: str = "en-US"
    assets: tuple[Asset, ...] = field(default_factory=tuple)

    @property
    def conversation_id(self) -> int:
        """Where the session talks: its thread, else its channel (role questions,
        refusals, fixes)."""
        return self.thread_id if self.thread_id is not None else self.channel_id

    def assets_of(self, kind: AssetKind) -> tuple[Asset, ...]:
        """Assets of ``kind`` in tag order."""
        return tuple(sorted((a for a in self.assets if a.kind == kind), key=lambda a: a.ordinal))

    def asset_by_tag(self, tag: str) -> Asset | None:
        """The asset a tag such as ``@Image1`` refers to (case-insensitive), or ``None``."""
        match = TAG_PATTERN.fullmatch(tag.strip())
        if match is None:
            return None
        kind, ordinal = match.group(1).lower(), int(match.group(2))
        return next((a for a in self.assets if a.kind == kind and a.ordinal == ordinal), None)

    def total_duration_s(self, kind: AssetKind) -> float:
        """Sum of durations of assets of ``kind``, in seconds."""
        return sum(a.duration_s or 0.0 for a in self.assets if a.kind == kind)


def unknown_tags(prompt: str, session: Session) -> list[str]:
    """Tags in ``prompt`` that name no asset of ``session``, as written, without repeats."""
    seen: list[str] = []
    for match in TAG_PATTERN.finditer(prompt):
        if session.asset_by_tag(match.group(0)) is None and match.group(0) not in seen:
            seen.append(match.group(0))
    return seen


@dataclass(frozen=True)
class PendingUpload:
    """A refused upload kept aside because one-click fixes can cure it.

    Attributes:
        id / session_id / user_id: ids (the member's Discord snowflake).
        path: the original file, kept. filename: as the member uploaded it.
        options_json: the offered fixes (:class:`bot.media.fixes.FixOption` as JSON).
    """

    id: int
    session_id: int
    user_id: int
    path: Path
    filename: str
    options_json: str
