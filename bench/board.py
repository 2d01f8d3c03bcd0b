"""Benchmark the asset board: 9 images + 3 videos + 3 audio on one board.

Run from the project root: ``.venv/bin/python bench/board.py [--out board.png] [--repeat 3]``.
Prints one JSON object: wall time per render (first and best), CPU time, peak RSS, and the
PNG's size. Needs the real media in ``../shared/media`` (see its README).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from bot.media.board import render_board  # noqa: E402
from bot.seedance.limits import DEFAULT_LIMITS  # noqa: E402
from tests.conftest import make_asset, make_session  # noqa: E402

MEDIA = ROOT.parent / "shared" / "media"
IMAGES = [
    "rocket.jpg", "coffee.png", "astronaut.png", "chelsea.png", "hubble_deep_field.jpg",
    "motorcycle_left.png", "chessboard_GRAY.png", "no_time_for_that_tiny.gif", "rocket.jpg",
]  # fmt: skip
VIDEOS = ["city_720p.mp4", "city_with_music.mov", "city_20s_1080p.mp4"]
AUDIO = ["loop_tabla.mp3", "loop_amen_full.wav", "loop_safari_24s.mp3"]
IMAGE_ROLES = ["first_frame", "last_frame", "character", "style", "scene", "object"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=None, help="keep the PNG here")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not (MEDIA / "README.md").is_file():
        print(json.dumps({"error": f"media not found at {MEDIA}"}))
        return 2
    assets = [
        make_asset("image", i + 1, IMAGE_ROLES[i % 6], path=MEDIA / "images" / name)
        for i, name in enumerate(IMAGES)
    ]
    assets += [
        make_asset("video", i + 1, "camera_movement", path=MEDIA / "video" / name)
        for i, name in enumerate(VIDEOS)
    ]
    assets += [
        make_asset("audio", i + 1, "background_music", path=MEDIA / "audio" / name)
        for i, name in enumerate(AUDIO)
    ]
    session = make_session(*assets)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "board.png"
        walls: list[float] = []
        cpu_start = time.process_time()
        for _ in range(max(1, args.repeat)):
            started = time.perf_counter()
            render_board(session, DEFAULT_LIMITS, out)
            walls.append(time.perf_counter() - started)
        cpu = (time.process_time() - cpu_start) / len(walls)
        with Image.open(out) as img:
            size = img.size
        png_bytes = out.stat().st_size
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "assets": {"image": len(IMAGES), "video": len(VIDEOS), "audio": len(AUDIO)},
                "render_s_first": round(walls[0], 3),
                "render_s_best": round(min(walls), 3),
                "cpu_s_per_render": round(cpu, 3),
                "peak_rss_mb": round(rss_after / 1024, 1),
                "peak_rss_growth_mb": round((rss_after - rss_before) / 1024, 1),
                "png": {"width": size[0], "height": size[1], "bytes": png_bytes},
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
