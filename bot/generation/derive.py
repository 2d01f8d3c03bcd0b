"""Building on results instead of restarting (seed 000: "when a result is close, extend,
insert or edit"; seed 002: video extension and video editing).

Each function turns finished results into a new request for the same provider dialect:
- **extend**: reference-to-video with the result as the clip to extend and its last frame
  as the first frame (providers without a native extension; seed 002 "Video Extension");
- **insert between**: image-to-video from the last frame of A to the first frame of B;
- **edit**: the result as the clip to edit, an optional image reference, and the member's
  instruction (seed 002 "Video Editing": replace, remove or add).
The frames are grabbed with the one-click fixes' ``video_frame`` (PyAV), so they already
fit the image limits (seed 001: 300–6000 px per side).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.errors import CallsheetError
from bot.media.fixes import FixError, video_frame
from bot.media.probe import probe
from bot.seedance.checks import check_file
from bot.seedance.compiler import GenerationRequest, compile_request
from bot.seedance.limits import AssetKind, Limits
from bot.seedance.roles import Dialect
from bot.seedance.session import Asset, Session
from bot.words import say

DEFAULT_EXTEND_PROMPT = "Keep the subject, light and camera; continue the action naturally."
DEFAULT_INSERT_PROMPT = "Bridge the two shots with one smooth, continuous movement."


def grab_frame(video: Path, which: str, out: Path) -> Path:
    """Save the first or last frame of ``video`` as a PNG (blocking).

    Raises:
        CallsheetError: the video cannot be decoded.
    """
    try:
        duration = probe(video).duration_s or 0.0
        at_s = 0.0 if which == "first" else max(0.0, duration - 0.1)
        return video_frame(video, out, at_s)
    except (FixError, OSError, ValueError) as exc:
        raise CallsheetError(say("derive-no-frame", which=which)) from exc


def reference_asset(
    kind: AssetKind, ordinal: int, role: str, path: Path, key: str, limits: Limits
) -> Asset:
    """An asset for a derived request, probed and checked like an upload (blocking):
    ``path`` is the file here, ``key`` its media key (:mod:`bot.hosting.store`).

    Raises:
        CallsheetError: the file breaks a reference limit (e.g. a 21:9 480p result has fewer
            pixels than a video reference needs, seed 002: ≥ 409,600 px).
    """
    info = probe(path)
    problems = check_file(info, limits)
    if problems:
        raise CallsheetError(say("derive-unusable", kind=kind, reason=problems[0].describe()))
    return Asset(
        id=0,
        session_id=0,
        kind=kind,
        ordinal=ordinal,
        role=role,
        key=key,
        filename=path.name,
        sha256="",
        **info.asset_fields(),
    )


def derived_request(
    base: Session,
    assets: tuple[Asset, ...],
    prompt: str,
    source: GenerationRequest,
    duration_s: int,
    dialect: Dialect,
    limits: Limits,
) -> GenerationRequest:
    """Compile ``assets`` + ``prompt`` with the settings (model, ratio, resolution, audio)
    of the request it builds on.

    Raises:
        RequestInvalid: as :func:`bot.seedance.compiler.compile_request`.
    """
    session = replace(
        base,
        assets=assets,
        prompt=prompt,
        duration_s=duration_s,
        ratio=source.ratio,
        resolution=source.resolution,
        generate_audio=source.generate_audio,
        model=source.model,
    )
    return compile_request(session, dialect, limits)
