"""One-click fixes on real media: each output is measured, not just produced.

Uses ``../shared/media`` (the ``media`` fixture skips every test when it is absent).
Trims are kept short so the whole file runs in well under a minute on two cores.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import lameenc
import numpy as np
import pytest
from PIL import Image

from bot.media.fixes import (
    FixError,
    FixOption,
    apply_fix,
    convert_audio,
    extract_audio,
    fit_image,
    fit_pixels,
    fit_video,
    plan_fixes,
    trim_audio,
    trim_video,
    video_frame,
)
from bot.media.probe import probe
from bot.seedance.checks import check_file
from bot.seedance.limits import DEFAULT_LIMITS
from bot.seedance.session import Asset
from bot.words import LOCALES, Words
from tests.conftest import make_asset

WORDS = Words()
EN = WORDS.text

VIDEO_LO = DEFAULT_LIMITS.video.min_pixels or 0
VIDEO_HI = DEFAULT_LIMITS.video.max_pixels or 0


# --------------------------------------------------------------------------- measuring


def frame_at(path: Path, at_s: float, size: tuple[int, int] = (64, 36)) -> np.ndarray:
    """The frame on screen at ``at_s`` (decoded from the start), as a small float RGB array."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        origin = (container.start_time or 0) / 1_000_000
        chosen = None
        for frame in container.decode(stream):
            if chosen is not None and frame.time is not None and frame.time - origin > at_s + 1e-3:
                break
            chosen = frame
        assert chosen is not None
        image = Image.fromarray(chosen.to_ndarray(format="rgb24"))
    return np.asarray(image.resize(size, Image.Resampling.BILINEAR), dtype=np.float32)


def decode_audio(path: Path, rate: int = 22_050) -> np.ndarray:
    """The whole sound track as mono float samples at ``rate``."""
    chunks = []
    resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
    with av.open(str(path)) as container:
        for frame in container.decode(container.streams.audio[0]):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1))
    return np.concatenate(chunks).astype(np.float32)


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))


def best_lag_s(needle: np.ndarray, haystack: np.ndarray, rate: int) -> float:
    """Offset (s) in ``haystack`` where ``needle`` matches best (FFT cross-correlation)."""
    n = len(haystack) + len(needle)
    size = 1 << (n - 1).bit_length()
    corr = np.fft.irfft(np.fft.rfft(haystack, size) * np.conj(np.fft.rfft(needle, size)), size)[
        : len(haystack) - len(needle) + 1
    ]
    return float(np.argmax(corr)) / rate


def assert_clean_dir(directory: Path, *names: str) -> None:
    """Only the finished outputs are left: no temporary ``.part`` files."""
    assert sorted(p.name for p in directory.iterdir()) == sorted(names)


# --------------------------------------------------------------------------- video


def test_trim_video_cuts_scales_and_honours_start(media: Path, tmp_path: Path) -> None:
    src = media / "video/city_20s_1080p.mp4"
    before = src.stat().st_mtime_ns
    seen: list[float] = []
    out = trim_video(src, tmp_path / "trim.mp4", 2.0, 2.5, progress=seen.append)
    info = probe(out)
    assert check_file(info, DEFAULT_LIMITS) == []
    assert info.video_codec == "h264" and info.format == "mp4"
    assert info.duration_s is not None and abs(info.duration_s - 2.5) <= 0.1
    assert info.width is not None and info.height is not None
    assert VIDEO_LO <= info.width * info.height <= VIDEO_HI
    assert abs(info.width / info.height - 1920 / 1080) / (1920 / 1080) <= 0.01
    # The first output frame is the source's frame at 2.0 s, not the clip's opening frame.
    first = frame_at(out, 0.0)
    at_start = frame_at(src, 2.0)
    elsewhere = frame_at(src, 6.0)
    assert np.abs(first - at_start).mean() < 6
    assert np.abs(first - at_start).mean() < np.abs(first - elsewhere).mean() / 2
    assert seen and seen == sorted(seen) and seen[-1] == 1.0
    assert src.stat().st_mtime_ns == before
    assert_clean_dir(tmp_path, "trim.mp4")
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.format is not None
        assert stream.codec_context.format.name == "yuv420p"
    # faststart: the index (moov) comes before the media data (mdat).
    head = out.read_bytes()[:4096]
    assert 0 <= head.find(b"moov") < max(head.find(b"mdat"), 4096)


