"""The storage channel through discord.py: the :class:`bot.hosting.channel.ChannelUploader`
behind :class:`bot.hosting.channel.ChannelHost` (ASSET_HOST=discord)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import discord
from discord.http import Route


class StorageChannel:
    """Uploads reference files to one channel and renews their CDN URLs.

    Args:
        client: the connected bot.
        channel_id: the storage channel (the bot needs Send Messages and Attach Files).
    """

    def __init__(self, client: discord.Client, channel_id: int) -> None:
        self.client = client
        self.channel_id = channel_id

    async def upload(self, path: Path) -> str:
        """Post ``path`` to the channel; return the attachment's CDN URL.

        Raises:
            ValueError: Discord refused the upload (too large, missing permission…).
        """
        channel = self.client.get_partial_messageable(self.channel_id)
        try:
            message = await channel.send(
                f"Callsheet reference `{path.name}`", file=discord.File(path, filename=path.name)
            )
        except discord.HTTPException as exc:
            raise ValueError(
                f"Discord refused the upload of {path.name} to the storage channel "
                f"(HTTP {exc.status}): {exc.text}"
            ) from None
        return message.attachments[0].url

    async def refresh(self, urls: Sequence[str]) -> list[str]:
        """Renewed URLs through ``POST /attachments/refresh-urls``, in Discord's order; an
        empty list when Discord refused."""
        route = Route("POST", "/attachments/refresh-urls")
        try:
            data = await self.client.http.request(route, json={"attachment_urls": list(urls)})
        except discord.HTTPException:
            return []
        return [str(item["refreshed"]) for item in data.get("refreshed_urls") or []]
