"""The ten seed 001 templates: well-formed data that compiles to the entry mode seed 001 says."""

from __future__ import annotations

import pytest

from bot.seedance.compiler import choose_entry_mode, compile_request
from bot.seedance.limits import DEFAULT_LIMITS
from bot.seedance.roles import get_role
from bot.seedance.session import TAG_PATTERN, Asset
from bot.seedance.templates import (
    TEMPLATES,
    Template,
    apply_template,
    get_template,
    missing_slots,
)
from bot.words import LOCALES, Words
from tests.conftest import make_asset, make_session

WORDS = Words()

EXPECTED_MODES = {
    "first_frame": "image_to_video",
    "first_last": "image_to_video",
    "style_transfer": "reference_to_video",
    "character": "reference_to_video",
    "camera": "reference_to_video",
    "music_pacing": "reference_to_video",
    "three_modal": "reference_to_video",
    "product_ad": "reference_to_video",
    "pure_text": "text_to_video",
    "dialogue": "text_to_video",
}


def filled(template: Template) -> list[Asset]:
    """One asset per slot, numbered in slot order, with durations inside the limits."""
    assets: list[Asset] = []
    counts: dict[str, int] = {}
    for slot in template.slots:
        counts[slot.kind] = counts.get(slot.kind, 0) + 1
        duration = None if slot.kind == "image" else 4.0
        assets.append(make_asset(slot.kind, counts[slot.kind], slot.role, duration_s=duration))
    return assets


def test_there_are_the_ten_seed_templates_in_order() -> None:
    assert [t.key for t in TEMPLATES] == list(EXPECTED_MODES)
    assert len({t.key for t in TEMPLATES}) == 10


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.key)
def test_template_data_is_well_formed(template: Template) -> None:
    for locale in LOCALES:  # Discord: choice names and descriptions ≤ 100 characters
        assert 0 < len(WORDS.text(template.name, locale)) <= 100
        assert 0 < len(WORDS.text(template.hint, locale)) <= 100
    assert "{scene}" in template.prompt_skeleton
    assert (
        DEFAULT_LIMITS.min_output_s <= template.suggested_duration_s <= DEFAULT_LIMITS.max_output_s
    )
    assert template.suggested_ratio in DEFAULT_LIMITS.ratios
    assert template.example_scene
    for slot in template.slots:
        assert get_role(slot.role).kind == slot.kind
        assert all(WORDS.text(slot.name, locale) for locale in LOCALES)
    # The skeleton's tags are exactly the slots' tags (assets arriving in slot order).
    written = [m.group(0).lower() for m in TAG_PATTERN.finditer(template.prompt_skeleton)]
    assert written == [asset.tag for asset in filled(template)]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.key)
@pytest.mark.parametrize("dialect", ["tags", "natural"])
def test_every_template_compiles_once_filled(template: Template, dialect: str) -> None:
    assets = filled(template)
    session = make_session(
        *assets,
        prompt=apply_template(template, template.example_scene),
        duration_s=template.suggested_duration_s,
        ratio=template.suggested_ratio,
    )
    assert missing_slots(template, session) == []
    request = compile_request(session, dialect, DEFAULT_LIMITS)  # type: ignore[arg-type]
    assert request.mode == EXPECTED_MODES[template.key] == template.entry_mode
    assert choose_entry_mode(session)[0] == template.entry_mode
    assert len(request.assets) == len(template.slots)
    assert template.example_scene.strip() in request.prompt
    if dialect == "natural":
        assert "@" not in request.prompt


def test_missing_slots_counts_kind_and_role() -> None:
    template = get_template("three_modal")
    assert [s.kind for s in missing_slots(template, make_session())] == ["image", "video", "audio"]
    wrong_role = make_session(make_asset("image", 1, "style"))
    assert [s.role for s in missing_slots(template, wrong_role)] == [
        "character",
        "camera_movement",
        "background_music",
    ]
    partial = make_session(
        make_asset("image", 1, "character"), make_asset("audio", 1, "background_music")
    )
    assert [s.role for s in missing_slots(template, partial)] == ["camera_movement"]


def test_missing_slots_needs_one_asset_per_slot() -> None:
    template = get_template("style_transfer")
    one = make_session(make_asset("image", 1, "style"))
    assert len(missing_slots(template, one)) == 2
    three = make_session(*(make_asset("image", i, "style") for i in (1, 2, 3)))
    assert missing_slots(template, three) == []


def test_apply_template_fills_the_scene_and_keeps_braces() -> None:
    template = get_template("character")
    prompt = apply_template(template, "  she reads {a book}  ")
    assert (
        prompt
        == "The character from @image1 looks the same in every shot. Scene: she reads {a book}"
    )
    assert apply_template(get_template("pure_text"), "a frog") == "a frog"


def test_get_template_unknown_key() -> None:
    with pytest.raises(KeyError):
        get_template("nope")


def test_dialogue_template_generates_audio_and_quotes_its_example() -> None:
    template = get_template("dialogue")
    assert template.generate_audio
    assert '"You finally understood."' in template.example_scene
