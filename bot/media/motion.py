"""Phone "motion photos": a still picture (JPEG or HEIC) with a short MP4 appended after
the still's own data, as many Android phones save them.

Two layouts are recognised, each only when the bytes it points at start an MP4 (an ISO
``ftyp`` box):

- **Google's Motion Photo format** (Android 11 on; Samsung writes it too): the still's XMP
  has ``Camera:MotionPhoto="1"`` and a ``Container:Directory`` whose ``Container:Item`` with
  ``Item:Semantic="MotionPhoto"`` gives the video's ``Item:Length`` in bytes; the video is
  the last item, so it ends the file. The older form has ``GCamera:MicroVideo="1"`` and
  ``GCamera:MicroVideoOffset``, the bytes from the video's start to the end of the file.
  The namespaces count, not the prefixes (writers use both ``Camera`` and ``GCamera``).
- **Samsung's trailer**: after the still, "SEF" fields, each ``marker (4 bytes), name
  length (4, little-endian), name, data``; the one named ``MotionPhoto_Data`` holds the
  MP4. The file ends with the directory: ``SEFH``, version, field count, per field its
  marker, offset back from ``SEFH`` and length (4 bytes each), then the directory's size
  and ``SEFT``.

Everything here is pure and synchronous (bytes in, offsets out; one file copy).
"""

from __future__ import annotations

import mmap
import os
import xml.etree.ElementTree as ET
from pathlib import Path

CAMERA_NS = "http://ns.google.com/photos/1.0/camera/"
CONTAINER_NS = "http://ns.google.com/photos/1.0/container/"
ITEM_NS = "http://ns.google.com/photos/1.0/container/item/"
SAMSUNG_VIDEO_FIELD = b"MotionPhoto_Data"
#: Larger XMP packets are not parsed (a JPEG's main XMP fits one 64 KB segment).
MAX_XMP_BYTES = 1 << 20

Span = tuple[int, int]
"""Where a video lies in a file: byte offset and length."""


def find_video(data: mmap.mmap | bytes, image_end: int | None, xmp: bytes | None) -> Span | None:
    """The appended video of a motion photo, or ``None`` when ``data`` is not one.

    ``image_end`` is the offset just past the still's own data (``None`` when the format's
    end is not measured, as for HEIC); ``xmp`` is the still's XMP packet, if any. The span
    found must start after the still, fit in the file and start with an ``ftyp`` box.
    """
    size = len(data)
    candidates = [_google_video(xmp, size), _samsung_video(data)]
    for span in candidates:
        if span is None:
            continue
        start, length = span
        if start < (image_end or 1) or length < 16 or start + length > size:
            continue
        if data[start + 4 : start + 8] == b"ftyp":
            return span
    return None


def _google_video(xmp: bytes | None, size: int) -> Span | None:
    """The video span Google's XMP declares (the last bytes of the file)."""
    if not xmp or len(xmp) > MAX_XMP_BYTES:
        return None
    try:
        root = ET.fromstring(xmp.rstrip(b"\x00 \r\n\t"))
    except ET.ParseError:
        return None
    motion = micro = False
    offset_from_end: int | None = None
    for element in root.iter():
        attrs = element.attrib
        motion |= attrs.get(f"{{{CAMERA_NS}}}MotionPhoto") == "1"
        micro |= attrs.get(f"{{{CAMERA_NS}}}MicroVideo") == "1"
        micro_offset = _int(attrs.get(f"{{{CAMERA_NS}}}MicroVideoOffset"))
        if micro_offset is not None:
            offset_from_end = micro_offset
        if (
            element.tag == f"{{{CONTAINER_NS}}}Item"
            and attrs.get(f"{{{ITEM_NS}}}Semantic") == "MotionPhoto"
        ):
            length = _int(attrs.get(f"{{{ITEM_NS}}}Length"))
            if length is not None and motion:
                offset_from_end = length
    if offset_from_end is None or not (motion or micro):
        return None
    return size - offset_from_end, offset_from_end


def _samsung_video(data: mmap.mmap | bytes) -> Span | None:
    """The ``MotionPhoto_Data`` field of a Samsung trailer, if the file ends with one."""
    size = len(data)
    if size < 20 or data[size - 4 : size] != b"SEFT":
        return None
    sefh = size - 8 - int.from_bytes(data[size - 8 : size - 4], "little")
    if sefh < 0 or data[sefh : sefh + 4] != b"SEFH":
        return None
    count = int.from_bytes(data[sefh + 8 : sefh + 12], "little")
    for i in range(min(count, 64)):
        entry = sefh + 12 + 12 * i
        if entry + 12 > size - 8:
            return None
        back = int.from_bytes(data[entry + 4 : entry + 8], "little")
        length = int.from_bytes(data[entry + 8 : entry + 12], "little")
        field = sefh - back
        if field < 0 or field + 8 > sefh:
            continue
        name_len = int.from_bytes(data[field + 4 : field + 8], "little")
        if data[field + 8 : field + 8 + name_len] == SAMSUNG_VIDEO_FIELD:
            start = field + 8 + name_len
            return start, field + length - start
    return None


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def extract_video(src: Path, span: Span, out_path: Path) -> Path:
    """Copy the ``span`` of ``src`` (a motion photo's video) into ``out_path`` (written
    beside it under a temporary name, then renamed into place)."""
    start, length = span
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.part")
    try:
        with src.open("rb") as fh, tmp.open("wb") as out:
            fh.seek(start)
            left = length
            while left > 0 and (chunk := fh.read(min(left, 1 << 20))):
                out.write(chunk)
                left -= len(chunk)
        os.replace(tmp, out_path)
    finally:
        tmp.unlink(missing_ok=True)
    return out_path
