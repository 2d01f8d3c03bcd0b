"""A storyboard's media: the last frame a shot ends on, its soundtrack cut at the shots'
boundaries, and the shots joined into one film.

Pure functions over files (PyAV decodes and encodes; pydub edits the sound, as in
:mod:`bot.media.sound`); each blocks, so callers run them on the media worker pool.

- :func:`last_frame`: the video's last decoded frame as a PNG, pixel for pixel: "continue"
  puts it as the next shot's first frame, where the provider does not return one itself
  (:meth:`bot.providers.base.Provider.download_last_frame`).
- :func:`split_soundtrack`: one MP3 per shot, each a valid ``reference_audio`` (seeds 000,
  001, 004: WAV or MP3, 2–15 s a file, ≤ 15 s in one request).
- :func:`assemble_film`: the shots joined (:func:`bot.media.stitch.join_clips`), their
  generated sound or the storyboard's soundtrack under the whole film.

Every refusal is a :class:`FilmError` whose phrase (``bot/locales/*/film.ftl``) says, in
plain numbers, what is wrong and what to do next.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image

from bot.errors import CallsheetError
from bot.media.fixes._common import atomic_output, origin_s, use_all_cores
from bot.media.fixes.audio import (
    CUT_FADE_IN_MS,
    CUT_FADE_OUT_MS,
    audio_layout,
    audio_rate,
    normalise_loudness,
    write_audio,
)
from bot.media.probe import picture_stream, stream_duration_s
from bot.media.sound import decode_segment
from bot.media.stitch import StitchError, join_clips
from bot.seedance.limits import DEFAULT_LIMITS, Limits
from bot.words import say

__all__ = ["FILM_FPS", "FilmError", "assemble_film", "last_frame", "split_soundtrack"]

#: The film's frame rate: Seedance's own (Ark reports ``framespersecond`` 24), so a
#: provider's shots are joined frame for frame.
FILM_FPS = 24
#: :func:`last_frame` decodes from the keyframe at or before this many seconds before the
#: end (instead of the whole video), and from the start when that finds nothing.
TAIL_S = 2.0
#: Sample rates an MP3 part keeps (LAME's MPEG-1 rates); others are resampled to 48 kHz.
MP3_RATES = (32_000, 44_100, 48_000)


class FilmError(CallsheetError):
    """A storyboard's media could not be made; :attr:`phrase` says why and what to do."""


def last_frame(video: Path, out: Path) -> Path:
    """Write the last frame ``video`` decodes to (its last in presentation order) to the
    PNG ``out``, as 8-bit RGB at the video's own size (FFmpeg's conversion, as PyAV's
    ``to_ndarray(format="rgb24")`` gives it); return ``out``.

    Used as the next shot's first frame, so it must be accepted as an image reference:
    PNG is, and every Seedance output size (480p/720p, ``bot.seedance.limits.OUTPUT_SIZES``)
    is within the 300–6000 px per side of seeds 001 and 002. The frame is not resized: it
    stays exactly the frame the shot ends on.

    Raises:
        FilmError: ``film-last-frame-unreadable``: the file has no picture or can't be
            decoded.
    """
    try:
        container = av.open(str(video), metadata_errors="ignore")
    except (av.FFmpegError, OSError) as exc:
        raise FilmError(say("film-last-frame-unreadable")) from exc
    with container:
        stream = picture_stream(container)
        if stream is None:
            raise FilmError(say("film-last-frame-unreadable"))
        use_all_cores(stream.codec_context)
        try:
            frame = _last_frame_from(container, stream, _tail_start(container, stream))
            if frame is None:  # the seek found nothing (or there was none): decode it all
                container.seek(0, stream=stream, backward=True, any_frame=False)
                frame = _last_frame_from(container, stream, None)
        except av.FFmpegError as exc:
            raise FilmError(say("film-last-frame-unreadable")) from exc
        if frame is None:
            raise FilmError(say("film-last-frame-unreadable"))
        image = Image.fromarray(frame.to_ndarray(format="rgb24"))
    with atomic_output(out) as tmp:
        image.save(tmp, format="PNG")
    return out


