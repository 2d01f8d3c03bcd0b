"""End to end: two gateway shards (two real bots, ``SHARD_ID`` 0 and 1 of
``SHARD_COUNT=2``) on one database and one emulated Discord that routes a guild's events to
shard ``(guild_id >> 22) % 2`` (Discord's Gateway docs, "Sharding"). The guild is put on
each shard in turn: only its shard sees it and answers its members; only shard 0 syncs the
commands and expires idle sessions, its own guilds' and the other shard's alike."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import ValidationError

from bot.settings import Settings, describe_error
from cogs.client import CallsheetBot
from tests.emulator import DiscordEmulator, shard_of, snowflake_on_shard
from tests.helpers import Clock

pytestmark = pytest.mark.e2e


@asynccontextmanager
async def two_shards(
    tmp_path: Path, guild_shard: int
) -> AsyncIterator[tuple[DiscordEmulator, list[CallsheetBot], Clock]]:
    clock = Clock()
    async with DiscordEmulator(
        tmp_path / "emulator",
        enforce_interaction_deadline=True,
        guild_id=snowflake_on_shard(guild_shard, 2),
    ) as emu, AsyncExitStack() as stack:  # fmt: skip
        bots: list[CallsheetBot] = []
        for shard_id in (0, 1):
            settings = Settings(
                discord_token="emulated-token",
                data_dir=tmp_path / "data",
                database_path=tmp_path / "callsheet.sqlite3",  # one database for both
                discord_api_base=emu.api_base,
                discord_gateway_url=emu.gateway_url,
                shard_id=shard_id,
                shard_count=2,
                _env_file=None,
            )
            bot = CallsheetBot(settings, clock=clock)
            task = asyncio.create_task(bot.start("emulated-token"))

            async def stop(bot: CallsheetBot = bot, task: asyncio.Task[None] = task) -> None:
                await bot.close()
                await asyncio.wait_for(task, 30)

            stack.push_async_callback(stop)
            bots.append(bot)
            await emu.wait_shards(shard_id + 1)  # one at a time, as Discord asks
        yield emu, bots, clock
    assert emu.unhandled == []


def _interactions(bot: CallsheetBot) -> float:
    value = bot.services.metrics.registry.get_sample_value(
        "callsheet_interactions_total", {"type": "application_command"}
    )
    return value or 0.0


@pytest.mark.parametrize("guild_shard", [0, 1])
async def test_each_guild_is_answered_by_its_shard_and_shard_0_sweeps(
    tmp_path: Path, guild_shard: int
) -> None:
    async with two_shards(tmp_path, guild_shard) as (emu, bots, clock):
        assert shard_of(emu.guild_id, 2) == guild_shard
        assert emu.shard_sessions() == {0: 1, 1: 1}
        assert [bot.shard_id for bot in bots] == [0, 1]
        assert emu.command_puts == 1  # shard 0 synced; shard 1 did not
        holder, other = bots[guild_shard], bots[1 - guild_shard]
        assert holder.get_guild(emu.guild_id) is not None
        assert other.get_guild(emu.guild_id) is None  # Discord never told it of the guild

        alice = emu.add_member("alice")
        ix = await emu.slash_command(alice, "video", subcommand="new")
        response = await ix.wait_response()
        assert response["type"] == 5  # acknowledged ("thinking…") within the 3 s
        card = emu.message((await ix.wait_update())["id"])
        assert card["embeds"]
        assert (_interactions(holder), _interactions(other)) == (1, 0)

        sweepers = [bot.get_cog("SessionCog") for bot in bots]
        running = [cog.expire_idle_sessions.is_running() for cog in sweepers]  # type: ignore[union-attr]
        assert running == [True, False]
        clock.now += timedelta(hours=2)  # past the default 60 idle minutes
        await sweepers[0].expire_idle_sessions()  # type: ignore[union-attr]  # one run
        ended = await emu.wait_for_message(
            lambda m: m["id"] == card["id"] and not m["components"], timeout=30
        )
        assert ended["embeds"]  # shard 0 edited the card wherever its guild is
        session = await holder.services.sessions.find_open(emu.guild_id, emu.channel_id, alice.id)
        assert session is None


async def test_with_a_guild_on_each_shard_each_shard_gets_only_its_own(tmp_path: Path) -> None:
    """The emulator's second guild (``add_guild``) goes to its own shard: READY lists it
    there only, GUILD_CREATE carries its own channel and @everyone role, and its REST
    routes answer while an unknown guild's are 404 Unknown Guild (10004)."""
    async with (
        DiscordEmulator(tmp_path / "emulator", guild_id=snowflake_on_shard(0, 2)) as emu,
        aiohttp.ClientSession() as http,
    ):
        second, channel = emu.add_guild("Second", guild_id=snowflake_on_shard(1, 2))
        created: dict[int, list[dict[str, Any]]] = {}
        for shard_id in (0, 1):
            ws = await http.ws_connect(emu.gateway_url)
            assert (await ws.receive_json())["op"] == 10
            identify = {"token": "emulated-token", "intents": 1, "properties": {},
                        "shard": [shard_id, 2]}  # fmt: skip
            await ws.send_str(json.dumps({"op": 2, "d": identify}))
            ready = await ws.receive_json()
            assert ready["t"] == "READY"
            created[shard_id] = [ready["d"]["guilds"], (await ws.receive_json())["d"]]
            await ws.close()
        assert [g["id"] for g in created[0][0]] == [str(emu.guild_id)]
        assert [g["id"] for g in created[1][0]] == [str(second)]
        payload = created[1][1]
        assert payload["id"] == str(second)
        assert [c["id"] for c in payload["channels"]] == [str(channel)]
        assert payload["roles"][0]["id"] == str(second)  # its own @everyone
        assert emu.guild_of(channel) == second
        auth = {"Authorization": "Bot emulated-token"}
        async with http.get(f"{emu.api_base}/guilds/{second}", headers=auth) as found:
            assert found.status == 200 and (await found.json())["id"] == str(second)
        async with http.get(f"{emu.api_base}/guilds/{second + 1}", headers=auth) as unknown:
            assert unknown.status == 404 and (await unknown.json())["code"] == 10004


