"""Local realistic-face pre-check for uploads, run before any credit is held.

Seedance 2.0 providers reject uploads that contain realistic human faces: seed 000 says such
uploads are blocked, seed 002 warns that even a face used only as a motion or camera reference
may be, and seed 004 says they are rejected automatically. A rejection after submission wastes
the member's time and a credit hold, so Callsheet looks for faces locally first and warns.

What it does
    Images are decoded with Pillow (first frame only for GIF/TIFF; JPEGs via ``draft`` so a 6000 px
    photo is DCT-scaled while decoding), turned upright per EXIF and converted to grayscale, then
    scaled so the short side is ``ANALYSIS_SHORT_SIDE`` (1,000 px; the long side at most
    ``ANALYSIS_LONG_SIDE``, 2,000 px), enlarging a small picture at most ``MAX_ENLARGE`` (1.25×).
    Videos are sampled: ``samples`` timestamps spread evenly over the clip (the middle of each of
    ``samples`` equal slices); for each, PyAV either keeps decoding forward from the previous sample
    or seeks to the keyframe before it and decodes forward to it, at most
    ``_MAX_DECODE_PER_SAMPLE`` frames per sample, so the whole of a long clip is never decoded (in
    a long GOP the frame used may be earlier than the target; ``at_s`` reports the real time).
    Audio has no faces.

    Detection is dlib's HOG + linear SVM frontal face detector
    (``dlib.get_frontal_face_detector()``: five sliding-window detectors — frontal, left, right and
    both tilts — trained on labelled faces, built into the ``dlib-bin`` wheel; nothing is
    downloaded at run time) at dlib's own threshold (a window scoring above 0). Its window is
    80×80 px, so in a large picture the smallest face found is 8 % of the short side (80 of
    1,000 px) and in a small one ~64 px.

Measured (``bench/faces.py``, the set of ``tests/face_set.py``: 40 photographs of real people —
    two public-domain portraits as they are, mirrored, rotated ±15°, dark, washed out, grey,
    small JPEG and small in a wide scene, and 22 LFW face crops from scikit-image; 18 drawn or
    stylised faces; 50 pictures with no face — sample photos and textures, city footage frames,
    LFW background crops, a cat): it flagged 39 of the 40 real faces and none of the 50 face-less
    pictures (the OpenCV Haar cascade with an eye check it replaced: 11 of 40 and none); a
    median 25 ms per image, decode included, where the old check took 126 ms.

Limits
    It flags roughly frontal faces (up to about a three-quarter view and ±15° of tilt); profiles,
    occluded or very small faces are missed, and drawn, painted or stylised faces are often flagged
    too (13 of the set's 18): no detector tells a drawing from a photograph. That is why Callsheet
    treats a finding as a question the member answers (keep or remove), unless the guild has chosen
    to block. Undecodable input raises nothing and returns ``found=False`` (intake refuses such
    files earlier anyway).

Units
    ``boxes`` are ``(x, y, w, h)`` in source pixels for images (after EXIF orientation) and in
    decoded-frame pixels for videos; ``at_s`` are presentation timestamps in seconds of the sampled
    frames that contain a face; ``largest_fraction`` is the largest face side divided by the frame's
    short side (0.0 when nothing is found).

The functions are synchronous and CPU-bound; the caller runs them in a worker thread.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import av
import dlib
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageOps

__all__ = [
    "ANALYSIS_LONG_SIDE",
    "ANALYSIS_SHORT_SIDE",
    "MAX_ENLARGE",
    "NO_FACE",
    "PREVIEW_SIDE",
    "FaceFinding",
    "detect_faces",
    "detect_faces_in_image",
    "detect_faces_in_video",
    "preview_path",
]

# Frames are scaled so their short side is this many px (the detector's 80 px window is then 8 %
# of it), their long side at most ANALYSIS_LONG_SIDE, enlarging at most MAX_ENLARGE: together they
# bound time and memory per frame. Chosen on tests/face_set.py (bench/faces.py).
ANALYSIS_SHORT_SIDE = 1000
ANALYSIS_LONG_SIDE = 2000
MAX_ENLARGE = 1.25
# The face preview shown to the member: its long side (px) and the outline of each face.
PREVIEW_SIDE = 640
_BOX_COLOUR = (255, 176, 0)
# Images larger than this are not decoded (decompression bomb guard; same bound as bot.media.probe).
_MAX_IMAGE_PIXELS = 2 * 6000 * 6000
# At most this many frames are decoded after each seek while walking to the sample timestamp.
_MAX_DECODE_PER_SAMPLE = 60

_Gray = npt.NDArray[np.uint8]
_Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class FaceFinding:
    """Result of a face pre-check (see the module docstring for units)."""

    found: bool
    boxes: tuple[tuple[int, int, int, int], ...]
    at_s: tuple[float, ...]
    largest_fraction: float


NO_FACE = FaceFinding(found=False, boxes=(), at_s=(), largest_fraction=0.0)

_local = threading.local()


def _detector() -> Any:
    """dlib's frontal face detector, one per thread (it keeps scratch buffers)."""
    detector = getattr(_local, "detector", None)
    if detector is None:
        detector = dlib.get_frontal_face_detector()
        _local.detector = detector
    return detector


