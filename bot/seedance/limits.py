"""The Seedance 2.0 limits, in one table.

Every check in Callsheet (intake at upload, the compiler before a request is sent) reads
its numbers from a :class:`Limits` value; nothing else hard-codes a limit. Where the seeds
disagree the strictest value is the default (docs/ARCHITECTURE.md "Seedance rules"); a provider
profile relaxes or tightens a row with :func:`dataclasses.replace`.

Sources (``../shared/seeds/``):
- seed 000: "Control-first workflow" guide (counts, sizes, 4–15 s output, 12 files).
- seed 001: EvoLink reference guide (formats, 300–6000 px, 2–15 s per clip, ≤ 15 s total,
  audio-only forbidden, 480p/720p only, prompt ≤ 1000 words / 500 Chinese characters).
- seed 002: Jimeng manual (video pixel range 409,600–927,408 px, video refs cost more).
- seed 004: EvoLink @tag page (12 files in all, prompt ≤ 2000 tokens, faces rejected).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

AssetKind = Literal["image", "video", "audio"]
ASSET_KINDS: tuple[AssetKind, ...] = ("image", "video", "audio")

MB = 1024 * 1024


@dataclass(frozen=True)
class ModalityLimits:
    """Limits for one kind of reference asset.

    Attributes:
        max_count: most files of this kind in one request.
        max_bytes: largest file, in bytes.
        formats: accepted container/file formats (lower-case short names).
        min_side_px / max_side_px: per-side pixel bounds (images), or ``None``.
        min_pixels / max_pixels: width × height bounds (videos), or ``None``.
        min_duration_s / max_duration_s: per-file duration bounds in seconds, or ``None``.
        max_total_duration_s: sum of durations of this kind in one request, or ``None``.
        source: the seeds each row comes from.
    """

    max_count: int
    max_bytes: int
    formats: frozenset[str]
    min_side_px: int | None = None
    max_side_px: int | None = None
    min_pixels: int | None = None
    max_pixels: int | None = None
    min_duration_s: float | None = None
    max_duration_s: float | None = None
    max_total_duration_s: float | None = None
    source: str = ""


@dataclass(frozen=True)
class OutputSize:
    """Pixel size of a rendered clip for one resolution and ratio."""

    width: int
    height: int


# Output pixel sizes per resolution and ratio. Seeds 000/001/002 give the resolutions
# (480p, 720p) and ratios; the pixel sizes are the ones Ark returns for Seedance (both
# sides even, as H.264 wants).
OUTPUT_SIZES: dict[str, dict[str, OutputSize]] = {
    "480p": {
        "16:9": OutputSize(864, 480),
        "4:3": OutputSize(736, 544),
        "1:1": OutputSize(640, 640),
        "3:4": OutputSize(544, 736),
        "9:16": OutputSize(480, 864),
        "21:9": OutputSize(960, 416),
    },
    "720p": {
        "16:9": OutputSize(1280, 720),
        "4:3": OutputSize(1112, 834),
        "1:1": OutputSize(960, 960),
        "3:4": OutputSize(834, 1112),
        "9:16": OutputSize(720, 1280),
        "21:9": OutputSize(1470, 630),
    },
}


# What members call each model (seed 003: Seedance 2.0 and 2.0 Fast; 2.0 Mini where a
# provider offers it); an operator's own model keys are shown with their own labels.
MODEL_LABELS: dict[str, str] = {
    "standard": "Seedance 2.0",
    "fast": "Seedance 2.0 Fast",
    "mini": "Seedance 2.0 Mini",
}

SEED_RATIOS: tuple[str, ...] = ("16:9", "9:16", "1:1", "4:3", "3:4", "21:9")
SEED_RESOLUTIONS: tuple[str, ...] = ("480p", "720p")


@dataclass(frozen=True)
class ModelOutputs:
    """What one model of a provider can make (the provider's catalogue, see
    :mod:`bot.providers.catalogue`).

    Attributes:
        model: the model key ("standard", "fast", "mini" or an operator's own).
        label: what members call it ("Seedance 2.0 Fast").
        resolutions: output resolutions ("480p", "720p", and "1080p" where the provider
            offers it on the model).
        ratios: output ratios ("16:9"…, and "adaptive": the model picks from the
            references, where the provider takes it).
    """

    model: str
    label: str = ""
    resolutions: tuple[str, ...] = SEED_RESOLUTIONS
    ratios: tuple[str, ...] = SEED_RATIOS

    @property
    def name(self) -> str:
        """``label``, else the catalogue's label for the key, else the key."""
        return self.label or MODEL_LABELS.get(self.model, self.model)


@dataclass(frozen=True)
class Limits:
    """All limits of one provider profile; the default is the strictest reading of the seeds.

    Attributes:
        image / video / audio: per-modality rows (see :class:`ModalityLimits`).
        max_files: files in one request, all kinds together (seeds 000, 004: 12).
        min_output_s / max_output_s: generated clip duration in seconds (seeds 000, 001: 4–15).
        resolutions: output resolutions (seed 001: 480p and 720p only).
        ratios: output aspect ratios (seeds 000, 001, 002).
        max_prompt_words: English words in a prompt (seed 001: 1000).
        max_prompt_cjk_chars: Chinese characters in a prompt (seed 001: 500).
        audio_needs_visual: audio-only requests are refused (seed 001).
        models: what each model offered can make; a request for a model not listed is
            refused. The default is Seedance 2.0 and 2.0 Fast at the seeds' strictest
            (480p/720p, the six ratios); providers list their own.
    """

    image: ModalityLimits = field(
        default_factory=lambda: ModalityLimits(
            max_count=9,
            max_bytes=30 * MB,
            formats=frozenset({"jpeg", "png", "webp"}),
            min_side_px=300,
            max_side_px=6000,
            source="seeds 000, 001, 002, 004",
        )
    )
    video: ModalityLimits = field(
        default_factory=lambda: ModalityLimits(
            max_count=3,
            max_bytes=50 * MB,
            formats=frozenset({"mp4", "mov"}),
            min_pixels=409_600,
            max_pixels=927_408,
            min_duration_s=2.0,
            max_duration_s=15.0,
            max_total_duration_s=15.0,
            source="seeds 000, 001, 002, 004",
        )
    )
    audio: ModalityLimits = field(
        default_factory=lambda: ModalityLimits(
            max_count=3,
            max_bytes=15 * MB,
            formats=frozenset({"mp3", "wav"}),
            min_duration_s=2.0,
            max_duration_s=15.0,
            max_total_duration_s=15.0,
            source="seeds 000, 001, 004",
        )
    )
    max_files: int = 12
    min_output_s: int = 4
    max_output_s: int = 15
    resolutions: tuple[str, ...] = SEED_RESOLUTIONS
    ratios: tuple[str, ...] = SEED_RATIOS
    max_prompt_words: int = 1000
    max_prompt_cjk_chars: int = 500
    audio_needs_visual: bool = True
    models: tuple[ModelOutputs, ...] = (ModelOutputs("standard"), ModelOutputs("fast"))

    def outputs_for(self, model: str) -> ModelOutputs | None:
        """What ``model`` can make, or ``None`` when it is not offered."""
        return next((m for m in self.models if m.model == model), None)

    def for_kind(self, kind: AssetKind) -> ModalityLimits:
        """The row for ``kind``."""
        return {"image": self.image, "video": self.video, "audio": self.audio}[kind]

    @property
    def max_download_bytes(self) -> int:
        """Byte cap for a download whose kind is not known yet: the largest row's cap."""
        return max(self.image.max_bytes, self.video.max_bytes, self.audio.max_bytes)


DEFAULT_LIMITS = Limits()


def output_size(resolution: str, ratio: str) -> OutputSize:
    """Pixel size of the clip for ``resolution`` ("480p"/"720p") and ``ratio`` ("16:9"…).

    Raises:
        KeyError: for a resolution or ratio outside :data:`OUTPUT_SIZES`.
    """
    return OUTPUT_SIZES[resolution][ratio]