def _tail_start(container: av.container.InputContainer, stream: av.VideoStream) -> int | None:
    """The tick (in ``stream``'s time base) :data:`TAIL_S` before the end, or ``None`` when
    the video is too short or too vague about its timing to seek."""
    duration = stream_duration_s(container, stream)
    if duration is None or duration <= TAIL_S or stream.time_base is None:
        return None
    return int((origin_s(container) + duration - TAIL_S) / stream.time_base)


def _last_frame_from(
    container: av.container.InputContainer, stream: av.VideoStream, seek_to: int | None
) -> av.VideoFrame | None:
    """The last frame decoded after seeking to the keyframe at or before ``seek_to``
    (``None``: from where the container is)."""
    if seek_to is not None:
        container.seek(seek_to, stream=stream, backward=True, any_frame=False)
    last: av.VideoFrame | None = None
    for frame in container.decode(stream):
        last = frame
    return last


def split_soundtrack(
    track: Path,
    durations_s: Sequence[float],
    out_dir: Path,
    *,
    limits: Limits = DEFAULT_LIMITS,
) -> list[Path]:
    """Cut ``track`` at the shots' boundaries: part *i* is the sound under shot *i* of a film
    whose shots last ``durations_s`` seconds each, in order, from the track's start; return
    the parts' paths (``out_dir/soundtrack-01.mp3``…).

    Each part is an MP3 a provider takes as ``reference_audio``: WAV or MP3, at least
    ``limits.audio.min_duration_s`` (2 s) and at most ``limits.audio.max_duration_s`` (15 s)
    (seeds 000, 001, 004), so each shot carries one part and stays within the 15 s of audio
    a request may hold (a part longer than 15 s is cut to its first 15 s). The cuts are
    sample-exact on one grid (part *i* starts at the sum of the durations before it), so
    the parts line up with the film :func:`assemble_film` makes; the track is levelled as
    a whole (:func:`bot.media.fixes.audio.normalise_loudness`) and each part is faded in
    (20 ms) where it cuts into the sound and out (120 ms) where the sound goes on.

    **A track shorter than the film:** parts stop where it ends. The last part may be
    shorter than its shot; a shot whose part would be shorter than 2 s gets none, nor does
    any shot after it, so the list can be shorter than ``durations_s`` (its first *n*
    shots have parts). The track must cover the first shot's 2 s.

    Raises:
        FilmError: no shots (``film-no-shots``); a duration outside the clip lengths
            ``limits.min_output_s``–``limits.max_output_s`` (4–15 s, seeds 000, 001;
            ``film-shot-length``); the track can't be read (``film-soundtrack-unreadable``),
            has no sound (``film-soundtrack-silent``) or is shorter than 2 s
            (``film-soundtrack-short``).
    """
    if not durations_s:
        raise FilmError(say("film-no-shots"))
    for number, seconds in enumerate(durations_s, start=1):
        _check_shot_length(number, seconds, limits)
    audio = limits.audio
    min_s, max_s = audio.min_duration_s or 0.0, audio.max_duration_s
    total_s = float(sum(durations_s))
    try:
        container = av.open(str(track), metadata_errors="ignore")
    except (av.FFmpegError, OSError) as exc:
        raise FilmError(say("film-soundtrack-unreadable")) from exc
    with container:
        if not container.streams.audio:
            raise FilmError(say("film-soundtrack-silent"))
        stream = container.streams.audio[0]
        rate = audio_rate(stream, MP3_RATES)
        channels = 1 if audio_layout(stream) == "mono" else 2
        try:
            sound = decode_segment(container, stream, rate=rate, channels=channels, max_s=total_s)
        except av.FFmpegError as exc:
            raise FilmError(say("film-soundtrack-unreadable")) from exc
    have = int(sound.frame_count())
    if have == 0:
        raise FilmError(say("film-soundtrack-silent"))
    if have < round(min_s * rate):
        raise FilmError(say("film-soundtrack-short", s=round(have / rate, 1), min=_plain(min_s)))
    sound = normalise_loudness(sound)
    out_dir.mkdir(parents=True, exist_ok=True)
    parts: list[Path] = []
    starts = [0.0, *itertools.accumulate(float(d) for d in durations_s)]
    for index, seconds in enumerate(durations_s):
        start = round(Fraction(starts[index]) * rate)
        length = min(float(seconds), max_s) if max_s is not None else float(seconds)
        end = min(have, start + round(Fraction(length) * rate))
        if end - start < round(min_s * rate):
            break  # this shot and every later one are past the track's end
        part = sound.get_sample_slice(start, end)
        if start > 0:
            part = part.fade_in(CUT_FADE_IN_MS)
        if end < have:
            part = part.fade_out(CUT_FADE_OUT_MS)
        parts.append(write_audio(out_dir / f"soundtrack-{index + 1:02d}.mp3", part, "mp3"))
    return parts


