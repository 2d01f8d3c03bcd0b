"""Gates (:class:`discord_emulator.gates.Gate`): hold a fake server's request at a chosen
step, so a test can kill a real bot process exactly there (no sleeps). They moved with the
Discord emulator, which uses them, into the shipped :mod:`discord_emulator`."""

from __future__ import annotations

from discord_emulator.gates import Gate

__all__ = ["Gate"]
