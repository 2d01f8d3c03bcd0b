"""Planning fixes: which one-click options a probed file gets (:func:`plan_fixes`, with
the trim start points), and :func:`apply_fix`, which runs the chosen one.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.media.fixes._common import AudioFormat, FixError, Progress, fit_pixels, fit_sides
from bot.media.fixes.audio import convert_audio, extract_audio, trim_audio
from bot.media.fixes.image import fit_image
from bot.media.fixes.video import fit_video, trim_video, video_frame
from bot.seedance.facts import MediaInfo
from bot.seedance.limits import DEFAULT_LIMITS, Limits, ModalityLimits
from bot.words import Phrase, say, verbatim

#: Most start points offered for a too-long clip, besides "the first N s".
MAX_START_POINTS = 4


@dataclass(frozen=True)
class FixOption:
    """One one-click fix to offer for a file that breaks a limit.

    Attributes:
        key: stable short id, unique within one plan ("trim_first", "trim_at_2", "fit"…);
            fits a Discord ``custom_id``.
        label: button text, at most 80 characters in every locale ("Trim to the first
            7.4 s").
        kind: the transform :func:`apply_fix` runs: "trim_video", "fit_video",
            "trim_audio", "convert_audio", "extract_audio", "fit_image", "video_frame".
        params: keyword arguments of that transform (start_s, duration_s, fmt, at_s).
    """

    key: str
    label: Phrase
    kind: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """This option as JSON-ready data (kept with the pending upload)."""
        return {**dataclasses.asdict(self), "label": self.label.to_json()}

    @staticmethod
    def from_dict(data: dict[str, Any]) -> FixOption:
        """The option :meth:`to_dict` wrote."""
        label = data["label"]
        return FixOption(
            data["key"],
            Phrase.from_json(label) if isinstance(label, str) else verbatim(str(label)),
            data["kind"],
            dict(data.get("params", {})),
        )

    @property
    def extension(self) -> str:
        """File extension of the fixed file ("mp4", "mp3", "wav", "png", "jpg")."""
        if self.kind in ("trim_video", "fit_video"):
            return "mp4"
        if self.kind in ("trim_audio", "convert_audio", "extract_audio"):
            return str(self.params.get("fmt", "mp3"))
        if self.kind == "video_frame":
            return "png"
        return "jpg" if self.params.get("fmt") == "jpeg" else "png"


def _fmt_s(seconds: float) -> float:
    """1 decimal, rounded down so a label never promises more than the trim keeps."""
    return math.floor(seconds * 10 + 1e-6) / 10


def _trim_length(duration: float, max_s: float | None, remaining_s: float) -> float | None:
    """Length to trim to, or None when no trim is needed or none can be long enough."""
    cap = min(max_s if max_s is not None else math.inf, remaining_s)
    if duration <= cap:
        return None
    return math.floor(cap * 10 + 1e-6) / 10


def _trim_to(
    info: MediaInfo, row: ModalityLimits, remaining_s: float | None, output_s: float | None
) -> float | None:
    """Seconds to keep when a trim cures ``info``, or None when it needs no trim or no trim
    can cure it (unknown duration, or a budget left below the 2 s minimum).

    A trim is needed when the clip is longer than ``row`` allows or than the session's
    budget left (``remaining_s``; ``None``: the whole 15 s total). It then keeps no more
    than the output needs either (``output_s``, the session's clip length; ``None``: no
    bound), so a 20 s upload for a 5 s clip is cut to 5 s, not 15 s."""
    if info.duration_s is None:
        return None
    budget = row.max_total_duration_s if remaining_s is None else remaining_s
    budget = math.inf if budget is None else budget
    if _trim_length(info.duration_s, row.max_duration_s, budget) is None:
        return None
    if output_s is not None:
        budget = min(budget, max(output_s, row.min_duration_s or 0.0))
    length = _trim_length(info.duration_s, row.max_duration_s, budget)
    if length is not None and row.min_duration_s is not None and length < row.min_duration_s:
        return None  # the budget left is below the 2 s minimum: no trim cures it
    return length


def _trim_options(
    prefix: str,
    kind: str,
    duration: float,
    length: float,
    extra: dict[str, Any],
    change: Phrase,
) -> list[FixOption]:
    options = [
        FixOption(
            f"{prefix}_first",
            say("fix-trim-first", s=_fmt_s(length), change=change),
            kind,
            {"start_s": 0.0, "duration_s": length, **extra},
        )
    ]
    slack = duration - length
    if slack >= 0.5:
        count = MAX_START_POINTS if slack >= MAX_START_POINTS * 0.5 else max(1, int(slack / 0.5))
        for i in range(1, count + 1):
            start = math.floor(slack * i / count * 10) / 10
            end = start + length
            options.append(
                FixOption(
                    f"{prefix}_at_{i}",
                    say("fix-keep-span", start=_fmt_s(start), end=_fmt_s(end), change=change),
                    kind,
                    {"start_s": start, "duration_s": length, **extra},
                )
            )
    return options


def plan_fixes(
    info: MediaInfo,
    limits: Limits = DEFAULT_LIMITS,
    remaining_video_s: float | None = None,
    remaining_audio_s: float | None = None,
    output_s: float | None = None,
) -> list[FixOption]:
    """The one-click fixes to offer for a probed file that breaks per-file limits.

    ``remaining_video_s`` / ``remaining_audio_s`` are the seconds left in the session's
    15 s total (seeds 000, 001, 004); ``None`` means the whole budget. ``output_s`` is the
    length of the clip the session makes (seconds, seeds 000, 001: 4–15 s; ``None``: not
    known): a trim keeps no more than that, since the rest of a reference cannot appear in
    the output. A limit no transform can cure (a clip shorter than 2 s, a budget under
    2 s) gets no option: the caller shows the plain refusal for it. An empty list means
    "nothing to offer".

    - video too long (> 15 s, or longer than the budget left): "the first N s"
      (N = min(15 s, budget, ``output_s``)) and up to 4 more start points across the clip,
      each also converted/scaled when needed (``trim_video``);
    - video in another container (WebM, MPEG, MKV…), with too many (> 927,408) or too few
      (< 409,600) pixels (seed 002), or over 50 MB: ``fit_video``;
    - audio too long: trims to the same N (as MP3, or WAV for a WAV source); audio in another format
      (FLAC, OGG, M4A…): ``convert_audio`` to MP3 or WAV;
    - images outside 300–6000 px per side, in another format, or over 30 MB: ``fit_image``;
      an animated image: its first frame (also enlarged when needed).
    """
    if info.kind == "video":
        return _plan_video(info, limits, remaining_video_s, output_s)
    if info.kind == "audio":
        return _plan_audio(info, limits, remaining_audio_s, output_s)
    return _plan_image(info, limits)


def _plan_video(
    info: MediaInfo, limits: Limits, remaining_s: float | None, output_s: float | None
) -> list[FixOption]:
    row = limits.video
    pixels = info.pixels or 0
    wrong_format = info.format not in row.formats
    wrong_pixels = (row.min_pixels is not None and pixels < row.min_pixels) or (
        row.max_pixels is not None and pixels > row.max_pixels
    )
    too_big = info.size_bytes > row.max_bytes
    size: tuple[int, int] | None = None
    if wrong_pixels and info.width and info.height:
        try:
            size = fit_pixels(info.width, info.height, row.min_pixels, row.max_pixels)
        except FixError:
            return []
    what = _video_change(info, wrong_format, size)
    options: list[FixOption] = []
    length = _trim_to(info, row, remaining_s, output_s)
    if info.duration_s is not None and length is not None:
        options += _trim_options("trim", "trim_video", info.duration_s, length, {}, what)
    elif wrong_format or wrong_pixels or too_big:
        if size is not None:
            way = "up" if pixels < size[0] * size[1] else "down"
            mp4 = "yes" if wrong_format else "no"
            label = say("fix-fit-scale", way=way, mp4=mp4, width=str(size[0]),
                        height=str(size[1]))  # fmt: skip
        else:
            label = say("fix-fit-mp4" if wrong_format else "fix-fit-smaller")
        options.append(FixOption("fit", label, "fit_video", {}))
    return options


def _video_change(info: MediaInfo, wrong_format: bool, size: tuple[int, int] | None) -> Phrase:
    """What a video fix changes besides the length ("none" when only trimmed)."""
    if size is not None:
        way = "up" if (info.pixels or 0) < size[0] * size[1] else "down"
        mp4 = "yes" if wrong_format else "no"
        return say("fix-change-scale", way=way, mp4=mp4, width=str(size[0]), height=str(size[1]))
    if wrong_format:
        return say("fix-change-mp4")
    return say("fix-change-none")


def _plan_audio(
    info: MediaInfo, limits: Limits, remaining_s: float | None, output_s: float | None
) -> list[FixOption]:
    row = limits.audio
    wrong_format = info.format not in row.formats
    out_fmt = info.format if info.format in ("mp3", "wav") else "mp3"
    length = _trim_to(info, row, remaining_s, output_s)
    if info.duration_s is not None and length is not None:
        change = say("fix-change-as", format=out_fmt.upper()) if wrong_format else None
        return _trim_options(
            "trim", "trim_audio", info.duration_s, length, {"fmt": out_fmt},
            change or say("fix-change-none"),
        )  # fmt: skip
    if wrong_format:
        name = info.format.upper()
        return [
            FixOption("convert_mp3", say("fix-convert-audio", source=name, format="MP3"),
                      "convert_audio", {"fmt": "mp3"}),
            FixOption("convert_wav", say("fix-convert-audio", source=name, format="WAV"),
                      "convert_audio", {"fmt": "wav"}),
        ]  # fmt: skip
    if info.size_bytes > row.max_bytes and info.format == "wav":
        return [FixOption("convert_mp3", say("fix-compress-mp3"), "convert_audio", {"fmt": "mp3"})]
    return []


def _plan_image(info: MediaInfo, limits: Limits) -> list[FixOption]:
    row = limits.image
    if not info.width or not info.height:
        return []
    animated = (info.frames or 1) > 1
    wrong_format = info.format not in row.formats
    try:
        size = fit_sides(info.width, info.height, row.min_side_px, row.max_side_px)
    except FixError:
        return []
    resize = size != (info.width, info.height)
    too_big = info.size_bytes > row.max_bytes
    if not (animated or wrong_format or resize or too_big):
        return []
    fmt = "jpeg" if info.format == "jpeg" else "png"
    name = "JPEG" if fmt == "jpeg" else "PNG"
    params = {"fmt": fmt}
    width, height = str(size[0]), str(size[1])
    if animated:
        enlarged = "yes" if resize else "no"
        label = say("fix-first-frame", format=name, enlarged=enlarged, width=width, height=height)
        return [FixOption("first_frame", label, "fit_image", params)]
    if resize:
        way = "up" if size[0] > info.width else "down"
        convert = name if wrong_format else "none"
        label = say("fix-resize-image", way=way, width=width, height=height, format=convert)
    elif wrong_format:
        label = say("fix-convert-image", source=info.format.upper(), format=name)
    else:
        label = say("fix-recompress", format=name)
        params = {"fmt": "jpeg"}
    return [FixOption("fit", label, "fit_image", params)]


def apply_fix(
    option: FixOption,
    src: Path,
    out_path: Path,
    limits: Limits = DEFAULT_LIMITS,
    progress: Progress | None = None,
) -> Path:
    """Run ``option`` on ``src``, writing ``out_path`` (see :attr:`FixOption.extension`).

    Raises:
        FixError: the fix failed, or ``option.kind`` is unknown.
    """
    p = option.params
    if option.kind == "trim_video":
        return trim_video(
            src, out_path, float(p["start_s"]), float(p["duration_s"]), limits, progress
        )
    if option.kind == "fit_video":
        return fit_video(src, out_path, limits, progress)
    if option.kind == "trim_audio":
        return trim_audio(
            src,
            out_path,
            float(p["start_s"]),
            float(p["duration_s"]),
            _audio_fmt(p.get("fmt", "mp3")),
            progress,
        )
    if option.kind == "convert_audio":
        return convert_audio(src, out_path, _audio_fmt(p.get("fmt", "mp3")), progress)
    if option.kind == "extract_audio":
        return extract_audio(src, out_path, _audio_fmt(p.get("fmt", "mp3")), progress)
    if option.kind == "fit_image":
        fmt = p.get("fmt")
        return fit_image(src, out_path, limits, progress, fmt="jpeg" if fmt == "jpeg" else "png")
    if option.kind == "video_frame":
        return video_frame(src, out_path, float(p.get("at_s", 0.0)), limits, progress)
    raise FixError(say("fix-unknown"))


def _audio_fmt(value: object) -> AudioFormat:
    if value == "wav":
        return "wav"
    if value == "mp3":
        return "mp3"
    raise FixError(say("fix-audio-format", format=str(value).upper()))
