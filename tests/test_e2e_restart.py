"""Jobs survive anything: a real ``python -m bot`` process, SIGKILLed at each step of a job
(while submitting, between Ark creating the task and the bot reading the reply, after
submitting, while downloading the result, during the upload of the video) and started
again, makes exactly one provider task, delivers exactly one video and captures exactly
once.

The bot talks to the loopback Discord emulator and to a loopback fake of the Ark API, and
serves its references from its own signed-URL asset server (which the fake downloads).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.emulator import DiscordEmulator, Member
from tests.fakes.ark import FakeArk
from tests.gates import Gate
from tests.helpers import card_button, confirm_spend

pytestmark = pytest.mark.e2e
JSON = dict[str, Any]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Stack:
    emu: DiscordEmulator
    ark: FakeArk
    alice: Member
    env: dict[str, str]
    data_dir: Path
    process: asyncio.subprocess.Process | None = None
    starts: int = 0

    async def start_bot(self) -> None:
        self.starts += 1
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", env=self.env, cwd=self.data_dir.parent,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        await self.emu.wait_identified(self.starts, timeout=60)

    async def kill_bot(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        await self.emu.wait_disconnected()

    async def stop_bot(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
            await asyncio.wait_for(self.process.wait(), 60)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.data_dir / "callsheet.sqlite3") as db:
            return list(db.execute(sql))


@pytest.fixture
async def stack(tmp_path: Path, media: Path) -> AsyncIterator[Stack]:
    async with DiscordEmulator(tmp_path / "emulator") as emu, FakeArk() as ark:
        port = _free_port()
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "ARK_"))}
        env = {
            **keep,
            **emu.env(),
            "DISCORD_TOKEN": "emulated-token",
            "DATA_DIR": str(tmp_path / "data"),
            "PROVIDER": "ark",
            "ARK_API_KEY": ark.api_key,
            "ARK_BASE_URL": ark.base_url,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "ASSET_SERVER_HOST": "127.0.0.1",
            "ASSET_SERVER_PORT": str(port),
            "DEFAULT_RESOLUTION": "480p",
        }
        running = Stack(emu, ark, emu.add_member("alice"), env, tmp_path / "data")
        try:
            await running.start_bot()
            yield running
        finally:
            gates = (ark.create_gate, ark.create_reply_gate, ark.poll_gate, ark.result_gate)
            for gate in (*gates, emu.upload_gate):
                if gate is not None:
                    gate.open()
            await running.stop_bot()


async def _generate(stack: Stack, media: Path) -> None:
    emu, alice = stack.emu, stack.alice
    ix = await emu.slash_command(
        alice, "video", subcommand="new", options={"prompt": "a rocket at dawn", "duration": 4},
        attachments={"asset1": media / "images/rocket.jpg"},
    )  # fmt: skip
    await ix.wait_response(timeout=30)
    assert ix.original_message_id is not None
    card = await emu.wait_for_message(
        lambda m: m["id"] == str(ix.original_message_id) and "@image1" in str(m["embeds"])
    )
    go = await emu.click_button(alice, card, card_button(card, "generate"))
    await confirm_spend(emu, alice, go)


def _deliveries(emu: DiscordEmulator) -> list[JSON]:
    return [m for m in emu.messages if "your video is ready" in m.get("content", "")]


async def _assert_exactly_once(stack: Stack) -> None:
    emu = stack.emu
    await emu.wait_for_message(lambda m: "delivered below" in str(m.get("embeds")), 90)
    (delivered,) = stack.rows("SELECT delivery_state FROM jobs")
    assert delivered == ("delivered",)
    assert len(_deliveries(emu)) == 1
    kinds = [k for (k,) in stack.rows("SELECT kind FROM ledger WHERE kind != 'grant'")]
    assert sorted(kinds) == ["capture", "hold"]
    assert len(stack.ark.creates()) == 1 and len(stack.ark.tasks) == 1
    assert stack.ark.downloads and all(d.status == 200 for d in stack.ark.downloads)


async def test_killed_while_submitting(stack: Stack, media: Path) -> None:
    stack.ark.create_gate = gate = Gate()
    await _generate(stack, media)
    await gate.arrived.wait()
    await stack.kill_bot()
    gate.open()  # the held request finds its client gone: no task is created
    assert stack.ark.tasks == {}
    assert stack.rows("SELECT state, provider_task_id FROM jobs") == [("queued", None)]
    await stack.start_bot()
    await _assert_exactly_once(stack)  # Ark's list showed no task: created once, after


async def test_killed_between_the_create_and_its_reply(stack: Stack, media: Path) -> None:
    stack.ark.create_reply_gate = gate = Gate()
    await _generate(stack, media)
    await gate.arrived.wait()  # Ark has made the task; its id has not reached the bot
    await stack.kill_bot()
    gate.open()
    (made,) = stack.ark.tasks
    [(state, task_id, attempt)] = stack.rows(
        "SELECT state, provider_task_id, submit_started_at FROM jobs"
    )
    assert (state, task_id) == ("queued", None) and attempt is not None  # unconfirmed
    await stack.start_bot()
    await _assert_exactly_once(stack)  # one task (adopted, not created again), post, capture
    assert stack.rows("SELECT provider_task_id, submit_started_at FROM jobs") == [(made, None)]
    listed = [r for r in stack.ark.requests if r.method == "GET" and r.path.endswith("/tasks")]
    assert len(listed) == 1  # reconciled with Ark's task list once, before anything else


async def test_killed_after_submitting(stack: Stack, media: Path) -> None:
    stack.ark.poll_gate = gate = Gate()
    await _generate(stack, media)
    await gate.arrived.wait()
    await stack.kill_bot()
    gate.open()
    [(state, task_id)] = stack.rows("SELECT state, provider_task_id FROM jobs")
    assert state == "submitted" and task_id in stack.ark.tasks
    await stack.start_bot()
    await _assert_exactly_once(stack)


async def test_killed_while_downloading_the_result(stack: Stack, media: Path) -> None:
    stack.ark.result_gate = gate = Gate()
    await _generate(stack, media)
    await gate.arrived.wait()
    await stack.kill_bot()
    gate.open()
    assert stack.rows("SELECT kind FROM ledger WHERE kind = 'capture'") == []
    await stack.start_bot()
    await _assert_exactly_once(stack)


@pytest.mark.parametrize("after_create", [False, True], ids=["before-post", "after-post"])
async def test_killed_during_the_upload(stack: Stack, media: Path, after_create: bool) -> None:
    """Killed while posting the video: before Discord made the message it is posted after
    the restart; after, the repeated post's nonce returns the message already made
    (``enforce_nonce``), without reading the channel."""
    stack.emu.upload_gate = gate = Gate()
    stack.emu.upload_gate_after_create = after_create
    await _generate(stack, media)
    await gate.arrived.wait()
    await stack.kill_bot()
    gate.open()
    [(state, first_attempt)] = stack.rows("SELECT delivery_state, delivery_started_at FROM jobs")
    assert state == "sending" and first_attempt is not None
    assert len(_deliveries(stack.emu)) == (1 if after_create else 0)
    stack.emu.requests.clear()
    await stack.start_bot()
    await _assert_exactly_once(stack)
    (posted,) = _deliveries(stack.emu)
    assert stack.rows("SELECT delivery_message_id FROM jobs") == [(int(posted["id"]),)]
    assert stack.emu.nonce_replays == ([int(posted["id"])] if after_create else [])
    assert not [r for r in stack.emu.requests if r.startswith("GET /channels/")]
