"""End to end, once per real provider (Ark, EvoLink, fal): the real bot in the Discord
emulator talks to that provider's loopback fake. A member opens a session with a real image,
drops a real audio file, picks roles and presses Generate; the test checks the MP4 that
arrives, the one create the fake received (body shape and prompt dialect), that the fake
fetched every reference from the bot's asset server, and the credits. Then a refusal for a
realistic face (refunded, session still open) and a rate limit that is retried."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import pytest

from bot.providers.ark import FACE_MESSAGE
from bot.words import Words
from tests.fakes.ark import FakeArk, RecordedRequest
from tests.fakes.evolink import FakeEvolink
from tests.fakes.fal import FakeFal
from tests.fakes.replicate import FakeReplicate
from tests.helpers import World, card_button, fields, role_select, running_bot

pytestmark = pytest.mark.e2e
JSON = dict[str, Any]
Fake = FakeArk | FakeEvolink | FakeFal | FakeReplicate
PROVIDERS = ("ark", "evolink", "fal", "replicate")
PROMPT = "@image1 lifts off into a violet dusk, cut on the beat of @audio1"
REFUSAL = "The input image may contain a real person's face (privacy information)."


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Backend:
    """One provider's fake, the bot settings pointing at it, and how to read/script it."""

    name: str
    fake: Fake
    settings: dict[str, Any]
    creates: Callable[[], list[RecordedRequest]]
    refuse_face: Callable[[], None]

    @property
    def asset_base(self) -> str:
        return str(self.settings["public_base_url"])


def _backend(name: str, fake: Fake) -> Backend:
    port = _free_port()
    common = {
        "provider": name,
        "public_base_url": f"http://127.0.0.1:{port}",
        "asset_server_host": "127.0.0.1",
        "asset_server_port": port,
    }
    if isinstance(fake, FakeArk):

        def ark_refuses() -> None:  # a create refused with Ark's privacy code
            fake.next_create_error = (
                400,
                "InputImageSensitiveContentDetected.PrivacyInformation",
                "The request failed because the input image may contain real person.",
            )

        keys = {"ark_api_key": fake.api_key, "ark_base_url": fake.base_url}
        return Backend(name, fake, common | keys, fake.creates, ark_refuses)
    if isinstance(fake, FakeEvolink):

        def evolink_refuses() -> None:  # no face code: the task fails on content policy
            fake.fail_task_with = ("content_policy_violation", REFUSAL)

        keys = {"evolink_api_key": fake.api_key, "evolink_base_url": fake.base_url}
        return Backend(name, fake, common | keys, fake.creates, evolink_refuses)

    if isinstance(fake, FakeReplicate):

        def replicate_refuses() -> None:  # the prediction fails with the refusal as its error
            fake.fail_with = REFUSAL

        keys = {
            "replicate_api_token": fake.api_key,
            "replicate_base_url": fake.base_url,
            "replicate_webhook_secret": fake.webhook_secret,
        }
        return Backend(name, fake, common | keys, fake.creates, replicate_refuses)

    def fal_refuses() -> None:  # completes, then the result is a 422 content-policy detail
        fake.fail_request_with = (422, "content_policy_violation", REFUSAL)

    keys = {
        "fal_key": fake.api_key,
        "fal_queue_base": fake.queue_base,
        "fal_webhook_jwks_url": fake.jwks_url,
    }
    return Backend(name, fake, common | keys, fake.submits, fal_refuses)


@pytest.fixture(params=PROVIDERS)
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    factory: type[Fake] = {
        "ark": FakeArk, "evolink": FakeEvolink, "fal": FakeFal, "replicate": FakeReplicate,
    }[request.param]  # fmt: skip
    async with factory() as fake:
        yield _backend(request.param, fake)


@pytest.fixture
async def world(tmp_path: Path, media: Path, backend: Backend) -> AsyncIterator[World]:
    async with running_bot(tmp_path, media, **backend.settings) as running:
        yield running


