"""MP3 on both cores (bot/media/fixes/lame.py): two LAME encoders on the two halves,
joined at a frame whose reservoir bytes fit where the first stream's dropped frame kept
its own. Checked on the shared media, decoded by FFmpeg's MP3 decoder: the joined stream
decodes sample for sample as the first encoder's stream before the join and the second's
after it, and in the two frames around the join it is as close to the input as the worse
of the two."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
import pytest

from bot.media.fixes.audio import MP3_BIT_RATE, MP3_QUALITY
from bot.media.fixes.lame import (
    FRAME_SAMPLES,
    JOIN_FRAMES,
    LAME_DELAY,
    LOOKAHEAD_FRAMES,
    MIN_SPLIT_FRAMES,
    PREROLL_FRAMES,
    _join,
    encode_mp3,
    encode_one,
    frames_of,
)
from bot.media.sound import decode_segment

BIT_RATE, QUALITY = MP3_BIT_RATE, MP3_QUALITY
MP3_DECODER_DELAY = 529


def _pcm(path: Path, rate: int, channels: int) -> bytes:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        return bytes(decode_segment(container, stream, rate=rate, channels=channels).raw_data)


def _decoded(mp3: bytes) -> npt.NDArray[np.float32]:
    """Every sample FFmpeg's decoder gives for the raw frames (no tag, so nothing skipped):
    frame ``k`` is samples ``[k * 1152, (k + 1) * 1152)``."""
    with av.open(io.BytesIO(mp3), format="mp3") as container:
        return np.concatenate([f.to_ndarray() for f in container.decode(audio=0)], axis=1)


@pytest.mark.parametrize(
    ("name", "rate", "channels"),
    [
        ("loop_amen_full.flac", 44_100, 2),  # drum hits: the reservoir is busy
        ("loop_garzul.flac", 48_000, 2),
        ("loop_tabla.mp3", 32_000, 1),
        ("loop_safari_24s.mp3", 44_100, 2),
    ],
)
def test_two_encoders_join_cleanly(media: Path, name: str, rate: int, channels: int) -> None:
    pcm = _pcm(media / "audio" / name, rate, channels)
    width = 2 * channels
    samples = len(pcm) // width
    made = encode_mp3(pcm, rate, channels, BIT_RATE, QUALITY)
    g = made.join_frame
    assert g is not None, "no clean join in the window"
    middle = (samples // FRAME_SAMPLES + PREROLL_FRAMES - JOIN_FRAMES - LOOKAHEAD_FRAMES) // 2
    assert middle <= g < middle + JOIN_FRAMES
    start = (middle - PREROLL_FRAMES) * FRAME_SAMPLES
    first = _decoded(
        encode_one(
            pcm[: (middle + JOIN_FRAMES + LOOKAHEAD_FRAMES) * FRAME_SAMPLES * width],
            rate, channels, BIT_RATE, QUALITY,
        )
    )  # fmt: skip
    second = _decoded(encode_one(pcm[start * width :], rate, channels, BIT_RATE, QUALITY))
    one = _decoded(encode_one(pcm, rate, channels, BIT_RATE, QUALITY))
    joined = _decoded(made.data)
    f = FRAME_SAMPLES
    assert joined.shape == one.shape  # the same frames, so the same tag trims it exactly
    # Sample for sample the first encoder's sound before the join, the second's after it.
    assert np.array_equal(joined[:, : (g - 1) * f], first[:, : (g - 1) * f])
    assert np.array_equal(joined[:, (g + 1) * f :], second[:, (g + 1) * f - start :])
    # Around the join: as near the input as the nearer-to-worse of the two encodes.
    source = np.frombuffer(pcm, dtype=np.int16).reshape(-1, channels).T / 32768.0
    lead = LAME_DELAY + MP3_DECODER_DELAY

    def error(decoded: npt.NDArray[np.float32], frame: int, shift: int = 0) -> float:
        """RMS distance from the input over ``frame`` (a frame of the joined stream)."""
        want = source[:, frame * f - lead : (frame + 1) * f - lead]
        got = decoded[:, frame * f - shift : (frame + 1) * f - shift]
        return float(np.sqrt(np.mean((got - want) ** 2)))

    for k in (g - 1, g):
        worst = max(error(first, k), error(second, k, start))
        assert error(joined, k) <= worst * 1.05 + 1e-5, (k - g, error(joined, k), worst)


def test_short_sound_takes_one_encoder(media: Path) -> None:
    pcm = _pcm(media / "audio/loop_tabla.flac", 44_100, 2)
    short = pcm[: (MIN_SPLIT_FRAMES - 1) * FRAME_SAMPLES * 4]
    made = encode_mp3(short, 44_100, 2, BIT_RATE, QUALITY)
    assert made.join_frame is None
    assert made.data == encode_one(short, 44_100, 2, BIT_RATE, QUALITY)


def test_no_join_when_the_reservoir_does_not_fit() -> None:
    """Silence in the first stream takes nothing from before its frames (nothing is free to
    overwrite); loud noise in the second takes bytes from before every frame: no join."""
    rng = np.random.default_rng(7)
    frames = 64 * FRAME_SAMPLES
    noise = rng.integers(-32768, 32767, size=2 * frames, dtype=np.int16).tobytes()
    silence = bytes(4 * frames)
    loud, quiet = (encode_one(p, 44_100, 2, BIT_RATE, QUALITY) for p in (noise, silence))
    middle, preroll = 24, 16  # the loud stream's frame j is the quiet one's j + 8
    free = [f.main_data_begin for f in frames_of(quiet)[middle : middle + JOIN_FRAMES]]
    need = [f.main_data_begin for f in frames_of(loud)[8 : 8 + JOIN_FRAMES]]
    assert len(free) == len(need) == JOIN_FRAMES
    assert max(free) < min(need)
    assert _join(quiet, loud, middle, preroll) is None


def test_frames_of_refuses_what_is_not_mpeg1_layer3() -> None:
    mp3 = encode_one(bytes(4 * 44_100), 44_100, 2, BIT_RATE, QUALITY)
    assert sum(f.size for f in frames_of(mp3)) == len(mp3)
    with pytest.raises(ValueError, match="no MPEG-1 Layer III frame header at byte 0"):
        frames_of(b"RIFF" + mp3)
    with pytest.raises(ValueError, match="truncated"):
        frames_of(mp3[:-1])
    with pytest.raises(ValueError, match="truncated frame header"):
        frames_of(mp3[:2])


def test_only_mpeg1_rates() -> None:
    with pytest.raises(ValueError, match="22050 Hz"):
        encode_mp3(bytes(4 * 22_050), 22_050, 2, BIT_RATE, QUALITY)
