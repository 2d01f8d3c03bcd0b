"""The audio fixes edit on pydub (bot/media/sound.py, bot/media/fixes/audio.py), measured
on the shared media: a trim skips the silence its window starts with, fades where it cuts
into the sound, and every result is at the reference loudness (within 1 dB of
TARGET_DBFS unless its peaks would pass PEAK_CEILING_DBFS)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
import pytest

from bot.media.fixes import convert_audio, extract_audio, trim_audio
from bot.media.fixes.audio import (
    CUT_FADE_IN_MS,
    CUT_FADE_OUT_MS,
    PEAK_CEILING_DBFS,
    TARGET_DBFS,
)
from bot.media.sound import AudioSegment, decode_segment, from_float, to_float

RATE = 44_100


def _decode(path: Path, mono: bool = True) -> AudioSegment:
    """The file's sound at 44.1 kHz, mixed to mono or in its own channels."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        channels = 1 if mono else min(2, stream.codec_context.channels)
        return decode_segment(container, stream, rate=RATE, channels=channels)


def _rms(samples: npt.NDArray[np.float32]) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))


def _write_wav(sound: AudioSegment, path: Path) -> Path:
    """``sound`` as a 16-bit WAV through PyAV."""
    layout = "mono" if sound.channels == 1 else "stereo"
    with av.open(str(path), "w", format="wav") as out:
        stream = out.add_stream("pcm_s16le", rate=sound.frame_rate)
        stream.codec_context.layout = layout
        pcm = np.frombuffer(sound.raw_data, dtype=np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout=layout)
        frame.sample_rate, frame.pts = sound.frame_rate, 0
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def _quiet_start(media: Path, folder: Path, silence_s: float) -> tuple[Path, AudioSegment]:
    """``silence_s`` of silence, then the tabla loop twice (> 21 s: too long, so a trim is
    offered)."""
    tabla = _decode(media / "audio/loop_tabla.mp3")
    silence = from_float(np.zeros((1, round(silence_s * RATE)), dtype=np.float32), RATE)
    return _write_wav(silence + tabla + tabla, folder / "quiet-start.wav"), tabla