@pytest.mark.parametrize("shard", [[2, 2], [-1, 2], [0, 0], [0], "0", [True, 2]])
async def test_the_emulator_refuses_an_invalid_shard(tmp_path: Path, shard: Any) -> None:
    """Discord closes the gateway with 4010 "Invalid shard" for a shard it can't be."""
    async with (
        DiscordEmulator(tmp_path / "emulator") as emu,
        aiohttp.ClientSession() as http,
        http.ws_connect(emu.gateway_url) as ws,
    ):
        hello = await ws.receive_json()
        assert hello["op"] == 10
        identify = {"token": "emulated-token", "intents": 1, "properties": {}, "shard": shard}
        await ws.send_str(json.dumps({"op": 2, "d": identify}))
        closing = await ws.receive()
        assert closing.type == aiohttp.WSMsgType.CLOSE
        assert ws.close_code == 4010
        assert emu.shard_sessions() == {}


@pytest.mark.parametrize(
    ("shard", "refusal"),
    [
        ({"shard_id": 1}, "SHARD_ID needs SHARD_COUNT"),
        ({"shard_id": 2, "shard_count": 2}, "SHARD_ID must be from 0 to 1"),
        ({"shard_id": -1, "shard_count": 2}, "greater than or equal to 0"),
        ({"shard_count": 0}, "greater than or equal to 1"),
    ],
)
def test_shard_settings_that_cannot_be_are_refused(shard: dict[str, int], refusal: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(discord_token="t", _env_file=None, **shard)
    assert refusal in describe_error(refused.value)


def test_only_the_unsharded_process_or_shard_0_runs_once() -> None:
    def runs_once(**shard: int) -> bool:
        return Settings(discord_token="t", _env_file=None, **shard).runs_once

    assert runs_once() and runs_once(shard_id=0, shard_count=2)
    assert not runs_once(shard_id=1, shard_count=2)
