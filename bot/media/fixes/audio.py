"""Audio fixes: trims and conversions into MP3 or WAV, and the sound track of a video as
an audio asset, shaped as a reference track; :class:`AudioCutter` also cuts the sound of
video trims (streamed beside the picture).

PyAV decodes the window a fix keeps into a pydub segment (:mod:`bot.media.sound`): a trim
seeks where the container's timestamps stay exact after a seek
(:data:`EXACT_SEEK_FORMATS`) and skips decoding packets that end more than
:data:`PREROLL_S` before the cut. pydub then edits it: a trim skips the silence its window
starts with (:data:`SILENCE_DBFS`, moving later only as far as the file has sound after
the window, so it keeps its length) and is cut to the sample, faded in where it cuts into
the sound and out where it ends before the file does (:data:`CUT_FADE_IN_MS`,
:data:`CUT_FADE_OUT_MS`); every result is brought to :data:`TARGET_DBFS` with its peaks
under :data:`PEAK_CEILING_DBFS`.

Encoders: WAV is 16-bit PCM (PyAV's ``pcm_s16le``). MP3 is LAME 3.100 through ``lameenc``:
16-bit input, CBR :data:`MP3_BIT_RATE`, quality :data:`MP3_QUALITY`, plain (not joint)
stereo for two channels, which lameenc uses above 128 kb/s. Two encoders take the two
halves in two threads and their frames are joined where the join is clean
(:mod:`bot.media.fixes.lame`). PyAV's MP3 muxer writes the frames behind an Info/LAME tag
holding the encoder delay and padding, so decoders that read the tag (FFmpeg, and so
PyAV) give back exactly the samples cut. PyAV's own libmp3lame is not used: its build
took 3.4× as long as the ffmpeg CLI's to encode the same PCM with the same settings, fed
in 1,152-sample frames or in one frame alike (so not Python's per-frame cost).
"""

from __future__ import annotations

import io
import math
import struct
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
from av.packet import PacketSideData, packet_sidedata_type_from_literal

from bot.media.fixes._common import (
    AudioFormat,
    FixError,
    Progress,
    ProgressSteps,
    atomic_output,
    before_window,
    open_input,
    origin_s,
    report,
    span_s,
)
from bot.media.fixes.lame import LAME_DELAY, encode_mp3
from bot.media.probe import stream_duration_s
from bot.media.sound import (
    AudioSegment,
    decode_segment,
    detect_leading_silence,
    layout_of,
    ratio_to_db,
)
from bot.words import say

MP3_BIT_RATE = 192_000
#: LAME's quality, 0 (slowest) to 9 (fastest). 5 ("good quality, fast" in LAME's usage)
#: rather than LAME's default 3: a reference is re-encoded by the provider, and on the
#: shared loops 5 took ~22 % less CPU for a segmental SNR within 0.3 dB of 3's.
MP3_QUALITY = 5
#: The MP3 decoder's own delay (528 + 1) after LAME's (LAME_DELAY): the Info tag's "delay"
#: is LAME's, FFmpeg's skip-samples side data counts both (libavformat/mp3enc.c).
MP3_DECODER_DELAY = 529
#: Seconds of sound before the cut that are still decoded (and dropped), so the decoder's
#: state (MP3 bit reservoir, AAC overlap) is settled when the cut starts.
PREROLL_S = 0.5
#: Demuxers whose timestamps are exact after a seek (an index, a seek table, or fixed-size
#: frames). Raw MP3 and ADTS streams are not among them: a seek there lands where the
#: average bitrate points, so they are read from the start (without decoding) instead.
#: Every audio reference a fix writes is brought to this loudness (pydub's dBFS: the RMS
#: level against full scale), unless its peaks would then pass PEAK_CEILING_DBFS: then it
#: is made as loud as they allow. -20 dBFS leaves the shared loops' peaks (up to 22 dB above
#: their RMS) room under the ceiling, so a quiet tabla loop is raised and a loud break lowered.
TARGET_DBFS = -20.0
PEAK_CEILING_DBFS = -1.0
#: A trim skips the silence its window starts with (10 ms chunks quieter than
#: SILENCE_DBFS, pydub's default threshold), moving later by at most MAX_SILENCE_SKIP_S.
SILENCE_DBFS = -50.0
MAX_SILENCE_SKIP_S = 10.0
#: A trim decodes this much past its window, enough to skip short silences in one pass.
SILENCE_LOOKAHEAD_S = 0.5
#: Gentle fades where a trim cuts into the sound (ms): no click at either end.
CUT_FADE_IN_MS = 20
CUT_FADE_OUT_MS = 120
EXACT_SEEK_FORMATS = frozenset(
    {"wav", "w64", "aiff", "flac", "ogg", "caf", "matroska,webm", "mov,mp4,m4a,3gp,3g2,mj2"}
)


