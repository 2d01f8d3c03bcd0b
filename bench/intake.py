"""Benchmark media intake and the one-click fixes.

Run from the project root: ``.venv/bin/python bench/intake.py``. Prints one JSON object:

- ``probe``: :func:`bot.media.probe.probe` time on a ~48 MB, 15 s H.264 clip (made once from
  ``city_720p.mp4`` at a high bitrate and cached in the temp directory);
- ``concurrent``: 10 downloads (``bot.media.intake.download`` from a loopback aiohttp server)
  each followed by a probe in a thread pool, all in one asyncio loop, in a fresh child
  process; its peak RSS (``resource.getrusage``) against its RSS before the work;
- ``fixes``: :func:`bot.media.fixes.fit_video` and :func:`bot.media.fixes.trim_video` against the
  ffmpeg CLI (``imageio_ffmpeg.get_ffmpeg_exe()``) doing the same work with the same x264
  settings: wall and CPU seconds, output size.

Needs the real media in ``../shared/media`` (see its README) and ``imageio-ffmpeg``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.media.fixes import X264_OPTIONS, fit_video, trim_video  # noqa: E402
from bot.media.probe import probe  # noqa: E402
from bot.seedance.limits import DEFAULT_LIMITS  # noqa: E402

MEDIA = ROOT.parent / "shared" / "media"
CACHE = Path(tempfile.gettempdir()) / "callsheet-bench"
CLIP_BYTES = 48 * 1024 * 1024  # just under the 50 MB video cap (seeds 000, 001)
CONCURRENCY = 10


def _rss_mb() -> float:
    """Peak resident set size of this process so far, MiB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_rss_mb() -> float:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024
    except OSError:
        return float("nan")


def make_clip() -> Path:
    """A ~48 MB 15.2 s 1280×720 H.264 MP4 (city_720p.mp4 twice, at ~26 Mbit/s); cached."""
    path = CACHE / "city_48mb.mp4"
    if path.is_file() and path.stat().st_size > 40 * 1024 * 1024:
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    src = MEDIA / "video/city_720p.mp4"
    seconds = 15.2
    bit_rate = int(CLIP_BYTES * 8 / seconds * 0.97)
    tmp = path.with_suffix(".part")
    with av.open(str(tmp), mode="w", format="mp4") as out:
        stream = out.add_stream(
            "libx264",
            rate=25,
            options={
                "preset": "ultrafast",
                "x264-params": f"nal-hrd=cbr:force-cfr=1:bitrate={bit_rate // 1000}"
                f":vbv-maxrate={bit_rate // 1000}:vbv-bufsize={bit_rate // 1000}",
            },
        )
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        stream.codec_context.bit_rate = bit_rate
        stream.codec_context.time_base = Fraction(1, 25)
        pts = 0
        for _ in range(2):
            with av.open(str(src)) as inp:
                for frame in inp.decode(video=0):
                    frame.pts, frame.time_base = pts, Fraction(1, 25)
                    frame.pict_type = av.video.frame.PictureType.NONE
                    out.mux(stream.encode(frame))
                    pts += 1
        out.mux(stream.encode(None))
    tmp.replace(path)
    return path


def bench_probe(clip: Path, runs: int = 7) -> dict[str, Any]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        info = probe(clip)
        times.append(time.perf_counter() - t0)
    return {
        "file_mb": round(clip.stat().st_size / 1024 / 1024, 1),
        "duration_s": info.duration_s,
        "size": f"{info.width}x{info.height}",
        "runs": runs,
        "median_ms": round(statistics.median(times) * 1000, 2),
        "max_ms": round(max(times) * 1000, 2),
    }


async def _concurrent(clip: Path, workdir: Path) -> dict[str, Any]:
    import aiohttp
    from aiohttp import web

    from bot.media.intake import download

    async def serve(request: web.Request) -> web.StreamResponse:
        return web.FileResponse(clip)

    app = web.Application()
    app.router.add_get("/clip/{n}", serve)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(max_workers=4)
    rss_before = _rss_mb()
    current_before = _current_rss_mb()
    samples: list[float] = []
    done = asyncio.Event()

    async def sample() -> None:
        while not done.is_set():
            samples.append(_current_rss_mb())
            await asyncio.sleep(0.02)

    async def one(n: int, http: aiohttp.ClientSession) -> dict[str, float]:
        t0 = time.perf_counter()
        got = await download(
            http,
            f"http://127.0.0.1:{port}/clip/{n}",
            workdir,
            DEFAULT_LIMITS.video.max_bytes,
            f"clip{n}.mp4",
        )
        t1 = time.perf_counter()
        await loop.run_in_executor(pool, probe, got.path)
        t2 = time.perf_counter()
        got.path.unlink()
        return {"download_s": t1 - t0, "probe_s": t2 - t1}

    sampler = asyncio.create_task(sample())
    t0 = time.perf_counter()
    async with aiohttp.ClientSession() as http:
        results = await asyncio.gather(*(one(n, http) for n in range(CONCURRENCY)))
    wall = time.perf_counter() - t0
    done.set()
    await sampler
    pool.shutdown()
    await runner.cleanup()
    return {
        "jobs": CONCURRENCY,
        "file_mb": round(clip.stat().st_size / 1024 / 1024, 1),
        "wall_s": round(wall, 3),
        "throughput_mb_s": round(CONCURRENCY * clip.stat().st_size / 1024 / 1024 / wall, 1),
        "download_s_max": round(max(r["download_s"] for r in results), 3),
        "probe_s_max": round(max(r["probe_s"] for r in results), 4),
        "rss_at_start_mb": round(current_before, 1),
        "peak_rss_before_work_mb": round(rss_before, 1),
        "peak_rss_mb": round(_rss_mb(), 1),
        "sampled_rss_max_mb": round(max(samples, default=float("nan")), 1),
        "sampled_rss_growth_mb": round(max(samples, default=current_before) - current_before, 1),
    }