@pytest.mark.parametrize(
    ("silence_s", "fmt"),
    [(2.0, "mp3"), (2.0, "wav"), (0.3, "mp3")],  # past the look-ahead (decoded again), within
)
def test_a_trim_skips_the_silence_it_starts_with(
    media: Path, tmp_path: Path, silence_s: float, fmt: str
) -> None:
    src, tabla = _quiet_start(media, tmp_path, silence_s)
    out = trim_audio(src, tmp_path / f"first-5s.{fmt}", 0.0, 5.0, fmt)  # type: ignore[arg-type]
    got = to_float(_decode(out))[0]
    assert abs(len(got) / RATE - 5.0) < 0.002  # the length the member asked for
    # It opens on the tabla, not on the silence: its first 0.2 s are the loop's first 0.2 s.
    assert _rms(got[: RATE // 5]) > 0.01
    opening = to_float(tabla)[0][: RATE // 5]
    assert np.corrcoef(got[: RATE // 5], opening)[0, 1] > 0.95


def test_a_trim_that_already_starts_on_sound_stays_put(media: Path, tmp_path: Path) -> None:
    src = media / "audio/loop_safari_24s.mp3"  # 10 ms of near-silence at most
    out = trim_audio(src, tmp_path / "cut.wav", 6.0, 5.0, "wav")
    got, source = to_float(_decode(out))[0], to_float(_decode(src))[0]
    lag = np.argmax(np.correlate(source[5 * RATE : 8 * RATE], got[RATE : 2 * RATE], "valid"))
    assert abs(5.0 + lag / RATE - 7.0) < 0.002  # its second 1 s is the source's 7 s


def test_cut_points_fade_gently(media: Path, tmp_path: Path) -> None:
    """A window inside a drum loop: it fades in over its first CUT_FADE_IN_MS and out over
    its last CUT_FADE_OUT_MS; the loop itself cut there would start and end loud."""
    src = media / "audio/loop_amen_full.wav"
    start_s, length_s = 2.0, 3.0
    out = trim_audio(src, tmp_path / "cut.wav", start_s, length_s, "wav")
    got = to_float(_decode(out))[0]
    ms = RATE // 1000
    source = to_float(_decode(src))[0]
    raw = source[round(start_s * RATE) : round((start_s + length_s) * RATE)]
    gain = _rms(got[100 * ms : -200 * ms]) / _rms(raw[100 * ms : -200 * ms])  # loudness change
    # The first 2 ms are near silence where the plain cut is not.
    assert _rms(got[: 2 * ms]) < 0.2 * gain * _rms(raw[: 2 * ms])
    assert _rms(got[CUT_FADE_IN_MS * ms : CUT_FADE_IN_MS * ms + 20 * ms]) == pytest.approx(
        gain * _rms(raw[CUT_FADE_IN_MS * ms : CUT_FADE_IN_MS * ms + 20 * ms]), rel=0.05
    )
    # The fade out: the last 10 ms nearly silent, halfway through about half as loud.
    tail, raw_tail = got[-CUT_FADE_OUT_MS * ms :], raw[-CUT_FADE_OUT_MS * ms :]
    assert _rms(tail[-10 * ms :]) < 0.15 * gain * _rms(raw_tail[-10 * ms :])
    assert _rms(got[-2 * CUT_FADE_OUT_MS * ms : -CUT_FADE_OUT_MS * ms]) == pytest.approx(
        gain * _rms(raw[-2 * CUT_FADE_OUT_MS * ms : -CUT_FADE_OUT_MS * ms]), rel=0.05
    )


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("audio/loop_tabla.flac", "mp3"),  # quiet (-28.5 dBFS): raised
        ("audio/loop_amen_full.flac", "wav"),  # loud (-11.2 dBFS): lowered
        ("audio/loop_garzul.flac", "mp3"),
    ],
)
def test_converted_references_are_at_the_target_loudness(
    media: Path, tmp_path: Path, name: str, fmt: str
) -> None:
    before = _decode(media / name, mono=False)
    out = convert_audio(media / name, tmp_path / f"out.{fmt}", fmt)  # type: ignore[arg-type]
    after = _decode(out, mono=False)
    assert abs(before.dBFS - TARGET_DBFS) > 2  # it needed the change
    assert abs(after.dBFS - TARGET_DBFS) <= 1.0
    assert after.max_dBFS <= PEAK_CEILING_DBFS + 0.5  # MP3 may overshoot a little
    assert abs(len(after) - len(before)) <= 30  # ms: the whole of it, no trim


def test_peaks_are_kept_under_the_ceiling(media: Path, tmp_path: Path) -> None:
    """The safari loop peaks at full scale 22 dB over its RMS: raising it to the target
    would clip, so it is made as loud as its peaks allow (1 dB quieter, peaks at the
    ceiling)."""
    src = media / "audio/loop_safari.flac"
    before = _decode(src, mono=False)
    after = _decode(convert_audio(src, tmp_path / "safari.wav", "wav"), mono=False)
    assert before.dBFS < TARGET_DBFS and before.max_dBFS > PEAK_CEILING_DBFS
    assert after.max_dBFS == pytest.approx(PEAK_CEILING_DBFS, abs=0.05)
    assert after.dBFS == pytest.approx(before.dBFS + PEAK_CEILING_DBFS - before.max_dBFS, abs=0.1)


def test_a_videos_sound_is_at_the_target_loudness(media: Path, tmp_path: Path) -> None:
    out = extract_audio(media / "video/city_with_music.mov", tmp_path / "sound.mp3")
    after = _decode(out, mono=False)
    assert abs(after.dBFS - TARGET_DBFS) <= 1.0
    assert abs(after.duration_seconds - 7.6) < 0.1


def test_silence_stays_silent(tmp_path: Path) -> None:
    src = _write_wav(
        from_float(np.zeros((2, 4 * RATE), dtype=np.float32), RATE), tmp_path / "quiet.wav"
    )
    out = _decode(convert_audio(src, tmp_path / "quiet-out.wav", "wav"))
    assert out.rms == 0 and abs(out.duration_seconds - 4.0) < 0.01
