"""Hostile uploads: every file in :mod:`tests.corpus` is refused with a message naming the
problem, or probed to correct facts, quickly and in bounded memory; refused downloads leave
nothing behind.

Policy for polyglots (an image with another file appended after its end marker): refused, for
every image format whose end intake can find (PNG, JPEG, MPO, WebP, GIF). Intake stores uploads
as they are, so accepting "the image part" would store and forward the payload too; re-saving
the image drops it. NUL padding (≤ 64 KiB) after the end is tolerated.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
from PIL import Image

from bot.errors import AssetRejected
from bot.media.intake import download, probe_upload
from bot.media.probe import UnreadableMedia, probe
from bot.seedance.checks import check_upload
from bot.seedance.limits import DEFAULT_LIMITS, MB
from tests.conftest import MEDIA
from tests.corpus import TRAVERSAL_NAME, make_corpus

ROOT = Path(__file__).resolve().parents[1]
ADVICE = "Upload a JPEG, PNG or WebP image"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_corpus(tmp_path_factory.mktemp("corpus"))


def _as_upload(corpus: dict[str, Path], kind: str, directory: Path) -> Path:
    """A copy named the way :func:`bot.media.intake.download` names files (the upload's own name and
    extension never reach the disk)."""
    if kind not in corpus:
        pytest.skip(f"corpus file {kind!r} needs real media at {MEDIA} (absent)")
    copy = directory / "upload-x1y2z3.part"
    shutil.copyfile(corpus[kind], copy)
    return copy


# ------------------------------------------------------------------------ refusals


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    ("kind", "filename", "problem"),
    [
        ("zip_as_png", "photo.png", r"looks like a zip file"),
        ("truncated_mp4", "cut.mp4", r"could not be decoded|truncated"),
        ("jpeg_zip_polyglot", "holiday.jpg", r"[\d,]+ bytes of other data hidden after the end"),
        ("png_html_polyglot", "logo.png", r"[\d,]+ bytes of other data hidden after the end"),
        ("png_bomb", "bomb.png", r"too large to open safely"),
        ("stream_bomb_mkv", "clip.mkv", r"more than 16 streams"),
        ("stream_bomb_pyav", "clip.mkv", r"more than 16 streams"),
        ("empty", "empty.png", r"empty \(0 bytes\)"),
        ("wav_hours", "long.wav", r"truncated"),
        ("mp4_sample_bomb", "samples.mp4", r"no decoder could read it"),
        ("random_mov", "random.mov", r"no decoder could read it"),
        ("text_png", "notes.png", r"no decoder could read it"),
        ("hls_png", "playlist.png", r"no decoder could read it"),
        ("gif_frame_bomb", "frames.gif", r"more than 1,000 frames"),
    ],
)
def test_hostile_file_is_refused_naming_the_problem(
    corpus: dict[str, Path], tmp_path: Path, kind: str, filename: str, problem: str
) -> None:
    upload = _as_upload(corpus, kind, tmp_path)
    with pytest.raises(AssetRejected) as caught:
        probe_upload(upload, filename)
    text = str(caught.value)
    assert text.startswith(f"`{filename}` was not added: ")
    assert ADVICE in text
    assert isinstance(caught.value.__cause__, UnreadableMedia)
    assert re.search(problem, text), text


@pytest.mark.timeout(20)
def test_polyglot_refusal_tells_the_member_how_to_fix_it(
    corpus: dict[str, Path], tmp_path: Path
) -> None:
    for kind in ("jpeg_zip_polyglot", "png_html_polyglot"):
        with pytest.raises(UnreadableMedia, match="save or export it again") as caught:
            probe(_as_upload(corpus, kind, tmp_path))
        hidden = int(str(caught.value).split()[2].replace(",", ""))
        assert 0 < hidden < corpus[kind].stat().st_size


# ------------------------------------------------------------------------ correct facts


@pytest.mark.timeout(20)
def test_video_named_mp3_is_identified_as_video_by_its_bytes(
    corpus: dict[str, Path], tmp_path: Path
) -> None:
    info = probe_upload(_as_upload(corpus, "video_as_mp3", tmp_path), "song.mp3")
    assert (info.kind, info.format, info.extension) == ("video", "mp4", "mp4")
    assert info.width and info.height and info.duration_s
    if MEDIA.is_dir():
        assert (info.width, info.height, info.video_codec) == (1280, 720, "h264")


@pytest.mark.timeout(20)
@pytest.mark.filterwarnings("ignore::UserWarning:PIL.TiffImagePlugin")
def test_jpeg_with_huge_exif_probes_to_correct_facts(
    corpus: dict[str, Path], tmp_path: Path
) -> None:
    info = probe_upload(_as_upload(corpus, "jpeg_huge_exif", tmp_path), "exif.jpg")
    assert (info.kind, info.format, info.width, info.height, info.frames) == (
        "image",
        "jpeg",
        640,
        480,
        1,
    )
    assert info.size_bytes > 1_000_000
    check_upload(info, [], DEFAULT_LIMITS, "exif.jpg")  # a fine 640×480 JPEG otherwise


@pytest.mark.timeout(20)
@pytest.mark.parametrize(("kind", "size"), [("png_wide", (100_000, 1)), ("png_tall", (1, 65_000))])
def test_extreme_sides_are_measured_then_refused_by_the_side_limits(
    corpus: dict[str, Path], tmp_path: Path, kind: str, size: tuple[int, int]
) -> None:
    info = probe_upload(_as_upload(corpus, kind, tmp_path), "strip.png")
    assert (info.kind, info.format, (info.width, info.height)) == ("image", "png", size)
    with pytest.raises(AssetRejected) as caught:
        check_upload(info, [], DEFAULT_LIMITS, "strip.png")
    text = str(caught.value)
    assert "at least 300 px" in text and "at most 6,000 px" in text
    assert f"{size[0]}×{size[1]} px" in text


@pytest.mark.timeout(20)
def test_mpo_and_nul_padding_are_not_mistaken_for_polyglots(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (400, 300), c) for c in ((200, 0, 0), (0, 0, 200))]
    mpo = tmp_path / "upload-mpo.part"
    frames[0].save(mpo, format="MPO", save_all=True, append_images=frames[1:])
    info = probe(mpo)
    assert (info.format, info.frames) == ("jpeg", 2)
    padded = tmp_path / "upload-padded.part"
    buffer = io.BytesIO()
    frames[0].save(buffer, format="PNG")
    padded.write_bytes(buffer.getvalue() + bytes(4096))
    assert probe(padded).format == "png"


def test_real_media_is_never_refused_by_the_hostile_checks(media: Path) -> None:
    for path in sorted(p for p in media.rglob("*") if p.is_file() and p.suffix != ".md"):
        try:
            probe(path)
        except UnreadableMedia as exc:
            assert path.name == "multipage_rgb.tif", f"{path.name}: {exc}"
            assert "could not be decoded" in str(exc)


# ------------------------------------------------------------------------ bounded memory

_BOMB_KINDS = (
    "png_bomb",
    "stream_bomb_mkv",
    "stream_bomb_pyav",
    "gif_frame_bomb",
    "mp4_sample_bomb",
    "wav_hours",
)
_LIMITED_PROBE = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (int(1.5 * 2**30),) * 2)
from pathlib import Path
from bot.media.probe import UnreadableMedia, probe
results = {}
for kind, path in json.loads(sys.argv[1]).items():
    try:
        results[kind] = repr(probe(Path(path)))
    except UnreadableMedia as exc:
        results[kind] = "refused: " + str(exc)
print(json.dumps(results))
"""