def assemble_film(
    shots: Sequence[Path],
    out: Path,
    soundtrack: Path | None = None,
    *,
    fps: int = FILM_FPS,
) -> Path:
    """Join ``shots`` (in order) into the H.264/AAC MP4 ``out``; return it.

    Every shot is scaled to the first shot's size and re-timed to ``fps``; the film lasts
    the sum of the shots' durations (each to within half a frame). Its sound is the shots'
    own generated sound, or with ``soundtrack`` that file's sound from its start under the
    whole film, cut at the film's end or followed by silence when the track is shorter
    (:func:`bot.media.stitch.join_clips`).

    Raises:
        FilmError: no shots (``film-no-shots``); a shot that can't be read or has no
            picture (``film-shot-unreadable``, naming its number); a soundtrack that can't
            be read (``film-soundtrack-unreadable``) or has no sound
            (``film-soundtrack-silent``).
    """
    if not shots:
        raise FilmError(say("film-no-shots"))
    for number, shot in enumerate(shots, start=1):
        _check_shot(number, shot)
    if soundtrack is not None:
        _check_soundtrack(soundtrack)
    try:
        return join_clips(shots, out, fps=fps, soundtrack=soundtrack)
    except StitchError as exc:
        clip = exc.phrase.args.get("clip")
        if soundtrack is not None and clip == soundtrack.name:
            raise FilmError(say("film-soundtrack-unreadable")) from exc
        number = next((i for i, s in enumerate(shots, start=1) if s.name == clip), 1)
        raise FilmError(say("film-shot-unreadable", shot=number)) from exc


def _check_shot_length(number: int, seconds: float, limits: Limits) -> None:
    low, high = limits.min_output_s, limits.max_output_s
    if not low <= seconds <= high:
        raise FilmError(say("film-shot-length", shot=number, s=_plain(seconds), min=low, max=high))


def _check_shot(number: int, shot: Path) -> None:
    """The shot opens and has a picture with a duration."""
    try:
        with av.open(str(shot), metadata_errors="ignore") as container:
            stream = picture_stream(container)
            if stream is None or not stream_duration_s(container, stream):
                raise FilmError(say("film-shot-unreadable", shot=number))
    except (av.FFmpegError, OSError) as exc:
        raise FilmError(say("film-shot-unreadable", shot=number)) from exc


def _check_soundtrack(track: Path) -> None:
    """The soundtrack opens and has a sound track."""
    try:
        with av.open(str(track), metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise FilmError(say("film-soundtrack-silent"))
    except (av.FFmpegError, OSError) as exc:
        raise FilmError(say("film-soundtrack-unreadable")) from exc


def _plain(seconds: float) -> float | int:
    """Seconds as members read them: whole when whole, else to one decimal."""
    return int(seconds) if float(seconds).is_integer() else round(float(seconds), 1)
