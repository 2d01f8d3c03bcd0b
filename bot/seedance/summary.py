"""Seedance's limits in plain words, for ``/help``: one phrase per line, with numbers from
the limits table (:mod:`bot.seedance.limits`, whose rows cite the seeds) of the guild's
provider profile, so what a member reads is what their uploads are checked against."""

from __future__ import annotations

from bot.seedance.limits import Limits, ModalityLimits
from bot.words import Phrase, say

MB = 1024 * 1024


def _formats(row: ModalityLimits) -> str:
    return "/".join(sorted(f.upper() for f in row.formats))


def limits_in_words(limits: Limits) -> tuple[Phrase, ...]:
    """What a request may hold and make: the clip (seeds 000, 001: 4–15 s; seed 001:
    480p/720p), images, videos and audio (counts, formats, sizes, lengths; seeds 000, 001,
    002, 004), all files together (seeds 000, 004: 12) and the prompt (seed 001: 1000
    words, 500 Chinese characters)."""
    image, video, audio = limits.image, limits.video, limits.audio
    return (
        say(
            "help-limit-output", low=limits.min_output_s, high=limits.max_output_s,
            resolutions=" / ".join(limits.resolutions), ratios=", ".join(limits.ratios),
        ),
        say(
            "help-limit-images", count=image.max_count, formats=_formats(image),
            low=image.min_side_px or 1, high=image.max_side_px or 0,
            mb=image.max_bytes // MB,
        ),
        say(
            "help-limit-clips", kind="video", count=video.max_count, formats=_formats(video),
            low=f"{video.min_duration_s or 0:g}", high=f"{video.max_duration_s or 0:g}",
            total=f"{video.max_total_duration_s or 0:g}", mb=video.max_bytes // MB,
        ),
        say(
            "help-limit-clips", kind="audio", count=audio.max_count, formats=_formats(audio),
            low=f"{audio.min_duration_s or 0:g}", high=f"{audio.max_duration_s or 0:g}",
            total=f"{audio.max_total_duration_s or 0:g}", mb=audio.max_bytes // MB,
        ),
        say(
            "help-limit-files", count=limits.max_files, words=limits.max_prompt_words,
            chars=limits.max_prompt_cjk_chars,
        ),
    )  # fmt: skip
