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


def suggest_role(kind: AssetKind, existing_roles: list[str]) -> str:
    """The default offered for a new asset, given the roles already in the session.

    The first image opens the clip (seed 000: "@image1 establishes the opening frame"), a
    later one keeps a character; a video teaches camera movement and audio becomes
    background music (seed 004's first row of each table).
    """
    if kind == "image":
        return "first_frame" if "first_frame" not in existing_roles else "character"
    if kind == "video":
        return "camera_movement"
    return "background_music"
