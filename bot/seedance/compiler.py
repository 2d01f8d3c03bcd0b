"""The prompt compiler: a session becomes a provider-neutral :class:`GenerationRequest`.

It chooses the entry mode (seed 000 "Start by Choosing the Right
Entry Mode"; seed 001 §5), orders the asset lists (array order equals tag number, seed 004
"Tags must match the array position"), renders each asset's role as a sentence in the
provider's dialect (seed 004 role tables / seed 001 natural language) and rewrites the
member's ``@tags`` in that dialect. It refuses sessions that break a rule before any
credit is held.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from bot.errors import RequestInvalid
from bot.seedance.checks import check_file
from bot.seedance.facts import MediaInfo
from bot.seedance.limits import ASSET_KINDS, MODEL_LABELS, Limits
from bot.seedance.roles import Dialect, get_role
from bot.seedance.session import TAG_PATTERN, Asset, Session, unknown_tags
from bot.text import file_label
from bot.words import Phrase, say

EntryMode = Literal["text_to_video", "image_to_video", "reference_to_video"]


# Ark's content roles (its tasks API): first/last frame in image-to-video,
# reference_* in reference-to-video; the two modes cannot be mixed.
_API_ROLES = {"image": "reference_image", "video": "reference_video", "audio": "reference_audio"}
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class RequestAsset:
    """An asset placed in the request.

    Attributes:
        asset: the session asset.
        position: 1-based index in its kind's list (``image_urls[position - 1]``).
        api_role: Ark content role (``first_frame``, ``last_frame``, ``reference_image``…).
    """

    asset: Asset
    position: int
    api_role: str

    def ref(self, dialect: Dialect) -> str:
        """How the prompt names it: ``@Image1`` (tags), ``[Image1]`` (brackets) or
        ``image 1`` (natural)."""
        kind = self.asset.kind
        if dialect == "tags":
            return f"@{kind.capitalize()}{self.position}"
        if dialect == "brackets":
            return f"[{kind.capitalize()}{self.position}]"
        return f"{kind} {self.position}"


@dataclass(frozen=True)
class GenerationRequest:
    """A compiled, provider-neutral request.

    Attributes:
        mode: the entry mode.
        mode_reason: why this mode was chosen, for the member.
        dialect: the prompt dialect ``prompt`` is written in.
        prompt: the prompt exactly as the provider receives it.
        images / videos / audios: assets in request order.
        duration_s: clip length in seconds (4–15, seeds 000/001).
        ratio: aspect ratio ("16:9"…).
        resolution: "480p" or "720p" (seed 001).
        generate_audio: ask for a sound track.
        model: "standard" or "fast" (seed 003).
        return_last_frame: ask the provider for the clip's last frame as an image too
            (Ark's ``return_last_frame``; a storyboard's "continue" cut starts the next
            shot from it). ``False`` for every request the compiler makes; read back with
            :meth:`bot.providers.base.Provider.download_last_frame`.
    """

    mode: EntryMode
    mode_reason: Phrase
    dialect: Dialect
    prompt: str
    images: tuple[RequestAsset, ...]
    videos: tuple[RequestAsset, ...]
    audios: tuple[RequestAsset, ...]
    duration_s: int
    ratio: str
    resolution: str
    generate_audio: bool
    model: str = "standard"
    return_last_frame: bool = False

    @property
    def assets(self) -> tuple[RequestAsset, ...]:
        """All assets: images, then videos, then audio."""
        return self.images + self.videos + self.audios

    def with_assets(self, change: Callable[[Asset], Asset]) -> GenerationRequest:
        """The same request with each asset replaced by ``change(asset)`` (its file's key
        moved, :mod:`bot.hosting.store`), in the same places."""

        def each(placed: tuple[RequestAsset, ...]) -> tuple[RequestAsset, ...]:
            return tuple(dataclasses.replace(ra, asset=change(ra.asset)) for ra in placed)

        return dataclasses.replace(
            self, images=each(self.images), videos=each(self.videos), audios=each(self.audios)
        )

    @property
    def has_video_references(self) -> bool:
        """Video references cost more (seeds 002, 004)."""
        return bool(self.videos)


def choose_entry_mode(session: Session) -> tuple[EntryMode, Phrase]:
    """The entry mode for ``session`` and the reason, per docs/ARCHITECTURE.md "Seedance rules".

    - no asset at all → text-to-video;
    - one or two images whose roles are first frame (+ last frame), nothing else →
      image-to-video (seed 001 templates 1–2: it has dedicated first-frame optimisation);
    - anything else → reference-to-video (seed 000: combining modalities needs the
      all-purpose reference path).
    """
    if not session.assets:
        return "text_to_video", say("mode-why-text")
    images = session.assets_of("image")
    roles = sorted(a.role for a in images)
    only_images = len(images) == len(session.assets)
    if only_images and roles in (["first_frame"], ["first_frame", "last_frame"]):
        frames = "first" if len(roles) == 1 else "first-last"
        return "image_to_video", say("mode-why-image", frames=frames)
    return "reference_to_video", say("mode-why-reference")


def compile_request(session: Session, dialect: Dialect, limits: Limits) -> GenerationRequest:
    """Compile ``session`` for a provider that speaks ``dialect``.

    Raises:
        RequestInvalid: a conflict or broken limit, with a message saying how to fix it.
    """
    _check(session, limits)
    mode, reason = choose_entry_mode(session)
    images = _ordered(session, "image", mode)
    videos = _ordered(session, "video", mode)
    audios = _ordered(session, "audio", mode)
    placed = {ra.asset.id: ra for ra in images + videos + audios}

    sentences = [
        get_role(ra.asset.role).phrase(dialect, ra.ref(dialect)) for ra in images + videos + audios
    ]
    member_prompt = TAG_PATTERN.sub(
        lambda m: _render_tag(m.group(0), session, placed, dialect), session.prompt.strip()
    )
    parts = [s + "." for s in sentences]
    if member_prompt:
        parts.append(member_prompt)
    prompt = " ".join(parts)
    _check_prompt_length(prompt, limits)
    return GenerationRequest(
        mode=mode,
        mode_reason=reason,
        dialect=dialect,
        prompt=prompt,
        images=images,
        videos=videos,
        audios=audios,
        duration_s=session.duration_s,
        ratio=session.ratio,
        resolution=session.resolution,
        generate_audio=session.generate_audio,
        model=session.model,
    )


def _ordered(session: Session, kind: str, mode: EntryMode) -> tuple[RequestAsset, ...]:
    assets = [a for a in session.assets if a.kind == kind]
    if mode == "image_to_video":
        # First frame goes first, last frame second (seed 001 template 2).
        assets.sort(key=lambda a: 0 if a.role == "first_frame" else 1)
        return tuple(RequestAsset(a, i, a.role) for i, a in enumerate(assets, start=1))
    assets.sort(key=lambda a: a.ordinal)
    return tuple(RequestAsset(a, i, _API_ROLES[a.kind]) for i, a in enumerate(assets, start=1))


def _render_tag(
    written: str, session: Session, placed: dict[int, RequestAsset], dialect: Dialect
) -> str:
    asset = session.asset_by_tag(written)
    if asset is None:  # _check refused unknown tags already
        return written
    return placed[asset.id].ref(dialect)


def _check(session: Session, limits: Limits) -> None:
    problems: list[Phrase] = []
    unknown = unknown_tags(session.prompt, session)
    if unknown:
        have = ", ".join(a.tag for a in session.assets) or "none"
        problems.append(say("problem-unknown-tags", tags=", ".join(unknown), have=have))
    if not session.assets and not session.prompt.strip():
        problems.append(say("problem-empty"))
    for kind in ASSET_KINDS:
        row = limits.for_kind(kind)
        assets = session.assets_of(kind)
        if len(assets) > row.max_count:
            problems.append(say("problem-count", kind=kind, count=row.max_count))
        total = session.total_duration_s(kind)
        if row.max_total_duration_s is not None and total > row.max_total_duration_s:
            problems.append(
                say(
                    "problem-total-duration", kind=kind, total=round(total, 1),
                    s=row.max_total_duration_s,
                )
            )  # fmt: skip
    for asset in session.assets:  # per-file limits again: the provider may have changed
        for broken in check_file(asset_facts(asset), limits):
            problems.append(
                say(
                    "problem-asset", tag=asset.tag, file=file_label(asset.filename),
                    reason=broken.describe(),
                )
            )  # fmt: skip
    if len(session.assets) > limits.max_files:
        problems.append(say("problem-files", count=limits.max_files))
    visual = session.assets_of("image") + session.assets_of("video")
    if limits.audio_needs_visual and session.assets_of("audio") and not visual:
        problems.append(say("problem-audio-alone"))
    for role in ("first_frame", "last_frame"):
        holders = [a.tag for a in session.assets if a.role == role]
        if len(holders) > 1:
            problems.append(say("problem-two-frames", tags=" & ".join(holders), role=role))
    if not limits.min_output_s <= session.duration_s <= limits.max_output_s:
        problems.append(say("problem-duration", low=limits.min_output_s, high=limits.max_output_s))
    outputs = limits.outputs_for(session.model)
    if outputs is None:
        offered = ", ".join(m.name for m in limits.models)
        asked = MODEL_LABELS.get(session.model, session.model)
        problems.append(say("problem-model", model=asked, offered=offered))
    else:
        if session.resolution not in outputs.resolutions:
            problems.append(say("problem-resolution", allowed=", ".join(outputs.resolutions)))
        if session.ratio not in outputs.ratios:
            problems.append(say("problem-ratio", allowed=", ".join(outputs.ratios)))
    if problems:
        raise RequestInvalid(say("request-problems", problems=tuple(problems)))


def asset_facts(asset: Asset) -> MediaInfo:
    """The probe facts stored with an asset, as the limit checks take them."""
    return MediaInfo(
        kind=asset.kind,
        format=asset.format,
        size_bytes=asset.size_bytes,
        width=asset.width,
        height=asset.height,
        duration_s=asset.duration_s,
        has_audio=asset.has_audio,
    )


def _check_prompt_length(prompt: str, limits: Limits) -> None:
    cjk = len(_CJK.findall(prompt))
    words = len(_CJK.sub(" ", prompt).split())
    if words > limits.max_prompt_words or cjk > limits.max_prompt_cjk_chars:
        problem = say(
            "problem-prompt-length", words=words, cjk=cjk, max_words=limits.max_prompt_words,
            max_cjk=limits.max_prompt_cjk_chars,
        )  # fmt: skip
        raise RequestInvalid(say("request-problems", problems=(problem,)))


def request_to_json(request: GenerationRequest) -> str:
    """Serialise a request (with its assets' files and facts) for the jobs table, so a job
    can be resumed after a restart exactly as it was compiled."""

    def placed(ra: RequestAsset) -> dict[str, Any]:
        asset = dataclasses.asdict(ra.asset)
        return {"asset": asset, "position": ra.position, "api_role": ra.api_role}

    body = dataclasses.asdict(request)
    body["mode_reason"] = request.mode_reason.to_json()
    for kind in ("images", "videos", "audios"):
        body[kind] = [placed(ra) for ra in getattr(request, kind)]
    return json.dumps(body)


def request_from_json(text: str) -> GenerationRequest:
    """The request :func:`request_to_json` wrote.

    Raises:
        ValueError: the text is not a serialised request.
    """
    try:
        body = json.loads(text)

        def placed(item: dict[str, Any]) -> RequestAsset:
            fields = dict(item["asset"])
            if "path" in fields:  # written before media keys: the file's absolute path
                fields["key"] = str(fields.pop("path"))
            asset = Asset(**fields)
            return RequestAsset(asset, int(item["position"]), str(item["api_role"]))

        for kind in ("images", "videos", "audios"):
            body[kind] = tuple(placed(item) for item in body[kind])
        body["mode_reason"] = Phrase.from_json(str(body["mode_reason"]))
        return GenerationRequest(**body)
    except (KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a serialised request: {exc}") from exc
