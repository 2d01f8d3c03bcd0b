"""A guild's configuration (allowance, caps, prices, channels, defaults) and the service
that reads and changes it."""

from bot.guilds.config import MODEL_LABELS, Allowance, Caps, GuildConfig, Prices
from bot.guilds.service import GuildConfigs

__all__ = ["MODEL_LABELS", "Allowance", "Caps", "GuildConfig", "GuildConfigs", "Prices"]
