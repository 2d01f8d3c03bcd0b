"""How long a storyboard's media takes: a shot's last frame, a soundtrack cut for eight
shots, and an eight-shot film joined under one soundtrack.

Run from the project root: ``.venv/bin/python -m bench.film`` (``../shared/media`` or
``$CALLSHEET_MEDIA``). The shots are the 7.6 s 1280×720 H.264 city clip eight times
(~61 s of film, as a 60–120 s storyboard's lower end); the soundtrack is the 24 s safari
loop cut for eight 7 s shots (its end gives shot 4 a 3 s part and shots 5–8 none).
Prints one JSON object: seconds per step (best of ``--repeat``, the film once; wall time,
on whatever else the machine is running), the film's frames and duration, and the parts'
durations. Measured on the shared 2-core machine under the other helpers' tests: a last
frame 0.24 s, the split 0.17 s, the 61 s film 24.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av

from bot.media.film import assemble_film, last_frame, split_soundtrack

MEDIA = Path(os.environ.get("CALLSHEET_MEDIA", Path(__file__).parents[2] / "shared" / "media"))
SHOTS = 8


def best_of(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return round(min(times), 3), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    clip = MEDIA / "video/city_720p.mp4"
    track = MEDIA / "audio/loop_safari_24s.mp3"
    with tempfile.TemporaryDirectory(prefix="bench-film-") as folder:
        work = Path(folder)
        frame_s, _ = best_of(repeat, lambda: last_frame(clip, work / "last.png"))
        split_s, parts = best_of(
            repeat, lambda: split_soundtrack(track, [7] * SHOTS, work / "parts")
        )
        film_s, film = best_of(
            1, lambda: assemble_film([clip] * SHOTS, work / "film.mp4", soundtrack=track)
        )
        with av.open(str(film)) as container:
            frames = container.streams.video[0].frames
            duration = float(container.duration or 0) / av.time_base
        part_s = []
        for part in parts:
            with av.open(str(part)) as container:
                part_s.append(round(float(container.duration or 0) / av.time_base, 3))
    print(json.dumps({
        "last_frame_720p_s": frame_s,
        "split_soundtrack_8_shots_s": split_s,
        "parts_s": part_s,
        "assemble_film_8_shots_s": film_s,
        "film_frames": frames,
        "film_duration_s": round(duration, 3),
        "cpus": os.cpu_count(),
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
