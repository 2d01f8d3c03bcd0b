"""Benchmark the face pre-check: how many faces it finds, how often it is wrong, how long.

Run from the project root: ``.venv/bin/python -m bench.faces [--repeat 3]`` (needs the
``test`` and ``bench`` extras: scikit-image builds the set, OpenCV runs the old detector;
``../shared/media`` or ``$CALLSHEET_MEDIA`` for the footage). Prints one JSON object:

- ``set``: for the labelled set of ``tests/face_set.py`` (40 real faces, 18 drawn, 50 with
  no face), per detector — ``dlib_hog`` (:mod:`bot.media.faces`) and ``haar_eyes`` (the
  OpenCV cascade it replaced, :mod:`bench.haar_faces`), measured in the same run on the same
  files — the recall on real faces, the false alarms on face-less pictures, the drawn faces
  flagged, the misses and false alarms by name, and the milliseconds per image (median and
  mean of the best of ``--repeat`` runs, decode included). Targets (issue 16): recall ≥ 95 %,
  false alarms ≤ 2 %.
- ``jpeg_6000x4000`` and ``video_city_720p``: the wall and CPU seconds (first and best run) of
  each detector on a 6000×4000 JPEG portrait (the largest image seed 001 accepts; must be
  flagged) and on the 720p city clip (six sampled frames; must not be).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from bench import haar_faces  # noqa: E402
from bot.media import faces  # noqa: E402
from bot.media.faces import FaceFinding  # noqa: E402
from tests.conftest import MEDIA  # noqa: E402
from tests.face_set import build, write  # noqa: E402

DETECTORS: dict[str, tuple[Callable[[Path], FaceFinding], Callable[[Path], FaceFinding]]] = {
    "dlib_hog": (faces.detect_faces_in_image, faces.detect_faces_in_video),
    "haar_eyes": (haar_faces.detect_faces_in_image, haar_faces.detect_faces_in_video),
}


def _portrait(folder: Path) -> Path:
    """The astronaut portrait scaled to 4000×4000 and padded onto a 6000×4000 JPEG."""
    out = folder / "astronaut_6000x4000.jpg"
    face = Image.open(MEDIA / "images" / "astronaut.png").convert("RGB").resize((4000, 4000))
    canvas = Image.new("RGB", (6000, 4000), (128, 128, 128))
    canvas.paste(face, (1000, 0))
    canvas.save(out, quality=90)
    return out


def _measure(run: Callable[[], FaceFinding], repeat: int) -> dict[str, object]:
    walls, cpus, found = [], [], False
    for _ in range(repeat):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        found = run().found
        walls.append(time.perf_counter() - wall0)
        cpus.append(time.process_time() - cpu0)
    return {
        "wall_s_first": round(walls[0], 3),
        "wall_s_best": round(min(walls), 3),
        "cpu_s_best": round(min(cpus), 3),
        "face_found": found,
    }


def _score(
    detect: Callable[[Path], FaceFinding], files: dict[str, Path], repeat: int
) -> dict[str, object]:
    """One detector over the labelled set (the label is the name's first word)."""
    flagged: dict[str, bool] = {}
    best_ms: list[float] = []
    for name, path in files.items():
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            flagged[name] = detect(path).found
            times.append((time.perf_counter() - start) * 1000)
        best_ms.append(min(times))
    by_label = {
        label: [name for name in files if name.startswith(f"{label}-")]
        for label in ("real", "drawn", "none")
    }
    real, drawn, none = by_label["real"], by_label["drawn"], by_label["none"]
    found = sum(flagged[n] for n in real)
    alarms = [n for n in none if flagged[n]]
    return {
        "recall": round(found / len(real), 3),
        "real_found": f"{found}/{len(real)}",
        "false_alarm_rate": round(len(alarms) / len(none), 3),
        "false_alarms": f"{len(alarms)}/{len(none)}",
        "drawn_flagged": f"{sum(flagged[n] for n in drawn)}/{len(drawn)}",
        "missed": [n for n in real if not flagged[n]],
        "false_alarm_names": alarms,
        "ms_per_image_median": round(statistics.median(best_ms), 1),
        "ms_per_image_mean": round(statistics.fmean(best_ms), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not MEDIA.is_dir():
        print(json.dumps({"error": f"real media not found at {MEDIA}"}))
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = write(build(), folder / "set")
        portrait = _portrait(folder)
        city = MEDIA / "video" / "city_720p.mp4"
        result: dict[str, dict[str, object]] = {
            "set": {}, "jpeg_6000x4000": {}, "video_city_720p": {}
        }  # fmt: skip
        for key, (image, video) in DETECTORS.items():
            result["set"][key] = _score(image, files, args.repeat)
            result["jpeg_6000x4000"][key] = _measure(partial(image, portrait), args.repeat)
            result["video_city_720p"][key] = _measure(partial(video, city), args.repeat)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