class AudioCutter:
    """Resample decoded audio to a planar ``format`` ("fltp", "s16p"), cut it to
    [start, start + duration) by sample and hand out frames with consecutive pts (the
    encoder re-frames and converts them)."""

    def __init__(
        self,
        rate: int,
        layout: str,
        start_s: float,
        duration_s: float | None,
        format: str = "fltp",
    ) -> None:
        self.rate = rate
        self.layout = layout
        self.format = format
        self.start_s = start_s
        self.limit: int | None = (
            None if duration_s is None else math.floor(duration_s * rate + 1e-6)
        )
        self.resampler = av.AudioResampler(format=format, layout=layout, rate=rate)
        self.cursor: int | None = None  # sample index (relative to the cut) of the next sample
        self.emitted = 0

    @property
    def done(self) -> bool:
        return self.limit is not None and self.emitted >= self.limit

    def skips(self, packet: av.Packet[Any], origin: float) -> bool:
        """Whether ``packet`` can go undecoded: nothing is decoded yet and it ends more than
        :data:`PREROLL_S` before the cut."""
        return self.cursor is None and before_window(packet, origin, self.start_s, PREROLL_S)

    def push(self, frame: av.AudioFrame | None, origin: float) -> list[av.AudioFrame]:
        """Cut frames for the encoder from one decoded ``frame`` (``None`` flushes)."""
        if frame is not None and self.cursor is None:
            t = frame.time
            offset = (t - origin if t is not None else 0.0) - self.start_s
            self.cursor = round(offset * self.rate)
        out: list[av.AudioFrame] = []
        for part in self.resampler.resample(frame):
            out.extend(self._cut(part))
        return out

    def _cut(self, part: av.AudioFrame) -> list[av.AudioFrame]:
        if self.done or self.cursor is None:
            return []
        data = part.to_ndarray()
        first = self.cursor
        self.cursor += data.shape[1]
        pieces: list[np.ndarray[Any, Any]] = []
        if first > 0 and self.emitted == 0:
            # The sound starts after the cut point: fill the gap with silence.
            pieces.append(np.zeros((data.shape[0], first), dtype=data.dtype))
        pieces.append(data[:, max(0, -first) :])
        result: list[av.AudioFrame] = []
        for piece in pieces:
            if self.limit is not None:
                piece = piece[:, : max(0, self.limit - self.emitted)]
            if piece.shape[1] == 0:
                continue
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(piece), format=self.format, layout=self.layout
            )
            frame.sample_rate = self.rate
            frame.pts = self.emitted
            frame.time_base = Fraction(1, self.rate)
            self.emitted += piece.shape[1]
            result.append(frame)
        return result


def audio_rate(stream: av.AudioStream, allowed: tuple[int, ...]) -> int:
    rate = stream.codec_context.sample_rate or 48_000
    return rate if rate in allowed else 48_000


def audio_layout(stream: av.AudioStream) -> str:
    return "mono" if stream.codec_context.channels == 1 else "stereo"


def trim_audio(
    src: Path,
    out_path: Path,
    start_s: float,
    duration_s: float,
    fmt: AudioFormat = "mp3",
    progress: Progress | None = None,
) -> Path:
    """Cut ``duration_s`` seconds of ``src`` from ``start_s`` into an MP3 or WAV file.

    Cures "audio must be 2–15 s, ≤ 15 s in total" (seeds 000, 001, 004); any input format
    (and so also "audio must be WAV/MP3"). The cut is sample accurate.

    Raises:
        FixError: unreadable source, no sound, or a start past the end.
    """
    if duration_s <= 0:
        raise FixError(say("fix-empty-trim"))
    return _transcode_audio(src, out_path, max(0.0, start_s), duration_s, fmt, progress)


def convert_audio(
    src: Path, out_path: Path, fmt: AudioFormat = "mp3", progress: Progress | None = None
) -> Path:
    """Convert FLAC/OGG/M4A/Opus/AAC/… audio into MP3 or WAV (seeds 000, 001, 004: audio
    references must be WAV or MP3), keeping its whole length.

    Raises:
        FixError: unreadable source or no sound.
    """
    return _transcode_audio(src, out_path, 0.0, None, fmt, progress)


def extract_audio(
    video_src: Path, out_path: Path, fmt: AudioFormat = "mp3", progress: Progress | None = None
) -> Path:
    """The sound track of a video as an audio asset (seed 004: "use @video1 audio").

    Raises:
        FixError: the video has no sound track, or it could not be decoded.
    """
    return _transcode_audio(video_src, out_path, 0.0, None, fmt, progress, from_video=True)


