"""Benchmark media intake and the one-click fixes.

Run from the project root: ``.venv/bin/python bench/intake.py`` (``--only-fixes`` for the
fix part alone, ``--kind audio`` for the audio fix jobs alone, ``--runs N`` runs of each
fix job). Prints one JSON object:

- ``probe``: :func:`bot.media.probe.probe` time on a ~48 MB, 15 s H.264 clip (made once from
  ``city_720p.mp4`` at a high bitrate and cached in the temp directory);
- ``concurrent``: 10 downloads (``bot.media.intake.download`` from a loopback aiohttp server)
  each followed by a probe in a thread pool, all in one asyncio loop, in a fresh child
  process; its peak RSS (``resource.getrusage``) against its RSS before the work;
- ``fixes``: each fix job the planner offers for the real media (trims of the 20 s 1080p
  clip, a trim with sound, WebM and MPEG-2 transcodes, audio trims and conversions) side
  by side with the ffmpeg CLI (``imageio_ffmpeg.get_ffmpeg_exe()``) doing the same job:
  the same window (``-ss`` before ``-i``, ``-t``), and the output size, frame rate, GOP,
  codecs and x264 settings read back from our output, our swscale filter
  (``scaler_for``), and our LAME quality and stereo mode. Runs alternate, ours first;
  wall and CPU seconds, outputs, ``ratio_wall`` = our median wall / ffmpeg's (target
  ≤ 1.0) and ``ratio_cpu`` the same for CPU seconds (steadier than wall time when other
  processes share the cores);
- ``member_wait``: a member of a 5 s session uploads the 20 s 1080p clip and clicks "Trim
  to the first 5 s", through the real services (SQLite, probe, checks, the fix, the face
  check): upload on disk → offer, click → asset added (target ≤ 3 s end to end).

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
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import Any

import av

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.media.fixes import (  # noqa: E402
    AAC_BIT_RATE,
    MP3_BIT_RATE,
    MP3_QUALITY,
    X264_OPTIONS,
    AudioFormat,
    convert_audio,
    fit_video,
    trim_audio,
    trim_video,
)
from bot.media.fixes.video import GOP_S, display_size, scaler_for  # noqa: E402
from bot.media.probe import probe  # noqa: E402
from bot.seedance.limits import DEFAULT_LIMITS  # noqa: E402

MEDIA = Path(os.environ.get("CALLSHEET_MEDIA") or ROOT.parent / "shared" / "media")
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


@dataclass(frozen=True)
class FixCase:
    """One fix job: ``ours`` writes its output to the path it is given; ``window`` is the
    (start, duration) in seconds the ffmpeg CLI cuts (``None``: the whole file)."""

    name: str
    src: Path
    ours: Callable[[Path], object]
    kind: str  # "video" or "audio"
    window: tuple[float, float] | None = None
    audio_fmt: str = "mp3"


def _peer_args(case: FixCase, made: Path) -> list[str]:
    """The ffmpeg CLI arguments for the same job as ``case``: the same window, and the
    output size, frame rate, GOP, codecs and settings read back from our output ``made``."""
    cut = (
        ["-ss", f"{case.window[0]:g}", "-i", str(case.src), "-t", f"{case.window[1]:g}"]
        if case.window
        else ["-i", str(case.src)]
    )
    with av.open(str(made)) as out:
        if case.kind == "audio":
            a = out.streams.audio[0].codec_context
            # Our MP3 settings (bot/media/fixes/audio.py): LAME quality, CBR bit rate, and
            # the plain (not joint) stereo that lameenc uses above 128 kb/s.
            lame = ["-compression_level", str(MP3_QUALITY), "-joint_stereo", "0"]
            codec = (
                ["-c:a", "libmp3lame", "-b:a", f"{MP3_BIT_RATE // 1000}k", *lame]
                if case.audio_fmt == "mp3"
                else ["-c:a", "pcm_s16le"]
            )
            return [*cut, "-vn", *codec, "-ar", str(a.sample_rate), "-ac", str(a.channels)]
        v = out.streams.video[0]
        fps = v.average_rate
        made_size = (v.codec_context.width, v.codec_context.height)
        size = f"{made_size[0]}:{made_size[1]}"
        with av.open(str(case.src)) as inp:
            flags = scaler_for(display_size(inp.streams.video[0]), made_size).lower()
        o = X264_OPTIONS
        args = [
            *cut,
            "-vf", f"fps={fps},scale={size}:flags={flags}",
            "-c:v", "libx264",
            # Every x264 option of ours, by the same name (profile is per stream).
            *(a for k, v in o.items() for a in (f"-{k}{':v' if k == 'profile' else ''}", v)),
            "-g", str(max(1, round(float(fps or 25) * GOP_S))),
            "-pix_fmt", "yuv420p", "-movflags", "+faststart",
        ]  # fmt: skip
        if out.streams.audio:
            a = out.streams.audio[0].codec_context
            args += ["-c:a", "aac", "-b:a", f"{AAC_BIT_RATE // 1000}k"]
            args += ["-ar", str(a.sample_rate), "-ac", str(a.channels)]
        else:
            args.append("-an")
        return args


def _fix_cases() -> list[FixCase]:
    video = MEDIA / "video"
    long = video / "city_20s_1080p.mp4"
    songs = MEDIA / "audio"

    def trim(src: Path, start: float, length: float) -> Callable[[Path], object]:
        return lambda out: trim_video(src, out, start, length, DEFAULT_LIMITS)

    def fit(src: Path) -> Callable[[Path], object]:
        return lambda out: fit_video(src, out, DEFAULT_LIMITS)

    def cut(src: Path, start: float, length: float) -> Callable[[Path], object]:
        return lambda out: trim_audio(src, out, start, length, "mp3")

    def convert(src: Path, fmt: AudioFormat) -> Callable[[Path], object]:
        return lambda out: convert_audio(src, out, fmt)

    mov = video / "city_with_music.mov"
    return [
        FixCase("trim_video 20 s 1080p -> first 5 s 1280x720", long, trim(long, 0, 5), "video",
                (0, 5)),
        FixCase("trim_video 20 s 1080p -> 7.5-12.5 s 1280x720", long, trim(long, 7.5, 5),
                "video", (7.5, 5)),
        FixCase("trim_video 20 s 1080p -> first 15 s 1280x720", long, trim(long, 0, 15),
                "video", (0, 15)),
        FixCase("trim_video mov 960x720 + AAC 7.6 s -> 2-7 s", mov, trim(mov, 2, 5), "video",
                (2, 5)),
        FixCase("fit_video webm/vp9 720p 7.6 s -> mp4", video / "city_720p.webm",
                fit(video / "city_720p.webm"), "video"),
        FixCase("fit_video mpeg-2 720x405 7.6 s -> mp4, scaled up", video / "cityCC0.mpg",
                fit(video / "cityCC0.mpg"), "video"),
        FixCase("trim_audio mp3 24 s -> 12-17 s mp3", songs / "loop_safari_24s.mp3",
                cut(songs / "loop_safari_24s.mp3", 12, 5), "audio", (12, 5)),
        FixCase("convert_audio flac 8 s -> mp3", songs / "loop_garzul.flac",
                convert(songs / "loop_garzul.flac", "mp3"), "audio"),
        FixCase("convert_audio flac 8 s -> wav", songs / "loop_garzul.flac",
                convert(songs / "loop_garzul.flac", "wav"), "audio", audio_fmt="wav"),
    ]  # fmt: skip


def _spread(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
    }


def _output(path: Path) -> str:
    info = probe(path)
    size = f"{info.width}x{info.height} " if info.width else ""
    return f"{size}{info.duration_s:.2f}s {path.stat().st_size / 1024 / 1024:.2f}MB"


def bench_fixes(workdir: Path, runs: int, kind: str | None = None) -> dict[str, Any]:
    """Each fix job (of ``kind`` when given), then the ffmpeg CLI doing the same job,
    ``runs`` times in turn."""
    try:
        import imageio_ffmpeg
    except ImportError:
        return {"error": "imageio-ffmpeg is not installed (pip install imageio-ffmpeg)"}
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    results: dict[str, Any] = {
        "ffmpeg": ffmpeg,
        "cpus": os.cpu_count(),
        "x264": X264_OPTIONS,
        "runs": runs,
        "load_before": [round(x, 2) for x in os.getloadavg()],
    }
    ratios: list[float] = []
    cpu_ratios: list[float] = []
    for case in _fix_cases():
        if kind is not None and case.kind != kind:
            continue
        suffix = ".mp4" if case.kind == "video" else f".{case.audio_fmt}"
        ours_out, peer_out = workdir / f"ours{suffix}", workdir / f"ffmpeg{suffix}"
        ours: list[dict[str, float]] = []
        peer: list[dict[str, float]] = []
        for _ in range(runs):
            ours.append(_timed(partial(case.ours, ours_out)))
            args = [*_peer_args(case, ours_out), str(peer_out)]
            peer.append(_timed(partial(_ffmpeg, ffmpeg, args)))
        each = [a["wall_s"] / b["wall_s"] for a, b in zip(ours, peer, strict=True)]
        ours_wall = _spread([r["wall_s"] for r in ours])
        peer_wall = _spread([r["wall_s"] for r in peer])
        ratio = ours_wall["median"] / peer_wall["median"]
        ratios.append(ratio)
        ours_cpu = _spread([r["cpu_s"] for r in ours])["median"]
        peer_cpu = _spread([r["cpu_s"] for r in peer])["median"]
        cpu_ratios.append(ours_cpu / peer_cpu)
        results[case.name] = {
            "callsheet": {
                "wall_s": ours_wall,
                "cpu_s": ours_cpu,
                "out": _output(ours_out),
            },
            "ffmpeg_cli": {
                "wall_s": peer_wall,
                "cpu_s": peer_cpu,
                "out": _output(peer_out),
            },
            "ratio_wall": round(ratio, 2),
            "ratio_wall_per_run": [round(r, 2) for r in each],
            "ratio_cpu": round(ours_cpu / peer_cpu, 2),
        }
    results["ratio_wall_max"] = round(max(ratios), 2)
    results["ratio_cpu_max"] = round(max(cpu_ratios), 2)
    results["ratio_wall_target"] = 1.0
    results["load_after"] = [round(x, 2) for x in os.getloadavg()]
    return results


async def _member_wait(workdir: Path, runs: int) -> dict[str, Any]:
    """A member of a 5 s session uploads the 20 s 1080p clip and clicks "Trim to the first
    5 s": the real services (SQLite, probe, checks, fix, face check) from the upload being
    on disk to the offer, and from the click to the added asset."""
    from bot.errors import FixableUpload
    from bot.services import build_services
    from bot.settings import Settings
    from bot.words import Words

    settings = Settings(discord_token="bench-token", data_dir=workdir / "data", _env_file=None)
    src = MEDIA / "video/city_20s_1080p.mp4"
    offers: list[float] = []
    clicks: list[float] = []
    labels: list[str] = []
    asset = None
    async with await build_services(settings) as services:
        for run in range(runs):
            session = await services.sessions.open_session(1, 100 + run, 7, duration_s=5)
            t0 = time.perf_counter()
            try:
                await services.uploads.add_file(session.id, 7, src, src.name)
            except FixableUpload as offer:
                t1 = time.perf_counter()
                labels = [Words.english().text(label) for _, label in offer.options]
                asset = (await services.uploads.apply_fix(offer.pending_id, "trim_first", 7)).asset
                t2 = time.perf_counter()
            else:
                return {"error": "the 20 s clip was accepted without a fix"}
            offers.append(t1 - t0)
            clicks.append(t2 - t1)
        assert asset is not None
        # What the click's wait is made of besides the fix: the face pre-check of the
        # result (seeds 000, 002, 004), timed again on its own.
        from bot.media.faces import detect_faces

        t0 = time.perf_counter()
        await asyncio.to_thread(detect_faces, asset.path, "video")
        face_s = time.perf_counter() - t0
    ends = [a + b for a, b in zip(offers, clicks, strict=True)]
    return {
        "job": "20 s 1080p -> 5 s 720p (session of 5 s, first option)",
        "offered": labels[0],
        "asset": f"{asset.width}x{asset.height} {asset.duration_s:.2f}s",
        "upload_to_offer_s": _spread(offers),
        "click_to_asset_s": _spread(clicks),
        "end_to_end_s": _spread(ends),
        "of_which_face_check_s": round(face_s, 3),
        "target_s": 3.0,
        "runs": runs,
    }


def bench_member_wait(workdir: Path, runs: int) -> dict[str, Any]:
    return asyncio.run(_member_wait(workdir, runs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--concurrent-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--skip-fixes", action="store_true", help="skip the fix timings")
    parser.add_argument("--only-fixes", action="store_true", help="only the fix timings")
    parser.add_argument("--runs", type=int, default=3, help="runs of each fix job (default 3)")
    parser.add_argument(
        "--kind", choices=("video", "audio"), help="only the fix jobs of this kind (and no wait)"
    )
    args = parser.parse_args()
    if args.concurrent_child is not None:
        with tempfile.TemporaryDirectory(prefix="callsheet-dl-") as tmp:
            print(json.dumps(asyncio.run(_concurrent(args.concurrent_child, Path(tmp)))))
        return 0
    if not (MEDIA / "README.md").is_file():
        print(json.dumps({"error": f"media not found at {MEDIA}"}))
        return 2
    report: dict[str, Any] = {}
    if not args.only_fixes:
        t0 = time.perf_counter()
        clip = make_clip()
        report.update(clip=str(clip), clip_make_s=round(time.perf_counter() - t0, 2))
        report["probe"] = bench_probe(clip)
        report["concurrent"] = bench_concurrent(clip)
    if not args.skip_fixes:
        with tempfile.TemporaryDirectory(prefix="callsheet-fix-") as tmp:
            report["fixes"] = bench_fixes(Path(tmp), args.runs, args.kind)
        if args.kind is None:
            with tempfile.TemporaryDirectory(prefix="callsheet-wait-") as tmp:
                report["member_wait"] = bench_member_wait(Path(tmp), args.runs)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