@pytest.mark.parametrize(
    "start_s",
    [7.5, 17.4],  # mid-GOP (keyframe at 4.64 s, frames skipped before the cut); the tail
)
def test_trim_video_keeps_exactly_the_window(media: Path, tmp_path: Path, start_s: float) -> None:
    src = media / "video/city_20s_1080p.mp4"
    out = trim_video(src, tmp_path / "trim.mp4", start_s, 2.5)
    info = probe(out)
    assert check_file(info, DEFAULT_LIMITS) == []
    assert (info.width, info.height) == (1280, 720)
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        rate = float(stream.average_rate or 0)
        count = sum(1 for _ in container.decode(stream))
    assert 0 < rate <= 30
    length = min(2.5, 20.0 - start_s)
    assert count == int(length * rate + 1e-6)  # whole frames, never past the asked length
    step = 1 / rate
    # First and last frames are the source's frames at the window's two ends (each output
    # tick shows the source frame that starts within half a tick of it).
    for at_out in (0.0, (count - 1) * step):
        got = frame_at(out, at_out)
        at_src = start_s + at_out + step / 2
        assert np.abs(got - frame_at(src, at_src)).mean() < 6
        assert np.abs(got - frame_at(src, at_src)).mean() < (
            np.abs(got - frame_at(src, at_src - 1.5)).mean() / 2
        )


