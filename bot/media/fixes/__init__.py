"""One-click fixes: transforms that cure a broken Seedance 2.0 limit instead of refusing the file.

Intake (:mod:`bot.media.intake`) measures an upload against
:class:`bot.seedance.limits.Limits`; when a
limit is broken but curable, :func:`plan_fixes` lists the one-click options to offer the
member (trim, downscale/upscale, transcode, convert, first frame) and :func:`apply_fix`
runs the chosen one. The limits each fix cures (every number comes from ``limits``):

- videos: MP4/MOV, 2–15 s each and ≤ 15 s together, 409,600–927,408 px per frame
  (seeds 000, 001, 002, 004) → :func:`trim_video`, :func:`fit_video`;
- audio: MP3/WAV, 2–15 s each and ≤ 15 s together (seeds 000, 001, 004) →
  :func:`trim_audio`, :func:`convert_audio`; "use @video1 audio" (seed 004) →
  :func:`extract_audio`;
- images: JPEG/PNG/WebP, 300–6000 px per side (seeds 000, 001, 002, 004; bmp/tiff/gif are
  accepted by some front ends only, so they are converted) → :func:`fit_image`;
  "use this moment as the first frame" → :func:`video_frame`.

Every function in this package is synchronous and pure (no Discord, no asyncio): the caller runs it
in a thread or process pool. Each reads ``src`` with real decoders (PyAV/FFmpeg for video
and audio, Pillow for images), streams frames (memory stays bounded by a few frames,
never the whole clip), writes a temporary file beside ``out_path`` and renames it into
place at the end, so the original is never touched and a failed fix leaves nothing
behind. Failures raise :class:`FixError` with a plain-English message.
"""

from bot.media.fixes._common import AudioFormat, FixError, Progress, fit_pixels, fit_sides
from bot.media.fixes.audio import MP3_BIT_RATE, convert_audio, extract_audio, trim_audio
from bot.media.fixes.image import JPEG_QUALITY, fit_image
from bot.media.fixes.plan import MAX_START_POINTS, FixOption, apply_fix, plan_fixes
from bot.media.fixes.video import (
    AAC_BIT_RATE,
    DEFAULT_FPS,
    MAX_FPS,
    X264_OPTIONS,
    fit_video,
    trim_video,
    video_frame,
)

__all__ = [
    "AAC_BIT_RATE",
    "DEFAULT_FPS",
    "JPEG_QUALITY",
    "MAX_FPS",
    "MAX_START_POINTS",
    "MP3_BIT_RATE",
    "X264_OPTIONS",
    "AudioFormat",
    "FixError",
    "FixOption",
    "Progress",
    "apply_fix",
    "convert_audio",
    "extract_audio",
    "fit_image",
    "fit_pixels",
    "fit_sides",
    "fit_video",
    "plan_fixes",
    "trim_audio",
    "trim_video",
    "video_frame",
]