async def _ready_card(world: World) -> tuple[JSON, int]:
    """/video new with rocket.jpg and a prompt, loop_tabla.mp3 posted as a message, roles
    picked (image → character, audio → beat sync). Returns the card and its price."""
    emu, alice, media = world.emu, world.alice, world.media
    ix = await emu.slash_command(
        alice, "video", subcommand="new", options={"prompt": PROMPT, "duration": 4},
        attachments={"asset1": media / "images/rocket.jpg"},
    )  # fmt: skip
    card = await world.card(ix)
    image_q = await world.reply(lambda m: "Added **@image1**" in m["content"])
    await emu.post_message(alice, "the soundtrack", attachments=[media / "audio/loop_tabla.mp3"])
    audio_q = await world.reply(lambda m: "Added **@audio1**" in m["content"])
    for question, role in ((image_q, "character"), (audio_q, "beat_sync")):
        pick = await emu.choose(alice, question, role_select(question), [role])
        await pick.wait_update()
    card = await world.reply(
        lambda m: (
            m["id"] == card["id"]
            and "**character**" in str(m["embeds"])
            and "**beat sync**" in str(m["embeds"])
        )
    )
    assert fields(card)["Mode"] == "reference-to-video"
    price = int(fields(card)["Price"].split("**")[1])
    provider = world.bot.settings.default_provider
    assert price == world.published_price(provider, 4)  # 4 s at its 480p rate, no video
    assert "4 s of 480p ×" in fields(card)["Price"]  # the card names the bill's parts
    return card, price


async def _generate(world: World, card: JSON) -> None:
    await world.generate(card)


async def _assert_delivered(world: World, job_id: int, price: int) -> None:
    result = await world.reply(
        lambda m: (
            "your video is ready" in m["content"]
            and bool(m["embeds"])
            and m["embeds"][0]["footer"]["text"] == f"Callsheet job #{job_id}"
        )
    )
    assert f"<@{world.alice.id}>" in result["content"]
    assert fields(result)["Credits spent"] == str(price)
    provider = (await world.bot.services.generation.job(job_id)).provider
    assert "Provider" not in fields(result) and "Preview" not in fields(result)
    # The seed is kept with the result where the provider reports one (Ark and Replicate
    # report the job's own seed; fal its own; EvoLink none).
    seed = fields(result).get("Seed number")
    if provider == "fal":
        assert seed == "42"
    elif provider == "evolink":
        assert seed is None
    else:
        assert seed is not None and seed.isdigit()
    (attachment,) = result["attachments"]
    assert attachment["filename"].endswith(".mp4")
    path = world.emu.attachment_path(attachment)
    with av.open(str(path)) as clip:
        assert "mp4" in clip.format.name
        assert clip.streams.video[0].codec_context.name == "h264"


def _media_urls(name: str, body: JSON) -> list[str]:
    if name == "replicate":
        given = body["input"]
        return [*given.get("reference_images", []), *given.get("reference_audios", [])]
    if name == "ark":
        return [c[c["type"]]["url"] for c in body["content"] if c["type"] != "text"]
    return [*body.get("image_urls", []), *body.get("video_urls", []), *body["audio_urls"]]


def _assert_body(backend: Backend, create: RecordedRequest) -> str:
    """Check the provider-specific body shape; return the prompt that was sent."""
    body: JSON = create.body
    if backend.name == "ark":
        assert create.path == "/api/v3/contents/generations/tasks"
        assert body["model"] == "dreamina-seedance-2-0-260128"
        content = body["content"]
        assert [(c["type"], c.get("role")) for c in content] == [
            ("text", None),
            ("image_url", "reference_image"),
            ("audio_url", "reference_audio"),
        ]
        assert (body["resolution"], body["duration"], body["ratio"]) == ("480p", 4, "16:9")
        return str(content[0]["text"])
    if backend.name == "evolink":
        assert create.path == "/v1/videos/generations"
        assert body["model"] == "seedance-2.0-reference-to-video"
        assert len(body["image_urls"]) == 1 and len(body["audio_urls"]) == 1
        assert not body.get("video_urls")
        assert (body["quality"], body["aspect_ratio"], body["duration"]) == ("480p", "16:9", 4)
        return str(body["prompt"])
    if backend.name == "replicate":
        assert create.path == "/v1/models/bytedance/seedance-2.0/predictions"
        assert "Prefer" not in create.headers
        given = body["input"]
        assert len(given["reference_images"]) == 1 and len(given["reference_audios"]) == 1
        assert (given["resolution"], given["aspect_ratio"], given["duration"]) == (
            "480p", "16:9", 4,
        )  # fmt: skip
        assert body["webhook_events_filter"] == ["completed"]
        return str(given["prompt"])
    assert create.path == "/bytedance/seedance-2.0/reference-to-video"
    assert len(body["image_urls"]) == 1 and len(body["audio_urls"]) == 1
    assert not body.get("video_urls")
    assert (body["resolution"], body["aspect_ratio"], body["duration"]) == (
        "480p",
        "16:9",
        "4",
    )  # fal: a string
    return str(body["prompt"])


