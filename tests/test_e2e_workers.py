"""End to end: a gateway process that runs no jobs (``RUN_JOBS=false``) and two real
``python -m bot worker`` processes on one PostgreSQL (the test server) and one emulated
Discord, against the Ark fake. A member's Generate is queued by the gateway, claimed by a
worker woken by NOTIFY, and delivered through the worker's REST-only client; the worker is
SIGKILLed mid-job and the other worker takes the job over once its lease runs out: one
task, one post, one capture."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.emulator import DiscordEmulator, Member
from tests.fakes.ark import FakeArk
from tests.gates import Gate
from tests.helpers import card_button, confirm_spend

pytestmark = pytest.mark.e2e
JSON = dict[str, Any]
ROOT = Path(__file__).resolve().parents[1]


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
    url: str
    cwd: Path
    processes: dict[str, asyncio.subprocess.Process] = field(default_factory=dict)

    async def start(self, name: str, *args: str, **env: str) -> None:
        self.processes[name] = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, env={**self.env, **env}, cwd=self.cwd,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip

    async def kill(self, name: str) -> None:
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        await process.wait()

    async def stop_all(self) -> None:
        for process in self.processes.values():
            if process.returncode is None:
                process.send_signal(signal.SIGINT)
        for process in self.processes.values():
            await asyncio.wait_for(process.wait(), 60)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url) as conn:
            return list(conn.execute(sql))


def stack_env(
    emu: DiscordEmulator, ark: FakeArk, tmp_path: Path, postgres_url: str, port: int
) -> dict[str, str]:
    """The environment every process of a stack shares: the emulator, the Ark fake, one
    PostgreSQL and one data folder; references served at ``port`` (a gateway's)."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "ARK_"))}
    return {
        **keep,
        **emu.env(),
        "PYTHONPATH": str(ROOT),  # the processes run this checkout's code
        "DISCORD_TOKEN": "emulated-token",
        "DATA_DIR": str(tmp_path / "data"),  # shared by every process
        "DATABASE_URL": postgres_url,
        "PROVIDER": "ark",
        "ARK_API_KEY": ark.api_key,
        "ARK_BASE_URL": ark.base_url,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",  # the gateway serves references
        "ASSET_SERVER_HOST": "127.0.0.1",
        "ASSET_SERVER_PORT": str(port),
        "PROVIDER_CALLBACKS": "false",
        "DEFAULT_RESOLUTION": "480p",
        "JOB_LEASE_S": "3",
    }


@pytest.fixture
async def stack(tmp_path: Path, media: Path, postgres_url: str) -> AsyncIterator[Stack]:
    async with DiscordEmulator(tmp_path / "emulator") as emu, FakeArk() as ark:
        port = _free_port()
        env = stack_env(emu, ark, tmp_path, postgres_url, port)
        running = Stack(emu, ark, emu.add_member("alice"), env, postgres_url, tmp_path)
        try:
            await running.start("gateway", RUN_JOBS="false")
            await emu.wait_identified(1, timeout=60)
            for name in ("w1", "w2"):  # workers serve no references: ports of their own
                await running.start(name, "worker", WORKER_ID=name,
                                    ASSET_SERVER_PORT=str(_free_port()))  # fmt: skip
            yield running
        finally:
            for gate in (ark.poll_gate, ark.create_gate):
                if gate is not None:
                    gate.open()
            await running.stop_all()


async def _generate(stack: Stack, media: Path) -> None:
    emu, alice = stack.emu, stack.alice
    ix = await emu.slash_command(
        alice, "video", subcommand="new", options={"prompt": "a rocket at dawn", "duration": 4},
        attachments={"asset1": media / "images/rocket.jpg"},
    )  # fmt: skip
    await ix.wait_response(timeout=30)
    card = await emu.wait_for_message(
        lambda m: m["id"] == str(ix.original_message_id) and "@image1" in str(m["embeds"])
    )
    go = await emu.click_button(alice, card, card_button(card, "generate"))
    await confirm_spend(emu, alice, go)


async def _assert_exactly_once(stack: Stack) -> None:
    emu = stack.emu
    await emu.wait_for_message(lambda m: "delivered below" in str(m.get("embeds")), 90)
    assert stack.rows("SELECT delivery_state FROM jobs") == [("delivered",)]
    assert len([m for m in emu.messages if "your video is ready" in m.get("content", "")]) == 1
    kinds = [k for (k,) in stack.rows("SELECT kind FROM ledger WHERE kind != 'grant'")]
    assert sorted(kinds) == ["capture", "hold"]
    assert len(stack.ark.creates()) == 1 and len(stack.ark.tasks) == 1


async def test_a_worker_runs_and_delivers_what_the_gateway_queued(
    stack: Stack, media: Path
) -> None:
    await _generate(stack, media)
    await _assert_exactly_once(stack)
    [(owner,)] = stack.rows("SELECT claimed_by FROM jobs")
    assert owner in ("w1", "w2")  # the gateway runs no jobs


async def test_a_worker_killed_mid_job_is_taken_over_by_the_other(
    stack: Stack, media: Path
) -> None:
    stack.ark.poll_gate = gate = Gate()
    await _generate(stack, media)
    await gate.arrived.wait()  # a worker created the task and polls it
    [(owner, state)] = stack.rows("SELECT claimed_by, state FROM jobs")
    assert owner in ("w1", "w2") and state == "submitted"
    await stack.kill(owner)
    stack.ark.poll_gate = None
    gate.open()
    await _assert_exactly_once(stack)  # the other worker resumed it after the lease
    [(taken_by,)] = stack.rows("SELECT claimed_by FROM jobs")
    assert taken_by == ({"w1", "w2"} - {owner}).pop()
