"""The face pre-check Callsheet used before dlib, kept as bench/faces.py's peer.

OpenCV's Viola-Jones Haar cascade ``haarcascade_frontalface_default.xml`` (inside the
``opencv-python-headless`` wheel, the ``bench`` extra) with ``scaleFactor`` 1.1,
``minNeighbors`` 5 and a minimum face side of 6 % of the frame's short side (≥ 24 px), on a
histogram-equalised grey frame whose long side is at most 960 px; each candidate confirmed by
the shipped eye cascades (plain and eyeglasses: an eye in the upper part of both halves of
the box). Videos are sampled as :mod:`bot.media.faces` samples them. Same results shape.
"""

from __future__ import annotations

import math
import threading
import warnings
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps

from bot.media.faces import NO_FACE, FaceFinding, _sample_times, _Sampler

MAX_ANALYSIS_SIDE = 960
MIN_FACE_FRACTION = 0.06
_MIN_FACE_PX = 24
_EYE_CROP_SIDE = 120
_EYE_REGION = 0.6

_Gray = npt.NDArray[np.uint8]
_Box = tuple[int, int, int, int]
_local = threading.local()


def _cascades() -> tuple[cv2.CascadeClassifier, tuple[cv2.CascadeClassifier, ...]]:
    found = getattr(_local, "cascades", None)
    if found is None:
        root = Path(cv2.data.haarcascades)  # type: ignore[attr-defined]
        load = lambda name: cv2.CascadeClassifier(str(root / name))  # noqa: E731
        found = (
            load("haarcascade_frontalface_default.xml"),
            (load("haarcascade_eye.xml"), load("haarcascade_eye_tree_eyeglasses.xml")),
        )
        _local.cascades = found
    return found


def _has_both_eyes(gray: _Gray, box: _Box) -> bool:
    x, y, w, h = box
    crop = gray[y : y + max(1, round(h * _EYE_REGION)), x : x + w]
    if crop.size == 0:
        return False
    scale = _EYE_CROP_SIDE / w
    size = (_EYE_CROP_SIDE, max(1, round(crop.shape[0] * scale)))
    crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    left = right = False
    for eye_cascade in _cascades()[1]:
        eyes = eye_cascade.detectMultiScale(
            crop, scaleFactor=1.1, minNeighbors=3,
            minSize=(_EYE_CROP_SIDE // 8,) * 2, maxSize=(_EYE_CROP_SIDE // 2,) * 2,
        )  # fmt: skip
        for ex, _ey, ew, _eh in eyes:
            if ex + ew / 2 < _EYE_CROP_SIDE / 2:
                left = True
            else:
                right = True
        if left and right:
            return True
    return False


def _faces_in_gray(gray: _Gray) -> list[_Box]:
    height, width = gray.shape
    min_side = max(_MIN_FACE_PX, math.ceil(MIN_FACE_FRACTION * min(width, height)))
    if min(width, height) < min_side:
        return []
    gray = np.ascontiguousarray(cv2.equalizeHist(gray), dtype=np.uint8)
    candidates = _cascades()[0].detectMultiScale(
        gray, scaleFactor=1.1, minNeighbors=5, minSize=(min_side, min_side)
    )
    boxes = [(int(x), int(y), int(w), int(h)) for x, y, w, h in candidates]
    return [box for box in boxes if _has_both_eyes(gray, box)]


def _size(width: int, height: int) -> tuple[int, int]:
    scale = min(1.0, MAX_ANALYSIS_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _finding(boxes: list[_Box], at_s: tuple[float, ...] = ()) -> FaceFinding:
    if not boxes:
        return NO_FACE
    return FaceFinding(found=True, boxes=tuple(boxes), at_s=at_s, largest_fraction=0.0)


def detect_faces_in_image(path: Path) -> FaceFinding:
    """The old check of one image (boxes in analysis pixels; ``largest_fraction`` not kept)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as img:
                if img.format == "JPEG":
                    img.draft("L", _size(img.width, img.height))
                gray_img = ImageOps.exif_transpose(img).convert("L")
    except Exception:
        return NO_FACE
    gray_img = gray_img.resize(_size(*gray_img.size), Image.Resampling.BOX)
    return _finding(_faces_in_gray(np.asarray(gray_img, dtype=np.uint8)))


def detect_faces_in_video(path: Path, samples: int = 6) -> FaceFinding:
    """The old check of a video: ``samples`` frames, as :mod:`bot.media.faces` picks them."""
    boxes: list[_Box] = []
    times: list[float] = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        sampler = _Sampler(container, stream)
        for target in _sample_times(container, stream, samples):
            frame = sampler.frame_at(target)
            if frame is None:
                continue
            width, height = _size(frame.width, frame.height)
            gray = frame.reformat(width=width, height=height, format="gray").to_ndarray()
            found = _faces_in_gray(np.asarray(gray, dtype=np.uint8))
            if found:
                boxes.extend(found)
                times.append(float(frame.time or target))
    return _finding(boxes, tuple(times))
