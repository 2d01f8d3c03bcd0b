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
        key: the stored file's media key (:mod:`bot.hosting.store`): a path relative to
            the data directory where media are shared by key, else the file's absolute
            path (every key of rows from before keys is one).
        filename: the name the member uploaded it under (display only).
        sha256: hex digest of the bytes.
        format / size_bytes / width / height / duration_s / has_audio: from the probe.
        face_flag: the face pre-check: "none", "warned" (awaiting the member's answer) or
            "kept" (the member confirmed it is drawn or stylised).
        role_suggested: the role is only Callsheet's suggestion; the member has not chosen
            or confirmed it yet (Generate asks them to).
    """

    id: int
    session_id: int
    kind: AssetKind
    ordinal: int
    role: str
    key: str
    filename: str
    sha256: str
    format: str
    size_bytes: int
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    has_audio: bool = False
    face_flag: str = "none"
    role_suggested: bool = False

    @property
    def tag(self) -> str:
        """The member-facing tag, ``@image1``."""
        return f"@{self.kind}{self.ordinal}"

    @property
    def path(self) -> Path:
        """The file on this machine, for an asset whose key is a local path (the
        single-machine store's keys, or an asset the media store fetched here:
        :meth:`bot.hosting.store.MediaStore.localise`).

        Raises:
            ValueError: the key is relative: fetch it through the media store first.
        """
        path = Path(self.key)
        if not path.is_absolute():
            raise ValueError(f"{self.tag}'s file {self.key!r} is not on this machine yet")
        return path


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
        updated_at: last activity, for idle expiry (and, once closed, when it was closed).
        prompt_draft: the last prompt a check refused, kept so the member can edit it
            again, or ``None``.
        replacing_asset_id: the asset the member's next upload replaces, or ``None``.
        assets: accepted assets, images then videos then audio, each in tag order.
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
    prompt_draft: str | None = None
    replacing_asset_id: int | None = None
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
class Rearrangement:
    """A change to a session's assets, their tags renumbered and the prompt following.

    Attributes:
        ordinals: asset id → its new number within its kind (only those that change).
        removed: ids of assets taken out.
        prompt: the prompt with every ``@tag`` renumbered; the tag of a removed asset is
            taken out (it would otherwise name another asset, or none).
        dropped: tags of removed assets the prompt named, as written (the member is told).
        roles: asset id → (role, only suggested) for assets whose role changes (a
            replacement takes the role of what it replaces).
    """

    ordinals: dict[int, int]
    removed: tuple[int, ...]
    prompt: str
    dropped: tuple[str, ...] = ()
    roles: dict[int, tuple[str, bool]] = field(default_factory=dict)


def rearrange(
    session: Session,
    *,
    remove: int | None = None,
    move: tuple[int, int] | None = None,
    replace: tuple[int, int] | None = None,
) -> Rearrangement:
    """Renumber ``session``'s tags after one change (seed 004: the tag number is the
    asset's position in its array, so numbers stay 1…n with no gaps):

    - ``remove``: take that asset out; the others of its kind close up;
    - ``move``: ``(asset id, step)``: move it ``step`` places (-1 up, +1 down) within its
      kind, clamped to the ends;
    - ``replace``: ``(old id, new id)``: the new asset (of the same kind) takes the old
      one's place, number and role; the old one is taken out.

    Raises:
        KeyError: an asset id that is not in the session.
    """
    by_id = {a.id: a for a in session.assets}
    order = {kind: list(session.assets_of(kind)) for kind in ("image", "video", "audio")}
    removed: list[Asset] = []
    roles: dict[int, tuple[str, bool]] = {}
    stand_in: dict[int, Asset] = {}  # a replacement's id → the asset whose tag it takes
    if remove is not None:
        gone = by_id[remove]
        order[gone.kind].remove(gone)
        removed.append(gone)
    if move is not None:
        asset, step = by_id[move[0]], move[1]
        line = order[asset.kind]
        at = line.index(asset)
        line.insert(max(0, min(len(line) - 1, at + step)), line.pop(at))
    if replace is not None:
        old, new = by_id[replace[0]], by_id[replace[1]]
        line = order[old.kind]
        line.remove(new)
        line[line.index(old)] = new
        removed.append(old)
        stand_in[new.id] = old
        roles[new.id] = (old.role, old.role_suggested)
    ordinals: dict[int, int] = {}
    renamed: dict[str, str | None] = {f"{a.kind}{a.ordinal}": None for a in removed}
    for line in order.values():
        for number, asset in enumerate(line, start=1):
            renamed[f"{asset.kind}{asset.ordinal}"] = f"{asset.kind}{number}"
            if asset.id in stand_in:  # the prompt's tag for what it replaces names it now
                gone = stand_in[asset.id]
                renamed[f"{gone.kind}{gone.ordinal}"] = f"{asset.kind}{number}"
            if asset.ordinal != number:
                ordinals[asset.id] = number
    dropped: list[str] = []

    def retag(match: re.Match[str]) -> str:
        key = f"{match.group(1).lower()}{int(match.group(2))}"
        if key not in renamed:
            return match.group(0)  # names no asset now; the compiler says so
        new_name = renamed[key]
        if new_name is None:
            dropped.append(match.group(0))
            return ""
        return f"@{match.group(1)}{new_name.removeprefix(match.group(1).lower())}"

    prompt = TAG_PATTERN.sub(retag, session.prompt)
    if dropped:
        prompt = re.sub(r"[ \t]{2,}", " ", prompt).strip()
        prompt = re.sub(r" ([,.;:!?])", r"\1", prompt)
    return Rearrangement(
        ordinals, tuple(a.id for a in removed), prompt, tuple(dict.fromkeys(dropped)), roles
    )


@dataclass(frozen=True)
class PendingUpload:
    """A refused upload kept aside because one-click fixes can cure it.

    Attributes:
        id / session_id / user_id: ids (the member's Discord snowflake).
        key: the original file's media key (kept). filename: as the member uploaded it.
        options_json: the offered fixes (:class:`bot.media.fixes.FixOption` as JSON).
    """

    id: int
    session_id: int
    user_id: int
    key: str
    filename: str
    options_json: str