def test_trim_video_keeps_audio_as_aac(media: Path, tmp_path: Path) -> None:
    src = media / "video/city_with_music.mov"
    out = trim_video(src, tmp_path / "t.mp4", 1.0, 2.0)
    info = probe(out)
    assert check_file(info, DEFAULT_LIMITS) == []
    assert (info.video_codec, info.audio_codec, info.width, info.height) == (
        "h264",
        "aac",
        960,
        720,
    )
    assert info.duration_s is not None and abs(info.duration_s - 2.0) <= 0.1
    rate = 22_050
    got = decode_audio(out, rate)
    assert rms(got) > 0.01
    # The sound is the source's from 1.0 s: its 0.5–1.5 s sits at 1.5 s of the source.
    lag = best_lag_s(got[rate // 2 : rate + rate // 2], decode_audio(src, rate)[: 4 * rate], rate)
    assert abs(lag - 1.5) <= 0.05


def test_fit_video_transcodes_webm(media: Path, tmp_path: Path) -> None:
    src = media / "video/city_720p.webm"
    assert check_file(probe(src), DEFAULT_LIMITS) != []
    out = fit_video(src, tmp_path / "fit.mp4", DEFAULT_LIMITS)
    info = probe(out)
    assert check_file(info, DEFAULT_LIMITS) == []
    assert (info.format, info.video_codec, info.width, info.height) == ("mp4", "h264", 1280, 720)
    assert info.duration_s is not None and abs(info.duration_s - 7.6) <= 0.1
    assert np.abs(frame_at(out, 4.0) - frame_at(src, 4.0)).mean() < 6


def test_fit_video_upscales_mpeg2_into_the_pixel_window(media: Path, tmp_path: Path) -> None:
    src = media / "video/cityCC0.mpg"
    out = fit_video(src, tmp_path / "fit.mp4", DEFAULT_LIMITS)
    info = probe(out)
    assert check_file(info, DEFAULT_LIMITS) == []
    assert info.width is not None and info.height is not None
    assert info.width % 2 == 0 and info.height % 2 == 0
    assert info.width * info.height >= 409_600
    assert abs(info.width / info.height - 720 / 405) / (720 / 405) <= 0.01
    assert info.duration_s is not None and abs(info.duration_s - 7.6) <= 0.1


def test_fit_pixels_window() -> None:
    assert fit_pixels(1920, 1080, 409_600, 927_408) == (1280, 720)
    w, h = fit_pixels(720, 405, 409_600, 927_408)
    assert 409_600 <= w * h <= 927_408 and abs(w / h - 720 / 405) < 0.01
    assert fit_pixels(1280, 720, 409_600, 927_408) == (1280, 720)
    w, h = fit_pixels(1080, 1920, 409_600, 927_408)  # portrait
    assert w * h <= 927_408 and w < h


def test_video_frame_matches_a_decode_of_that_moment(media: Path, tmp_path: Path) -> None:
    src = media / "video/city_720p.mp4"
    out = video_frame(src, tmp_path / "frame.png", 3.3)
    info = probe(out)
    assert check_file(info, DEFAULT_LIMITS) == []
    assert (info.format, info.width, info.height) == ("png", 1280, 720)
    with Image.open(out) as img:
        got = np.asarray(img.convert("RGB").resize((64, 36), Image.Resampling.BILINEAR), "f4")
    assert np.abs(got - frame_at(src, 3.3)).mean() < 1.0
    assert np.abs(got - frame_at(src, 0.5)).mean() > 2.0
    with pytest.raises(FixError, match="between 0 and"):
        video_frame(src, tmp_path / "late.png", 60.0)


# --------------------------------------------------------------------------- audio


def test_trim_audio_duration_and_start(media: Path, tmp_path: Path) -> None:
    src = media / "audio/loop_safari_24s.mp3"
    out = trim_audio(src, tmp_path / "trim.mp3", 5.0, 3.0)
    info = probe(out)
    assert check_file(info, DEFAULT_LIMITS) == []
    assert info.format == "mp3"
    assert info.duration_s is not None and abs(info.duration_s - 3.0) <= 0.1
    rate = 22_050
    got = decode_audio(out, rate)
    assert abs(len(got) / rate - 3.0) <= 0.1
    source = decode_audio(src, rate)
    # Where does the trim's second 0.5–1.5 s sit in the source's 4–9 s? At 5.5 s.
    window = source[4 * rate : 9 * rate]
    lag = best_lag_s(got[rate // 2 : rate + rate // 2], window, rate)
    assert abs(4.0 + lag - 5.5) <= 0.05
    assert abs(rms(got[: rate // 2]) - rms(source[5 * rate : 5 * rate + rate // 2])) < 0.02


@pytest.mark.parametrize(
    "name",
    ["loop_amen_full.wav", "loop_garzul.flac"],  # containers that seek exactly
)
def test_trim_audio_seeks_to_the_start(media: Path, tmp_path: Path, name: str) -> None:
    src = media / "audio" / name
    out = trim_audio(src, tmp_path / "trim.wav", 3.0, 2.5, "wav")
    info = probe(out)
    assert check_file(info, DEFAULT_LIMITS) == []
    rate = 22_050
    got = decode_audio(out, rate)
    assert abs(len(got) / rate - 2.5) <= 0.02
    source = decode_audio(src, rate)
    # The trim's 0.5–1.5 s sits at 3.5 s of the source (searched in its 2–6 s).
    lag = best_lag_s(got[rate // 2 : rate + rate // 2], source[2 * rate : 6 * rate], rate)
    assert abs(2.0 + lag - 3.5) <= 0.01


def write_wav(path: Path, samples: np.ndarray, rate: int) -> Path:
    """``samples`` (channels × n, float in [-1, 1]) as a 16-bit WAV."""
    layout = "mono" if samples.shape[0] == 1 else "stereo"
    with av.open(str(path), mode="w", format="wav") as out:
        stream = out.add_stream("pcm_s16le", rate=rate)
        stream.codec_context.layout = layout
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(samples, dtype=np.float32), format="fltp", layout=layout
        )
        frame.sample_rate, frame.pts, frame.time_base = rate, 0, Fraction(1, rate)
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def test_mp3_cut_is_sample_exact(media: Path, tmp_path: Path) -> None:
    """The MP3 holds exactly the samples cut, first sample on the cut point: its Info tag's
    encoder delay and padding trim LAME's silence away (seeds 000, 001: 2–15 s)."""
    rate = 48_000
    noise = np.random.default_rng(7).uniform(-0.5, 0.5, (1, 6 * rate))  # mono, 48 kHz
    src = write_wav(tmp_path / "noise.wav", noise, rate)
    start_s, duration_s = 1.2345, 3.21
    out = trim_audio(src, tmp_path / "cut.mp3", start_s, duration_s)
    with av.open(str(out)) as container:
        stream = container.streams.audio[0]
        assert (stream.codec_context.name, stream.codec_context.sample_rate) == ("mp3float", rate)
        assert stream.codec_context.channels == 1
        got = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(stream)])
    assert len(got) == 154_080  # 3.21 s × 48 kHz
    assert b"Info" in out.read_bytes()[:1024]  # the CBR Xing/LAME header frame
    # The cut's samples sit where the cut began: not a sample early or late.
    first = round(start_s * rate)
    lag = best_lag_s(got[rate : 2 * rate], noise[0, first : first + 3 * rate], 1)
    assert lag == rate
    kept = noise[0, first : first + len(got)]
    assert np.corrcoef(got, kept)[0, 1] > 0.9  # the same sound (LAME cuts above ~19 kHz)
    assert_clean_dir(tmp_path, "noise.wav", "cut.mp3")


@pytest.mark.parametrize("fmt", ["mp3", "wav"])
def test_trim_audio_past_the_sound_leaves_nothing(tmp_path: Path, fmt: str) -> None:
    """A VBR MP3 without a Xing header (lameenc writes none) that opens quietly: its length
    is guessed from the first frames' low bit rate, 4.5 s for 3 s of sound. A cut at 3.8 s
    finds no sound, and the half-written output is removed."""
    rate = 44_100
    noise = np.random.default_rng(1).uniform(-0.9, 0.9, 2 * rate)
    pcm = (np.concatenate([np.zeros(rate), noise]) * 32767).astype("<i2")
    lame = lameenc.Encoder()
    lame.set_channels(1)
    lame.set_in_sample_rate(rate)
    lame.set_vbr(4)
    lame.set_vbr_quality(2)
    lame.silence()
    src = tmp_path / "vbr.mp3"
    src.write_bytes(bytes(lame.encode(pcm.tobytes()) + lame.flush()))
    guessed = probe(src).duration_s
    assert guessed is not None and guessed > 4.0
    with pytest.raises(FixError, match="no sound was found"):
        trim_audio(src, tmp_path / f"cut.{fmt}", 3.8, 0.5, fmt)  # type: ignore[arg-type]
    assert_clean_dir(tmp_path, "vbr.mp3")


@pytest.mark.parametrize("fmt", ["mp3", "wav"])
def test_convert_flac(media: Path, tmp_path: Path, fmt: str) -> None:
    src = media / "audio/loop_garzul.flac"
    out = convert_audio(src, tmp_path / f"garzul.{fmt}", fmt)  # type: ignore[arg-type]
    info = probe(out)
    assert check_file(info, DEFAULT_LIMITS) == []
    assert info.format == fmt
    assert info.duration_s is not None and abs(info.duration_s - 8.0) <= 0.1
    rate = 22_050
    got, source = decode_audio(out, rate), decode_audio(src, rate)
    assert abs(len(got) / rate - 8.0) <= 0.1
    # The same sound, brought to the reference loudness (tests/test_audio_edits.py).
    n = min(len(got), len(source))
    assert np.corrcoef(got[:n], source[:n])[0, 1] > 0.95
    assert 20 * np.log10(rms(got) / rms(source)) == pytest.approx(-5.6, abs=0.5)  # -14.4 → -20


def test_convert_ogg_is_still_too_short(media: Path, tmp_path: Path) -> None:
    out = convert_audio(media / "audio/ambi_choir.ogg", tmp_path / "choir.wav", "wav")
    violations = check_file(probe(out), DEFAULT_LIMITS)
    assert [EN(v.rule) for v in violations] == ["audio clips must be at least 2 s long"]


def test_extract_audio(media: Path, tmp_path: Path) -> None:
    out = extract_audio(media / "video/city_with_music.mov", tmp_path / "music.mp3")
    info = probe(out)
    assert (info.kind, info.format) == ("audio", "mp3")
    assert check_file(info, DEFAULT_LIMITS) == []
    assert info.duration_s is not None and abs(info.duration_s - 7.6) <= 0.1
    assert rms(decode_audio(out)) > 0.01
    with pytest.raises(FixError, match="no sound track"):
        extract_audio(media / "video/city_720p.mp4", tmp_path / "none.mp3")
    assert_clean_dir(tmp_path, "music.mp3")


# --------------------------------------------------------------------------- images


def test_fit_image_upscales_small_png(media: Path, tmp_path: Path) -> None:
    src = media / "images/chessboard_GRAY.png"
    out = fit_image(src, tmp_path / "board.png", DEFAULT_LIMITS)
    info = probe(out)
    assert check_file(info, DEFAULT_LIMITS) == []
    assert (info.format, info.width, info.height) == ("png", 300, 300)
    with Image.open(src) as a, Image.open(out) as b:
        assert (
            abs(np.asarray(a.convert("L"), "f4").mean() - np.asarray(b.convert("L"), "f4").mean())
            < 3
        )


def test_fit_image_gif_first_frame(media: Path, tmp_path: Path) -> None:
    src = media / "images/no_time_for_that_tiny.gif"
    out = fit_image(src, tmp_path / "gif.png", DEFAULT_LIMITS)
    info = probe(out)
    assert check_file(info, DEFAULT_LIMITS) == []
    assert info.frames == 1 and info.width is not None and info.height is not None
    assert min(info.width, info.height) >= 300 and max(info.width, info.height) <= 6000
    assert abs(info.width / info.height - 14 / 25) / (14 / 25) <= 0.01
    with Image.open(src) as gif, Image.open(out) as png:
        gif.seek(0)
        first = np.asarray(gif.convert("RGB").resize((14, 25), Image.Resampling.BOX), "f4")
        gif.seek(gif.n_frames // 2)
        middle = np.asarray(gif.convert("RGB").resize((14, 25), Image.Resampling.BOX), "f4")
        got = np.asarray(png.convert("RGB").resize((14, 25), Image.Resampling.BOX), "f4")
    assert np.abs(got.mean((0, 1)) - first.mean((0, 1))).max() < 4
    assert np.abs(got - first).mean() < np.abs(got - middle).mean() or np.array_equal(first, middle)


def test_fit_image_downscales_and_keeps_jpeg(media: Path, tmp_path: Path) -> None:
    with Image.open(media / "images/rocket.jpg") as img:
        big = img.convert("RGB").resize((9000, 6005))
    src = tmp_path / "big.jpg"
    big.save(src, quality=85)
    out_dir = tmp_path / "out"
    out = fit_image(src, out_dir / "fit.jpg", DEFAULT_LIMITS)
    info = probe(out)
    assert check_file(info, DEFAULT_LIMITS) == []
    assert (info.format, info.width) == ("jpeg", 6000)
    assert info.height is not None and abs(6000 / info.height - 9000 / 6005) < 0.01
    with Image.open(out) as b:
        small_out = np.asarray(b.resize((60, 40)), "f4")
    small_src = np.asarray(big.resize((60, 40)), "f4")
    assert np.abs(small_out.mean((0, 1)) - small_src.mean((0, 1))).max() < 3


def test_fit_image_applies_exif_orientation_and_flattens_alpha(tmp_path: Path) -> None:
    rgba = Image.new("RGBA", (200, 120), (200, 30, 30, 255))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when shown
    src = tmp_path / "rot.webp"
    rgba.save(src, format="WEBP", exif=exif, lossless=True)
    out = fit_image(src, tmp_path / "rot.jpg", DEFAULT_LIMITS, fmt="jpeg")
    with Image.open(out) as img:
        assert img.format == "JPEG" and img.mode == "RGB"
        assert img.size == (300, 500)  # portrait after rotation, short side 300
        assert np.abs(np.asarray(img, "f4").mean((0, 1)) - (200, 30, 30)).max() < 4


def test_fit_image_refuses_undecodable_and_impossible(media: Path, tmp_path: Path) -> None:
    with pytest.raises(FixError, match="could not be decoded"):
        fit_image(media / "images/multipage_rgb.tif", tmp_path / "x.png")
    thin = tmp_path / "thin.png"
    Image.new("L", (10, 400)).save(thin)
    with pytest.raises(FixError, match="too long and thin"):
        fit_image(thin, tmp_path / "thin_out.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thin.png"]


# --------------------------------------------------------------------------- planning


def _plan(media: Path, relative: str, *existing: Asset) -> list[FixOption]:
    options = plan_fixes(probe(media / relative), DEFAULT_LIMITS, existing)
    assert len({o.key for o in options}) == len(options)
    for locale in LOCALES:  # Discord: button labels ≤ 80 characters
        assert all(0 < len(WORDS.text(o.label, locale)) <= 80 for o in options)
    return options


def test_plan_long_1080p_video_offers_trims_with_downscale(media: Path) -> None:
    options = _plan(media, "video/city_20s_1080p.mp4")
    assert {o.kind for o in options} == {"trim_video"}
    assert EN(options[0].label).startswith("Trim to the first 15 s")
    assert "1280×720" in EN(options[0].label)
    starts = [o.params["start_s"] for o in options]
    assert starts[0] == 0.0 and len(starts) == 5 and starts == sorted(starts)
    assert all(o.params["duration_s"] == 15.0 for o in options)
    assert starts[-1] + 15.0 <= 20.0 + 1e-6


def test_plan_trim_respects_the_remaining_budget(media: Path) -> None:
    options = _plan(media, "video/city_20s_1080p.mp4", make_asset("video", 1, "x", duration_s=7.6))
    assert EN(options[0].label).startswith("Trim to the first 7.4 s")
    assert all(o.params["duration_s"] == 7.4 for o in options)
    # < 2 s left: no trim cures it, removing the other video does.
    full = make_asset("video", 1, "x", duration_s=14.0)
    (remove,) = _plan(media, "video/city_720p.mp4", full)
    assert (remove.kind, remove.params, EN(remove.label)) == (
        "remove_asset",
        {"asset_id": full.id},
        "Remove @video1 (14 s) to make room",
    )


def test_plan_trim_keeps_only_what_the_output_needs(media: Path) -> None:
    info = probe(media / "video/city_20s_1080p.mp4")
    options = plan_fixes(info, DEFAULT_LIMITS, (), output_s=5)
    assert EN(options[0].label).startswith("Trim to the first 5 s")
    assert all(o.params["duration_s"] == 5.0 for o in options)
    starts = [o.params["start_s"] for o in options]
    assert starts == [0.0, 3.7, 7.5, 11.2, 15.0]  # spread over the whole clip
    assert [EN(o.label).split(",")[0] for o in options[1:]] == [
        "Keep 3.7–8.7 s",
        "Keep 7.5–12.5 s",
        "Keep 11.2–16.2 s",
        "Keep 15–20 s",
    ]
    # The budget left is still the bound when it is shorter than the session's clip.
    used = [make_asset("video", 1, "x", duration_s=10.8)]
    tight = plan_fixes(info, DEFAULT_LIMITS, used, output_s=10)
    assert all(o.params["duration_s"] == 4.2 for o in tight)
    # A clip within every limit is not trimmed just because it outlasts the output.
    assert plan_fixes(probe(media / "video/city_720p.mp4"), DEFAULT_LIMITS, (), 4) == []
    song = plan_fixes(probe(media / "audio/loop_safari_24s.mp3"), DEFAULT_LIMITS, (), 6)
    assert EN(song[0].label) == "Trim to the first 6 s" and song[0].params["duration_s"] == 6.0


def test_plan_wrong_container_and_too_few_pixels(media: Path) -> None:
    webm = _plan(media, "video/city_720p.webm")
    assert [o.kind for o in webm] == ["fit_video"]
    mpg = _plan(media, "video/cityCC0.mpg")
    assert [o.kind for o in mpg] == ["fit_video"]
    assert "scaled up" in EN(mpg[0].label)
    assert _plan(media, "video/city_720p.mp4") == []


def test_plan_audio(media: Path) -> None:
    long = _plan(media, "audio/loop_safari_24s.mp3")
    assert {o.kind for o in long} == {"trim_audio"}
    assert EN(long[0].label) == "Trim to the first 15 s" and long[0].params["fmt"] == "mp3"
    flac = _plan(media, "audio/loop_garzul.flac")
    assert [(o.kind, o.params["fmt"]) for o in flac] == [
        ("convert_audio", "mp3"),
        ("convert_audio", "wav"),
    ]
    # Too short and OGG: converting would still be refused for its 1.6 s, so nothing.
    assert _plan(media, "audio/ambi_choir.ogg") == []
    assert _plan(media, "audio/loop_tabla.mp3") == []


def test_plan_images(media: Path) -> None:
    board = _plan(media, "images/chessboard_GRAY.png")
    assert [(o.kind, EN(o.label)) for o in board] == [("fit_image", "Enlarge to 300×300 px")]
    gif = _plan(media, "images/no_time_for_that_tiny.gif")
    assert [(o.key, o.kind) for o in gif] == [("first_frame", "fit_image")]
    assert "first frame" in EN(gif[0].label) and "300×536" in EN(gif[0].label)
    assert _plan(media, "images/rocket.jpg") == []


def test_apply_fix_dispatches(media: Path, tmp_path: Path) -> None:
    src = media / "images/no_time_for_that_tiny.gif"
    option = _plan(media, "images/no_time_for_that_tiny.gif")[0]
    out = apply_fix(option, src, tmp_path / f"first.{option.extension}", DEFAULT_LIMITS)
    assert check_file(probe(out), DEFAULT_LIMITS) == []
    trim = _plan(media, "audio/loop_safari_24s.mp3")[-1]
    out = apply_fix(trim, media / "audio/loop_safari_24s.mp3", tmp_path / "t.mp3")
    info = probe(out)
    assert check_file(info, DEFAULT_LIMITS) == []
    assert info.duration_s is not None and abs(info.duration_s - 15.0) <= 0.1
    with pytest.raises(FixError, match="fix is not known"):
        apply_fix(FixOption("x", "x", "explode", {}), src, tmp_path / "x")


def _synthetic_clip(
    path: Path, codec: str, fmt: str, times_s: list[float], size: tuple[int, int]
) -> None:
    """A clip of flat grey frames (brightness rising) shown at ``times_s`` (VFR allowed)."""
    with av.open(str(path), mode="w", format=fmt) as out:
        stream = out.add_stream(codec, rate=30)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv422p10le" if codec == "prores_ks" else "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        for i, t in enumerate(times_s):
            level = 20 + round(200 * i / max(1, len(times_s) - 1))
            frame = av.VideoFrame.from_ndarray(
                np.full((size[1], size[0], 3), level, dtype=np.uint8), format="rgb24"
            )
            frame.pts = round(t * 1000)
            frame.time_base = Fraction(1, 1000)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


@pytest.mark.parametrize(
    ("codec", "fmt", "suffix"),
    [("libx265", "matroska", "mkv"), ("prores_ks", "mov", "mov")],
)
def test_fit_video_variable_frame_rate_hevc_and_prores(
    tmp_path: Path, codec: str, fmt: str, suffix: str
) -> None:
    # ~2.8 s of variable frame rate: bursts at 30 fps, then gaps of a quarter second.
    times = [i / 30 for i in range(30)] + [1.0 + i * 0.25 for i in range(8)]
    src = tmp_path / f"vfr.{suffix}"
    _synthetic_clip(src, codec, fmt, times, (640, 360))
    out = fit_video(src, tmp_path / "cfr.mp4", DEFAULT_LIMITS)
    info = probe(out)
    assert check_file(info, DEFAULT_LIMITS) == []  # 640×360 < 480p: scaled up
    assert info.video_codec == "h264" and info.width is not None and info.height is not None
    assert abs(info.width / info.height - 16 / 9) < 0.02
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        pts = [f.time for f in container.decode(stream)]
    steps = np.diff(np.array(pts, dtype=np.float64))
    assert np.allclose(steps, steps[0], atol=1e-3)  # constant frame rate
    assert 1 / steps[0] <= 30.0 + 1e-6
    source_s = probe(src).duration_s
    assert source_s is not None and abs(len(pts) * steps[0] - source_s) <= 0.1
    # Brightness follows the source timing: at 2.6 s the source shows frame 36 of 38.
    late = frame_at(out, 2.6).mean()
    assert abs(late - (20 + 200 * 36 / 37)) < 6
