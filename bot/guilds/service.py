"""Guild configurations: each guild's :class:`bot.guilds.config.GuildConfig`, read fresh on
every use so a moderator's change applies at once (no restart, no cache to go stale across
shards)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import ValidationError

from bot.errors import CallsheetError
from bot.guilds.config import GuildConfig
from storage.moderation import GuildConfigRepository


class GuildConfigs:
    """Load and save guild configurations.

    Args:
        repo: the configuration repository.
        defaults: the configuration a guild starts with (from operator settings).
        clock: current UTC time.
    """

    def __init__(
        self, repo: GuildConfigRepository, defaults: GuildConfig, clock: Callable[[], datetime]
    ) -> None:
        self.repo = repo
        self.defaults = defaults
        self.clock = clock

    async def get(self, guild_id: int) -> GuildConfig:
        """The guild's configuration (the operator defaults until a moderator changes it)."""
        stored = await self.repo.get(guild_id)
        if stored is None:
            return self.defaults.model_copy(deep=True)
        return GuildConfig.model_validate_json(stored)

    async def update(self, guild_id: int, changes: dict[str, object]) -> GuildConfig:
        """Apply ``changes`` (dotted paths such as ``"caps.cooldown_s"``) and save.

        Raises:
            CallsheetError: a value is invalid; the message says which and why.
        """
        data = (await self.get(guild_id)).model_dump()
        for path, value in changes.items():
            target = data
            *parents, leaf = path.split(".")
            for name in parents:
                target = target[name]
            target[leaf] = value
        try:
            config = GuildConfig.model_validate(data)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'config'}: {e['msg']}"
                for e in error.errors()
            )
            raise CallsheetError(f"That change was not saved: {problems}.") from None
        await self.repo.put(guild_id, config.model_dump_json(), self.clock())
        return config
