"""Usage charts as PNG files (matplotlib's object API on the Agg canvas: no display needed).

Each chart is its own :class:`matplotlib.figure.Figure` drawn on its own
:class:`~matplotlib.backends.backend_agg.FigureCanvasAgg`; ``pyplot`` (a process-wide
figure registry, unsafe in worker threads) is never used, so charts can be rendered from
several threads at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


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
) -> Path:
    """Bar chart of credits per day with seconds and failures beneath; returns ``out_path``.

    Args:
        rows: usage rows (``day``, ``credits``, ``seconds``, ``jobs``, ``failures``), any
            number per day (one per member); they are summed per day.
        first: the first day shown; ``days``: how many.
    """
    labels = [(first + timedelta(days=i)).strftime("%m-%d") for i in range(days)]
    credits = daily_totals(rows, "credits", first, days)
    seconds = daily_totals(rows, "seconds", first, days)
    failures = daily_totals(rows, "failures", first, days)
    figure = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(figure)  # attaches itself as figure.canvas
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(2, 1))
    top.bar(labels, credits, color="#5865F2")
    top.set_ylabel("credits")
    top.set_title(title)
    bottom.bar(labels, seconds, color="#57F287", label="seconds")
    bottom.bar(labels, failures, color="#ED4245", label="failures")
    bottom.set_ylabel("s / failures")
    bottom.legend(loc="upper left", fontsize=8)
    step = max(1, days // 10)
    bottom.set_xticks(range(0, days, step), labels[::step], rotation=45, fontsize=8)
    figure.tight_layout()
    figure.savefig(out_path, format="png")
    return out_path