def bench_concurrent(clip: Path) -> dict[str, Any]:
    """Run the concurrency stage in a fresh process so its peak RSS is its own."""
    proc = subprocess.run(
        [sys.executable, __file__, "--concurrent-child", str(clip)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip()[-2000:]}
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def _timed(fn: Callable[[], object]) -> dict[str, float]:
    self0 = resource.getrusage(resource.RUSAGE_SELF)
    kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    fn()
    wall = time.perf_counter() - t0
    self1 = resource.getrusage(resource.RUSAGE_SELF)
    kids1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (
        (self1.ru_utime - self0.ru_utime)
        + (self1.ru_stime - self0.ru_stime)
        + (kids1.ru_utime - kids0.ru_utime)
        + (kids1.ru_stime - kids0.ru_stime)
    )
    return {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3)}


def _ffmpeg(ffmpeg: str, args: list[str]) -> None:
    subprocess.run(
        [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", *args],
        check=True,
        stdin=subprocess.DEVNULL,
    )


def _x264_args() -> list[str]:
    o = X264_OPTIONS
    return [
        "-c:v", "libx264", "-preset", o["preset"], "-crf", o["crf"], "-profile:v", o["profile"],
        "-maxrate", o["maxrate"], "-bufsize", o["bufsize"], "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "160k", "-movflags", "+faststart",
    ]  # fmt: skip


def bench_fixes(workdir: Path) -> dict[str, Any]:
    try:
        import imageio_ffmpeg
    except ImportError:
        return {"error": "imageio-ffmpeg is not installed (pip install imageio-ffmpeg)"}
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    src_1080 = MEDIA / "video/city_20s_1080p.mp4"
    src_webm = MEDIA / "video/city_720p.webm"
    fps_1080 = str(av.open(str(src_1080)).streams.video[0].average_rate)
    cases: list[tuple[str, Callable[[Path], object], list[str]]] = [
        (
            "fit_video 1080p 20 s -> 1280x720",
            lambda out: fit_video(src_1080, out, DEFAULT_LIMITS),
            ["-i", str(src_1080), "-vf", f"scale=1280:720:flags=bicubic,fps={fps_1080}"],
        ),
        (
            "fit_video webm/vp9 720p 7.6 s -> mp4",
            lambda out: fit_video(src_webm, out, DEFAULT_LIMITS),
            ["-i", str(src_webm), "-vf", "fps=25"],
        ),
        (
            "trim_video 1080p 5.0 s + 10 s -> 1280x720",
            lambda out: trim_video(src_1080, out, 5.0, 10.0, DEFAULT_LIMITS),
            [
                "-ss",
                "5",
                "-i",
                str(src_1080),
                "-t",
                "10",
                "-vf",
                f"scale=1280:720:flags=bicubic,fps={fps_1080}",
            ],
        ),
    ]
    results: dict[str, Any] = {"ffmpeg": ffmpeg, "cpus": os.cpu_count()}
    for name, ours, theirs in cases:
        out_ours = workdir / "ours.mp4"
        out_theirs = workdir / "ffmpeg.mp4"
        cmd = [*theirs, *_x264_args(), str(out_theirs)]
        row: dict[str, Any] = {"callsheet": _timed(lambda f=ours, o=out_ours: f(o))}
        row["ffmpeg_cli"] = _timed(lambda c=cmd: _ffmpeg(ffmpeg, c))
        for key, path in (("callsheet", out_ours), ("ffmpeg_cli", out_theirs)):
            info = probe(path)
            row[key].update(
                out_mb=round(path.stat().st_size / 1024 / 1024, 2),
                out=f"{info.width}x{info.height} {info.duration_s:.2f}s",
            )
        row["ratio_wall"] = round(row["callsheet"]["wall_s"] / row["ffmpeg_cli"]["wall_s"], 2)
        results[name] = row
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--concurrent-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--skip-fixes", action="store_true", help="skip the fix timings")
    args = parser.parse_args()
    if args.concurrent_child is not None:
        with tempfile.TemporaryDirectory(prefix="callsheet-dl-") as tmp:
            print(json.dumps(asyncio.run(_concurrent(args.concurrent_child, Path(tmp)))))
        return 0
    if not (MEDIA / "README.md").is_file():
        print(json.dumps({"error": f"media not found at {MEDIA}"}))
        return 2
    t0 = time.perf_counter()
    clip = make_clip()
    report: dict[str, Any] = {"clip": str(clip), "clip_make_s": round(time.perf_counter() - t0, 2)}
    report["probe"] = bench_probe(clip)
    report["concurrent"] = bench_concurrent(clip)
    if not args.skip_fixes:
        with tempfile.TemporaryDirectory(prefix="callsheet-fix-") as tmp:
            report["fixes"] = bench_fixes(Path(tmp))
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
