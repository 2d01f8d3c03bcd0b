"""The role catalogue: which job each asset does, and how each dialect says it.

Roles come from seed 004 (the @tag role tables for images, videos and audio, with their
prompt patterns) plus the seed 000/002 patterns (clip to extend, clip to edit). One
primary role per asset (seed 001, "Assign one primary role per asset").

Three prompt dialects (docs/ARCHITECTURE.md "Seedance rules"):
- ``tags``: ``@Image1 as first frame`` (seeds 002, 004);
- ``natural``: ``Use image 1 as the first frame`` (seed 001: the API maps "image 1" to
  ``image_urls[0]``);
- ``brackets``: ``[Image1] as first frame`` (Replicate's input schema for
  ``bytedance/seedance-2.0``: "reference them in your prompt as [Image1], [Image2]").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.seedance.limits import AssetKind
from bot.words import Phrase, say

Dialect = Literal["tags", "natural", "brackets"]


@dataclass(frozen=True)
class Role:
    """One job an asset can do.

    Attributes:
        key: stable identifier stored in the database and in component ids; never shown
            (its name and select-menu hint are the catalogue's ``role-<key>`` and
            ``role-<key>-hint``, :mod:`bot.words`).
        kind: the modality it applies to.
        tags_phrase: seed 004 pattern; ``{ref}`` is replaced by ``@Image1``-style tags (or
            ``[Image1]`` in the ``brackets`` dialect).
        natural_phrase: seed 001 pattern; ``{ref}`` is replaced by "image 1"-style names.
    """

    key: str
    kind: AssetKind
    tags_phrase: str
    natural_phrase: str

    @property
    def name(self) -> Phrase:
        """What members call it ("first frame"), from the catalogue."""
        return say(f"role-{self.key}")

    @property
    def hint(self) -> Phrase:
        """One line for the select menu (≤ 100 characters, Discord's limit)."""
        return say(f"role-{self.key}-hint")

    def phrase(self, dialect: Dialect, ref: str) -> str:
        """The role sentence for ``ref`` (an already rendered reference) in ``dialect``."""
        template = self.natural_phrase if dialect == "natural" else self.tags_phrase
        return template.format(ref=ref)


ROLES: tuple[Role, ...] = (
    # Images (seed 004 "Image @Tag Roles").
    Role("first_frame", "image",
         "{ref} as first frame", "Use {ref} as the first frame"),
    Role("last_frame", "image",
         "{ref} as last frame", "Use {ref} as the last frame"),
    Role("character", "image",
         "{ref} as character", "The character's appearance stays consistent with {ref}"),
    Role("style", "image",
         "{ref} as style reference", "The art style follows the colours and lighting of {ref}"),
    Role("scene", "image",
         "{ref} as scene", "Use {ref} as the scene and environment"),
    Role("object", "image",
         "{ref} as object", "The object's appearance stays identical to {ref}"),
    Role("composition", "image",
         "{ref} as composition reference", "Follow the layout and framing of {ref}"),
    # Videos (seed 004 "Video @Tag Roles"; seed 000/002 extension and editing).
    Role("camera_movement", "video",
         "replicate {ref} camera movement", "Replicate {ref}'s camera movement"),
    Role("choreography", "video",
         "replicate {ref} choreography", "Replicate the motion and choreography of {ref}"),
    Role("effects", "video",
         "replicate {ref} effects", "Replicate the visual effects and transitions of {ref}"),
    Role("rhythm", "video",
         "match {ref} rhythm", "Match the cut timing and pacing of {ref}"),
    Role("full_replication", "video",
         "replicate {ref}", "Replicate the overall motion, camera and pacing of {ref}"),
    Role("audio_extraction", "video",
         "use {ref} audio", "Use the audio track of {ref}"),
    Role("clip_to_extend", "video",
         "extend {ref}", "Continue {ref} seamlessly from its last frame"),
    Role("clip_to_edit", "video",
         "edit {ref}", "Edit {ref} as described"),
    # Audio (seed 004 "Audio @Tag Roles").
    Role("background_music", "audio",
         "{ref} as background music", "Use {ref} as background music throughout"),
    Role("sound_effects", "audio",
         "{ref} as sound effects", "Use {ref} as sound effects aligned with the action"),
    Role("beat_sync", "audio",
         "sync to {ref} beat", "Sync shot changes to the beat of {ref}"),
)  # fmt: skip

ROLES_BY_KEY: dict[str, Role] = {role.key: role for role in ROLES}


def roles_for(kind: AssetKind) -> tuple[Role, ...]:
    """Roles that fit ``kind``, in catalogue order."""
    return tuple(role for role in ROLES if role.kind == kind)


def get_role(key: str) -> Role:
    """The role with ``key``.

    Raises:
        KeyError: for an unknown key.
    """
    return ROLES_BY_KEY[key]


@dataclass(frozen=True)
class ImageLooks:
    """What an image shows, as simple measurements (:func:`bot.media.looks.measure_image`).

    Attributes:
        width / height: pixels.
        face: the realistic-face pre-check found a face (:mod:`bot.media.faces`).
        edge_density: fraction of pixels on a Canny edge in a 256 px copy (0–1).
        edge_spread: how unevenly those edges spread over a 4×4 grid (the cells' standard
            deviation over their mean; low: detail everywhere, as in a texture).
        centre_detail: edge density of the middle half over the whole image's (> 1: the
            detail is in the middle, as around a subject).
        border_plain: fraction of the pixels in an 8 % border band within 24 levels of
            the band's median colour (1: a plain background).
    """

    width: int
    height: int
    face: bool
    edge_density: float
    edge_spread: float
    centre_detail: float
    border_plain: float

    @property
    def ratio(self) -> float:
        """Width over height."""
        return self.width / self.height


# Thresholds of :func:`suggest_image_role`, measured on the real media (tests/test_looks.py).
RATIO_TOLERANCE = 0.05  # within 5 % of the output's ratio counts as the same shape
PLAIN_BORDER = 0.75  # a plain background: ≥ 75 % of the border is one colour…
SUBJECT_DETAIL = 1.2  # …around a middle ≥ 1.2× as detailed as the whole
TEXTURE_SPREAD = 0.3  # a texture or pattern: detail spread evenly (grid CV ≤ 0.3)…
TEXTURE_EDGES = 0.03  # …and there is detail (≥ 3 % edge pixels)
WIDE_RATIO = 1.3  # a wide view: at least 1.3:1…
NO_SUBJECT_DETAIL = 1.0  # …with no more detail in the middle than elsewhere


def ratio_of(ratio: str) -> float | None:
    """``"16:9"`` → 1.777…; ``None`` for "adaptive" (the model picks the shape)."""
    if ":" not in ratio:
        return None
    width, height = ratio.split(":", 1)
    return int(width) / int(height)


def same_shape(width: int, height: int, ratio: str) -> bool:
    """Whether a ``width``×``height`` picture has the output ``ratio``'s shape (within
    :data:`RATIO_TOLERANCE`; any shape fits "adaptive")."""
    wanted = ratio_of(ratio)
    return wanted is None or abs(width / height / wanted - 1) <= RATIO_TOLERANCE


def suggest_image_role(looks: ImageLooks, first_image: bool, output_ratio: str) -> str:
    """The role an image's looks suggest (the rules are tried in this order):

    a face → character; the session's first image in the output's shape → first frame
    (seed 000: "@image1 establishes the opening frame"); a subject in the middle of a
    plain background → object; detail spread evenly → style (a texture or pattern); a
    wide view with nothing in the middle → scene; anything else (a subject) → object.
    """
    if looks.face:
        return "character"
    if first_image and same_shape(looks.width, looks.height, output_ratio):
        return "first_frame"
    if looks.border_plain >= PLAIN_BORDER and looks.centre_detail >= SUBJECT_DETAIL:
        return "object"
    if looks.edge_spread <= TEXTURE_SPREAD and looks.edge_density >= TEXTURE_EDGES:
        return "style"
    if looks.ratio >= WIDE_RATIO and looks.centre_detail < NO_SUBJECT_DETAIL:
        return "scene"
    return "object"


def suggest_role(kind: AssetKind, existing_roles: list[str]) -> str:
    """The default offered for a new asset whose looks were not measured, given the roles
    already in the session.

    The first image opens the clip (seed 000: "@image1 establishes the opening frame"), a
    later one keeps a character; a video teaches camera movement and audio becomes
    background music (seed 004's first row of each table).
    """
    if kind == "image":
        return "first_frame" if "first_frame" not in existing_roles else "character"
    if kind == "video":
        return "camera_movement"
    return "background_music"
