"""What the role suggestion measures on each real image, what it suggests, and how long.

Run from the project root: ``.venv/bin/python -m bench.looks`` (``../shared/media`` or
``$CALLSHEET_MEDIA`` for the images). Prints one JSON object: per image of
``images/`` that Pillow opens, its measurements (:func:`bot.media.looks.measure_image`:
edge density, edge spread over a 4×4 grid, centre detail, plain border; the face
pre-check's finding), the role suggested for a later image of a 16:9 video and for the
first image of a video of its own shape, and the milliseconds the measurement took (best
of 3, decode included; the face check is not timed here, it runs anyway for every image).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from bot.media.faces import detect_faces
from bot.media.looks import measure_image
from bot.seedance.roles import suggest_image_role

MEDIA = Path(os.environ.get("CALLSHEET_MEDIA", Path(__file__).parents[2] / "shared" / "media"))
SHAPES = {1.0: "1:1", 16 / 9: "16:9", 9 / 16: "9:16", 4 / 3: "4:3", 3 / 4: "3:4", 21 / 9: "21:9"}


def main() -> None:
    report: dict[str, object] = {}
    for path in sorted((MEDIA / "images").iterdir()):
        if path.suffix.lower() not in {".png", ".jpg", ".jpeg", ".webp"}:
            continue
        face = detect_faces(path, "image").found
        times = []
        for _ in range(3):
            start = time.perf_counter()
            looks = measure_image(path, face)
            times.append((time.perf_counter() - start) * 1000)
        nearest = min(SHAPES, key=lambda r: abs(r - looks.ratio))
        report[path.name] = {
            "size": f"{looks.width}x{looks.height}",
            "face": looks.face,
            "edge_density": round(looks.edge_density, 3),
            "edge_spread": round(looks.edge_spread, 3),
            "centre_detail": round(looks.centre_detail, 3),
            "border_plain": round(looks.border_plain, 3),
            "later_image_16x9": suggest_image_role(looks, False, "16:9"),
            f"first_image_{SHAPES[nearest]}": suggest_image_role(looks, True, SHAPES[nearest]),
            "ms_best": round(min(times), 1),
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
