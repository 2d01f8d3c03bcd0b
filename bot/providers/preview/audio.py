"""The soundtrack of a preview: audio references and extracted video sound, decoded by
PyAV to 48 kHz stereo pydub segments, overlaid, fitted to the duration and faded in and out.
"""

from __future__ import annotations

import math

import av
import numpy as np
import numpy.typing as npt

from bot.media.sound import AudioSegment, decode_segment, from_float, to_float
from bot.providers.preview.spec import PreviewSpec, RenderError, RenderReference
from bot.words import say

SAMPLE_RATE = 48_000
"""Output audio sample rate (Hz)."""
_AUDIO_FADE_OUT_MS = 500
_AUDIO_FADE_IN_MS = 10
_PEAK_DBFS = -0.1  # the mix's peak at most (0.99 of full scale)

FloatArray = npt.NDArray[np.float32]


def _audio_sources(spec: PreviewSpec) -> list[RenderReference]:
    return [
        r
        for r in spec.references
        if r.kind == "audio" or (r.kind == "video" and r.role == "audio_extraction")
    ]


def _decode_audio(ref: RenderReference, seconds: float) -> AudioSegment:
    """Up to ``seconds`` of the reference's sound, 48 kHz stereo.

    Raises:
        RenderError: it could not be read.
    """
    try:
        with av.open(str(ref.path)) as container:
            stream = container.streams.audio[0]
            return decode_segment(container, stream, rate=SAMPLE_RATE, channels=2, max_s=seconds)
    except (av.FFmpegError, OSError, IndexError, ValueError) as exc:
        raise RenderError(say("preview-unreadable", tag=ref.tag)) from exc


def mix_audio(spec: PreviewSpec, total_frames: int) -> FloatArray | None:
    """The whole soundtrack, shape (2, n) float32 in [-1, 1], or None for no audio stream.

    Each source is lowered by 10·log10(sources) dB (so two together are as loud as one) and
    overlaid from the start onto silence of the video's length (pydub), the mix kept under
    :data:`_PEAK_DBFS`, faded in and out. Audio is tiny beside video (15 s = 5.8 MB), so it
    is mixed in memory.
    """
    sources = _audio_sources(spec)
    if not sources and not spec.generate_audio:
        return None
    seconds = total_frames / spec.fps
    n = round(seconds * SAMPLE_RATE)
    mix = from_float(np.zeros((2, n), dtype=np.float32), SAMPLE_RATE)
    if sources:
        lower = 10 * math.log10(len(sources))
        for ref in sources:
            mix = mix.overlay(_decode_audio(ref, seconds).apply_gain(-lower))
        if mix.max_dBFS > _PEAK_DBFS:
            mix = mix.apply_gain(_PEAK_DBFS - mix.max_dBFS)
        mix = mix.fade_in(_AUDIO_FADE_IN_MS).fade_out(_AUDIO_FADE_OUT_MS)
    return to_float(mix)[:, :n]
