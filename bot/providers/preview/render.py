"""Rendering a preview: :func:`render_preview` checks the spec, plans picture and sound,
composes each frame (crossfades, overlay) and muxes H.264 + AAC into a faststart MP4.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

from bot.providers.preview.audio import SAMPLE_RATE, FloatArray, mix_audio
from bot.providers.preview.overlay import Overlay
from bot.providers.preview.scene import Segment, ease, plan_segments
from bot.providers.preview.spec import PreviewSpec, probe_reference, validate_spec

_AAC_FRAME = 1024


def render_preview(
    spec: PreviewSpec,
    out_path: Path,
    progress: Callable[[float], None] | None = None,
) -> None:
    """Render ``spec`` to ``out_path`` as an MP4 (what the ``preview`` provider delivers).

    Output: H.264 High yuv420p video of ``spec.width`` x ``spec.height`` at ``spec.fps``,
    ``round(spec.duration_s * spec.fps)`` frames, plus an AAC 48 kHz stereo track when there is
    an audio source or ``spec.generate_audio`` is true (silent in the latter case without a
    source); no audio stream otherwise. The moov atom is written at the front (faststart).

    Visuals: image references become Ken Burns keyframe segments (cover-fit crop to the output
    aspect ratio, slow zoom and pan); a ``first_frame`` image opens the clip (shown un-zoomed on
    frame 0), a ``last_frame`` image closes it (un-zoomed on the last frame), others follow in
    tag order. Video references play their own frames (cover-fit, looped if shorter than their
    segment). Segments are joined by crossfades. A video whose role is ``audio_extraction``
    only provides audio, unless it is the only visual source. With no visual reference the
    background is an animated gradient (text-to-video). Every frame carries the prompt as a
    lower-third caption, the ``spec.label`` badge in the top-right corner and the current
    segment's tag and role in the top-left corner.

    Audio: every ``audio`` reference and the soundtrack of every ``audio_extraction`` video is
    decoded, resampled to 48 kHz stereo, mixed, trimmed or padded with silence to the duration
    and faded out over the last 0.5 s.

    ``progress`` (optional) is called with a fraction from 0.0 to 1.0 as frames are encoded.
    The file is written to a temporary name beside ``out_path`` and renamed on success, so a
    failed render never leaves a partial file.

    Raises:
        RenderError: a reference is missing, cannot be decoded, or lacks the needed stream.
        ValueError: the spec itself is invalid (odd or non-positive size, bad duration/fps).
    """
    validate_spec(spec)
    total_frames = max(1, round(spec.duration_s * spec.fps))
    size = (spec.width, spec.height)

    # Probe every reference up front so a bad file fails fast, before any encoding.
    for ref in spec.references:
        probe_reference(ref)

    audio = mix_audio(spec, total_frames)
    plan = plan_segments(spec, total_frames)
    overlay = Overlay(spec)

    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".preview-", suffix=".mp4", dir=out_path.parent)
    os.close(fd)
    tmp_path = Path(tmp_name)
    try:
        _encode(spec, tmp_path, total_frames, size, plan, overlay, audio, progress)
        tmp_path.replace(out_path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    if progress is not None:
        progress(1.0)


def _compose(segments: list[Segment], index: int, overlay: Overlay) -> Image.Image:
    active = [s for s in segments if s.start <= index < s.end]
    if not active:  # rounding at a boundary: use the nearest segment
        active = [min(segments, key=lambda s: min(abs(index - s.start), abs(index - s.end)))]
    for s in segments:  # free sources whose segment is over
        if not s.closed and s.end <= index and s not in active:
            s.release()
    first = active[0]
    img = first.get().frame(index - math.ceil(first.start)).copy()
    tag_src = first.get()
    if len(active) > 1:
        second = active[1]
        overlap = first.end - second.start
        alpha = ease((index - second.start + 0.5) / overlap) if overlap > 0 else 1.0
        other = second.get().frame(index - math.ceil(second.start))
        img = Image.blend(img, other, alpha)
        if alpha >= 0.5:
            tag_src = second.get()
    return overlay.apply(img, tag_src.tag, tag_src.role_label)


def _encode(
    spec: PreviewSpec,
    path: Path,
    total_frames: int,
    size: tuple[int, int],
    segments: list[Segment],
    overlay: Overlay,
    audio: FloatArray | None,
    progress: Callable[[float], None] | None,
) -> None:
    with av.open(
        str(path), mode="w", format="mp4", container_options={"movflags": "+faststart"}
    ) as out:
        vstream = out.add_stream(
            "libx264",
            rate=spec.fps,
            options={"preset": "veryfast", "crf": "23", "profile": "high"},
        )
        vstream.width, vstream.height = size
        vstream.pix_fmt = "yuv420p"
        vstream.codec_context.time_base = Fraction(1, spec.fps)
        vstream.codec_context.gop_size = spec.fps * 2
        astream = None
        if audio is not None:
            astream = out.add_stream("aac", rate=SAMPLE_RATE)
            astream.codec_context.layout = "stereo"
            astream.codec_context.format = "fltp"
            astream.codec_context.bit_rate = 160_000
        audio_pos = 0
        n_audio = 0 if audio is None else audio.shape[1]
        try:
            last_report = -1.0
            for i in range(total_frames):
                img = _compose(segments, i, overlay)
                vf = av.VideoFrame.from_ndarray(np.asarray(img), format="rgb24")
                vf.pts = i
                vf.time_base = Fraction(1, spec.fps)
                out.mux(vstream.encode(vf))
                if astream is not None and audio is not None:
                    until = min(n_audio, round((i + 1) / spec.fps * SAMPLE_RATE))
                    while audio_pos + _AAC_FRAME <= until or (
                        i == total_frames - 1 and audio_pos < n_audio
                    ):
                        chunk = audio[:, audio_pos : audio_pos + _AAC_FRAME]
                        af = av.AudioFrame.from_ndarray(
                            np.ascontiguousarray(chunk), format="fltp", layout="stereo"
                        )
                        af.sample_rate = SAMPLE_RATE
                        af.pts = audio_pos
                        af.time_base = Fraction(1, SAMPLE_RATE)
                        out.mux(astream.encode(af))
                        audio_pos += chunk.shape[1]
                if progress is not None:
                    frac = (i + 1) / total_frames * 0.99
                    if frac - last_report >= 0.01:
                        progress(frac)
                        last_report = frac
            out.mux(vstream.encode(None))
            if astream is not None:
                out.mux(astream.encode(None))
        finally:
            for s in segments:
                s.release()
