"""Check one file, and one file among a session's assets, against the Seedance 2.0 limits.

Every limit comes from :class:`bot.seedance.limits.Limits` (one table, each row citing its
seed); each refusal names the limit in plain numbers, the measured value and what the member can
do about it (the seeds stay in ``source``, never in the member's text).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.errors import AssetRejected
from bot.seedance.facts import MediaInfo
from bot.seedance.limits import MB, AssetKind, Limits
from bot.seedance.session import Asset
from bot.text import file_label
from bot.words import Phrase, say, verbatim


@dataclass(frozen=True)
class Violation:
    """One broken limit.

    Attributes:
        rule: what the limit is, in plain numbers ("videos can be at most 15 s long").
        measured: what this file or session measured ("20.0 s").
        fix: what the member can do.
        source: the seeds the limit comes from (for the code and its readers, never shown).
        curable: whether converting, trimming or making room could cure it (``False``
            for a clip shorter than the minimum: nothing makes it longer).
    """

    rule: Phrase
    measured: Phrase
    fix: Phrase
    source: str
    curable: bool = True

    def describe(self) -> Phrase:
        """One member-facing sentence: the limit, the measurement, the fix."""
        return say("violation", rule=self.rule, measured=self.measured, fix=self.fix)


def _size(width: int, height: int) -> Phrase:
    return say("measured-size", width=str(width), height=str(height))


_VIDEO_SIZES = ((480, 854), (720, 1280), (1080, 1920))  # (lines, 16:9 width)


def _video_size(pixels: int) -> Phrase:
    """A pixel bound as the member knows it: the standard 16:9 size closest to ``pixels``
    (927,408 → "720p (1280×720)"; 409,600 → "480p (854×480)")."""
    lines, width = min(_VIDEO_SIZES, key=lambda s: abs(s[0] * s[1] - pixels))
    return say("video-size", lines=str(lines), width=str(width), height=str(lines))


def check_file(info: MediaInfo, limits: Limits) -> list[Violation]:
    """Limits one file must meet on its own (format, bytes, pixels, duration)."""
    row = limits.for_kind(info.kind)
    kind = info.kind
    found: list[Violation] = []
    formats = "/".join(sorted(f.upper() for f in row.formats))
    if info.format not in row.formats:
        found.append(
            Violation(
                say("limit-format", kind=kind, formats=formats),
                verbatim(info.format.upper()),
                say("fix-convert", formats=formats),
                row.source,
            )
        )
    if info.size_bytes > row.max_bytes:
        found.append(
            Violation(
                say("limit-bytes", kind=kind, mb=round(row.max_bytes / MB)),
                say("measured-mb", mb=round(info.size_bytes / MB, 1)),
                say("fix-compress"),
                row.source,
            )
        )
    if info.width is not None and info.height is not None:
        side_lo, side_hi = row.min_side_px, row.max_side_px
        if side_lo is not None and min(info.width, info.height) < side_lo:
            found.append(
                Violation(
                    say("limit-min-side", px=side_lo),
                    _size(info.width, info.height),
                    say("fix-min-side", px=side_lo),
                    row.source,
                )
            )
        if side_hi is not None and max(info.width, info.height) > side_hi:
            found.append(
                Violation(
                    say("limit-max-side", px=side_hi),
                    _size(info.width, info.height),
                    say("fix-max-side", px=side_hi),
                    row.source,
                )
            )
        pixels = info.width * info.height
        if row.min_pixels is not None and pixels < row.min_pixels:
            found.append(
                Violation(
                    say("limit-min-pixels", size=_video_size(row.min_pixels)),
                    _size(info.width, info.height),
                    say("fix-min-pixels", size=_video_size(row.min_pixels)),
                    row.source,
                )
            )
        if row.max_pixels is not None and pixels > row.max_pixels:
            found.append(
                Violation(
                    say("limit-max-pixels", size=_video_size(row.max_pixels)),
                    _size(info.width, info.height),
                    say("fix-max-pixels", size=_video_size(row.max_pixels)),
                    row.source,
                )
            )
    if info.duration_s is not None:
        if row.min_duration_s is not None and info.duration_s < row.min_duration_s:
            found.append(
                Violation(
                    say("limit-min-duration", kind=kind, s=row.min_duration_s),
                    say("measured-s", s=round(info.duration_s, 1)),
                    say("fix-longer", s=row.min_duration_s),
                    row.source,
                    curable=False,
                )
            )
        if row.max_duration_s is not None and info.duration_s > row.max_duration_s:
            found.append(
                Violation(
                    say("limit-max-duration", kind=kind, s=row.max_duration_s),
                    say("measured-s", s=round(info.duration_s, 1)),
                    say("fix-trim", s=row.max_duration_s),
                    row.source,
                )
            )
    return found


def check_in_session(info: MediaInfo, existing: Sequence[Asset], limits: Limits) -> list[Violation]:
    """Limits the file must meet together with the session's ``existing`` assets."""
    row = limits.for_kind(info.kind)
    kind = info.kind
    same_kind = [a for a in existing if a.kind == info.kind]
    found = _count_violations(kind, len(same_kind), len(existing), limits)
    too_long_alone = row.max_duration_s is not None and (info.duration_s or 0) > row.max_duration_s
    if row.max_total_duration_s is not None and info.duration_s is not None and not too_long_alone:
        used = sum(a.duration_s or 0.0 for a in same_kind)
        total = used + info.duration_s
        if total > row.max_total_duration_s:
            left = max(0.0, row.max_total_duration_s - used)
            fix = say("fix-trim-total", kind=kind, s=round(left, 1))
            if row.min_duration_s is not None and left < row.min_duration_s:
                fix = say("fix-make-room", kind=kind, s=round(used, 1))
            found.append(
                Violation(
                    say("limit-total-duration", kind=kind, s=row.max_total_duration_s),
                    say("measured-total", s=round(info.duration_s, 1), total=round(total, 1)),
                    fix,
                    row.source,
                )
            )
    return found


