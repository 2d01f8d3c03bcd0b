"""Usage charts: real PNGs from matplotlib, rendered serially and from several threads."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from PIL import Image

from bot.credits import charts
from bot.credits.charts import ChartNames, daily_totals, usage_chart
from bot.words import Words
from cogs.credits import chart_names, chart_voice

FIRST = date(2024, 3, 1)
CREDITS_BLUE = (0x58, 0x65, 0xF2)
SECONDS_GREEN = (0x57, 0xF2, 0x87)


def usage_rows(seed: int, days: int) -> list[dict[str, Any]]:
    """Two members' usage on some of ``days`` days from FIRST; ``seed`` varies the numbers."""
    rows: list[dict[str, Any]] = []
    for i in range(0, days, 1 + seed % 3):
        day = date.fromordinal(FIRST.toordinal() + i).isoformat()
        rows.append({"day": day, "credits": 4 * (seed + i), "seconds": 5 + i, "failures": i % 2})
        rows.append({"day": day, "credits": seed + 1, "seconds": 4, "failures": None})
    return rows


def pixels(path: Path) -> np.ndarray[Any, np.dtype[np.uint8]]:
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size == (800, 450)
        return np.asarray(image.convert("RGB"))


def has_color(rgb: np.ndarray[Any, np.dtype[np.uint8]], color: tuple[int, int, int]) -> bool:
    return bool(np.any(np.all(np.abs(rgb.astype(int) - color) <= 2, axis=-1)))


def test_daily_totals_sum_members_per_day_and_fill_empty_days() -> None:
    rows = [
        {"day": "2024-03-01", "credits": 4},
        {"day": "2024-03-01", "credits": 8},
        {"day": "2024-03-03", "credits": None},
        {"day": "2024-02-29", "credits": 100},  # before the window: not shown
    ]
    assert daily_totals(rows, "credits", FIRST, 3) == [12.0, 0.0, 0.0]


def test_chart_is_an_800_by_450_png_with_credit_and_second_bars(tmp_path: Path) -> None:
    out = usage_chart(usage_rows(1, 14), FIRST, 14, tmp_path / "usage.png", "Last 14 days")
    assert out == tmp_path / "usage.png"
    rgb = pixels(out)
    assert has_color(rgb, CREDITS_BLUE) and has_color(rgb, SECONDS_GREEN)
    empty = pixels(usage_chart([], FIRST, 14, tmp_path / "empty.png", "Last 14 days"))
    assert not has_color(empty, CREDITS_BLUE)


def test_charts_render_from_several_threads_at_once(tmp_path: Path) -> None:
    """Each thread's chart is whole and is the chart of its own data: the same pixels as
    the same chart rendered alone (no figure or axes state is shared between threads)."""
    jobs = [(seed, 7 + 7 * (seed % 4)) for seed in range(8)]
    serial = {}
    for seed, days in jobs:
        out = tmp_path / f"s{seed}.png"
        serial[seed] = pixels(
            usage_chart(usage_rows(seed, days), FIRST, days, out, f"chart {seed}")
        )
    start = threading.Barrier(4)

    def render(seed: int, days: int) -> Path:
        if seed < 4:
            start.wait(timeout=30)  # the first four start together
        out = tmp_path / f"t{seed}.png"
        return usage_chart(usage_rows(seed, days), FIRST, days, out, f"chart {seed}")

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {seed: pool.submit(render, seed, days) for seed, days in jobs}
        outputs = {seed: future.result(timeout=120) for seed, future in futures.items()}

    for seed, _ in jobs:
        rgb = pixels(outputs[seed])
        assert has_color(rgb, CREDITS_BLUE)
        assert np.array_equal(rgb, serial[seed]), f"chart {seed} differs from its serial render"
    # The inputs really differ, so equal pixels are not a blank-chart coincidence.
    assert not np.array_equal(serial[0], serial[1])


def test_charts_wear_discords_dark_theme(tmp_path: Path) -> None:
    """The chart sits in a dark embed: its background is the embed's (#2B2D31) and nothing
    of it is white."""
    names = ChartNames("Credits", "Seconds", "Failures", "s / failures")
    rgb = pixels(usage_chart(usage_rows(2, 30), FIRST, 30, tmp_path / "dark.png", "30 d", names))
    background = (0x2B, 0x2D, 0x31)
    for corner in (rgb[0, 0], rgb[0, -1], rgb[-1, 0], rgb[-1, -1]):
        assert tuple(int(c) for c in corner) == background
    share = np.mean(np.all(rgb == background, axis=-1))
    assert share > 0.5, share  # mostly the embed's own colour
    assert not has_color(rgb, (0xFF, 0xFF, 0xFF))  # no light-theme white left
    assert has_color(rgb, CREDITS_BLUE) and has_color(rgb, SECONDS_GREEN)


def test_a_language_the_fonts_cannot_draw_is_charted_in_english(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Chinese words on a host without a CJK font would be empty boxes: English instead;
    with a font that has the glyphs, the member's language."""
    words = Words()
    chinese = words.voice("zh-CN")
    monkeypatch.setattr(charts, "_fonts", lambda: ())  # no font draws anything
    assert chart_voice(chinese).locale == "en-US"
    assert chart_names(chart_voice(chinese)) == ChartNames()
    every_glyph = SimpleNamespace(get_char_index=lambda code: 1)
    monkeypatch.setattr(charts, "_fonts", lambda: (every_glyph,))
    assert chart_voice(chinese).locale == "zh-CN"


def test_the_installed_fonts_draw_english() -> None:
    assert charts.can_draw("credits", "s / failures", "Usage, last 30 days: 12")
