"""The configured providers and which one each guild uses (its choice when configured,
else the operator's default; ``/admin config set provider``)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.guilds.config import GuildConfig
from bot.guilds.service import GuildConfigs
from bot.providers.base import Provider
from bot.seedance.limits import Limits


class ProviderRegistry:
    """Provider name → provider, with the guild's choice applied.

    Args:
        providers: the configured providers by name (``preview`` always among them).
        default: the provider used when a guild names none that is configured.
        guild_configs: each guild's configuration.
    """

    def __init__(
        self, providers: Mapping[str, Provider], default: str, guild_configs: GuildConfigs
    ) -> None:
        self.providers = providers
        self.default = default
        self.guild_configs = guild_configs

    def for_config(self, config: GuildConfig) -> Provider:
        """The provider a guild with ``config`` uses."""
        return self.providers.get(config.provider) or self.providers[self.default]

    async def for_guild(self, guild_id: int) -> Provider:
        """The provider the guild uses."""
        return self.for_config(await self.guild_configs.get(guild_id))

    async def limits_for(self, guild_id: int) -> Limits:
        """The limits of the guild's provider profile (seeds 000, 001 as the provider
        relaxes or tightens them)."""
        return (await self.for_guild(guild_id)).profile.limits
