"""The loopback Discord emulator moved into the shipped package :mod:`discord_emulator`
(``python -m bot playground`` runs it too). ``tests.emulator`` and its submodules
(``tests.emulator.models``, ``.server``, ``.spec``, ``.threads``) stay importable as the
same modules, so tests written against the old path keep working."""

from __future__ import annotations

import sys

from discord_emulator import (
    DiscordEmulator,
    DiscordHTTPError,
    EmuInteraction,
    InteractionTimeout,
    Member,
    models,
    server,
    shard_of,
    snowflake,
    snowflake_on_shard,
    spec,
    threads,
)

for _name, _module in {
    "models": models,
    "server": server,
    "spec": spec,
    "threads": threads,
}.items():
    sys.modules[f"{__name__}.{_name}"] = _module

__all__ = [
    "DiscordEmulator",
    "DiscordHTTPError",
    "EmuInteraction",
    "InteractionTimeout",
    "Member",
    "shard_of",
    "snowflake",
    "snowflake_on_shard",
]
