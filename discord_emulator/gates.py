"""Gates: hold a fake server's request at a chosen step, so a test can kill a real bot
process exactly there (no sleeps)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Gate:
    """``arrived`` is set when a matching request reaches the gate; the request then waits
    until :meth:`open` is called."""

    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    opened: asyncio.Event = field(default_factory=asyncio.Event)

    async def hold(self, request: web.Request) -> bool:
        """Wait at the gate; return whether the client is still there to get an answer."""
        self.arrived.set()
        await self.opened.wait()
        transport = request.transport
        return transport is not None and not transport.is_closing()

    def open(self) -> None:
        """Let held and later requests through."""
        self.opened.set()
