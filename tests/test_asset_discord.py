"""The Discord-channel asset host against the emulator: upload once, hand out the signed
CDN URL, refresh it through ``POST /attachments/refresh-urls`` when it would expire; and
a whole job on the Ark fake whose references come from the storage channel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.hosting import ChannelHost
from cogs.storage_channel import StorageChannel
from tests.emulator import DiscordEmulator
from tests.fakes.ark import FakeArk
from tests.helpers import World, running_bot

pytestmark = pytest.mark.e2e


@pytest.fixture
async def ark() -> AsyncIterator[FakeArk]:
    async with FakeArk() as fake:
        yield fake


async def _get(url: str) -> tuple[int, bytes]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.read()


async def test_publish_uploads_once_and_refreshes_expiring_urls(
    tmp_path: Path, media: Path
) -> None:
    async with running_bot(tmp_path, media) as world:
        emu = world.emu
        storage = emu.add_channel("callsheet-storage")
        host = ChannelHost(StorageChannel(world.bot, storage), clock=emu.now)
        rocket = media / "images/rocket.jpg"
        url = await host.publish(rocket, expires_in_s=3600)
        assert await _get(url) == (200, rocket.read_bytes())
        assert await host.publish(rocket, expires_in_s=3600) == url  # cached, still fresh
        uploads = [m for m in emu.messages if m["channel_id"] == str(storage)]
        assert len(uploads) == 1

        emu.clock_offset_s = 23.5 * 3600  # the CDN URL now has 30 minutes left
        renewed = await host.publish(rocket, expires_in_s=3600)
        assert renewed != url and emu.refreshed_urls == [url]
        assert await _get(renewed) == (200, rocket.read_bytes())
        emu.clock_offset_s = 25 * 3600
        assert (await _get(url))[0] == 404  # the old one expired, as on Discord
        assert len([m for m in emu.messages if m["channel_id"] == str(storage)]) == 1


async def test_a_job_fetches_its_references_from_the_storage_channel(
    tmp_path: Path, media: Path, ark: FakeArk
) -> None:
    def storage_channel(emu: DiscordEmulator) -> dict[str, Any]:
        return {"storage_channel_id": emu.add_channel("callsheet-storage")}

    async with running_bot(
        tmp_path, media, storage_channel, provider="ark", ark_api_key=ark.api_key,
        ark_base_url=ark.base_url, asset_host="discord",
    ) as world:  # fmt: skip
        storage = world.bot.settings.storage_channel_id
        await _generate_with_image(world, media)
        await world.reply(lambda m: "your video is ready" in m["content"])
        (create,) = ark.creates()
        assert ark.downloads and all(d.status == 200 for d in ark.downloads)
        assert all(f"/attachments/{storage}/" in d.url for d in ark.downloads)
        assert create.status == 200


async def _generate_with_image(world: World, media: Path) -> None:
    emu = world.emu
    ix = await emu.slash_command(
        world.alice, "video", subcommand="new", options={"prompt": "lift off", "duration": 4},
        attachments={"asset1": media / "images/rocket.jpg"},
    )  # fmt: skip
    card = await world.card(ix)
    card = await world.reply(lambda m: m["id"] == card["id"] and "@image1" in str(m["embeds"]))
    await world.generate(card)
