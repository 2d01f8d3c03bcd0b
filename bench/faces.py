"""Benchmark the face pre-check on the files where its speed matters to a member.

Run from the project root: ``.venv/bin/python -m bench.faces [--repeat 3]``. Prints one
JSON object: for a 6000×4000 JPEG portrait (the largest image seed 001 accepts) and for
the 720p city clip, the wall and CPU seconds of the first and best run, and whether a face
was found (the portrait must be flagged, the street must not). These timings used to be
asserted in tests; speed is measured here instead. Needs ``../shared/media``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from bot.media.faces import FaceFinding, detect_faces  # noqa: E402

MEDIA = ROOT.parent / "shared" / "media"


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not MEDIA.is_dir():
        print(json.dumps({"error": f"real media not found at {MEDIA}"}))
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        portrait = _portrait(Path(tmp))
        result = {
            "jpeg_6000x4000": _measure(lambda: detect_faces(portrait, "image"), args.repeat),
            "video_city_720p": _measure(
                lambda: detect_faces(MEDIA / "video" / "city_720p.mp4", "video"), args.repeat
            ),
        }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
