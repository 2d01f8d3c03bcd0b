"""Phone photos: motion photos (a real JPEG or HEIC with a real short MP4 appended, laid
out as Google's and Samsung's cameras write them) are found by the probe and taken as their
still, their video offered as a video asset; HEIC photos are converted to JPEG; appended
data that is no video stays refused. Probing is pure; the intake runs through the real
uploads service (SQLite, a loopback file server)."""

from __future__ import annotations

import mmap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bot.media.probe import UnreadableMedia, _jpeg_end, probe
from bot.sessions.uploads import Added
from bot.words import Words
from tests.corpus import _zip_bytes
from tests.phone_media import (
    GOOGLE_XMP,
    google_motion_photo,
    heic_photo,
    samsung_motion_photo,
    short_clip,
)
from tests.test_sessions import Clock, Core, Outcomes, U, core, files  # noqa: F401 (fixtures)

pytestmark = pytest.mark.usefixtures("media")
EN = Words.english().text


@pytest.fixture
def clip(media: Path, tmp_path: Path) -> Path:
    """2.5 s of the real 720p footage, as a phone's motion-photo video."""
    return short_clip(media / "video/city_720p.mp4", tmp_path / "clip.mp4", 2.5)


def _picture(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB").resize((64, 43)), dtype=np.float32)


@pytest.mark.parametrize("layout", ["google", "micro_video", "samsung"])
def test_each_motion_photo_layout_is_found(
    media: Path, clip: Path, tmp_path: Path, layout: str
) -> None:
    out = tmp_path / "PXL_MP.jpg"
    if layout == "samsung":
        samsung_motion_photo(media / "images/rocket.jpg", clip, out)
    else:
        google_motion_photo(media / "images/rocket.jpg", clip, out, legacy=layout != "google")
    info = probe(out)
    assert (info.kind, info.format, info.width, info.height) == ("image", "jpeg", 640, 427)
    assert info.embedded_video is not None
    start, length = info.embedded_video
    assert out.read_bytes()[start : start + length] == clip.read_bytes()


def test_a_heic_motion_photo_is_found(media: Path, clip: Path, tmp_path: Path) -> None:
    still = tmp_path / "still.heic"
    video = clip.read_bytes()
    with Image.open(media / "images/rocket.jpg") as image:  # probe registered pillow-heif
        xmp = GOOGLE_XMP.format(length=len(video), timestamp_us=0).encode()
        image.save(still, format="HEIF", quality=80, xmp=xmp)
    out = tmp_path / "PXL_MP.heic"
    out.write_bytes(still.read_bytes() + video)
    info = probe(out)
    assert (info.format, info.embedded_video) == ("heic", (len(out.read_bytes()) - len(video),
                                                           len(video)))  # fmt: skip


@pytest.mark.parametrize("layout", ["google", "samsung"])
def test_a_motion_photo_claim_without_a_video_is_still_refused(
    media: Path, tmp_path: Path, layout: str
) -> None:
    """A zip where the video should be: the file stays a polyglot, refused."""
    payload = tmp_path / "payload.mp4"
    payload.write_bytes(_zip_bytes())
    out = tmp_path / "fake_MP.jpg"
    if layout == "samsung":
        samsung_motion_photo(media / "images/rocket.jpg", payload, out)
    else:
        google_motion_photo(media / "images/rocket.jpg", payload, out)
    with pytest.raises(UnreadableMedia, match="hidden after the end of the image"):
        probe(out)


async def _upload(services: Core, server: str, path: Path) -> Added:
    """Open a session and upload ``path`` (a file right in the test's ``tmp_path``) to it."""
    session = await services.sessions.open_session(10, 20, U)
    url = f"{server}/tmp/{path.name}"
    return await services.uploads.add_asset(session.id, U, url=url, filename=path.name,
                                            declared_size=1)  # fmt: skip


async def test_a_motion_photo_is_kept_as_its_still_and_offers_its_video(
    core: tuple[Core, Clock, Outcomes],
    files: str,
    media: Path,
    clip: Path,
    tmp_path: Path,
) -> None:
    s, _, _ = core
    photo = google_motion_photo(media / "images/rocket.jpg", clip, tmp_path / "PXL_1_MP.jpg")
    added = await _upload(s, files, photo)
    still = added.asset
    assert (still.tag, still.format, still.width, still.height) == ("@image1", "jpeg", 640, 427)
    assert [EN(note) for note in added.notes] == [
        "It is a motion photo: its still picture was kept, saved again as a clean JPEG "
        "without the video."
    ]
    # The stored still is a plain JPEG: it ends where its image data ends.
    with still.path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        assert _jpeg_end(mm, 0) == len(mm) < photo.stat().st_size - clip.stat().st_size
    assert probe(still.path).embedded_video is None
    assert np.abs(_picture(still.path) - _picture(media / "images/rocket.jpg")).mean() < 3
    assert added.clip is not None
    assert [(key, EN(label)) for key, label in added.clip.options] == [
        ("keep", "Add its 2.5 s video")
    ]
    assert "It also holds a 2.5 s video" in str(added.clip)
    video = (await s.uploads.apply_fix(added.clip.pending_id, "keep", U)).asset
    assert (video.tag, video.filename, video.format) == ("@video1", "PXL_1_MP-video.mp4", "mp4")
    assert video.duration_s == pytest.approx(2.48, abs=0.01)
    assert video.path.read_bytes() == clip.read_bytes()


async def test_a_motion_photo_whose_video_cannot_be_one_says_why(
    core: tuple[Core, Clock, Outcomes],
    files: str,
    media: Path,
    tmp_path: Path,
) -> None:
    s, _, _ = core
    short = short_clip(media / "video/city_720p.mp4", tmp_path / "short.mp4", 1.5)
    photo = samsung_motion_photo(media / "images/coffee.png", short, tmp_path / "20240101_1.jpg")
    added = await _upload(s, files, photo)
    assert (added.asset.kind, added.asset.format) == ("image", "jpeg")
    assert added.clip is None
    assert "motion photo" in EN(added.notes[0])
    assert "video clips must be at least 2 s long; this one is 1.5 s" in EN(added.notes[1])
    pending = s.sessions.data_dir / "sessions" / str(added.asset.session_id) / "pending"
    assert not pending.exists() or list(pending.iterdir()) == []  # the video is not kept


async def test_a_motion_photos_1080p_video_is_offered_scaled_down(
    core: tuple[Core, Clock, Outcomes],
    files: str,
    media: Path,
    tmp_path: Path,
) -> None:
    s, _, _ = core
    big = short_clip(media / "video/city_20s_1080p.mp4", tmp_path / "big.mp4", 2.5)
    photo = samsung_motion_photo(media / "images/rocket.jpg", big, tmp_path / "20240101_2.jpg")
    added = await _upload(s, files, photo)
    assert added.clip is not None
    assert [(key, EN(label)) for key, label in added.clip.options] == [
        ("fit", "Scale down to 1280×720")
    ]
    assert "videos can be at most 720p (1280×720)" in str(added.clip)


async def test_a_heic_photo_is_converted_and_accepted(
    core: tuple[Core, Clock, Outcomes],
    files: str,
    media: Path,
    tmp_path: Path,
) -> None:
    s, _, _ = core
    heic = heic_photo(media / "images/chelsea.png", tmp_path / "IMG_0001.HEIC")
    assert probe(heic).format == "heic"
    added = await _upload(s, files, heic)
    asset = added.asset
    assert (asset.tag, asset.format, asset.width, asset.height) == ("@image1", "jpeg", 451, 300)
    assert [EN(note) for note in added.notes] == ["It was converted from HEIC to JPEG."]
    assert added.clip is None
    assert probe(asset.path).format == "jpeg"
    assert np.abs(_picture(asset.path) - _picture(media / "images/chelsea.png")).mean() < 4
