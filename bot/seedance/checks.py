"""Check one file, and one file among a session's assets, against the Seedance 2.0 limits.

Every limit comes from :class:`bot.seedance.limits.Limits` (one table, each row citing its
seed); each refusal names the limit, the measured value and what the member can do about it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.errors import AssetRejected
from bot.seedance.facts import MediaInfo
from bot.seedance.limits import MB, Limits
from bot.seedance.session import Asset
from bot.text import file_label


@dataclass(frozen=True)
class Violation:
    """One broken limit.

    Attributes:
        rule: what the limit is, in words ("videos must be 2–15 s long").
        measured: what this file or session measured ("20.0 s").
        fix: what the member can do.
        source: the seeds the limit comes from.
        curable: whether converting, trimming or making room could cure it (``False``
            for a clip shorter than the minimum: nothing makes it longer).
    """

    rule: str
    measured: str
    fix: str
    source: str
    curable: bool = True

    def describe(self) -> str:
        """One member-facing sentence: the limit, the measurement, the fix (the source
        stays with the rule, for the code and its readers)."""
        return f"{self.rule}; this one is {self.measured}. {self.fix}"


def check_file(info: MediaInfo, limits: Limits) -> list[Violation]:
    """Limits one file must meet on its own (format, bytes, pixels, duration)."""
    row = limits.for_kind(info.kind)
    found: list[Violation] = []
    formats = "/".join(sorted(f.upper() for f in row.formats))
    if info.format not in row.formats:
        found.append(
            Violation(
                f"{info.kind}s must be {formats}",
                f"{info.format.upper()}",
                f"Convert it to {formats} and upload it again.",
                row.source,
            )
        )
    if info.size_bytes > row.max_bytes:
        found.append(
            Violation(
                f"{info.kind}s can be at most {row.max_bytes / MB:.0f} MB",
                f"{info.size_bytes / MB:.1f} MB",
                "Compress it and upload it again.",
                row.source,
            )
        )
    if info.width is not None and info.height is not None:
        side_lo, side_hi = row.min_side_px, row.max_side_px
        if side_lo is not None and min(info.width, info.height) < side_lo:
            found.append(
                Violation(
                    f"each side of an image must be at least {side_lo} px",
                    f"{info.width}×{info.height} px",
                    f"Upload a larger version (at least {side_lo} px on the short side).",
                    row.source,
                )
            )
        if side_hi is not None and max(info.width, info.height) > side_hi:
            found.append(
                Violation(
                    f"each side of an image must be at most {side_hi} px",
                    f"{info.width}×{info.height} px",
                    f"Resize it to at most {side_hi} px on the long side.",
                    row.source,
                )
            )
        pixels = info.width * info.height
        if row.min_pixels is not None and pixels < row.min_pixels:
            found.append(
                Violation(
                    f"videos need at least {row.min_pixels:,} pixels per frame (480p)",
                    f"{info.width}×{info.height} = {pixels:,} px",
                    "Upload a 480p or 720p version (e.g. 854×480 or 1280×720).",
                    row.source,
                )
            )
        if row.max_pixels is not None and pixels > row.max_pixels:
            found.append(
                Violation(
                    f"videos can have at most {row.max_pixels:,} pixels per frame (720p)",
                    f"{info.width}×{info.height} = {pixels:,} px",
                    "Scale it down to 720p (e.g. 1280×720) and upload it again.",
                    row.source,
                )
            )
    if info.duration_s is not None:
        if row.min_duration_s is not None and info.duration_s < row.min_duration_s:
            found.append(
                Violation(
                    f"{info.kind} clips must be at least {row.min_duration_s:g} s long",
                    f"{info.duration_s:.1f} s",
                    "Converting it can't make it longer: upload a clip of at least "
                    f"{row.min_duration_s:g} s.",
                    row.source,
                    curable=False,
                )
            )
        if row.max_duration_s is not None and info.duration_s > row.max_duration_s:
            found.append(
                Violation(
                    f"{info.kind} clips can be at most {row.max_duration_s:g} s long",
                    f"{info.duration_s:.1f} s",
                    f"Trim it to {row.max_duration_s:g} s or less and upload it again.",
                    row.source,
                )
            )
    return found


def check_in_session(info: MediaInfo, existing: Sequence[Asset], limits: Limits) -> list[Violation]:
    """Limits the file must meet together with the session's ``existing`` assets."""
    row = limits.for_kind(info.kind)
    same_kind = [a for a in existing if a.kind == info.kind]
    found: list[Violation] = []
    if len(same_kind) + 1 > row.max_count:
        found.append(
            Violation(
                f"a request takes at most {row.max_count} {info.kind}s",
                f"number {len(same_kind) + 1}",
                f"Remove an {info.kind} or start a new session.",
                row.source,
            )
        )
    if len(existing) + 1 > limits.max_files:
        found.append(
            Violation(
                f"a request takes at most {limits.max_files} files in all",
                f"file number {len(existing) + 1}",
                "Keep only the assets that control the shot: one job per asset.",
                "seeds 000, 004",
            )
        )
    too_long_alone = row.max_duration_s is not None and (info.duration_s or 0) > row.max_duration_s
    if row.max_total_duration_s is not None and info.duration_s is not None and not too_long_alone:
        used = sum(a.duration_s or 0.0 for a in same_kind)
        total = used + info.duration_s
        if total > row.max_total_duration_s:
            left = max(0.0, row.max_total_duration_s - used)
            fix = f"Trim it to {left:.1f} s or less, or remove another {info.kind}."
            if row.min_duration_s is not None and left < row.min_duration_s:
                fix = f"The other {info.kind}s use {used:.1f} s: remove one to make room for it."
            found.append(
                Violation(
                    f"all {info.kind} references together can last at most "
                    f"{row.max_total_duration_s:g} s",
                    f"{info.duration_s:.1f} s, {total:.1f} s in total",
                    fix,
                    row.source,
                )
            )
    return found


def check_upload(info: MediaInfo, existing: Sequence[Asset], limits: Limits, filename: str) -> None:
    """Check one probed upload against every limit.

    Raises:
        AssetRejected: with every broken limit, each naming the limit, the measured value
            and the fix; when one of them nothing cures (a clip too short), only those,
            so the member is not sent to convert a file that would still be refused.
    """
    violations = check_file(info, limits) + check_in_session(info, existing, limits)
    final = [v for v in violations if not v.curable]
    violations = final or violations
    if len(violations) == 1:
        raise AssetRejected(f"{file_label(filename)} was not added: {violations[0].describe()}")
    if violations:
        lines = "\n".join(f"• {v.describe()}" for v in violations)
        raise AssetRejected(f"{file_label(filename)} was not added:\n{lines}")
