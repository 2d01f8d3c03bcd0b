"""MP3 encoding with LAME 3.100 (the ``lameenc`` wheel) on both cores: two encoders take
the two halves of the sound in two threads (lameenc lets go of the GIL while it encodes)
and their frames are joined at a frame boundary where the join is clean.

Why a join can be clean: both encoders work on the same 1,152-sample frame grid (the
second starts :data:`PREROLL_FRAMES` frames before the middle, at a multiple of 1,152
samples; the middle is placed so both code as many frames), and each has real sound on
both sides of the join (the first codes :data:`JOIN_FRAMES` + :data:`LOOKAHEAD_FRAMES`
frames past the middle), so a frame of either stream holds the same stretch of sound,
coded from the same neighbours. A decoder carries three things from one frame into the
next: the polyphase filter's history and the MDCT overlap (the same sound coded twice, so
they differ only by coding noise), and the bit reservoir: a frame's main data may start
up to 511 bytes back, inside earlier frames (ISO/IEC 11172-3, ``main_data_begin``). The
join is made at the first frame ``g`` from the middle on whose ``main_data_begin`` in the
second stream fits into the bytes its twin took from the first stream (they belong to
frames that are dropped); those bytes are overwritten with the second stream's. So every
kept frame decodes from exactly the bytes its encoder wrote: the decoded sound equals the
first encoder's up to the frame before the join and the second's from the frame after it
(``tests/test_lame.py`` checks this sample for sample, and that the two frames between
are as near the input as the worse of the two encoders). On the shared loops the join is
found at the middle or one frame later; when none of the :data:`JOIN_FRAMES` qualifies,
one encoder codes it all.

Shapes: PCM is signed 16-bit little-endian, interleaved, 1 or 2 channels, at 32, 44.1 or
48 kHz (MPEG-1 Layer III; seeds 000, 001, 004 ask for MP3 or WAV). The frames returned
are LAME's raw frames with no Info tag: :data:`LAME_DELAY` samples of silence come first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import lameenc

__all__ = [
    "FRAME_SAMPLES",
    "JOIN_FRAMES",
    "LAME_DELAY",
    "LOOKAHEAD_FRAMES",
    "MIN_SPLIT_FRAMES",
    "PREROLL_FRAMES",
    "Mp3Frames",
    "encode_mp3",
    "encode_one",
    "frames_of",
]

#: Samples a channel in an MPEG-1 Layer III frame.
FRAME_SAMPLES = 1152
#: Samples of silence LAME puts before the first real one (its ENCDELAY).
LAME_DELAY = 576
#: Frames the second encoder codes before the middle, so its state (filter history, MDCT
#: overlap, psychoacoustics, reservoir) is settled by the join.
PREROLL_FRAMES = 2
#: Frames from the middle on in which the join may be made.
JOIN_FRAMES = 8
#: Frames of real sound the first encoder codes past the last frame it may keep, so none
#: of those frames is coded against the silence LAME pads its end with.
LOOKAHEAD_FRAMES = 2
#: Shorter sound is encoded by one encoder: the overlap would cost more than it saves.
MIN_SPLIT_FRAMES = 4 * (PREROLL_FRAMES + JOIN_FRAMES + LOOKAHEAD_FRAMES)

# MPEG-1 Layer III bit rates (kb/s) by the header's index; sample rates by theirs.
_BIT_RATES = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0)
_RATES = (44_100, 48_000, 32_000, 0)


@dataclass(frozen=True)
class Mp3Frames:
    """Raw MP3 frames and, when two encoders made them, the first frame (an index into the
    frames) that came from the second one."""

    data: bytes
    join_frame: int | None


@dataclass(frozen=True)
class _Frame:
    offset: int  # of its header, in bytes
    size: int  # header, side information and main-data region, in bytes
    region: int  # offset of its main-data region (after the side information), in bytes
    main_data_begin: int  # bytes of its main data in earlier frames' regions


def frames_of(data: bytes) -> list[_Frame]:
    """The MPEG-1 Layer III frames of ``data``, back to back from its first byte.

    Raises:
        ValueError: ``data`` is not a run of MPEG-1 Layer III frames.
    """
    frames: list[_Frame] = []
    pos = 0
    while pos < len(data):
        if pos + 4 > len(data):
            raise ValueError(f"a truncated frame header at byte {pos}")
        b1, b2, b3 = data[pos + 1], data[pos + 2], data[pos + 3]
        if data[pos] != 0xFF or (b1 & 0xFE) != 0xFA:
            raise ValueError(f"no MPEG-1 Layer III frame header at byte {pos}")
        bit_rate, rate = _BIT_RATES[b2 >> 4], _RATES[(b2 >> 2) & 3]
        if not bit_rate or not rate:
            raise ValueError(f"a free-format or reserved frame header at byte {pos}")
        size = 144_000 * bit_rate // rate + ((b2 >> 1) & 1)
        side = pos + 4 + (0 if b1 & 1 else 2)  # a CRC follows the header when bit 0 is 0
        side_len = 17 if (b3 >> 6) == 3 else 32  # mono: 17 bytes of side information
        begin = (data[side] << 1) | (data[side + 1] >> 7)
        frames.append(_Frame(pos, size, side + side_len, begin))
        pos += size
    if pos != len(data):
        raise ValueError("the last frame is truncated")
    return frames


_warm_lock = threading.Lock()
_warm = False


def _warm_up() -> None:
    """Encode a frame of silence once per process, one thread at a time: LAME fills some
    process-wide tables lazily (``init_log_table``: a flag set after the table), which
    two encoders starting together in two threads must find already filled."""
    global _warm
    with _warm_lock:
        if not _warm:
            lame = _encoder(44_100, 2, 128_000, 5)
            lame.encode(bytes(4 * FRAME_SAMPLES))
            lame.flush()
            _warm = True


def _encoder(rate: int, channels: int, bit_rate: int, quality: int) -> lameenc.Encoder:
    lame = lameenc.Encoder()
    lame.set_bit_rate(bit_rate // 1000)
    lame.set_in_sample_rate(rate)
    lame.set_out_sample_rate(rate)
    lame.set_channels(channels)
    lame.set_quality(quality)
    lame.silence()
    return lame


def encode_one(pcm: bytes, rate: int, channels: int, bit_rate: int, quality: int) -> bytes:
    """``pcm`` through one LAME encoder (CBR ``bit_rate`` b/s, LAME ``quality`` 0–9) in one
    call, so the GIL is let go once (a thread waiting for it between calls waits longest
    on a busy machine, where its holder is descheduled)."""
    lame = _encoder(rate, channels, bit_rate, quality)
    return bytes(lame.encode(pcm)) + bytes(lame.flush())


def encode_mp3(
    pcm: bytes,
    rate: int,
    channels: int,
    bit_rate: int,
    quality: int,
    progress: Callable[[float], None] | None = None,
) -> Mp3Frames:
    """``pcm`` as MP3 frames (CBR ``bit_rate`` b/s, LAME ``quality`` 0–9): two encoders in
    two threads joined cleanly (the module docstring), or one for short sound or when no
    clean join is found. ``progress`` hears 1.0 when the frames are ready (a 15 s
    reference takes ~0.1 s; finer reports would cost GIL hand-offs).

    Raises:
        ValueError: ``rate`` is not an MPEG-1 rate (32, 44.1, 48 kHz).
    """
    if rate not in _RATES[:3]:
        raise ValueError(f"{rate} Hz is not an MPEG-1 Layer III sample rate")
    samples = len(pcm) // (2 * channels)
    frames = None
    if samples >= MIN_SPLIT_FRAMES * FRAME_SAMPLES:
        frames = _encode_halves(pcm, rate, channels, bit_rate, quality)
    if frames is None:
        frames = Mp3Frames(encode_one(pcm, rate, channels, bit_rate, quality), None)
    if progress is not None:
        progress(1.0)
    return frames


def _encode_halves(
    pcm: bytes, rate: int, channels: int, bit_rate: int, quality: int
) -> Mp3Frames | None:
    """The two halves in two threads, joined (:func:`_join`), or ``None``."""
    _warm_up()
    width = 2 * channels
    # The middle where both encoders code as many frames (the first runs on past it).
    total = len(pcm) // width // FRAME_SAMPLES
    middle = (total + PREROLL_FRAMES - JOIN_FRAMES - LOOKAHEAD_FRAMES) // 2
    first_end = (middle + JOIN_FRAMES + LOOKAHEAD_FRAMES) * FRAME_SAMPLES
    second_start = (middle - PREROLL_FRAMES) * FRAME_SAMPLES
    first: list[bytes] = []
    failed: list[BaseException] = []

    def encode_first() -> None:
        try:
            first.append(encode_one(pcm[: first_end * width], rate, channels, bit_rate, quality))
        except BaseException as exc:  # handed to the caller's thread below
            failed.append(exc)

    worker = threading.Thread(target=encode_first, name="lame-first-half")
    worker.start()
    try:
        second = encode_one(pcm[second_start * width :], rate, channels, bit_rate, quality)
    finally:
        worker.join()
    if failed:
        raise failed[0]
    return _join(first[0], second, middle, PREROLL_FRAMES)


def _join(first: bytes, second: bytes, middle: int, preroll: int) -> Mp3Frames | None:
    """The first stream's frames before the join and the second's from it (the second's
    frame ``j`` is the first's frame ``j + middle - preroll``), with the reservoir bytes
    of the second's first kept frame copied into the free tail of the first's regions; or
    ``None`` when no frame in the join window can take them."""
    a, b = frames_of(first), frames_of(second)
    shift = middle - preroll
    for g in range(middle, min(middle + JOIN_FRAMES, len(a), shift + len(b))):
        need, free = b[g - shift].main_data_begin, a[g].main_data_begin
        if need <= free:
            break
    else:
        return None
    head = bytearray(first[: a[g].offset])
    if need:
        reservoir = _region_tail(second, b[: g - shift], need)
        _write_region_tail(head, a[:g], reservoir)
    return Mp3Frames(bytes(head) + second[b[g - shift].offset :], g)


def _region_tail(data: bytes, frames: list[_Frame], count: int) -> bytes:
    """The last ``count`` bytes of the main-data regions of ``frames`` (in order)."""
    parts: list[bytes] = []
    for frame in reversed(frames):
        if count <= 0:
            break
        end = frame.offset + frame.size
        start = max(frame.region, end - count)
        parts.append(data[start:end])
        count -= end - start
    if count > 0:
        raise ValueError("the reservoir reaches before the first frame")
    return b"".join(reversed(parts))


def _write_region_tail(data: bytearray, frames: list[_Frame], tail: bytes) -> None:
    """Overwrite the last ``len(tail)`` bytes of the main-data regions of ``frames``."""
    left = len(tail)
    for frame in reversed(frames):
        if left <= 0:
            break
        end = frame.offset + frame.size
        start = max(frame.region, end - left)
        data[start:end] = tail[left - (end - start) : left]
        left -= end - start
    if left > 0:
        raise ValueError("the reservoir reaches before the first frame")
