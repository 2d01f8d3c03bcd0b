"""Tests for the local preview renderer (bot/providers/preview/) on real media.

The media live in ``../shared/media`` relative to the project root (see its README); the
tests that need them are skipped with a clear reason when that folder is absent.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from bot.providers.preview import (
    PreviewSpec,
    RenderError,
    RenderReference,
    render_preview,
)
from bot.providers.preview.overlay import _wrap

MEDIA = Path(__file__).resolve().parents[1].parent / "shared" / "media"
needs_media = pytest.mark.skipif(
    not (MEDIA / "README.md").is_file(),
    reason=f"real test media not found at {MEDIA} (shared/media must sit beside the clone)",
)

ROCKET = MEDIA / "images" / "rocket.jpg"
COFFEE = MEDIA / "images" / "coffee.png"
CHELSEA = MEDIA / "images" / "chelsea.png"
CITY = MEDIA / "video" / "city_720p.mp4"
CITY_MUSIC = MEDIA / "video" / "city_with_music.mov"
TABLA = MEDIA / "audio" / "loop_tabla.mp3"
BAD_TIFF = MEDIA / "images" / "multipage_rgb.tif"

PROMPT = (
    "A rocket lifts off at dawn while the camera tilts up through the smoke, then the "
    "city lights flicker on and we settle on a steaming cup of coffee."
)


def image(path: Path, n: int, role: str) -> RenderReference:
    return RenderReference("image", path, f"@image{n}", role, role.replace("_", " "))


def video(path: Path, n: int, role: str) -> RenderReference:
    return RenderReference("video", path, f"@video{n}", role, role.replace("_", " "))


def audio(path: Path, n: int, role: str) -> RenderReference:
    return RenderReference("audio", path, f"@audio{n}", role, role.replace("_", " "))


@dataclass
class Probe:
    format_names: set[str]
    video_codec: str
    width: int
    height: int
    pix_fmt: str
    duration_s: float
    frame_count: int
    audio_codec: str | None
    audio_rate: int | None
    audio_channels: int | None
    head: bytes


def probe(path: Path) -> Probe:
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        a = c.streams.audio[0] if c.streams.audio else None
        count = sum(1 for _ in c.decode(video=0))
        assert c.duration is not None
        return Probe(
            format_names=set(c.format.name.split(",")),
            video_codec=v.codec_context.name,
            width=v.codec_context.width,
            height=v.codec_context.height,
            pix_fmt=str(v.codec_context.pix_fmt),
            duration_s=c.duration / 1_000_000,
            frame_count=count,
            audio_codec=a.codec_context.name if a else None,
            audio_rate=a.codec_context.sample_rate if a else None,
            audio_channels=a.codec_context.channels if a else None,
            head=path.read_bytes()[:4096],
        )


def frames(path: Path, indices: set[int] | None = None) -> dict[int, np.ndarray]:
    """Decoded RGB frames (float32 HxWx3) by index; all frames when ``indices`` is None."""
    out: dict[int, np.ndarray] = {}
    with av.open(str(path)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if indices is None or i in indices:
                out[i] = f.to_ndarray(format="rgb24").astype(np.float32)
    return out


def last_index(path: Path) -> int:
    with av.open(str(path)) as c:
        return sum(1 for _ in c.decode(video=0)) - 1


def audio_samples(path: Path) -> np.ndarray:
    with av.open(str(path)) as c:
        chunks = [f.to_ndarray().reshape(-1) for f in c.decode(audio=0)]
    return np.concatenate(chunks).astype(np.float32)


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples)))) if samples.size else 0.0


def mean_colour(img: np.ndarray) -> np.ndarray:
    # Upper half of the frame only: the caption band sits in the lower third.
    return np.asarray(img[: img.shape[0] // 2].reshape(-1, 3).mean(axis=0), dtype=np.float32)


def source_mean(path: Path, size: tuple[int, int]) -> np.ndarray:
    with Image.open(path) as im:
        arr = np.asarray(im.convert("RGB").resize(size), dtype=np.float32)
    return mean_colour(arr)


def assert_basic(p: Probe, spec: PreviewSpec) -> None:
    assert "mp4" in p.format_names
    assert p.video_codec == "h264"
    assert p.pix_fmt == "yuv420p"
    assert (p.width, p.height) == (spec.width, spec.height)
    assert abs(p.duration_s - spec.duration_s) <= 0.1, p.duration_s
    assert abs(p.frame_count - spec.duration_s * spec.fps) <= 1, p.frame_count
    # faststart: the moov atom comes before the media data.
    assert b"moov" in p.head and (
        b"mdat" not in p.head or p.head.index(b"moov") < p.head.index(b"mdat")
    )


# --------------------------------------------------------------------------- shared renders


@pytest.fixture(scope="module")
def full_clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[PreviewSpec, Path, list[float]]:
    """first_frame rocket, a city video, last_frame coffee and the tabla loop, 480x272 4 s."""
    if not (MEDIA / "README.md").is_file():
        pytest.skip(f"real test media not found at {MEDIA}")
    spec = PreviewSpec(
        width=480,
        height=272,
        duration_s=4.0,
        prompt=PROMPT,
        references=(
            image(COFFEE, 1, "last_frame"),  # tag order must not decide the placement
            image(ROCKET, 2, "first_frame"),
            video(CITY, 1, "camera_movement"),
            audio(TABLA, 1, "background_music"),
        ),
    )
    out = tmp_path_factory.mktemp("preview") / "full.mp4"
    seen: list[float] = []
    render_preview(spec, out, seen.append)
    return spec, out, seen


@needs_media
def test_full_clip_container_and_streams(
    full_clip: tuple[PreviewSpec, Path, list[float]],
) -> None:
    spec, out, _ = full_clip
    p = probe(out)
    assert_basic(p, spec)
    assert p.audio_codec == "aac"
    assert p.audio_rate == 48_000
    assert p.audio_channels == 2


@needs_media
def test_progress_is_monotonic_and_finishes(
    full_clip: tuple[PreviewSpec, Path, list[float]],
) -> None:
    _, _, seen = full_clip
    assert seen, "progress was never reported"
    assert all(0.0 <= x <= 1.0 for x in seen)
    assert seen == sorted(seen)
    assert seen[-1] == 1.0


@needs_media
def test_reference_audio_is_audible(full_clip: tuple[PreviewSpec, Path, list[float]]) -> None:
    _, out, _ = full_clip
    samples = audio_samples(out)
    assert rms(samples) > 0.02, "the tabla loop should be clearly audible"


@needs_media
def test_first_and_last_frame_images_dominate(
    full_clip: tuple[PreviewSpec, Path, list[float]],
) -> None:
    spec, out, _ = full_clip
    size = (spec.width, spec.height)
    last = last_index(out)
    got = frames(out, {0, last})
    rocket, coffee = source_mean(ROCKET, size), source_mean(COFFEE, size)
    first_mean, last_mean = mean_colour(got[0]), mean_colour(got[last])
    assert np.linalg.norm(first_mean - rocket) < np.linalg.norm(first_mean - coffee) / 2
    assert np.linalg.norm(last_mean - coffee) < np.linalg.norm(last_mean - rocket) / 2


@needs_media
def test_video_reference_contributes_motion(
    full_clip: tuple[PreviewSpec, Path, list[float]],
) -> None:
    spec, out, _ = full_clip
    # Three segments with 0.5 s crossfades: the video owns the middle of the clip alone.
    mid = round(spec.duration_s * spec.fps / 2)
    got = frames(out, set(range(mid - 4, mid + 4)))
    diffs = [float(np.abs(got[i + 1] - got[i]).mean()) for i in range(mid - 4, mid + 3)]
    assert sum(d > 0.5 for d in diffs) >= 4, diffs
    # ...and the middle looks like the city footage, not the stills.
    with av.open(str(CITY)) as c:
        rgb = next(c.decode(video=0)).to_ndarray(format="rgb24")
    city = Image.fromarray(rgb).resize((spec.width, spec.height))
    city_mean = mean_colour(np.asarray(city, dtype=np.float32))
    mid_mean = mean_colour(got[mid])
    assert np.linalg.norm(mid_mean - city_mean) < np.linalg.norm(
        mid_mean - source_mean(COFFEE, (spec.width, spec.height))
    )


# --------------------------------------------------------------------------- other shapes


@needs_media
def test_audio_extraction_from_mov(tmp_path: Path) -> None:
    spec = PreviewSpec(
        width=640,
        height=640,
        duration_s=4.0,
        prompt="A cat in the city at night",
        references=(image(CHELSEA, 1, "character"), video(CITY_MUSIC, 1, "audio_extraction")),
        generate_audio=False,  # the audio must come from the extracted soundtrack
    )
    out = tmp_path / "extract.mp4"
    render_preview(spec, out)
    p = probe(out)
    assert_basic(p, spec)
    assert p.audio_codec == "aac"
    assert rms(audio_samples(out)) > 0.02
    # The extraction-only video does not take over the picture: the cat image does.
    first = mean_colour(frames(out, {0})[0])
    assert np.linalg.norm(first - source_mean(CHELSEA, (640, 640))) < 40


@needs_media
def test_video_only_reference_loops_when_shorter(tmp_path: Path) -> None:
    # A 1 s excerpt of the real city footage, so the 4 s segment must loop it.
    short = tmp_path / "city_1s.mp4"
    with av.open(str(CITY)) as src, av.open(str(short), "w") as dst:
        s = dst.add_stream("libx264", rate=25)
        s.width, s.height, s.pix_fmt = 320, 180, "yuv420p"
        for i, f in enumerate(src.decode(video=0)):
            if i >= 25:
                break
            small = f.reformat(width=320, height=180, format="yuv420p")
            small.pts = i
            small.time_base = Fraction(1, 25)
            dst.mux(s.encode(small))
        dst.mux(s.encode(None))
    spec = PreviewSpec(
        width=480,
        height=864,
        duration_s=4.0,
        prompt="",
        references=(video(short, 1, "choreography"),),
        generate_audio=False,
    )
    out = tmp_path / "loop.mp4"
    render_preview(spec, out)
    p = probe(out)
    assert_basic(p, spec)
    assert p.audio_codec is None
    got = frames(out)
    diffs = [float(np.abs(got[i + 1] - got[i]).mean()) for i in range(len(got) - 1)]
    late = diffs[60:]  # after 2.5 s the source has looped at least twice
    assert sum(d > 0.5 for d in late) > len(late) // 2, "looped video should keep moving"


def test_text_to_video_with_silent_audio(tmp_path: Path) -> None:
    spec = PreviewSpec(
        width=480, height=272, duration_s=4.0, prompt="Waves of light at sunset", references=()
    )
    out = tmp_path / "t2v.mp4"
    render_preview(spec, out)
    p = probe(out)
    assert_basic(p, spec)
    assert p.audio_codec == "aac", "generate_audio=True keeps an audio stream"
    assert rms(audio_samples(out)) < 1e-3, "no source: the audio track is silent"
    got = frames(out, {0, 90})
    assert float(np.abs(got[0] - got[90]).mean()) > 1.0, "the gradient should animate"


def test_text_to_video_without_audio(tmp_path: Path) -> None:
    spec = PreviewSpec(
        width=480,
        height=864,
        duration_s=4.5,  # 135 frames at 30 fps
        prompt="A quiet snowy forest",
        references=(),
        generate_audio=False,
        fps=30,
    )
    out = tmp_path / "t2v_mute.mp4"
    render_preview(spec, out)
    p = probe(out)
    assert_basic(p, spec)
    assert p.audio_codec is None


# --------------------------------------------------------------------------- errors


@needs_media
def test_undecodable_image_raises_clear_error(tmp_path: Path) -> None:
    spec = PreviewSpec(480, 272, 4.0, "x", (image(BAD_TIFF, 1, "style"),))
    out = tmp_path / "bad.mp4"
    with pytest.raises(RenderError) as err:
        render_preview(spec, out)
    msg = str(err.value)
    assert "@image1" in msg and "couldn't be read" in msg  # the stored file's name means nothing
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [], "no partial/temporary file left behind"


@needs_media
def test_truncated_video_raises_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(CITY.read_bytes()[:20_000])
    spec = PreviewSpec(480, 272, 4.0, "x", (video(broken, 1, "camera_movement"),))
    with pytest.raises(RenderError) as err:
        render_preview(spec, tmp_path / "out.mp4")
    msg = str(err.value)
    assert "@video1" in msg and "damaged" in msg


@needs_media
def test_audio_extraction_without_audio_track_raises(tmp_path: Path) -> None:
    spec = PreviewSpec(480, 272, 4.0, "x", (video(CITY, 1, "audio_extraction"),))
    with pytest.raises(RenderError, match="no sound track"):
        render_preview(spec, tmp_path / "out.mp4")


def test_missing_file_raises(tmp_path: Path) -> None:
    spec = PreviewSpec(480, 272, 4.0, "x", (audio(tmp_path / "gone.mp3", 1, "sound_effects"),))
    with pytest.raises(RenderError, match="missing"):
        render_preview(spec, tmp_path / "out.mp4")


@pytest.mark.parametrize(
    ("width", "height", "duration", "fps"),
    [(481, 272, 4.0, 24), (480, 0, 4.0, 24), (480, 272, 0.0, 24), (480, 272, 4.0, 0)],
)
def test_invalid_spec_raises_value_error(
    tmp_path: Path, width: int, height: int, duration: float, fps: int
) -> None:
    with pytest.raises(ValueError):
        render_preview(PreviewSpec(width, height, duration, "x", (), fps=fps), tmp_path / "o.mp4")


# --------------------------------------------------------------------------- captions


def test_long_prompt_is_wrapped_and_truncated() -> None:
    from bot.providers.preview.overlay import _font

    font = _font(20)
    lines = _wrap("word " * 400, font, 300, max_lines=3)
    assert len(lines) == 3
    assert lines[-1].endswith("…")
    assert all(font.getlength(line) <= 300 for line in lines)
    assert _wrap("short prompt", font, 300, max_lines=3) == ["short prompt"]
    # An unbroken very long token is hard-cut rather than overflowing.
    long_token = _wrap("x" * 500, font, 300, max_lines=2)
    assert len(long_token) == 2 and all(font.getlength(s) <= 300 for s in long_token)