def _count_violations(
    kind: AssetKind | None, same_kind: int, files: int, limits: Limits
) -> list[Violation]:
    """The count limits one more file of ``kind`` breaks beside ``same_kind`` files of its
    kind and ``files`` in all (``kind`` ``None``: not known yet, the total only)."""
    found: list[Violation] = []
    if kind is not None:
        row = limits.for_kind(kind)
        if same_kind + 1 > row.max_count:
            found.append(
                Violation(
                    say("limit-count", kind=kind, count=row.max_count),
                    say("measured-number", kind=kind, number=same_kind + 1),
                    say("fix-remove-one", kind=kind),
                    row.source,
                )
            )
    if files + 1 > limits.max_files:
        found.append(
            Violation(
                say("limit-files", count=limits.max_files),
                say("measured-file-number", number=files + 1),
                say("fix-fewer-files"),
                "seeds 000, 004",
            )
        )
    return found


def declared_kind(content_type: str | None) -> AssetKind | None:
    """The kind a file says it is (Discord's ``content_type``, e.g. ``image/png``), or
    ``None`` when it says nothing usable. Only a guess: the bytes decide once it is read."""
    major = (content_type or "").partition("/")[0].strip().lower()
    return major if major in ("image", "video", "audio") else None  # type: ignore[return-value]


def check_room(
    files: Sequence[tuple[str, str | None]], existing: Sequence[Asset], limits: Limits
) -> list[Phrase | None]:
    """Which of one message's files (name and declared content type, in order) the
    session has room for by count, before any is downloaded (seeds 000, 004: at most 12
    files; per kind, :class:`bot.seedance.limits.ModalityLimits.max_count`).

    Each file is counted as if the ones before it that may be read were added. The first
    file that finds the session full is still read, so its member is offered to make
    room as for a single upload; every later one is refused unread.

    Returns:
        per file, ``None`` (read it) or the refusal (``upload-refused``) to show.
    """
    kinds: list[AssetKind | None] = [a.kind for a in existing]
    verdicts: list[Phrase | None] = []
    spare = True
    for name, content_type in files:
        kind = declared_kind(content_type)
        same = sum(1 for k in kinds if k == kind)
        found = _count_violations(kind, same, len(kinds), limits)
        if not found or spare:
            spare = spare and not found
            verdicts.append(None)
            if not found:
                kinds.append(kind)
            continue
        reason = found[0].describe()
        verdicts.append(say("upload-refused", file=file_label(name), reason=reason))
    return verdicts


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
        raise AssetRejected(
            say("upload-refused", file=file_label(filename), reason=violations[0].describe())
        )
    if violations:
        raise AssetRejected(
            say(
                "upload-refused-many",
                file=file_label(filename),
                reasons=tuple(v.describe() for v in violations),
            )
        )