async def test_a_reference_video_is_generated_and_delivered(world: World, backend: Backend) -> None:
    before = await world.credits(world.alice)
    card, price = await _ready_card(world)
    await _generate(world, card)
    await _assert_delivered(world, 1, price)

    (create,) = backend.creates()
    assert create.status in (200, 201)  # Replicate answers 201 Created
    prompt = _assert_body(backend, create)
    assert "violet dusk" in prompt
    if backend.name == "replicate":  # Replicate's [Image1] dialect
        assert "[Image1] as character" in prompt and "sync to [Audio1] beat" in prompt
        assert "[Image1] lifts off" in prompt and "@" not in prompt
    elif backend.name == "fal":  # fal's tags dialect
        assert "@Image1 as character" in prompt and "sync to @Audio1 beat" in prompt
        assert "@Image1 lifts off" in prompt and "image 1" not in prompt
    else:  # Ark and EvoLink: natural language, array position = "image 1"
        assert "consistent with image 1" in prompt and "beat of audio 1" in prompt
        assert "image 1 lifts off" in prompt
        assert "@image1" not in prompt.lower() and "@audio1" not in prompt.lower()

    urls = _media_urls(backend.name, create.body)
    assert len(urls) == 2 and all(u.startswith(backend.asset_base + "/") for u in urls)
    downloads = backend.fake.downloads
    assert sorted(d.url for d in downloads) == sorted(urls)
    assert all(d.status == 200 and d.size > 0 for d in downloads)
    assert await world.credits(world.alice) == before - price


async def test_a_realistic_face_is_refused_refunded_and_the_session_stays_open(
    world: World, backend: Backend
) -> None:
    before = await world.credits(world.alice)
    card, price = await _ready_card(world)
    backend.refuse_face()
    await _generate(world, card)
    failed = await world.reply(lambda m: "job #1 failed:" in m["content"])
    content = failed["content"]
    assert f"<@{world.alice.id}> job #1 failed: {Words.english().text(FACE_MESSAGE)}" in content
    assert "realistic human face" in content and "drawn or stylised character" in content
    assert f"Your {price} credits were released" in content
    assert failed["attachments"] == []
    assert await world.credits(world.alice) == before
    assert len(backend.creates()) == 1
    session = await world.bot.services.sessions.find_open(
        world.emu.guild_id, world.emu.channel_id, world.alice.id
    )
    assert session is not None and session.state == "open"
    reopened = await world.reply(
        lambda m: m["id"] == card["id"] and m["embeds"][0]["footer"]["text"].startswith("Drop")
    )
    card_button(reopened, "generate")  # Generate is offered again


async def test_a_rate_limit_is_retried_and_the_video_still_arrives(
    world: World, backend: Backend
) -> None:
    before = await world.credits(world.alice)
    card, price = await _ready_card(world)
    backend.fake.rate_limit_times = 1
    backend.fake.rate_limit_retry_after = "0"
    await _generate(world, card)
    await _assert_delivered(world, 1, price)
    assert [r.status for r in backend.creates()] == [
        429,
        201 if backend.name == "replicate" else 200,
    ]
    assert backend.fake.rate_limit_times == 0
    assert await world.credits(world.alice) == before - price


@pytest.mark.parametrize("name", ["evolink", "fal"])
async def test_the_card_shows_what_the_provider_says_about_waiting(
    tmp_path: Path, media: Path, name: str
) -> None:
    """EvoLink's estimated time and fal's queue position reach the member's card. They come
    from status polls, so the bot polls here (no callbacks: with them the first poll is
    the fallback's, two minutes after submit)."""
    fake: Fake = (
        FakeEvolink(polls_before_done=10**6, run_s=None)
        if name == "evolink"
        else FakeFal(queue_positions=[3] * 1000, run_s=None)
    )
    async with fake:
        backend = _backend(name, fake)
        settings = backend.settings | {"provider_callbacks": False}
        async with running_bot(tmp_path, media, **settings) as world:
            card, _ = await _ready_card(world)
            await _generate(world, card)
            expected = "s left" if name == "evolink" else "position 3 at the provider"
            shown = await world.reply(
                lambda m: m["id"] == card["id"] and expected in str(m["embeds"])
            )
            assert "#1 " in fields(shown)["Job"]
