"""The do-nothing peer for ``bench/acks.py``: a plain discord.py bot with the same
``/video new`` command shape that answers at once and does no work.

``/video new`` answers with a message carrying one select and one button (so the bench can
click them too); every component click is acknowledged with a deferred update. Run by the
bench as ``python bench/peer_bot.py`` with ``DISCORD_API_BASE`` / ``DISCORD_GATEWAY_URL``
pointing at the emulator.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import discord  # noqa: E402
from discord import app_commands  # noqa: E402

from cogs.client import point_discord_at  # noqa: E402


class PeerBot(discord.Client):
    """Answers ``/video new`` with a message and a view; defers every component click."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default())
        self.tree = app_commands.CommandTree(self)
        video = app_commands.Group(name="video", description="Video sessions")

        @video.command(name="new", description="Start a video session")
        async def new(interaction: discord.Interaction[Any], prompt: str | None = None) -> None:
            view = discord.ui.View(timeout=None)
            view.add_item(
                discord.ui.Select(
                    custom_id="peer:role", options=[discord.SelectOption(label="character")]
                )
            )
            view.add_item(discord.ui.Button(label="Generate", custom_id="peer:generate"))
            await interaction.response.send_message(f"session for {prompt!r}", view=view)

        self.tree.add_command(video)

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.type == discord.InteractionType.component:
            await interaction.response.defer()


def main() -> None:
    point_discord_at(os.environ["DISCORD_API_BASE"], os.environ["DISCORD_GATEWAY_URL"])
    PeerBot().run(os.environ.get("DISCORD_TOKEN", "emulated-token"), log_handler=None)


if __name__ == "__main__":
    main()
