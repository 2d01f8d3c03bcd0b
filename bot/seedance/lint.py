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
    message: str
    fix: str
    severity: Severity = "warn"

    def describe(self) -> str:
        """One line: ``[warn] message Fix: fix``."""
        return f"[{self.severity}] {self.message} Fix: {self.fix}"


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
            label = ROLES_BY_KEY[role].label if role in ROLES_BY_KEY else role
            found.append(
                Lint(
                    "duplicate_role",
                    f"{_join(tags)} are all the {label}; a clip has only one, so they compete "
                    "(give each asset one clear job).",
                    f"Keep one {label} and give the others another role, or remove them.",
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
            f"{count} references: when every file tries to control everything the result gets "
            "muddy.",
            "Stay selective: keep the assets that control identity, motion and sound, "
            f"at most about {MAX_SELECTIVE_ASSETS}.",
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
    what = "its camera" if camera else "its motion"
    return [
        Lint(
            "conflicting_references",
            f"{full[0].tag} is replicated in full (motion, camera and pacing) while "
            f"{_join([a.tag for a in others])} also teaches {what}: the references fight over "
            "who owns the shot.",
            f"Decide which clip owns the shot: remove {_join([a.tag for a in others])}, or give "
            f"{full[0].tag} a narrower role (choreography, rhythm, effects).",
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
            f"This runs as image-to-video (only the first/last frame is sent), but the prompt "
            f"also talks about {_join(_unique(mentions))}; the model never sees it.",
            "Upload that asset and give it a role (the request then uses reference-to-video), "
            "or describe only what should happen from the frame.",
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
            "Audio alone can't anchor a video: the request will be refused.",
            "Add at least one image or video as a visual anchor.",
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
                f"The prompt is {words} words long over {images} images: it probably "
                "re-describes what the images already show, which adds noise.",
                "Let the assets show what they show: say what stays fixed, what moves and "
                "what changes over time.",
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
                f"The prompt repeats what the files are ({_join(_quoted(echoed))}, from their "
                "names); the references already show that.",
                "Let the assets show what they show: refer to them by tag and spend the words "
                "on motion, camera and timing.",
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
    measure = f"{words} words, {cjk} Chinese characters"
    limit = f"{limits.max_prompt_words} words or {limits.max_prompt_cjk_chars} Chinese characters"
    if over:
        return [
            Lint(
                "prompt_too_long",
                f"The prompt is over the limit ({measure}; the limit is {limit}): "
                "the request will be refused.",
                "Shorten it: let the assets show what they show.",
                "error",
            )
        ]
    return [
        Lint(
            "prompt_near_limit",
            f"The prompt is close to the limit ({measure}; the limit is {limit}).",
            "Shorten it: let the assets show what they show.",
        )
    ]


def _dialogue_without_audio(
    session: Session, request: GenerationRequest | None, limits: Limits
) -> list[Lint]:
    generate_audio = request.generate_audio if request is not None else session.generate_audio
    if generate_audio or not _STRAIGHT_QUOTED.search(session.prompt):
        return []
    return [
        Lint(
            "dialogue_without_audio",
            "The prompt has a line in double quotes, which Seedance speaks aloud, but sound is "
            "off, so nobody will hear it.",
            "Turn sound on, or take the quotes away if it is not dialogue.",
        )
    ]


def _curly_quotes(
    session: Session, request: GenerationRequest | None, limits: Limits
) -> list[Lint]:
    if not _CURLY_QUOTED.search(session.prompt):
        return []
    return [
        Lint(
            "curly_quotes",
            "The prompt uses curly quotes (\u201c\u2026\u201d); Seedance recognises dialogue "
            "inside straight double quotes.",
            'Write spoken lines in straight quotes: says: "like this".',
        )
    ]


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
            f"{tag} is the last frame but there is no first frame: the first-last transition "
            "needs both, so it runs as a loose reference instead.",
            "Add the opening image as the first frame, or give "
            f"{tag} another role (scene, composition).",
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
            f'This provider has no @tag syntax: it reads "{spoken}", so '
            f"{written} and the other tags are converted for you.",
            "Nothing to do; the request shows the prompt exactly as the provider receives it.",
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
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
