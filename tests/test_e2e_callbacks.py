"""End to end: with a public URL the real bot asks Ark to call back, waits without polling,
and delivers the video once the fake Ark's callback arrives, after a single status read.
A forged callback is refused and changes nothing; a repeated one changes nothing either.
Real bot, Discord emulator, the bot's own web server, the Ark fake."""

from __future__ import annotations

import socket
from pathlib import Path

import aiohttp
import pytest

from bot.generation.polling import PollSchedule
from tests.fakes.ark import FakeArk
from tests.helpers import fields, running_bot

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_job_is_delivered_on_arks_callback_without_polling(
    tmp_path: Path, media: Path
) -> None:
    port = _free_port()
    async with FakeArk(run_s=None) as ark, aiohttp.ClientSession() as http:
        settings = {
            "provider": "ark", "ark_api_key": ark.api_key, "ark_base_url": ark.base_url,
            "public_base_url": f"http://127.0.0.1:{port}", "asset_server_host": "127.0.0.1",
            "asset_server_port": port,
        }  # fmt: skip
        async with running_bot(tmp_path, media, **settings) as world:
            # No fallback poll within this test, however slow the machine.
            world.bot.services.runner.schedule = PollSchedule(callback_first_s=3600)
            ix = await world.emu.slash_command(
                world.alice, "video", subcommand="new",
                options={"prompt": "a paper boat on a pond", "duration": 4},
            )  # fmt: skip
            card = await world.card(ix)
            await world.generate(card)
            await ark.wait_until(lambda: bool(ark.tasks))
            (task_id,) = ark.tasks
            (create,) = ark.creates()
            url = create.body["callback_url"]
            assert url.startswith(f"http://127.0.0.1:{port}/callbacks/ark/1/")
            await ark.wait_until(lambda: bool(ark.callbacks_for(task_id)))  # "queued"

            forged = url.rsplit("/", 1)[0] + "/" + "x" * 32
            body = b'{"id": "%s", "status": "succeeded"}' % task_id.encode()
            async with http.post(forged, data=body) as response:
                assert response.status == 404
            assert ark.polls() == []  # nothing polled: still waiting for the real callback

            await ark.finish(task_id)
            result = await world.reply(lambda m: "your video is ready" in m["content"])
            price = world.published_price("ark", 4)  # 4 s at Ark's 480p rate: 3 credits
            assert fields(result)["Credits spent"] == str(price)
            assert len(ark.polls(task_id)) == 1  # the read the callback asked for
            sent = ark.callbacks_for(task_id)
            assert [(c.body["status"], c.status) for c in sent] == [
                ("queued", 200), ("running", 200), ("succeeded", 200),
            ]  # fmt: skip
            assert all(set(c.body) >= {"id", "model", "status", "content"} for c in sent)

            async with http.post(url, json=sent[-1].body) as response:  # a late duplicate
                assert response.status == 200
            assert len(ark.polls(task_id)) == 1
            deliveries = [m for m in world.emu.messages if "your video is ready" in m["content"]]
            assert len(deliveries) == 1
            assert await world.credits(world.alice) == 100 - price
