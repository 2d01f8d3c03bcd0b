"""``python -m bot playground``: the real, unmodified bot in a Discord-like page on loopback.

The playground starts the project's Discord emulator on 127.0.0.1, runs ``python -m bot``
as a separate process pointed at it (embedded defaults: SQLite in a throwaway folder, the
preview provider), and serves a small page (plain HTML/JS/CSS from this package, no build
step) that plays the guild's members: slash commands with autocomplete, uploads, buttons,
selects, modals, ephemeral replies and live edits. See :mod:`bot.playground.cli`.
"""

from bot.playground.cli import main, playground

__all__ = ["main", "playground"]
