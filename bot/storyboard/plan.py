"""The storyboard's plan, pure (no I/O): what each shot sends, and which shots may run now.

- A shot's references: the storyboard-wide ones (the session's assets no shot claims),
  the previous shot's own ones when the cut is ``match``, then its own; its part of the
  soundtrack as one more audio reference (role ``beat_sync``: the shot keeps to the
  music's beat); and, when the cut is ``continue``, the previous shot's last frame as its
  first frame (:func:`shot_session`).
- A ``continue`` shot runs once the shot before it is made; every other shot may run at
  once, in parallel, within the member's jobs-at-once cap (:func:`runnable`); the runner
  applies the guild's and the bot's limits when it claims them.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.seedance.limits import AssetKind, output_size
from bot.seedance.session import Asset, Session
from bot.storyboard.model import Shot, ShotState, Storyboard

FRAME_ROLE = "first_frame"
SOUNDTRACK_ROLE = "beat_sync"
_CARRIED = -1  # the ids of assets made for one shot (never stored; compile keys by id)
_PART = -2


def references(board: Storyboard, shot: Shot) -> tuple[Asset, ...]:
    """The stored references ``shot`` is made with: storyboard-wide, then the previous
    shot's own when the cut is ``match``, then its own (each once)."""
    found = list(board.references)
    previous = board.previous(shot)
    if shot.continuity == "match" and previous is not None:
        found += previous.references
    found += shot.references
    unique = {a.id: a for a in found}
    return tuple(unique.values())


def stand_in_frame(session: Session, key: str) -> Asset:
    """The previous shot's last frame before it exists (to be kept under media key
    ``key``): a PNG at the session's output size (what the provider returns), so a quote
    checks the shot as it will be sent."""
    size = output_size(session.resolution, session.ratio)
    return frame_asset(key, size.width, size.height, 0)


def frame_asset(key: str, width: int, height: int, size_bytes: int) -> Asset:
    """The previous shot's last frame (a PNG kept under media key ``key``,
    :mod:`bot.hosting.store`) as the shot's first frame: tagged ``@image0``, so it comes
    first and never takes a tag the member wrote."""
    return Asset(
        id=_CARRIED, session_id=0, kind="image", ordinal=0, role=FRAME_ROLE, key=key,
        filename=Path(key).name, sha256="", format="png", size_bytes=size_bytes,
        width=width, height=height,
    )  # fmt: skip


def part_asset(key: str, seconds: float, size_bytes: int) -> Asset:
    """A shot's part of the soundtrack (an MP3 kept under media key ``key``) as an audio
    reference, tagged ``@audio0``."""
    return Asset(
        id=_PART, session_id=0, kind="audio", ordinal=0, role=SOUNDTRACK_ROLE, key=key,
        filename=Path(key).name, sha256="", format="mp3", size_bytes=size_bytes,
        duration_s=seconds,
    )  # fmt: skip


def shot_session(
    session: Session,
    board: Storyboard,
    shot: Shot,
    *,
    frame: Asset | None = None,
    part: Asset | None = None,
) -> Session:
    """``session`` as one shot sends it: its settings, the shot's prompt and length, and
    the shot's references (:func:`references`) with its first ``frame`` (``continue``)
    and soundtrack ``part`` when given (not to a shot with no picture reference: seed
    001 refuses audio-only references; the film still plays the whole track). Compile it with
    :func:`bot.seedance.compiler.compile_request`."""
    assets = list(references(board, shot))
    if frame is not None:
        assets.insert(0, frame)
    if part is not None and any(a.kind != "audio" for a in assets):
        assets.append(part)  # seed 001: no audio reference without a picture
    order: dict[AssetKind, int] = {"image": 0, "video": 1, "audio": 2}
    assets.sort(key=lambda a: (order[a.kind], a.ordinal))
    return replace(session, assets=tuple(assets), prompt=shot.prompt, duration_s=shot.duration_s)


def runnable(board: Storyboard, slots: int) -> list[Shot]:
    """The waiting shots that may be released now, in order, at most ``slots`` (free
    places under the member's jobs-at-once cap): those that don't continue the shot
    before them, and those whose previous shot is made."""
    ready = []
    for shot in board.shots:
        if shot.state != ShotState.WAITING:
            continue
        previous = board.previous(shot)
        if shot.follows_previous and (previous is None or previous.state != ShotState.DONE):
            continue
        ready.append(shot)
    return ready[: max(0, slots)]


def waits_for_frame(shot: Shot) -> bool:
    """Whether ``shot`` is held back at the start (its first frame comes later)."""
    return shot.follows_previous
