"""Benchmark the preview renderer: a 15 s 1280x720 clip from two images, one video, one audio.

Run from the project root: ``.venv/bin/python bench/preview_render.py [--out clip.mp4]``.
Prints one JSON object: render wall time, CPU time, peak RSS, and the probed output.
Needs the real media in ``../shared/media`` (see its README).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import av

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.providers.preview import (  # noqa: E402
    PreviewSpec,
    RenderReference,
    render_preview,
)

MEDIA = ROOT.parent / "shared" / "media"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=None, help="keep the MP4 here")
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    args = parser.parse_args()
    if not (MEDIA / "README.md").is_file():
        print(json.dumps({"error": f"media not found at {MEDIA}"}))
        return 2
    spec = PreviewSpec(
        width=args.width,
        height=args.height,
        duration_s=args.duration,
        prompt=(
            "A rocket lifts off at dawn, the camera tilting up through the smoke; the city "
            "lights come on and we end on a steaming cup of coffee."
        ),
        references=(
            RenderReference(
                "image", MEDIA / "images/rocket.jpg", "@image1", "first_frame", "first frame"
            ),
            RenderReference(
                "image", MEDIA / "images/coffee.png", "@image2", "last_frame", "last frame"
            ),
            RenderReference(
                "video",
                MEDIA / "video/city_720p.mp4",
                "@video1",
                "camera_movement",
                "camera movement",
            ),
            RenderReference(
                "audio",
                MEDIA / "audio/loop_tabla.mp3",
                "@audio1",
                "background_music",
                "background music",
            ),
        ),
    )
    rss_before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "bench.mp4"
        cpu0, t0 = time.process_time(), time.perf_counter()
        render_preview(spec, out)
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        with av.open(str(out)) as c:
            v = c.streams.video[0]
            info = {
                "duration_s": (c.duration or 0) / 1e6,
                "video": f"{v.codec_context.name} {v.codec_context.width}x"
                f"{v.codec_context.height} {v.codec_context.pix_fmt}",
                "frames": v.frames,
                "audio": [a.codec_context.name for a in c.streams.audio],
                "size_bytes": out.stat().st_size,
            }
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "clip": f"{spec.duration_s:g}s {spec.width}x{spec.height}@{spec.fps}",
                "render_wall_s": round(wall, 2),
                "render_cpu_s": round(cpu, 2),
                "realtime_factor": round(spec.duration_s / wall, 2),
                "peak_rss_mb": round(peak_kb / 1024, 1),
                "rss_before_render_mb": round(rss_before_kb / 1024, 1),
                "output": info,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
