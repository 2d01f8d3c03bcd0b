"""The soundtrack of a preview: audio references and extracted video sound, decoded to
48 kHz stereo, mixed, fitted to the duration and faded in and out.
"""

from __future__ import annotations

import math

import av
import numpy as np
import numpy.typing as npt

from bot.providers.preview.spec import PreviewSpec, RenderError, RenderReference
from bot.words import say

SAMPLE_RATE = 48_000
"""Output audio sample rate (Hz)."""
_AUDIO_FADE_OUT_S = 0.5
_AUDIO_FADE_IN_S = 0.01

FloatArray = npt.NDArray[np.float32]


def _audio_sources(spec: PreviewSpec) -> list[RenderReference]:
    return [
        r
        for r in spec.references
        if r.kind == "audio" or (r.kind == "video" and r.role == "audio_extraction")
    ]


def _decode_audio(ref: RenderReference, n_samples: int) -> FloatArray:
    """Decode up to ``n_samples`` of 48 kHz stereo float audio, shape (2, n)."""
    chunks: list[FloatArray] = []
    have = 0
    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=SAMPLE_RATE)
    try:
        with av.open(str(ref.path)) as container:
            stream = container.streams.audio[0]

            def take(frame: av.AudioFrame | None) -> None:
                """Resample ``frame`` (``None`` flushes the resampler) into ``chunks``."""
                nonlocal have
                for out in resampler.resample(frame):
                    arr = out.to_ndarray().astype(np.float32, copy=False)
                    chunks.append(arr)
                    have += arr.shape[1]

            for frame in container.decode(stream):
                take(frame)
                if have >= n_samples:
                    break
            else:
                take(None)
    except (av.FFmpegError, OSError, IndexError, ValueError) as exc:
        raise RenderError(say("preview-unreadable", tag=ref.tag)) from exc
    if not chunks:
        return np.zeros((2, 0), dtype=np.float32)
    return np.concatenate(chunks, axis=1)[:, :n_samples]


def mix_audio(spec: PreviewSpec, total_frames: int) -> FloatArray | None:
    """The whole soundtrack, shape (2, n) float32 in [-1, 1], or None for no audio stream.

    Audio is tiny compared with video (15 s = 5.8 MB), so it is mixed in memory.
    """
    sources = _audio_sources(spec)
    if not sources and not spec.generate_audio:
        return None
    n = round(total_frames / spec.fps * SAMPLE_RATE)
    mix = np.zeros((2, n), dtype=np.float32)
    for ref in sources:
        track = _decode_audio(ref, n)
        mix[:, : track.shape[1]] += track
    if len(sources) > 1:
        mix *= 1 / math.sqrt(len(sources))
    peak = float(np.max(np.abs(mix))) if n else 0.0
    if peak > 0.99:
        mix *= 0.99 / peak
    fade_in = min(n, round(_AUDIO_FADE_IN_S * SAMPLE_RATE))
    if fade_in:
        mix[:, :fade_in] *= np.linspace(0.0, 1.0, fade_in, dtype=np.float32)
    fade_out = min(n, round(_AUDIO_FADE_OUT_S * SAMPLE_RATE))
    if fade_out:
        mix[:, n - fade_out :] *= np.linspace(1.0, 0.0, fade_out, dtype=np.float32)
    return mix
