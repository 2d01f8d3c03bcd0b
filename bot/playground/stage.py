"""The stage: the Discord emulator on loopback, two members, and the real bot process.

The bot is ``python -m bot`` itself, unmodified, run as a child process with an environment
of its own (no operator settings leak in): ``DISCORD_API_BASE`` and ``DISCORD_GATEWAY_URL``
point it at the emulator, ``PROVIDER=preview`` renders locally, its data (SQLite database,
uploads, results) lives under ``<data_dir>/bot`` and its log in ``<data_dir>/bot.log``.
The emulator answers interactions only within Discord's 3 s, as Discord does.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from pathlib import Path
from types import TracebackType
from typing import Self

import bot
from discord_emulator import DiscordEmulator, Member

HOST = "127.0.0.1"
MANAGE_GUILD = 1 << 5  # Discord's Manage Server permission: Callsheet's moderators have it
READY_TIMEOUT_S = 180.0  # first start imports the codecs and draws the empty board
STOP_TIMEOUT_S = 15.0
#: what the child process keeps from the playground's environment (nothing of the operator's)
KEPT_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


class PlaygroundError(Exception):
    """The playground could not start; ``str()`` says why in plain words."""


def bot_environment(emu: DiscordEmulator, data_dir: Path) -> dict[str, str]:
    """The bot process's whole environment: the emulator's addresses, the preview provider,
    data under ``data_dir``, nothing served beyond loopback, and this checkout's ``bot`` on
    the path (so the process runs the same code as the playground)."""
    env = {name: os.environ[name] for name in KEPT_ENV if name in os.environ}
    source = str(Path(bot.__file__).resolve().parents[1])
    env.update(
        emu.env(),
        PYTHONPATH=source,
        DISCORD_TOKEN="playground",
        DATA_DIR=str(data_dir),
        PROVIDER="preview",
        ASSET_SERVER_HOST=HOST,
        ASSET_SERVER_PORT="0",
        DEFAULT_RESOLUTION="480p",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    return env


class Stage:
    """The emulator and the bot process, started together (``async with``) and stopped
    together. ``member`` is a plain member, ``moderator`` has Manage Server."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.emu = DiscordEmulator(
            data_dir / "discord",
            guild_name="Playground",
            host=HOST,
            enforce_interaction_deadline=True,
        )
        self.member: Member = self.emu.add_member("alice")
        self.moderator: Member = self.emu.add_member("morgan", permissions=MANAGE_GUILD)
        self.log_path = data_dir / "bot.log"
        self.process: asyncio.subprocess.Process | None = None

    @property
    def cast(self) -> list[Member]:
        """The members the page can play, the plain member first."""
        return [self.member, self.moderator]

    async def __aenter__(self) -> Self:
        await self.emu.start()
        try:
            await self._start_bot()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _start_bot(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                cwd=self.data_dir,
                env=bot_environment(self.emu, self.data_dir / "bot"),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )
        ended = asyncio.ensure_future(self.process.wait())
        try:
            await self.emu.wait_ready(timeout=READY_TIMEOUT_S, bot_task=ended)
        except AssertionError as error:
            raise PlaygroundError(
                f"the bot did not come up ({error}); its log: {self.log_path}\n{self.log_tail()}"
            ) from None
        finally:
            if not ended.done():
                ended.cancel()

    async def wait_bot(self) -> int | None:
        """Wait until the bot process ends; its exit code (None if it never started)."""
        if self.process is None:
            return None
        return await self.process.wait()

    def log_tail(self, lines: int = 20) -> str:
        """The last ``lines`` lines of the bot's log."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    async def close(self) -> None:
        """Stop the bot (SIGTERM, then SIGKILL after 15 s) and the emulator."""
        process, self.process = self.process, None
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        await self.emu.close()
