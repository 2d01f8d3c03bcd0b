"""The Discord-channel asset host, for owners with neither a public address nor a bucket.

Each reference file is uploaded once to a storage channel the operator chooses; the
attachment's CDN URL is what the provider fetches. Discord's CDN URLs are signed and expire
(``ex``/``is``/``hm`` query parameters; DESIGN.md "Discord facts"), so a URL that would
expire before the job's window ends is renewed through Discord's
``POST /attachments/refresh-urls`` instead of uploading again.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import discord
from discord.http import Route

REFRESH_MARGIN_S = 300  # renew a URL that has less than this left beyond what was asked
MAX_WINDOW_S = 20 * 3600  # Discord's URLs last about a day: never ask for more than this


class DiscordChannelHost:
    """An :class:`bot.hosting.base.AssetHost` that uploads to a Discord channel.

    Args:
        client: the connected bot.
        channel_id: the storage channel (the bot needs Send Messages and Attach Files).
        clock: seconds since the epoch (injectable for tests).
    """

    def __init__(
        self,
        client: discord.Client,
        channel_id: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.channel_id = channel_id
        self.clock = clock
        self._urls: dict[str, str] = {}  # content hash → latest CDN URL

    async def publish(self, path: Path, *, expires_in_s: int) -> str:
        """A CDN URL for ``path`` valid for ``expires_in_s`` seconds where Discord allows it
        (its URLs last about a day; a job is polled well within that).

        Raises:
            ValueError: the file is larger than the storage channel's upload limit, or
                Discord refused the upload.
        """
        key = _digest(path)
        url = self._urls.get(key)
        needed = min(expires_in_s, MAX_WINDOW_S) + REFRESH_MARGIN_S
        if url is not None and _expires_at(url) - self.clock() < needed:
            url = await self._refresh(url)
        if url is None:
            url = await self._upload(path)
        self._urls[key] = url
        return url

    async def _upload(self, path: Path) -> str:
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

    async def _refresh(self, url: str) -> str | None:
        route = Route("POST", "/attachments/refresh-urls")
        try:
            data = await self.client.http.request(route, json={"attachment_urls": [url]})
        except discord.HTTPException:
            return None
        refreshed = data.get("refreshed_urls") or []
        return str(refreshed[0]["refreshed"]) if refreshed else None


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _expires_at(url: str) -> float:
    """The ``ex`` (hex seconds) of a Discord CDN URL, or 0 when it has none."""
    values = parse_qs(urlsplit(url).query).get("ex")
    try:
        return float(int(values[0], 16)) if values else 0.0
    except ValueError:
        return 0.0