def _transcode_audio(
    src: Path,
    out_path: Path,
    start_s: float,
    duration_s: float | None,
    fmt: AudioFormat,
    progress: Progress | None,
    from_video: bool = False,
) -> Path:
    if fmt not in ("mp3", "wav"):
        raise FixError(say("fix-audio-format", format=str(fmt).upper()))
    steps = ProgressSteps(progress, 0.02)
    container = open_input(src)
    with container:
        if not container.streams.audio:
            what = "video" if from_video or container.streams.video else "file"
            raise FixError(say("fix-no-sound", what=what))
        ain = container.streams.audio[0]
        total_s = stream_duration_s(container, ain)
        span = span_s(total_s, start_s, duration_s, "audio")
        allowed = (
            (32_000, 44_100, 48_000) if fmt == "mp3" else (22_050, 32_000, 44_100, 48_000, 96_000)
        )
        window = _Window(container, ain, audio_rate(ain, allowed), lambda d: steps(d * 0.5))
        try:
            if duration_s is None or span is None:
                sound = window.decode(start_s, span)
            else:
                sound, start_s = _trim(window, start_s, span, total_s)
        except av.FFmpegError as exc:
            raise FixError(say("fix-unconvertible")) from exc
    if not sound.raw_data:
        raise FixError(say("fix-no-sound-there"))
    sound = normalise_loudness(sound)
    with atomic_output(out_path) as tmp:
        if fmt == "mp3":
            _write_mp3(tmp, sound, lambda done: steps(0.5 + done * 0.49))
        else:
            _write_wav(tmp, sound)
    report(progress, 1.0)
    return out_path


class _Window:
    """Decodes windows of one audio stream into pydub segments (seeking first)."""

    def __init__(
        self,
        container: av.container.InputContainer,
        stream: av.AudioStream,
        rate: int,
        progress: Callable[[float], None],
    ) -> None:
        self.container, self.stream, self.rate, self.progress = container, stream, rate, progress
        self.channels = 1 if audio_layout(stream) == "mono" else 2
        self.origin = origin_s(container)

    def decode(self, start_s: float, length_s: float | None) -> AudioSegment:
        """``length_s`` seconds (``None``: to the end) from ``start_s``, to the sample."""
        _seek_audio(self.container, self.stream, self.origin, start_s)
        skip: Callable[[av.Packet[Any]], bool] | None = None
        if self.stream.time_base is not None:
            # Packets ending before this tick (in the stream's time base) are not decoded.
            first = (self.origin + start_s - PREROLL_S) / self.stream.time_base

            def skip(packet: av.Packet[Any]) -> bool:
                return packet.pts is not None and packet.pts + (packet.duration or 0) < first

        return decode_segment(
            self.container, self.stream, rate=self.rate, channels=self.channels,
            start_s=start_s, max_s=length_s, skip=skip, progress=self.progress,
        )  # fmt: skip


