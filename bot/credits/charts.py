"""Usage charts as PNG files (matplotlib's object API on the Agg canvas: no display needed).

Each chart is its own :class:`matplotlib.figure.Figure` drawn on its own
:class:`~matplotlib.backends.backend_agg.FigureCanvasAgg`; ``pyplot`` (a process-wide
figure registry, unsafe in worker threads) is never used, so charts can be rendered from
several threads at once.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ft2font import FT2Font

# Discord's dark theme: an embed's background, its text, muted text and dividers, and the
# brand's blurple, green and red for the bars.
BACKGROUND = "#2B2D31"
TEXT = "#DBDEE1"
MUTED = "#949BA4"
DIVIDER = "#3F4147"
BLURPLE, GREEN, RED = "#5865F2", "#57F287", "#ED4245"


@dataclass(frozen=True)
class ChartNames:
    """The chart's words, in the reader's language."""

    credits: str = "credits"
    seconds: str = "seconds"
    failures: str = "failures"
    seconds_axis: str = "s / failures"


ENGLISH_NAMES = ChartNames()

# Fonts tried in order for each character: matplotlib's own DejaVu Sans, then CJK fonts
# where the host has them (the Docker image installs fonts-noto-cjk).
FONT_FAMILIES = ["DejaVu Sans", "Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Zen Hei"]


@functools.cache
def _fonts() -> tuple[FT2Font, ...]:
    """The installed fonts of :data:`FONT_FAMILIES`, loaded once."""
    installed = {entry.name: entry.fname for entry in font_manager.fontManager.ttflist}
    return tuple(FT2Font(installed[f]) for f in FONT_FAMILIES if f in installed)


def can_draw(*texts: str) -> bool:
    """Whether the installed fonts have a glyph for every character of ``texts`` (a chart
    whose words they can't draw is worded in English instead of showing empty boxes)."""
    fonts = _fonts()
    return all(
        any(font.get_char_index(ord(char)) for font in fonts)
        for text in texts
        for char in text
        if not char.isspace()
    )


def daily_totals(
    rows: Sequence[Mapping[str, Any]], field: str, first: date, days: int
) -> list[float]:
    """Sum ``field`` of usage rows (``day`` = ``YYYY-MM-DD``) per day from ``first``."""
    by_day: dict[str, float] = defaultdict(float)
    for row in rows:
        by_day[row["day"]] += float(row[field] or 0)
    return [by_day[(first + timedelta(days=i)).isoformat()] for i in range(days)]


def usage_chart(
    rows: Sequence[Mapping[str, Any]],
    first: date,
    days: int,
    out_path: Path,
    title: str,
    names: ChartNames = ENGLISH_NAMES,
) -> Path:
    """Bar chart of credits per day with seconds and failures beneath; returns ``out_path``.

    Args:
        rows: usage rows (``day``, ``credits``, ``seconds``, ``jobs``, ``failures``), any
            number per day (one per member); they are summed per day.
        first: the first day shown; ``days``: how many.
        names: the axis and legend words, in the reader's language.

    Drawn in Discord's dark theme, so it sits in an embed like part of it.
    """
    labels = [(first + timedelta(days=i)).strftime("%m-%d") for i in range(days)]
    credits = daily_totals(rows, "credits", first, days)
    seconds = daily_totals(rows, "seconds", first, days)
    failures = daily_totals(rows, "failures", first, days)
    figure = Figure(figsize=(8, 4.5), dpi=100, facecolor=BACKGROUND)
    FigureCanvasAgg(figure)  # attaches itself as figure.canvas
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(2, 1))
    top.bar(labels, credits, color=BLURPLE)
    top.set_ylabel(names.credits, family=FONT_FAMILIES)
    top.set_title(title, color=TEXT, family=FONT_FAMILIES)
    bottom.bar(labels, seconds, color=GREEN, label=names.seconds)
    bottom.bar(labels, failures, color=RED, label=names.failures)
    bottom.set_ylabel(names.seconds_axis, family=FONT_FAMILIES)
    legend = bottom.legend(
        loc="upper left", facecolor=BACKGROUND, edgecolor=DIVIDER,
        prop=FontProperties(family=FONT_FAMILIES, size=8),
    )  # fmt: skip
    for text in legend.get_texts():
        text.set_color(TEXT)
    step = max(1, days // 10)
    bottom.set_xticks(range(0, days, step), labels[::step], rotation=45, fontsize=8)
    for axes in (top, bottom):
        axes.set_facecolor(BACKGROUND)
        axes.yaxis.label.set_color(MUTED)
        axes.tick_params(colors=MUTED)
        axes.grid(axis="y", color=DIVIDER, linewidth=0.6)
        axes.set_axisbelow(True)
        for spine in axes.spines.values():
            spine.set_color(DIVIDER)
    figure.tight_layout()
    figure.savefig(out_path, format="png", facecolor=BACKGROUND)
    return out_path
