"""The ten prompt templates of seed 001 §3, as data.

Each template names the assets it needs (:class:`Slot`: a kind, a role from
:mod:`bot.seedance.roles` and the catalogue key of what the member is asked for), a prompt
skeleton written with ``@image1``-style tags in slot order and a ``{scene}`` placeholder
the member fills, and the settings seed 001 suggests (duration, ratio, sound). The
compiler prepends each asset's role sentence (``@Image1 as first frame`` / ``Use image 1
as the first frame``), so a skeleton only adds the coordination layer between the assets
(seed 000 "Write the prompt as a coordination layer"), never a second description of the
role.

Pure data and functions, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.seedance.compiler import EntryMode
from bot.seedance.limits import AssetKind
from bot.seedance.session import Asset, Session
from bot.words import Phrase, say

SCENE_PLACEHOLDER = "{scene}"


@dataclass(frozen=True)
class Slot:
    """One asset a template needs.

    Attributes:
        kind: "image", "video" or "audio".
        role: role key from :mod:`bot.seedance.roles` the asset should get.
        label: catalogue key of what the member is asked for (``character``: "the
            character", :mod:`bot.words`).
    """

    kind: AssetKind
    role: str
    label: str

    @property
    def name(self) -> Phrase:
        """What the member is asked for ("the character")."""
        return say(f"slot-{self.label}")


@dataclass(frozen=True)
class Template:
    """One seed 001 template.

    Attributes:
        key: stable identifier ("first_frame", "dialogue"…); its name and one line on
            when to use it are the catalogue's ``template-<key>`` and ``template-<key>-hint``
            (each ≤ 100 characters, Discord's choice limit).
        slots: the assets it needs, in tag order (the first image slot is ``@image1``…).
        prompt_skeleton: the prompt with ``@image1``-style tags and a ``{scene}`` placeholder.
        generate_audio: ask the model for a sound track.
        suggested_duration_s: clip length seed 001 uses for it.
        suggested_ratio: aspect ratio seed 001 uses for it.
        entry_mode: the entry mode seed 001 runs it in (what the compiler chooses once the
            slots are filled).
        example_scene: seed 001's own scene text, a starting point for the member.
    """

    key: str
    slots: tuple[Slot, ...]
    prompt_skeleton: str
    generate_audio: bool
    suggested_duration_s: int
    suggested_ratio: str
    entry_mode: EntryMode
    example_scene: str = ""

    @property
    def name(self) -> Phrase:
        """Its short name ("First frame")."""
        return say(f"template-{self.key}")

    @property
    def hint(self) -> Phrase:
        """When to use it."""
        return say(f"template-{self.key}-hint")


TEMPLATES: tuple[Template, ...] = (
    Template(
        key="first_frame",
        slots=(Slot("image", "first_frame", "opening_frame"),),
        prompt_skeleton="Animate @image1 with gentle, natural motion. {scene}",
        generate_audio=True,
        suggested_duration_s=5,
        suggested_ratio="16:9",
        entry_mode="image_to_video",
        example_scene="The camera slowly pushes in, the person lifts her head and smiles, "
        "wind moves her hair gently.",
    ),
    Template(
        key="first_last",
        slots=(
            Slot("image", "first_frame", "opening_frame"),
            Slot("image", "last_frame", "closing_frame"),
        ),
        prompt_skeleton="Smoothly transition from @image1 to @image2. {scene}",
        generate_audio=True,
        suggested_duration_s=6,
        suggested_ratio="16:9",
        entry_mode="image_to_video",
        example_scene="Use camera panning and lighting changes to bridge the two scenes.",
    ),
    Template(
        key="style_transfer",
        slots=(
            Slot("image", "style", "first_style_reference"),
            Slot("image", "style", "second_style_reference"),
            Slot("image", "style", "third_style_reference"),
        ),
        prompt_skeleton=(
            "The overall look follows the colour palette, lighting and texture of "
            "@image1, @image2 and @image3. Scene: {scene}"
        ),
        generate_audio=True,
        suggested_duration_s=8,
        suggested_ratio="16:9",
        entry_mode="reference_to_video",
        example_scene="a small-town summer market at dusk, crowds moving through warm amber light.",
    ),
    Template(
        key="character",
        slots=(Slot("image", "character", "character"),),
        prompt_skeleton="The character from @image1 looks the same in every shot. Scene: {scene}",
        generate_audio=True,
        suggested_duration_s=8,
        suggested_ratio="16:9",
        entry_mode="reference_to_video",
        example_scene="she walks into a vintage cafe, orders a latte, sits by the window, "
        "and opens a book.",
    ),
    Template(
        key="camera",
        slots=(Slot("video", "camera_movement", "camera_move_to_copy"),),
        prompt_skeleton=(
            "Follow @video1's camera path and velocity curve, with a new subject. Scene: {scene}"
        ),
        generate_audio=True,
        suggested_duration_s=8,
        suggested_ratio="16:9",
        entry_mode="reference_to_video",
        example_scene="a classical sculpture in a museum hall at dusk.",
    ),
    Template(
        key="music_pacing",
        slots=(
            Slot("image", "scene", "mood_image"),
            Slot("audio", "beat_sync", "music"),
        ),
        prompt_skeleton=(
            "In the world of @image1, shots change on the beat of @audio1, the soundtrack of "
            "the whole video. Scene: {scene}"
        ),
        generate_audio=True,
        suggested_duration_s=10,
        suggested_ratio="16:9",
        entry_mode="reference_to_video",
        example_scene="fast cuts of city night life: neon, raindrops, silhouettes, cab "
        "headlights flashing past.",
    ),
    Template(
        key="three_modal",
        slots=(
            Slot("image", "character", "character"),
            Slot("video", "camera_movement", "camera_and_pacing"),
            Slot("audio", "background_music", "background_music"),
        ),
        prompt_skeleton=(
            "The character from @image1 moves through the scene with @video1's perspective "
            "and camera pacing, @audio1 playing throughout. Scene: {scene}"
        ),
        generate_audio=True,
        suggested_duration_s=10,
        suggested_ratio="16:9",
        entry_mode="reference_to_video",
        example_scene="a young rider weaving through rain-soaked Tokyo streets, neon "
        "reflections on the asphalt.",
    ),
    Template(
        key="product_ad",
        slots=(Slot("image", "object", "product"),),
        prompt_skeleton=(
            "The product stays identical to @image1: colour, materials and logo all match. "
            "Scene: {scene}"
        ),
        generate_audio=True,
        suggested_duration_s=6,
        suggested_ratio="1:1",
        entry_mode="reference_to_video",
        example_scene="it rotates slowly on a transparent acrylic pedestal, soft studio "
        "lighting, grey gradient background.",
    ),
    Template(
        key="pure_text",
        slots=(),
        prompt_skeleton="{scene}",
        generate_audio=True,
        suggested_duration_s=8,
        suggested_ratio="16:9",
        entry_mode="text_to_video",
        example_scene="A macro lens focuses on a green glass frog on a leaf. The focus "
        "shifts from its smooth skin to its transparent abdomen, where a red heart beats.",
    ),
    Template(
        key="dialogue",
        slots=(),
        prompt_skeleton="{scene}",
        generate_audio=True,
        suggested_duration_s=6,
        suggested_ratio="16:9",
        entry_mode="text_to_video",
        example_scene='She stops, turns to the boy, and says: "You finally understood." '
        "Close-up on her face, expression shifting from determination to warmth.",
    ),
)

TEMPLATES_BY_KEY: dict[str, Template] = {t.key: t for t in TEMPLATES}


def get_template(key: str) -> Template:
    """The template with ``key``.

    Raises:
        KeyError: for an unknown key.
    """
    return TEMPLATES_BY_KEY[key]


def missing_slots(template: Template, session: Session) -> list[Slot]:
    """Slots no asset of ``session`` fills yet, in slot order.

    An asset fills a slot when its kind and role match; each asset fills one slot at most
    (so three style slots need three style images).
    """
    unused: list[Asset] = sorted(session.assets, key=lambda a: (a.kind, a.ordinal))
    missing: list[Slot] = []
    for slot in template.slots:
        match = next((a for a in unused if a.kind == slot.kind and a.role == slot.role), None)
        if match is None:
            missing.append(slot)
        else:
            unused.remove(match)
    return missing


def apply_template(template: Template, scene: str) -> str:
    """The prompt: the skeleton with ``{scene}`` replaced by the member's ``scene``.

    Braces in ``scene`` are kept as written (no ``str.format``).
    """
    return template.prompt_skeleton.replace(SCENE_PLACEHOLDER, scene.strip()).strip()
