"""The ten prompt templates of seed 001 §3, as data.

Each template names the assets it needs (:class:`Slot`: a kind, a role from
:mod:`bot.seedance.roles` and a member-facing label), a prompt skeleton written with
``@image1``-style
tags in slot order and a ``{scene}`` placeholder the member fills, and the settings seed 001
suggests (duration, ratio, sound). The compiler prepends each asset's role sentence
(``@Image1 as first frame`` / ``Use image 1 as the first frame``), so a skeleton only adds
the coordination layer between the assets (seed 000 "Write the prompt as a coordination
layer"), never a second description of the role.

Pure data and functions, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.seedance.compiler import EntryMode
from bot.seedance.limits import AssetKind
from bot.seedance.session import Asset, Session

SCENE_PLACEHOLDER = "{scene}"


@dataclass(frozen=True)
class Slot:
    """One asset a template needs.

    Attributes:
        kind: "image", "video" or "audio".
        role: role key from :mod:`bot.seedance.roles` the asset should get.
        label: what the member is asked for ("the character").
    """

    kind: AssetKind
    role: str
    label: str


@dataclass(frozen=True)
class Template:
    """One seed 001 template.

    Attributes:
        key: stable identifier ("first_frame", "dialogue"…).
        label: short name (≤ 100 characters, Discord's select-option limit).
        description: one line on when to use it (≤ 100 characters).
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
    label: str
    description: str
    slots: tuple[Slot, ...]
    prompt_skeleton: str
    generate_audio: bool
    suggested_duration_s: int
    suggested_ratio: str
    entry_mode: EntryMode
    example_scene: str = ""


TEMPLATES: tuple[Template, ...] = (
    Template(
        key="first_frame",
        label="First frame",
        description="Bring one still image to life with light motion (image-to-video)",
        slots=(Slot("image", "first_frame", "the opening frame"),),
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
        label="First-last-frame transition",
        description="Move smoothly from one image to another (image-to-video)",
        slots=(
            Slot("image", "first_frame", "the opening frame"),
            Slot("image", "last_frame", "the closing frame"),
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
        label="Art style transfer",
        description="Borrow the palette, lighting and texture of up to three images",
        slots=(
            Slot("image", "style", "the first style reference"),
            Slot("image", "style", "the second style reference"),
            Slot("image", "style", "the third style reference"),
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
        label="Character consistency",
        description="Keep one drawn or stylised character the same across the clip",
        slots=(Slot("image", "character", "the character"),),
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
        label="Camera replication",
        description="Copy a clip's camera move and speed onto a new subject",
        slots=(Slot("video", "camera_movement", "the camera move to copy"),),
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
        label="Music-driven pacing",
        description="Cut on the beat of a track; one image anchors the look",
        slots=(
            Slot("image", "scene", "the mood image"),
            Slot("audio", "beat_sync", "the music"),
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
        label="Full three-modal composition",
        description="A character image, a camera clip and a music track together",
        slots=(
            Slot("image", "character", "the character"),
            Slot("video", "camera_movement", "the camera and pacing"),
            Slot("audio", "background_music", "the background music"),
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
        label="Product ad",
        description="Show a product exactly as it looks: colour, shape and logo",
        slots=(Slot("image", "object", "the product"),),
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
        label="Pure text",
        description="No references: the prompt alone drives the video (text-to-video)",
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
        label="Dialogue",
        description='Spoken lines: put the words in straight double quotes, "like this"',
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