def _analysis_size(width: int, height: int) -> tuple[int, int]:
    """The size a ``width``×``height`` frame is scaled to before detection."""
    scale = min(
        ANALYSIS_SHORT_SIDE / min(width, height), ANALYSIS_LONG_SIDE / max(width, height),
        MAX_ENLARGE,
    )  # fmt: skip
    return max(1, round(width * scale)), max(1, round(height * scale))


def _faces_in_gray(gray: _Gray) -> list[_Box]:
    """Face boxes in ``gray`` (already at its analysis size), in its pixels."""
    height, width = gray.shape
    found = _detector()(np.ascontiguousarray(gray), 0)
    boxes: list[_Box] = []
    for rect in found:
        left, top = max(0, rect.left()), max(0, rect.top())
        right, bottom = min(width, rect.right() + 1), min(height, rect.bottom() + 1)
        if right > left and bottom > top:
            boxes.append((left, top, right - left, bottom - top))
    return boxes


def _to_source(boxes: list[_Box], sx: float, sy: float) -> list[_Box]:
    return [(round(x * sx), round(y * sy), round(w * sx), round(h * sy)) for x, y, w, h in boxes]


def _largest_fraction(boxes: list[_Box], width: int, height: int) -> float:
    if not boxes:
        return 0.0
    return max(max(w, h) for _x, _y, w, h in boxes) / min(width, height)


def preview_path(asset_path: Path) -> Path:
    """Where the face preview of the asset stored at ``asset_path`` is written
    (``<stem>.face.jpg`` beside it)."""
    return asset_path.with_name(f"{asset_path.stem}.face.jpg")


def _write_preview(picture: Image.Image, boxes: list[_Box], out: Path) -> None:
    """Save ``picture`` (RGB) as a JPEG at most ``PREVIEW_SIDE`` px long with each face
    box (in ``picture`` px) outlined, so the member sees what was found."""
    shrink = min(1.0, PREVIEW_SIDE / max(picture.size))
    if shrink < 1.0:
        size = (max(1, round(picture.width * shrink)), max(1, round(picture.height * shrink)))
        picture = picture.resize(size, Image.Resampling.BOX)
    draw = ImageDraw.Draw(picture)
    k = shrink
    for x, y, w, h in boxes:
        draw.rectangle((x * k, y * k, (x + w) * k, (y + h) * k), outline=_BOX_COLOUR, width=4)
    tmp = out.with_name(f".{out.name}.tmp")
    picture.save(tmp, format="JPEG", quality=85)
    tmp.replace(out)


