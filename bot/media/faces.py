"""Local realistic-face pre-check for uploads, run before any credit is held.

Seedance 2.0 providers reject uploads that contain realistic human faces: seed 000 ("uploads
containing realistic real-human faces are currently blocked"), seed 002 ("Realistic Face Upload
Warning": even faces used only as motion/camera references may be blocked) and seed 004 ("Realistic
human face uploads are automatically rejected"). A rejection after submission wastes the member's
time and a credit hold, so Callsheet looks for faces locally first and warns.

What it does
    Images are decoded with Pillow (first frame only for GIF/TIFF; JPEGs via ``draft`` so a 6000 px
    photo is DCT-scaled while decoding), turned upright per EXIF, converted to grayscale, downscaled
    so the long side is at most ``MAX_ANALYSIS_SIDE`` px and histogram-equalised. Videos are
    sampled: ``samples`` timestamps spread evenly over the clip (the middle of each of
    ``samples`` equal slices); for each, PyAV either keeps decoding forward from the previous sample
    or seeks to the keyframe before it and decodes forward to it, at most
    ``_MAX_DECODE_PER_SAMPLE`` frames per sample, so the whole of a long clip is never decoded (in
    a long GOP the frame used may be earlier than the target; ``at_s`` reports the real time).
    Audio has no faces.

    Detection is OpenCV's Viola-Jones Haar cascade ``haarcascade_frontalface_default.xml`` (shipped
    inside the ``opencv-python-headless`` 4.x wheel; nothing is downloaded at run time), with
    ``scaleFactor`` 1.1 and ``minNeighbors`` 5, and a minimum face side of ``MIN_FACE_FRACTION``
    (6 %) of the frame's short side, so tiny distant passers-by do not count. Each candidate must
    then be confirmed by the shipped eye cascades (plain and eyeglasses): an eye must be found in
    the upper part of both the left and the right half of the face box. The face cascade on its own
    fires on lit building windows in night street footage; the eye check removes those.

Limits
    It flags *photographic, roughly frontal* faces; profiles, heavily tilted, occluded or very
    small faces are missed, and drawn, painted or stylised faces may or may not be flagged. That is
    why Callsheet treats a finding as a warning the member can override, unless the guild has chosen
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

import math
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import av
import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps

__all__ = [
    "MAX_ANALYSIS_SIDE",
    "MIN_FACE_FRACTION",
    "FaceFinding",
    "detect_faces",
    "detect_faces_in_image",
    "detect_faces_in_video",
]

# Long side (px) frames are reduced to before detection: bounds time and memory per frame.
MAX_ANALYSIS_SIDE = 960
# A face must be at least this fraction of the frame's short side (and ≥ _MIN_FACE_PX) to count.
MIN_FACE_FRACTION = 0.06
_MIN_FACE_PX = 24
_SCALE_FACTOR = 1.1
_MIN_NEIGHBORS = 5
# Face crops are normalised to this width before the eye check, so small faces still have eyes
# larger than the eye cascade's 20×20 window.
_EYE_CROP_SIDE = 120
_EYE_REGION = 0.6  # eyes are looked for in the top 60 % of the face box
_EYE_MIN_NEIGHBORS = 3
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


class _Cascades:
    """The three shipped cascades; one instance per thread (cv2 classifiers hold scratch state)."""

    def __init__(self) -> None:
        root = Path(cv2.data.haarcascades)  # type: ignore[attr-defined]
        self.face = self._load(root / "haarcascade_frontalface_default.xml")
        self.eyes = (
            self._load(root / "haarcascade_eye.xml"),
            self._load(root / "haarcascade_eye_tree_eyeglasses.xml"),
        )

    @staticmethod
    def _load(path: Path) -> cv2.CascadeClassifier:
        classifier = cv2.CascadeClassifier(str(path))
        if classifier.empty():
            raise RuntimeError(f"OpenCV cascade missing or unreadable: {path}")
        return classifier


_local = threading.local()


def _cascades() -> _Cascades:
    cascades: _Cascades | None = getattr(_local, "cascades", None)
    if cascades is None:
        cascades = _Cascades()
        _local.cascades = cascades
    return cascades


def _u8(array: object) -> _Gray:
    """A C-contiguous uint8 array (cv2 and PyAV return loosely typed arrays)."""
    return np.ascontiguousarray(array, dtype=np.uint8)


def _analysis_size(width: int, height: int) -> tuple[int, int]:
    scale = min(1.0, MAX_ANALYSIS_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _has_both_eyes(gray: _Gray, box: _Box, cascades: _Cascades) -> bool:
    x, y, w, h = box
    crop = gray[y : y + max(1, round(h * _EYE_REGION)), x : x + w]
    if crop.size == 0:
        return False
    scale = _EYE_CROP_SIDE / w
    crop = _u8(
        cv2.resize(
            crop,
            (_EYE_CROP_SIDE, max(1, round(crop.shape[0] * scale))),
            interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
        )
    )
    half = _EYE_CROP_SIDE / 2
    left = right = False
    for eye_cascade in cascades.eyes:
        eyes = eye_cascade.detectMultiScale(
            crop,
            scaleFactor=_SCALE_FACTOR,
            minNeighbors=_EYE_MIN_NEIGHBORS,
            minSize=(_EYE_CROP_SIDE // 8, _EYE_CROP_SIDE // 8),
            maxSize=(_EYE_CROP_SIDE // 2, _EYE_CROP_SIDE // 2),
        )
        for ex, _ey, ew, _eh in eyes:
            if ex + ew / 2 < half:
                left = True
            else:
                right = True
        if left and right:
            return True
    return False


def _faces_in_gray(gray: _Gray) -> list[_Box]:
    """Confirmed face boxes in ``gray`` (already ≤ MAX_ANALYSIS_SIDE), in its pixels."""
    height, width = gray.shape
    min_side = max(_MIN_FACE_PX, math.ceil(MIN_FACE_FRACTION * min(width, height)))
    if min(width, height) < min_side:
        return []
    gray = _u8(cv2.equalizeHist(gray))
    cascades = _cascades()
    candidates = cascades.face.detectMultiScale(
        gray,
        scaleFactor=_SCALE_FACTOR,
        minNeighbors=_MIN_NEIGHBORS,
        minSize=(min_side, min_side),
    )
    boxes: list[_Box] = []
    for x, y, w, h in candidates:
        box = (int(x), int(y), int(w), int(h))
        if _has_both_eyes(gray, box, cascades):
            boxes.append(box)
    return boxes


def _to_source(boxes: list[_Box], sx: float, sy: float) -> list[_Box]:
    return [(round(x * sx), round(y * sy), round(w * sx), round(h * sy)) for x, y, w, h in boxes]


def _largest_fraction(boxes: list[_Box], width: int, height: int) -> float:
    if not boxes:
        return 0.0
    return max(max(w, h) for _x, _y, w, h in boxes) / min(width, height)


def detect_faces_in_image(path: Path) -> FaceFinding:
    """Look for realistic frontal faces in an image (first frame of animated/multi-page files)."""
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
                    # DCT scaling while decoding: a 6000×4000 JPEG decodes at ≤ 1/8 the pixels.
                    img.draft("L", _analysis_size(img.width, img.height))
                    upright = ImageOps.exif_transpose(img)
                gray_img = upright.convert("L")
    except Exception:
        return NO_FACE
    work_w, work_h = _analysis_size(src_w, src_h)
    gray = _u8(gray_img)
    if gray.shape != (work_h, work_w):
        gray = _u8(cv2.resize(gray, (work_w, work_h), interpolation=cv2.INTER_AREA))
    boxes = _faces_in_gray(gray)
    if not boxes:
        return NO_FACE
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


def detect_faces_in_video(path: Path, samples: int = 6) -> FaceFinding:
    """Look for realistic frontal faces in ``samples`` frames spread over a video clip."""
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
            sampler = _Sampler(container, stream)
            for target in _sample_times(container, stream, samples):
                frame = sampler.frame_at(target)
                if frame is None or frame.pts in seen:
                    continue
                if frame.pts is not None:
                    seen.add(frame.pts)
                work_w, work_h = _analysis_size(frame.width, frame.height)
                gray = _u8(
                    frame.reformat(
                        width=work_w, height=work_h, format="gray", interpolation="AREA"
                    ).to_ndarray()
                )
                found = _faces_in_gray(gray)
                if not found:
                    continue
                boxes.extend(_to_source(found, frame.width / work_w, frame.height / work_h))
                times.append(round(float(frame.time if frame.time is not None else target), 3))
                largest = max(largest, _largest_fraction(found, work_w, work_h))
    except Exception:
        # Undecodable or truncated: intake refuses these; report what was seen, if anything.
        pass
    if not boxes:
        return NO_FACE
    return FaceFinding(found=True, boxes=tuple(boxes), at_s=tuple(times), largest_fraction=largest)


def detect_faces(path: Path, kind: Literal["image", "video", "audio"]) -> FaceFinding:
    """Dispatch on the asset kind intake determined; audio never contains a face."""
    if kind == "image":
        return detect_faces_in_image(path)
    if kind == "video":
        return detect_faces_in_video(path)
    return NO_FACE
