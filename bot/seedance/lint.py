"""Member-facing warnings for sessions that compile but are likely to work badly.

The compiler (:mod:`bot.seedance.compiler`) refuses what breaks a rule; this module points out what
seed 000 "Common Mistakes That Break the Workflow" and seed 001 §4 "Common Mistakes &
Debugging" warn about: too many assets, references that fight each other, the wrong entry
path, prompts that re-describe the assets, quoting mistakes around dialogue (seed 001
template 10) and ``@tags`` that a natural-dialect provider never sees.

Pure functions, no I/O. Every :class:`Lint` says what is wrong and how to fix it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.seedance.compiler import EntryMode, GenerationRequest, choose_entry_mode
from bot.seedance.limits import DEFAULT_LIMITS, Limits
from bot.seedance.roles import ROLES_BY_KEY
from bot.seedance.session import TAG_PATTERN, Session
from bot.words import Phrase, Words, say

Severity = Literal["info", "warn", "error"]
_SEVERITY_ORDER: dict[Severity, int] = {"error": 0, "warn": 1, "info": 2}

# Roles one clip has only one of (one opening frame, one camera path, one soundtrack…).
# Characters, styles, objects, effects and sound effects may come several at a time.
SINGLE_ROLES = frozenset(
    {
        "first_frame",
        "last_frame",
        "scene",
        "composition",
        "camera_movement",
        "choreography",
        "rhythm",
        "full_replication",
        "audio_extraction",
        "clip_to_extend",
        "clip_to_edit",
        "background_music",
        "beat_sync",
    }
)
# Seed 000 "Uploading too many assets": beyond this, say "stay selective".
MAX_SELECTIVE_ASSETS = 6
# Seed 000 "Re-describing what the files already show": a long prompt over several images.
REDESCRIBE_WORDS = 120
REDESCRIBE_MIN_IMAGES = 2
# Warn when the prompt uses this share of the limit (seed 001: 1000 words / 500 CJK chars).
NEAR_LIMIT = 0.9

_CJK = re.compile(r"[\u4e00-\u9fff]")
_STRAIGHT_QUOTED = re.compile(r'"[^"\n]+"')
_CURLY_QUOTED = re.compile("[\u201c\u201d\u201e]")
# Natural mentions of a numbered asset ("video 1", "audio 2", "image 3").
_NATURAL_REF = re.compile(r"\b(image|video|audio)\s+(\d+)\b", re.IGNORECASE)
# Words that talk about assets an image-to-video request does not carry.
_OTHER_ASSET_WORDS = re.compile(
    r"\b(soundtrack|the music|the song|the track|reference video|the clip|the footage|"
    r"camera (?:movement|move|path) (?:of|from)|style of|character (?:of|from))\b",
    re.IGNORECASE,
)
_FILENAME_STOPWORDS = frozenset(
    {
        "image", "images", "video", "videos", "audio", "photo", "picture", "final", "copy",
        "edit", "export", "clip", "sound", "track", "file", "frame", "untitled", "screenshot",
        "1080p", "720p", "480p", "with", "from", "full", "loop",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Lint:
    """One warning.

    Attributes:
        code: stable identifier ("duplicate_role"…), for tests and filtering.
        message: what is wrong, for the member.
        fix: what to do about it.
        severity: "info" (good to know), "warn" (likely to hurt the result) or "error"
            (the request will be refused).
    """

    code: str
    message: Phrase
    fix: Phrase
    severity: Severity = "warn"

    def describe(self, words: Words | None = None) -> str:
        """One line in English (the CLI, logs): ``[warn] message Fix: fix``."""
        words = words or Words.english()
        return f"[{self.severity}] {words.text(self.message)} Fix: {words.text(self.fix)}"


def lint(
    session: Session, request: GenerationRequest | None, limits: Limits = DEFAULT_LIMITS
) -> list[Lint]:
    """Warnings for ``session`` (and its compiled ``request``, when it compiled).

    Errors first, then warnings, then information; within a severity, in rule order.
    """
    found: list[Lint] = []
    for rule in _RULES:
        found.extend(rule(session, request, limits))
    return sorted(found, key=lambda item: _SEVERITY_ORDER[item.severity])


# -- rules ----------------------------------------------------------------------------


def _duplicate_roles(
    session: Session, request: GenerationRequest | None, limits: Limits
) -> list[Lint]:
    found: list[Lint] = []
    by_role: dict[str, list[str]] = {}
    for asset in session.assets:
        by_role.setdefault(asset.role, []).append(asset.tag)
    for role, tags in by_role.items():
        if role in SINGLE_ROLES and len(tags) > 1:
            name = ROLES_BY_KEY[role].name
            found.append(
                Lint(
                    "duplicate_role",
                    say("lint-duplicate-role", tags=_join(tags), role=name),
                    say("lint-duplicate-role-fix", role=name),
                )
            )
    return found


def _too_many_assets(
    session: Session, request: GenerationRequest | None, limits: Limits
) -> list[Lint]:
    count = len(session.assets)
    if count <= MAX_SELECTIVE_ASSETS:
        return []
    return [
        Lint(
            "too_many_assets",
            say("lint-too-many-assets", count=count),
            say("lint-too-many-assets-fix", most=MAX_SELECTIVE_ASSETS),
        )
    ]


def _conflicting_videos(
    session: Session, request: GenerationRequest | None, limits: Limits
) -> list[Lint]:
    videos = session.assets_of("video")
    full = [a for a in videos if a.role == "full_replication"]
    if not full or len(videos) < 2:
        return []
    others = [a for a in videos if a not in full[:1]]
    camera = [a for a in others if a.role == "camera_movement"]
    what = "camera" if camera else "motion"
    others_tags = _join([a.tag for a in others])
    return [
        Lint(
            "conflicting_references",
            say("lint-conflicting", full=full[0].tag, others=others_tags, what=what),
            say("lint-conflicting-fix", full=full[0].tag, others=others_tags),
        )
    ]


def _image_to_video_mentions(
    session: Session, request: GenerationRequest | None, limits: Limits
) -> list[Lint]:
    mode: EntryMode = request.mode if request is not None else choose_entry_mode(session)[0]
    if mode != "image_to_video":
        return []
    prompt = TAG_PATTERN.sub("", session.prompt)
    have = {(a.kind, a.ordinal) for a in session.assets}
    mentions = [
        m.group(0)
        for m in _NATURAL_REF.finditer(prompt)
        if (m.group(1).lower(), int(m.group(2))) not in have
    ]
    mentions += [m.group(0) for m in _OTHER_ASSET_WORDS.finditer(prompt)]
    if not mentions:
        return []
    return [
        Lint(
            "image_to_video_mentions",
            say("lint-image-to-video-mentions", mentions=_join(_unique(mentions))),
            say("lint-image-to-video-mentions-fix"),
        )
    ]


def _audio_without_visual(
    session: Session, request: GenerationRequest | None, limits: Limits
) -> list[Lint]:
    if not session.assets_of("audio"):
        return []
    if session.assets_of("image") or session.assets_of("video"):
        return []
    return [
        Lint(
            "audio_without_visual",
            say("lint-audio-alone"),
            say("lint-audio-alone-fix"),
            "error",
        )
    ]


def _redescribes_assets(
    session: Session, request: GenerationRequest | None, limits: Limits
) -> list[Lint]:
    found: list[Lint] = []
    prompt = TAG_PATTERN.sub(" ", session.prompt)
    words = _word_count(prompt)
    images = len(session.assets_of("image"))
    if words > REDESCRIBE_WORDS and images >= REDESCRIBE_MIN_IMAGES:
        found.append(
            Lint(
                "redescribes_assets",
                say("lint-redescribes", words=words, images=images),
                say("lint-redescribes-fix"),
            )
        )
        return found
    prompt_words = {w.lower() for w in re.findall(r"[A-Za-z]+", prompt)}
    echoed: list[str] = []
    for asset in session.assets:
        for word in _filename_words(asset.filename):
            if word in prompt_words and word not in echoed:
                echoed.append(word)
    if echoed:
        found.append(
            Lint(
                "redescribes_assets",
                say("lint-echoes-names", names=_join(_quoted(echoed))),
                say("lint-echoes-names-fix"),
                "info",
            )
        )
    return found


def _prompt_length(
    session: Session, request: GenerationRequest | None, limits: Limits
) -> list[Lint]:
    text = request.prompt if request is not None else session.prompt
    cjk = len(_CJK.findall(text))
    words = _word_count(text)
    over = words > limits.max_prompt_words or cjk > limits.max_prompt_cjk_chars
    near = (
        words >= NEAR_LIMIT * limits.max_prompt_words
        or cjk >= NEAR_LIMIT * limits.max_prompt_cjk_chars
    )
    if not (over or near):
        return []
    counts = {
        "words": words, "cjk": cjk, "max_words": limits.max_prompt_words,
        "max_cjk": limits.max_prompt_cjk_chars,
    }  # fmt: skip
    if over:
        return [
            Lint("prompt_too_long", say("lint-prompt-over", **counts), say("lint-shorten"), "error")
        ]
    return [Lint("prompt_near_limit", say("lint-prompt-near", **counts), say("lint-shorten"))]


def _dialogue_without_audio(
    session: Session, request: GenerationRequest | None, limits: Limits
) -> list[Lint]:
    generate_audio = request.generate_audio if request is not None else session.generate_audio
    if generate_audio or not _STRAIGHT_QUOTED.search(session.prompt):
        return []
    return [
        Lint(
            "dialogue_without_audio",
            say("lint-dialogue-silent"),
            say("lint-dialogue-silent-fix"),
        )
    ]


def _curly_quotes(
    session: Session, request: GenerationRequest | None, limits: Limits
) -> list[Lint]:
    if not _CURLY_QUOTED.search(session.prompt):
        return []
    return [Lint("curly_quotes", say("lint-curly-quotes"), say("lint-curly-quotes-fix"))]


def _last_without_first(
    session: Session, request: GenerationRequest | None, limits: Limits
) -> list[Lint]:
    roles = {a.role for a in session.assets}
    if "last_frame" not in roles or "first_frame" in roles:
        return []
    tag = next(a.tag for a in session.assets if a.role == "last_frame")
    return [
        Lint(
            "last_frame_without_first",
            say("lint-last-without-first", tag=tag),
            say("lint-last-without-first-fix", tag=tag),
        )
    ]


def _tags_in_natural_dialect(
    session: Session, request: GenerationRequest | None, limits: Limits
) -> list[Lint]:
    if request is None or request.dialect != "natural" or not TAG_PATTERN.search(session.prompt):
        return []
    example = TAG_PATTERN.search(session.prompt)
    written = example.group(0) if example else "@image1"
    spoken = TAG_PATTERN.sub(lambda m: f"{m.group(1).lower()} {m.group(2)}", written)
    return [
        Lint(
            "tags_converted",
            say("lint-tags-converted", spoken=spoken, written=written),
            say("lint-tags-converted-fix"),
            "info",
        )
    ]


_RULES = (
    _audio_without_visual,
    _prompt_length,
    _duplicate_roles,
    _too_many_assets,
    _conflicting_videos,
    _image_to_video_mentions,
    _last_without_first,
    _redescribes_assets,
    _dialogue_without_audio,
    _curly_quotes,
    _tags_in_natural_dialect,
)


# -- helpers --------------------------------------------------------------------------


def _word_count(text: str) -> int:
    return len(_CJK.sub(" ", text).split())


def _filename_words(filename: str) -> list[str]:
    stem = filename.rsplit(".", 1)[0]
    parts = re.split(r"[^A-Za-z]+|(?<=[a-z])(?=[A-Z])", stem)
    return [p.lower() for p in parts if len(p) >= 4 and p.lower() not in _FILENAME_STOPWORDS]


def _unique(items: list[str]) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item.lower() not in (s.lower() for s in seen):
            seen.append(item)
    return seen


def _quoted(items: list[str]) -> list[str]:
    return [f"\u2018{item}\u2019" for item in items]


def _join(items: list[str]) -> str:
    """Tags and names joined the same way in every language ("@image1, @image2")."""
    return ", ".join(items)
