"""The pure rules behind steering a session: roles suggested from measured looks (on the
real images), tags renumbered with the prompt following, settings within what is offered."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from bot.errors import CallsheetError
from bot.guilds.config import GuildConfig
from bot.media.faces import detect_faces
from bot.media.looks import measure_image
from bot.seedance.limits import Limits, ModelOutputs
from bot.seedance.roles import ImageLooks, same_shape, suggest_image_role
from bot.seedance.session import Asset, Session, SessionState, rearrange
from bot.sessions.settings import apply_setting, offered_settings
from bot.words import Words
from storage.db import Database
from storage.sessions import SessionExists, SessionRepository
from tests.conftest import NOW

EN = Words.english().text

# What each real image shows, and the role its looks suggest for a later image (not the
# first) of a 16:9 video.
SUGGESTED = {
    "astronaut.png": "character",  # a realistic face (the face pre-check)
    "chessboard_GRAY.png": "style",  # a pattern: edges spread evenly
    "hubble_deep_field.jpg": "style",  # a texture of stars
    "rocket.jpg": "scene",  # a wide night view, the detail at the bottom, not the middle
    "coffee.png": "object",  # a cup in the middle
    "motorcycle_left.png": "object",  # a motorcycle in the middle
    "chelsea.png": "object",  # a cat: no human face, a subject in the middle
}


def looks_of(path: Path) -> ImageLooks:
    return measure_image(path, detect_faces(path, "image").found)


@pytest.mark.parametrize("name", sorted(SUGGESTED))
def test_roles_are_suggested_from_what_the_real_images_show(media: Path, name: str) -> None:
    looks = looks_of(media / "images" / name)
    assert suggest_image_role(looks, first_image=False, output_ratio="16:9") == SUGGESTED[name]


def test_the_measurements_behind_the_suggestions(media: Path) -> None:
    hubble = looks_of(media / "images/hubble_deep_field.jpg")
    assert (hubble.width, hubble.height) == (1000, 872)  # the original, not the JPEG draft
    assert hubble.edge_spread < 0.3 and hubble.border_plain > 0.9  # stars everywhere
    rocket = looks_of(media / "images/rocket.jpg")
    assert rocket.centre_detail < 1.0 and rocket.ratio > 1.3
    coffee = looks_of(media / "images/coffee.png")
    assert coffee.border_plain < 0.5 and coffee.edge_spread > 0.3  # wood all round, the cup


def test_a_product_on_a_plain_background_is_an_object(media: Path, tmp_path: Path) -> None:
    cup = Image.open(media / "images/coffee.png").convert("RGB").crop((150, 20, 450, 380))
    shot = Image.new("RGB", (900, 600), (245, 245, 245))  # a studio backdrop
    shot.paste(cup, (300, 120))
    shot.save(tmp_path / "product.png")
    looks = looks_of(tmp_path / "product.png")
    assert looks.border_plain == 1.0 and looks.centre_detail > 2
    assert suggest_image_role(looks, first_image=False, output_ratio="16:9") == "object"


def test_a_first_image_in_the_outputs_shape_is_the_first_frame(media: Path) -> None:
    board = looks_of(media / "images/chessboard_GRAY.png")  # 200×200
    assert suggest_image_role(board, first_image=True, output_ratio="1:1") == "first_frame"
    assert suggest_image_role(board, first_image=True, output_ratio="16:9") == "style"
    assert suggest_image_role(board, first_image=False, output_ratio="1:1") == "style"
    assert suggest_image_role(board, first_image=True, output_ratio="adaptive") == "first_frame"
    face = looks_of(media / "images/astronaut.png")  # 512×512, a face first
    assert suggest_image_role(face, first_image=True, output_ratio="1:1") == "character"
    assert same_shape(1280, 720, "16:9") and not same_shape(640, 427, "16:9")


def test_an_unreadable_image_measures_as_nothing_in_particular(tmp_path: Path) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    looks = measure_image(broken)
    assert (looks.edge_density, looks.border_plain) == (0.0, 0.0)


def _asset(asset_id: int, kind: str, ordinal: int, role: str = "object") -> Asset:
    return Asset(asset_id, 1, kind, ordinal, role, "x", f"f{asset_id}.png",  # type: ignore[arg-type]
                 f"sha{asset_id}", "png", 1)  # fmt: skip


def _session(prompt: str, *assets: Asset, **changes: object) -> Session:
    fields: dict[str, object] = {
        "id": 1, "guild_id": 1, "channel_id": 1, "user_id": 1, "state": SessionState.OPEN,
        "prompt": prompt, "duration_s": 5, "ratio": "16:9", "resolution": "480p",
        "generate_audio": True, "created_at": NOW, "updated_at": NOW, "assets": assets,
    }  # fmt: skip
    fields.update(changes)
    return Session(**fields)  # type: ignore[arg-type]


THREE = (_asset(1, "image", 1), _asset(2, "image", 2), _asset(3, "image", 3),
         _asset(4, "video", 1, "rhythm"))  # fmt: skip


def test_removing_closes_up_the_numbers_and_drops_its_tag_from_the_prompt() -> None:
    change = rearrange(_session("@image1 meets @Image2, then @image3 on @video1.", *THREE),
                       remove=2)  # fmt: skip
    assert change.removed == (2,) and change.ordinals == {3: 2}
    assert change.prompt == "@image1 meets, then @image2 on @video1."
    assert change.dropped == ("@Image2",)


def test_moving_swaps_tags_once_and_clamps_at_the_ends() -> None:
    session = _session("@image1 then @image2 then @image3 @image9", *THREE)
    up = rearrange(session, move=(3, -1))
    assert up.ordinals == {3: 2, 2: 3} and up.removed == ()
    assert up.prompt == "@image1 then @image3 then @image2 @image9"  # @image9: untouched
    top = rearrange(session, move=(1, -1))
    assert top.ordinals == {} and top.prompt == session.prompt


def test_a_replacement_takes_the_place_number_and_role() -> None:
    new = _asset(5, "image", 4, "scene")
    old = _asset(2, "image", 2, "character")
    session = _session("@image2 waves", THREE[0], old, THREE[2], new)
    change = rearrange(session, replace=(2, 5))
    assert change.removed == (2,) and change.ordinals == {5: 2}
    assert change.roles == {5: ("character", False)} and change.prompt == "@image2 waves"


def test_a_hostile_prompt_at_full_length_survives_renumbering() -> None:
    prompt = "@image3 <@&1> ```` @everyone \u202e "
    prompt = (prompt * 200)[:4000]
    change = rearrange(_session(prompt, *THREE), move=(3, -1))
    assert change.prompt == prompt.replace("@image3", "@image2")
    assert len(change.prompt) == 4000


LIMITS = Limits(models=(ModelOutputs("standard", resolutions=("480p", "720p", "1080p")),
                        ModelOutputs("fast")))  # fmt: skip


def test_settings_offer_what_the_guild_and_the_model_allow() -> None:
    session = _session("")
    offered = offered_settings(session, LIMITS, GuildConfig(max_duration_s=10))
    assert offered.durations == tuple(range(4, 11))
    assert offered.resolutions == ("480p", "720p", "1080p")
    assert offered.models == (("standard", "Seedance 2.0"), ("fast", "Seedance 2.0 Fast"))
    assert apply_setting(session, "duration", "10", LIMITS, GuildConfig(max_duration_s=10)) == (
        {"duration_s": 10}, ()
    )  # fmt: skip
    assert apply_setting(session, "audio", "off", LIMITS, GuildConfig())[0] == {
        "generate_audio": False
    }


@pytest.mark.parametrize(
    ("name", "value"),
    [("duration", "11"), ("duration", "3"), ("duration", "x" * 100), ("ratio", "2:1"),
     ("resolution", "4k"), ("model", "ultra"), ("audio", "loud"), ("colour", "red")],
)  # fmt: skip
def test_a_setting_not_offered_is_refused(name: str, value: str) -> None:
    with pytest.raises(CallsheetError) as refused:
        apply_setting(_session(""), name, value, LIMITS, GuildConfig(max_duration_s=10))
    assert "is not offered here any more" in EN(refused.value.phrase)


def test_a_model_that_cannot_make_the_resolution_moves_it_and_says_so() -> None:
    session = _session("", resolution="1080p")
    changes, notes = apply_setting(session, "model", "fast", LIMITS, GuildConfig())
    assert changes == {"model": "fast", "resolution": "720p"}
    assert EN(notes[0]) == "Seedance 2.0 Fast doesn't make 1080p, so it is 720p now."


async def test_the_repository_renumbers_in_one_transaction(db: Database) -> None:
    """Removal, a move, a replacement and kept suggestions, read back (on SQLite, and on
    PostgreSQL with ``CALLSHEET_TEST_DB=postgresql``): tags stay 1…n and unique."""
    repo = SessionRepository(db)
    session = await repo.open(
        guild_id=1, channel_id=2, user_id=3, prompt="@image1, @image2 and @image3",
        duration_s=5, ratio="16:9", resolution="480p", generate_audio=True, now=NOW,
    )  # fmt: skip
    ids = [
        await repo.add_asset(
            session_id=session.id, now=NOW, kind="image", role="object", path=f"/x/{n}.png",
            filename=f"{n}.png", sha256=f"sha{n}", format="png", size_bytes=1,
            role_suggested=True,
        )
        for n in range(3)
    ]  # fmt: skip
    await repo.rearrange(session.id, NOW, lambda s: rearrange(s, remove=ids[0]))
    await repo.rearrange(session.id, NOW, lambda s: rearrange(s, move=(ids[2], -1)))
    after = await repo.get(session.id)
    assert after is not None
    assert [(a.id, a.tag) for a in after.assets] == [(ids[2], "@image1"), (ids[1], "@image2")]
    assert after.prompt == ", @image2 and @image1"
    new = await repo.add_asset(
        session_id=session.id, now=NOW, kind="image", role="scene", path="/x/new.png",
        filename="new.png", sha256="sha0", format="png", size_bytes=1, role_suggested=True,
    )  # the removed file's bytes again: its row stepped aside  # fmt: skip
    await repo.update(session.id, NOW, replacing_asset_id=ids[1])
    await repo.rearrange(
        session.id, NOW, lambda s: rearrange(s, replace=(ids[1], new)), clear_replacing=True
    )
    assert await repo.confirm_roles(session.id, NOW) == 2
    final = await repo.get(session.id)
    assert final is not None and final.replacing_asset_id is None
    assert [(a.id, a.tag, a.role, a.role_suggested) for a in final.assets] == [
        (ids[2], "@image1", "object", False), (new, "@image2", "object", False),
    ]  # fmt: skip
    await repo.update(session.id, NOW, state="closed")
    await repo.open(guild_id=1, channel_id=2, user_id=3, prompt="", duration_s=5, ratio="16:9",
                    resolution="480p", generate_audio=True, now=NOW)  # fmt: skip
    with pytest.raises(SessionExists):  # another is open in the channel
        await repo.reopen(session.id, NOW)
