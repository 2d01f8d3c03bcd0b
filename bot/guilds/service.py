"""Guild configurations: each guild's :class:`bot.guilds.config.GuildConfig`, kept in memory
once read, so a command reads and validates it at most once.

The cache belongs to one :class:`GuildConfigs` (no global state). A moderator's change goes
through :meth:`GuildConfigs.update`, which stores it and replaces the cached copy, so it
applies at once in this process. Another process sharing the database (a second shard)
sees it when its own copy is older than ``max_age_s``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from pydantic import ValidationError

from bot.errors import CallsheetError
from bot.guilds.config import GuildConfig
from bot.words import say
from storage.moderation import GuildConfigRepository

MAX_AGE_S = 30.0
"""How long a cached configuration is used before it is read again (seconds); only matters
when another process changes it (this process's own changes replace the cache at once)."""


class GuildConfigs:
    """Load, cache and save guild configurations.

    Args:
        repo: the configuration repository.
        defaults: the configuration a guild starts with (from operator settings).
        clock: current UTC time (stamps saved changes).
        max_age_s: seconds a cached configuration stays in use (:data:`MAX_AGE_S`).
        monotonic: the clock ``max_age_s`` is measured on (seconds).
    """

    def __init__(
        self,
        repo: GuildConfigRepository,
        defaults: GuildConfig,
        clock: Callable[[], datetime],
        *,
        max_age_s: float = MAX_AGE_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.repo = repo
        self.defaults = defaults
        self.clock = clock
        self.max_age_s = max_age_s
        self.monotonic = monotonic
        self._cache: dict[int, tuple[float, GuildConfig]] = {}
        self._saves = 0  # a read that overlapped a save must not cache what it read

    async def get(self, guild_id: int) -> GuildConfig:
        """The guild's configuration (the operator defaults until a moderator changes it).

        The returned object is shared with later callers: read it, never change it (use
        :meth:`update`)."""
        cached = self._cache.get(guild_id)
        now = self.monotonic()
        if cached is not None and now - cached[0] < self.max_age_s:
            return cached[1]
        saves = self._saves
        stored = await self.repo.get(guild_id)
        config = self.defaults if stored is None else GuildConfig.model_validate_json(stored)
        if saves == self._saves:
            self._cache[guild_id] = (now, config)
        return config

    async def update(self, guild_id: int, changes: dict[str, object]) -> GuildConfig:
        """Apply ``changes`` (dotted paths such as ``"caps.cooldown_s"``) and save; later
        reads in this process see the new configuration.

        Raises:
            CallsheetError: a value is invalid; the message says which and why.
        """
        self._cache.pop(guild_id, None)  # build on the stored copy, not a cached one
        data = (await self.get(guild_id)).model_dump()
        for path, value in changes.items():
            target = data
            *parents, leaf = path.split(".")
            for name in parents:
                target = target.setdefault(name, {})  # e.g. a model with no prices yet
            target[leaf] = value
        try:
            config = GuildConfig.model_validate(data)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'config'}: {e['msg']}"
                for e in error.errors()
            )
            raise CallsheetError(say("config-not-saved", problems=problems)) from None
        self._saves += 1
        try:
            await self.repo.put(guild_id, config.model_dump_json(), self.clock())
        finally:
            self._saves += 1
            self._cache.pop(guild_id, None)
        self._cache[guild_id] = (self.monotonic(), config)
        return config