def detect_faces_in_image(path: Path, preview: Path | None = None) -> FaceFinding:
    """Look for realistic frontal faces in an image (first frame of animated/multi-page
    files); when one is found and ``preview`` is given, write the picture with the faces
    outlined there (JPEG, ≤ ``PREVIEW_SIDE`` px)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as img:
                if img.width * img.height > _MAX_IMAGE_PIXELS:
                    return NO_FACE
                # EXIF orientation 5–8 swaps the axes; the source size is the upright one.
                upright = ImageOps.exif_transpose(img.copy() if img.format != "JPEG" else img)
                src_w, src_h = upright.size
                if img.format == "JPEG":
                    # DCT scaling while decoding: a 6000×4000 JPEG decodes at ≤ 1/4 the pixels.
                    img.draft("RGB", _analysis_size(img.width, img.height))
                    upright = ImageOps.exif_transpose(img)
                colour = upright.convert("RGB")
    except Exception:
        return NO_FACE
    work_w, work_h = _analysis_size(src_w, src_h)
    if colour.size != (work_w, work_h):
        enlarge = work_w > colour.width
        resample = Image.Resampling.BILINEAR if enlarge else Image.Resampling.BOX
        colour = colour.resize((work_w, work_h), resample)
    boxes = _faces_in_gray(np.asarray(colour.convert("L"), dtype=np.uint8))
    if not boxes:
        return NO_FACE
    if preview is not None:
        _write_preview(colour, boxes, preview)
    return FaceFinding(
        found=True,
        boxes=tuple(_to_source(boxes, src_w / work_w, src_h / work_h)),
        at_s=(),
        largest_fraction=_largest_fraction(boxes, work_w, work_h),
    )


def _sample_times(
    container: av.container.InputContainer, stream: av.VideoStream, samples: int
) -> list[float]:
    """Middles of ``samples`` equal slices of the clip, in seconds (one time if no duration)."""
    time_base = stream.time_base
    start = 0.0
    if stream.start_time is not None and time_base is not None:
        start = float(stream.start_time * time_base)
    duration = 0.0
    if stream.duration is not None and time_base is not None:
        duration = float(stream.duration * time_base)
    elif container.duration is not None:
        duration = container.duration / av.time_base
    if duration <= 0:
        return [start]
    return [start + duration * (i + 0.5) / samples for i in range(samples)]


class _Sampler:
    """Hands out the frame at (or just after) each ascending target time.

    For each target it either keeps decoding forward from the previous sample (when the target is
    close enough to reach within ``_MAX_DECODE_PER_SAMPLE`` frames) or seeks to the keyframe at or
    before it and decodes forward from there, never more than ``_MAX_DECODE_PER_SAMPLE`` frames. In
    a long GOP the frame used may therefore be earlier than the target; ``frame.time`` says which.
    """

    def __init__(self, container: av.container.InputContainer, stream: av.VideoStream) -> None:
        self._container = container
        self._stream = stream
        self._frames: Iterator[av.VideoFrame] | None = None
        self._last_time: float | None = None
        rate = stream.average_rate or stream.guessed_rate
        self._reach_s = _MAX_DECODE_PER_SAMPLE / float(rate) if rate else 0.0

    def frame_at(self, target_s: float) -> av.VideoFrame | None:
        time_base = self._stream.time_base
        if time_base is None:
            return None
        last = self._last_time
        if self._frames is None or last is None or not 0 <= target_s - last <= self._reach_s:
            self._container.seek(round(target_s / time_base), stream=self._stream, backward=True)
            self._frames = self._container.decode(self._stream)
        chosen: av.VideoFrame | None = None
        for decoded, frame in enumerate(self._frames):
            chosen = frame
            if frame.time is None or frame.time >= target_s - 1e-3:
                break
            if decoded + 1 >= _MAX_DECODE_PER_SAMPLE:
                break
        self._last_time = chosen.time if chosen is not None else None
        return chosen


def detect_faces_in_video(path: Path, samples: int = 6, preview: Path | None = None) -> FaceFinding:
    """Look for realistic frontal faces in ``samples`` frames spread over a video clip;
    when one is found and ``preview`` is given, write the first frame with a face, the
    faces outlined, there (JPEG, ≤ ``PREVIEW_SIDE`` px)."""
    samples = max(1, samples)
    boxes: list[_Box] = []
    times: list[float] = []
    largest = 0.0
    seen: set[int] = set()
    try:
        with av.open(str(path), mode="r") as container:
            if not container.streams.video:
                return NO_FACE
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            # Any frame near a sample will do: decode only those others refer to (I and P
            # frames), never the B-frames between them (about half the decoding).
            stream.codec_context.skip_frame = "NONREF"
            sampler = _Sampler(container, stream)
            for target in _sample_times(container, stream, samples):
                frame = sampler.frame_at(target)
                if frame is None or frame.pts in seen:
                    continue
                if frame.pts is not None:
                    seen.add(frame.pts)
                work_w, work_h = _analysis_size(frame.width, frame.height)
                resample = "BILINEAR" if work_w > frame.width else "AREA"
                gray = np.asarray(
                    frame.reformat(
                        width=work_w, height=work_h, format="gray", interpolation=resample
                    ).to_ndarray(),
                    dtype=np.uint8,
                )
                found = _faces_in_gray(gray)
                if not found:
                    continue
                if preview is not None and not boxes:
                    rgb = frame.reformat(width=work_w, height=work_h, format="rgb24")
                    _write_preview(Image.fromarray(rgb.to_ndarray()), found, preview)
                boxes.extend(_to_source(found, frame.width / work_w, frame.height / work_h))
                times.append(round(float(frame.time if frame.time is not None else target), 3))
                largest = max(largest, _largest_fraction(found, work_w, work_h))
    except Exception:
        # Undecodable or truncated: intake refuses these; report what was seen, if anything.
        pass
    if not boxes:
        return NO_FACE
    return FaceFinding(found=True, boxes=tuple(boxes), at_s=tuple(times), largest_fraction=largest)


def detect_faces(
    path: Path, kind: Literal["image", "video", "audio"], preview: Path | None = None
) -> FaceFinding:
    """Dispatch on the asset kind intake determined; audio never contains a face. When a
    face is found and ``preview`` is given, the picture or frame it is in is written there
    with the faces outlined (:func:`preview_path` names it beside an asset)."""
    if kind == "image":
        return detect_faces_in_image(path, preview)
    if kind == "video":
        return detect_faces_in_video(path, preview=preview)
    return NO_FACE
