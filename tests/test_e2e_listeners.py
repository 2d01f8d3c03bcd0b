"""The cogs observe the core through listeners they add in ``cog_load`` and remove in
``cog_unload``: unloading an extension leaves nothing behind, reloading adds it once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import running_bot

pytestmark = pytest.mark.e2e


async def test_unloading_an_extension_removes_its_listener(tmp_path: Path, media: Path) -> None:
    async with running_bot(tmp_path, media) as world:
        bot = world.bot
        runner, moderation = bot.services.runner, bot.services.moderation
        storyboards = bot.services.storyboards  # a service watching job ends, not a cog
        assert runner.listeners == (bot.get_cog("SessionCog"), storyboards)
        assert moderation.listeners == (bot.get_cog("AdminCog"),)

        await bot.unload_extension("cogs.session")
        await bot.unload_extension("cogs.admin")
        assert runner.listeners == (storyboards,)
        assert moderation.listeners == ()

        await bot.load_extension("cogs.session")
        await bot.load_extension("cogs.admin")
        session_cog, admin_cog = bot.get_cog("SessionCog"), bot.get_cog("AdminCog")
        assert session_cog is not None and admin_cog is not None
        assert runner.listeners == (session_cog, storyboards)  # the new cog only, once
        assert moderation.listeners == (admin_cog,)