def _trim(
    window: _Window, start_s: float, span: float, total_s: float | None
) -> tuple[AudioSegment, float]:
    """``span`` seconds from ``start_s``, or from where the silence the window starts with
    ends (as far as the sound after the window allows, at most :data:`MAX_SILENCE_SKIP_S`),
    faded where it cuts into the sound; and the start used. Decodes
    :data:`SILENCE_LOOKAHEAD_S` past the window, and once more only when the silence is
    longer than that."""
    room = MAX_SILENCE_SKIP_S if total_s is None else max(0.0, total_s - start_s - span)
    ahead = min(SILENCE_LOOKAHEAD_S, room)
    sound = window.decode(start_s, span + ahead)
    lead_ms = detect_leading_silence(sound, silence_threshold=SILENCE_DBFS, chunk_size=10)
    shift_s = min(lead_ms / 1000, MAX_SILENCE_SKIP_S, room)
    if shift_s > ahead:  # a long silence: decode the window where the sound begins
        start_s, shift_s = start_s + shift_s, 0.0
        sound = window.decode(start_s, span)
    rate = window.rate
    shift = round(shift_s * rate)
    samples = round(span * rate)
    shift = min(shift, max(0, len(sound.raw_data) // sound.frame_width - samples))
    clip = sound.get_sample_slice(shift, shift + samples)
    start_s += shift / rate
    if start_s > 0:
        clip = clip.fade_in(CUT_FADE_IN_MS)
    if total_s is None or start_s + samples / rate < total_s - 0.01:
        clip = clip.fade_out(CUT_FADE_OUT_MS)
    return clip, start_s


def normalise_loudness(sound: AudioSegment) -> AudioSegment:
    """``sound`` at :data:`TARGET_DBFS` (RMS), or as near as its peak allows without going
    over :data:`PEAK_CEILING_DBFS`; silence stays silence."""
    rms = sound.rms  # measured once: each pydub dBFS reading scans the sound again
    if rms == 0:
        return sound
    full = sound.max_possible_amplitude
    level, peak = ratio_to_db(rms / full), ratio_to_db(sound.max / full)
    gain = min(TARGET_DBFS - level, PEAK_CEILING_DBFS - peak)
    return sound.apply_gain(gain)


def write_audio(path: Path, sound: AudioSegment, fmt: AudioFormat = "mp3") -> Path:
    """Encode ``sound`` as it is (no trim, no levelling) into the MP3 or WAV ``path``, with
    the encoders every audio fix uses (the module docstring); return ``path``.

    Raises:
        FixError: ``fmt`` is neither "mp3" nor "wav".
    """
    if fmt not in ("mp3", "wav"):
        raise FixError(say("fix-audio-format", format=str(fmt).upper()))
    with atomic_output(path) as tmp:
        if fmt == "mp3":
            _write_mp3(tmp, sound, lambda done: None)
        else:
            _write_wav(tmp, sound)
    return path


def _write_wav(path: Path, sound: AudioSegment) -> None:
    """16-bit PCM WAV of ``sound`` at ``path`` (PyAV's ``pcm_s16le``)."""
    layout = layout_of(sound.channels)
    with av.open(str(path), mode="w", format="wav") as out:
        aout = out.add_stream("pcm_s16le", rate=sound.frame_rate)
        aout.codec_context.layout = layout
        aout.codec_context.format = "s16"
        pcm = np.frombuffer(sound.raw_data, dtype=np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout=layout)
        frame.sample_rate = sound.frame_rate
        frame.pts, frame.time_base = 0, Fraction(1, sound.frame_rate)
        out.mux(aout.encode(frame))
        out.mux(aout.encode(None))


def _write_mp3(path: Path, sound: AudioSegment, progress: Callable[[float], None]) -> None:
    """MP3 of ``sound`` at ``path`` (settings: the module docstring), encoded on both cores
    (:func:`bot.media.fixes.lame.encode_mp3`); ``progress`` hears how far it got."""
    frames = encode_mp3(
        sound.raw_data, sound.frame_rate, sound.channels, MP3_BIT_RATE, MP3_QUALITY, progress
    )
    _mux_mp3(path, frames.data, len(sound.raw_data) // sound.frame_width)


def _mux_mp3(path: Path, mp3: bytes, samples: int) -> None:
    """Write LAME's raw MP3 frames ``mp3``, encoded from ``samples`` samples a channel, to
    ``path`` behind an Info/LAME tag whose delay and padding trim them back to exactly
    those samples."""
    skip_samples = packet_sidedata_type_from_literal("skip_samples")
    with (
        av.open(io.BytesIO(mp3), mode="r", format="mp3") as inp,
        av.open(str(path), mode="w", format="mp3") as out,
    ):
        ain = inp.streams.audio[0]
        aout = out.add_stream_from_template(ain)
        packets = [p for p in inp.demux(ain) if p.size]
        # LAME pads the end by at least a frame (1,152 samples), more than the decoder delay.
        padding = len(packets) * ain.codec_context.frame_size - LAME_DELAY - samples
        for i, packet in enumerate(packets):
            start = LAME_DELAY + MP3_DECODER_DELAY if i == 0 else 0
            end = padding - MP3_DECODER_DELAY if i == len(packets) - 1 else 0
            if start or end:
                # AV_PKT_DATA_SKIP_SAMPLES: u32le from the start, u32le from the end, 2 reasons
                side = PacketSideData(skip_samples, 10)  # type: ignore[call-arg]  # stub lacks it
                side.update(struct.pack("<IIBB", start, end, 0, 0))
                packet.set_sidedata(side)
            packet.stream = aout
            out.mux(packet)


def _seek_audio(
    container: av.container.InputContainer, stream: av.AudioStream, origin: float, start_s: float
) -> None:
    """Seek to :data:`PREROLL_S` before ``start_s`` where the container seeks exactly; else
    (or when the seek lands after the cut) read from the start."""
    if start_s <= PREROLL_S or stream.time_base is None:
        return
    if container.format.name not in EXACT_SEEK_FORMATS:
        return
    target = int((origin + start_s - PREROLL_S) / stream.time_base)
    try:
        container.seek(target, stream=stream, backward=True)
        for packet in container.demux(stream):
            landed = packet.pts is not None and packet.pts * stream.time_base <= origin + start_s
            break
        else:
            landed = False
        container.seek(target if landed else 0, stream=stream, backward=True)
    except av.FFmpegError:
        container.seek(0, stream=stream, backward=True)