@pytest.mark.timeout(20)
def test_bombs_are_refused_within_a_1_5_gib_address_space(corpus: dict[str, Path]) -> None:
    paths = {kind: str(corpus[kind]) for kind in _BOMB_KINDS}
    done = subprocess.run(
        [sys.executable, "-c", _LIMITED_PROBE, json.dumps(paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=18,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(results) == set(_BOMB_KINDS)
    for kind, outcome in results.items():
        assert outcome.startswith("refused: "), (kind, outcome)


# ------------------------------------------------------------------------ downloads

Handler = Callable[[asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture
async def server(corpus: dict[str, Path]) -> AsyncIterator[str]:
    """A raw loopback HTTP/1.1 server (aiohttp's own server would refuse to lie)."""

    async def honest(writer: asyncio.StreamWriter, body: bytes) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        writer.write(head.encode() + body)

    async def lies_long(writer: asyncio.StreamWriter) -> None:
        # Claims 10 MB, sends 1,000 bytes and hangs up.
        head = "HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\nConnection: close\r\n\r\n"
        writer.write(head.encode() + b"\x89PNG" + bytes(996))

    async def lies_short(writer: asyncio.StreamWriter) -> None:
        # Claims 1,000 bytes, then keeps sending past the cap.
        head = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n"
        writer.write(head.encode())
        for _ in range(64):
            writer.write(bytes(64 * 1024))
            await writer.drain()

    async def forever(writer: asyncio.StreamWriter) -> None:
        head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        writer.write(head.encode())
        chunk = b"%x\r\n%s\r\n" % (64 * 1024, bytes(64 * 1024))
        while True:  # until the client hangs up
            writer.write(chunk)
            await writer.drain()

    async def missing(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    routes: dict[str, Handler] = {
        "/lies-long": lies_long,
        "/lies-short": lies_short,
        "/forever": forever,
        "/missing": missing,
    }

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await reader.readuntil(b"\r\n\r\n")
            target = request.split(b" ")[1].decode()
            if target.startswith("/file/"):
                await honest(writer, corpus[target.removeprefix("/file/")].read_bytes())
            else:
                await routes[target](writer)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        listener.close()


async def _refused_download(url: str, directory: Path, max_bytes: int, name: str) -> str:
    async with aiohttp.ClientSession() as http:
        with pytest.raises(AssetRejected) as caught:
            await download(http, url, directory, max_bytes, name)
    assert os.listdir(directory) == [], "a refused download left a file behind"
    return str(caught.value)


@pytest.mark.timeout(20)
async def test_download_over_the_cap_is_refused_and_removed(server: str, tmp_path: Path) -> None:
    text = await _refused_download(f"{server}/file/stream_bomb_mkv", tmp_path, MB, "clip.mkv")
    assert "at most 1 MB" in text and "`clip.mkv`" in text


@pytest.mark.timeout(20)
async def test_download_that_streams_forever_stops_at_the_cap(server: str, tmp_path: Path) -> None:
    text = await _refused_download(f"{server}/forever", tmp_path, 2 * MB, "endless.mp4")
    assert "at most 2 MB" in text


@pytest.mark.timeout(20)
async def test_download_whose_content_length_overclaims_is_refused(
    server: str, tmp_path: Path
) -> None:
    text = await _refused_download(f"{server}/lies-long", tmp_path, 50 * MB, "liar.png")
    assert "could not be downloaded" in text and "try again" in text


@pytest.mark.timeout(20)
async def test_download_whose_content_length_underclaims_never_exceeds_it(
    server: str, tmp_path: Path
) -> None:
    # aiohttp frames the body by Content-Length and then chokes on the extra bytes: either
    # way no more than the declared 1,000 bytes ever reach the disk.
    async with aiohttp.ClientSession() as http:
        try:
            fetched = await download(http, f"{server}/lies-short", tmp_path, MB, "liar.png")
        except AssetRejected as exc:
            assert "could not be downloaded" in str(exc)
            assert os.listdir(tmp_path) == []
            return
    assert fetched.size_bytes == 1000 and fetched.path.stat().st_size == 1000
    with pytest.raises(AssetRejected, match="no decoder could read it"):
        probe_upload(fetched.path, "liar.png")


@pytest.mark.timeout(20)
async def test_http_error_leaves_nothing_behind(server: str, tmp_path: Path) -> None:
    text = await _refused_download(f"{server}/missing", tmp_path, MB, "gone.png")
    assert "answered 404" in text


@pytest.mark.timeout(20)
async def test_path_traversal_name_never_reaches_the_disk(server: str, tmp_path: Path) -> None:
    folder = tmp_path / "sessions" / "7"
    async with aiohttp.ClientSession() as http:
        fetched = await download(http, f"{server}/file/traversal", folder, MB, TRAVERSAL_NAME)
    assert fetched.path.parent == folder
    assert fetched.path.name.startswith("upload-") and fetched.path.suffix == ".part"
    assert [p.name for p in folder.iterdir()] == [fetched.path.name]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sessions"]
    info = probe_upload(fetched.path, TRAVERSAL_NAME)
    assert (info.kind, info.extension) == ("image", "png")
    # The name is only ever shown back to the member, never joined to a path.
    with pytest.raises(AssetRejected, match=r"^`\.\./\.\./etc/passwd\.png` was not"):
        check_upload(replace(info, width=10), [], DEFAULT_LIMITS, TRAVERSAL_NAME)
