"""``python -m bot`` as a real separate process: fails fast without a token, and runs
against the loopback Discord emulator when pointed at it by environment variables."""

from __future__ import annotations

import asyncio
import os
import signal
import stat
import sys
from pathlib import Path

import pytest

from tests.emulator import DiscordEmulator
from tests.helpers import credits_statement

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[1]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
    # This checkout's bot, not whichever one the virtualenv has installed.
    path = os.pathsep.join(p for p in (str(ROOT), keep.get("PYTHONPATH", "")) if p)
    return {**keep, "PYTHONPATH": path, "DATA_DIR": str(tmp_path / "data"), **extra}


async def test_missing_token_fails_fast_with_a_readable_message(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=_env(tmp_path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    text = stderr.decode()
    assert "DISCORD_TOKEN is not set" in text and ".env.example" in text
    assert "python -m bot playground" in text  # where to try it without Discord
    assert "Traceback" not in text


async def test_the_bot_process_connects_and_answers(tmp_path: Path) -> None:
    secret = "emulated-token-do-not-log"
    async with DiscordEmulator(tmp_path / "emulator") as emu:
        alice = emu.add_member("alice")
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=tmp_path,
            env=_env(tmp_path, DISCORD_TOKEN=secret, **emu.env()),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        try:
            await emu.wait_ready(timeout=60)
            statement = await credits_statement(emu, alice)
            fields = {f["name"]: f["value"] for f in statement["embeds"][0]["fields"]}
            assert fields["Available"] == "100"
            assert statement["attachments"][0]["filename"] == "credits.png"
        finally:
            process.send_signal(signal.SIGINT)
            output, _ = await asyncio.wait_for(process.communicate(), 60)
        data = tmp_path / "data"
        assert (data / "callsheet.sqlite3").exists()
        # umask 077 from the first line of main(): everything the bot made is its own alone.
        made = [data, *data.rglob("*")]
        modes = {p.relative_to(tmp_path).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in made}
        assert len(modes) >= 2 and modes["data"] == 0o700
        assert modes["data/callsheet.sqlite3"] == 0o600
        assert {name: mode for name, mode in modes.items() if mode & 0o077} == {}
        log = output.decode()
        assert "synced" in log and secret not in log


async def test_an_empty_token_is_refused_readably(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=_env(tmp_path, DISCORD_TOKEN=" "),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert "DISCORD_TOKEN" in stderr.decode() and "empty" in stderr.decode()
