"""End to end: jobs after Generate — a member cancels a running job, a job past its
deadline expires, result buttons still work after a restart, an oversize result is
delivered compressed with a link to the full file. Real bot, emulator, Ark fake."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import aiohttp
import av
import pytest

from cogs.client import CallsheetBot
from cogs.session import SessionCog
from tests.fakes.ark import FakeArk
from tests.helpers import (
    World,
    card_button,
    confirm_spend,
    fields,
    price_question,
    running_bot,
)

pytestmark = pytest.mark.e2e
JSON = dict[str, Any]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _ark_settings(ark: FakeArk, **extra: Any) -> dict[str, Any]:
    port = _free_port()
    return {
        "provider": "ark",
        "ark_api_key": ark.api_key,
        "ark_base_url": ark.base_url,
        "public_base_url": f"http://127.0.0.1:{port}",
        "asset_server_host": "127.0.0.1",
        "asset_server_port": port,
        **extra,
    }


async def _card_with_job(world: World, prompt: str, **options: Any) -> JSON:
    emu = world.emu
    ix = await emu.slash_command(
        world.alice, "video", subcommand="new", options={"prompt": prompt, **options}
    )
    card = await world.card(ix)
    await world.generate(card)
    return emu.message(int(card["id"]))


@pytest.fixture
async def ark() -> AsyncIterator[FakeArk]:
    async with FakeArk(polls_before_done=10**6, run_s=None) as fake:  # never finishes
        yield fake


async def test_a_member_cancels_a_running_job_and_is_refunded(
    tmp_path: Path, media: Path, ark: FakeArk
) -> None:
    async with running_bot(tmp_path, media, **_ark_settings(ark)) as world:
        card = await _card_with_job(world, "a slow render", duration=4)
        card = await world.reply(
            lambda m: (
                (m["id"] == card["id"] and "submitted" in str(m["embeds"]))
                or (m["id"] == card["id"] and "running" in str(m["embeds"]))
            )
        )
        price = world.published_price("ark", 4)  # 4 s at Ark's 480p rate
        assert await world.credits(world.alice) == 100 - price
        stop = await world.emu.click_button(world.alice, card, card_button(card, "stop"))
        await stop.wait_update()
        notice = await world.reply(
            lambda m: f"cancelled; your {price} credits were released" in m["content"]
        )
        assert notice["ephemeral"]
        assert await world.credits(world.alice) == 100
        assert any(r.method == "DELETE" for r in ark.requests)  # asked the provider to stop
        session = await world.bot.services.sessions.find_open(
            world.emu.guild_id, world.emu.channel_id, world.alice.id
        )
        assert session is not None and session.state == "open"


async def test_a_running_job_the_provider_cant_stop_is_delivered_and_paid(
    tmp_path: Path, media: Path, ark: FakeArk
) -> None:
    async with running_bot(tmp_path, media, **_ark_settings(ark)) as world:
        card = await _card_with_job(world, "a slow render", duration=4)
        await ark.wait_until(lambda: len(ark.tasks) == 1)
        (task,) = ark.tasks.values()
        card = await world.reply(
            lambda m: m["id"] == card["id"] and "submitted" in str(m["embeds"])
        )
        task.started = True  # Ark is rendering it: a running task can't be cancelled
        stop = await world.emu.click_button(world.alice, card, card_button(card, "stop"))
        await stop.wait_update()
        notice = await world.reply(lambda m: "will finish and be posted here" in m["content"])
        price = world.published_price("ark", 4)
        assert notice["ephemeral"] and f"{price} credits stay held" in notice["content"]
        assert await world.credits(world.alice) == 100 - price  # still held: Ark bills it
        assert not [r for r in ark.requests if r.method == "DELETE"]
        await ark.finish(task.id)
        await world.reply(lambda m: "your video is ready" in m["content"])
        assert await world.credits(world.alice) == 100 - price  # captured


async def test_a_job_past_its_deadline_expires_with_a_refund(
    tmp_path: Path, media: Path, ark: FakeArk
) -> None:
    async with running_bot(tmp_path, media, **_ark_settings(ark, job_deadline_minutes=30)) as world:
        card = await _card_with_job(world, "never finishes", duration=4)
        await world.reply(lambda m: m["id"] == card["id"] and "#1 " in str(m["embeds"]))
        assert await world.credits(world.alice) == 100 - world.published_price("ark", 4)
        world.clock.now += timedelta(minutes=31)
        world.bot.services.runner.wake()
        expired = await world.reply(lambda m: "job #1 expired" in m["content"])
        assert "released" in expired["content"] and f"<@{world.alice.id}>" in expired["content"]
        assert await world.credits(world.alice) == 100


async def test_result_buttons_work_after_a_restart(tmp_path: Path, media: Path) -> None:
    async with running_bot(tmp_path, media) as world:
        await _card_with_job(world, "a paper boat", duration=4)
        result = await world.reply(lambda m: "your video is ready" in m["content"])
        emu, settings = world.emu, world.bot.settings
        job_id = result["embeds"][0]["footer"]["text"].removeprefix("Callsheet job #")
        await world.bot.close()
        restarted = CallsheetBot(settings, clock=world.clock)
        task = asyncio.create_task(restarted.start("emulated-token"))
        try:
            await emu.wait_identified(2)
            offer = await emu.click_button(world.alice, result, f"cs:result:{job_id}:regenerate")
            question = await price_question(emu, offer)
            assert question["content"] == (
                f"**Regenerate** job #{job_id}: the same request again, for a new take (4 s).\n"
                "4 s × 1 credits at 480p = **4** credits; you have 96."
            )
            said = await confirm_spend(emu, world.alice, offer)
            assert f"(a new take of #{job_id}) queued" in said["content"]
            await emu.wait_for_message(
                lambda m: "your video is ready" in m["content"] and m["id"] != result["id"], 60
            )
            assert (
                await restarted.services.generation.balance(emu.guild_id, world.alice.id)
            ).available == 92
        finally:
            await restarted.close()
            await asyncio.wait_for(task, 30)


async def test_an_oversize_result_is_compressed_and_linked(tmp_path: Path, media: Path) -> None:
    port = _free_port()
    extra = {
        "max_upload_bytes": 1_000_000,
        "public_base_url": f"http://127.0.0.1:{port}",
        "asset_server_host": "127.0.0.1",
        "asset_server_port": port,
        "default_resolution": "720p",
    }
    async with running_bot(tmp_path, media, **extra) as world:
        emu = world.emu
        ix = await emu.slash_command(
            world.alice, "video", subcommand="new", options={"prompt": "city", "duration": 8},
            attachments={"asset1": media / "video/city_720p.mp4"},
        )  # fmt: skip
        card = await world.card(ix)
        card = await world.reply(lambda m: m["id"] == card["id"] and "@video1" in str(m["embeds"]))
        await world.generate(card)
        result = await world.reply(lambda m: "your video is ready" in m["content"])
        (attachment,) = result["attachments"]
        sent = emu.attachment_path(attachment)
        assert sent.stat().st_size <= 1_000_000
        with av.open(str(sent)) as clip:
            assert clip.streams.video[0].codec_context.height == 720
            assert float(clip.duration / av.time_base) == pytest.approx(8.0, abs=0.2)
        note = fields(result)["Full quality"]
        url = note.split("](")[1].split(")")[0]
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            full = await response.read()
        original = world.bot.settings.data_dir / "results" / "job-1.mp4"
        assert full == original.read_bytes() and len(full) > 1_000_000


async def test_progress_edits_of_the_card_are_rate_limited(tmp_path: Path, media: Path) -> None:
    async with running_bot(tmp_path, media) as world:
        card = await _card_with_job(world, "a lantern", duration=4)
        await world.reply(lambda m: m["id"] == card["id"] and "delivered below" in str(m["embeds"]))
        job = await world.bot.services.generation.job(1)
        cog = cast(SessionCog, world.bot.get_cog("SessionCog"))
        refreshes: list[int] = []
        refresh = cog.refresh_card

        async def counted(session_id: int) -> None:
            refreshes.append(session_id)
            await refresh(session_id)

        cog.refresh_card = counted  # type: ignore[method-assign]
        cog._last_progress_edit.clear()  # no progress edit in the last 5 s
        for _ in range(10):  # a burst of progress reports within a second
            await cog.job_progress(job, queue_position=3)
        assert refreshes == [job.session_id]  # at most one edit per 5 s
        await cog.job_settled(job)  # the end of a job always refreshes the card
        assert refreshes == [job.session_id] * 2


async def test_card_refreshes_fold_and_skip_what_changes_nothing(
    tmp_path: Path, media: Path
) -> None:
    async with running_bot(tmp_path, media) as world:
        await _folding(world)


async def _folding(world: World) -> None:
    emu = world.emu
    card = await world.card(await emu.slash_command(world.alice, "video", subcommand="new"))
    cog = cast(SessionCog, world.bot.get_cog("SessionCog"))
    session = await world.bot.services.sessions.find_open(
        emu.guild_id, emu.channel_id, world.alice.id
    )
    assert session is not None
    # the bot stores the card's id just after posting it; store it now so the test does not
    # race that write (the same id: a no-op when the bot got there first)
    await world.bot.services.sessions.set_card(session.id, int(card["id"]))
    path = f"PATCH /channels/{emu.channel_id}/messages/{card['id']}"
    await cog.refresh_card(session.id)
    assert emu.requests.count(path) == 1  # what the card shows was not known: posted
    await cog.refresh_card(session.id)
    assert emu.requests.count(path) == 1  # nothing shown changed: not sent again
    cog._shown.clear()
    await asyncio.gather(*(cog.refresh_card(session.id) for _ in range(10)))
    # the first edits; the nine asked meanwhile fold into one more, identical: not sent
    assert emu.requests.count(path) == 2
