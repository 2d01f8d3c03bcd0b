"""Video providers: the Provider protocol and profiles, one client per provider, the local
preview, and the registry of which provider a guild uses."""

from bot.providers.ark import ArkProvider
from bot.providers.base import Provider, ProviderError, ProviderProfile, TaskState, TaskStatus
from bot.providers.evolink import EvolinkProvider
from bot.providers.fal import FalProvider
from bot.providers.preview import PreviewProvider
from bot.providers.registry import ProviderRegistry
from bot.providers.replicate import ReplicateProvider

__all__ = [
    "ArkProvider",
    "EvolinkProvider",
    "FalProvider",
    "PreviewProvider",
    "Provider",
    "ProviderError",
    "ProviderProfile",
    "ProviderRegistry",
    "ReplicateProvider",
    "TaskState",
    "TaskStatus",
]
