"""The storage-channel asset host, for owners with neither a public address nor a bucket.

Each reference file is uploaded once (per content hash) to a storage channel the operator
chooses; the attachment's CDN URL is what the provider fetches. Discord's CDN URLs are
signed and expire (``ex``/``is``/``hm`` query parameters, ``ex`` being the expiry in hex
seconds since the epoch), so a URL that would expire before the job's window ends is
renewed instead of uploading again.

The Discord calls themselves sit behind :class:`ChannelUploader` (the discord.py adapter is
``cogs.storage_channel.StorageChannel``), so this module does not import discord.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

REFRESH_MARGIN_S = 300  # renew a URL that has less than this left beyond what was asked
MAX_WINDOW_S = 20 * 3600  # Discord's URLs last about a day: never ask for more than this


class ChannelUploader(Protocol):
    """The two storage-channel calls :class:`ChannelHost` needs."""

    async def upload(self, path: Path) -> str:
        """Post ``path`` as an attachment to the storage channel.

        Returns:
            The attachment's signed CDN URL.

        Raises:
            ValueError: the file is too large for the channel, or the upload was refused.
        """
        ...

    async def refresh(self, urls: Sequence[str]) -> list[str]:
        """Renewed CDN URLs for ``urls`` (``POST /attachments/refresh-urls``), in order.

        Returns:
            One renewed URL per URL asked for, or an empty list when the renewal was
            refused (the caller then uploads again). Never raises for a refusal.
        """
        ...


class ChannelHost:
    """An :class:`bot.hosting.base.AssetHost` that uploads to a storage channel.

    Args:
        uploader: the storage channel.
        clock: seconds since the epoch (injectable for tests).
    """

    def __init__(self, uploader: ChannelUploader, clock: Callable[[], float] = time.time) -> None:
        self.uploader = uploader
        self.clock = clock
        self._urls: dict[str, str] = {}  # content hash → latest CDN URL

    async def publish(self, path: Path, *, expires_in_s: int) -> str:
        """A CDN URL for ``path`` valid for ``expires_in_s`` seconds where Discord allows it
        (its URLs last about a day, so at most ``MAX_WINDOW_S`` is honoured; a job is polled
        well within that). A cached URL with less than the window plus ``REFRESH_MARGIN_S``
        left is renewed; one that cannot be renewed is uploaded again.

        Raises:
            ValueError: the file is larger than the storage channel's upload limit, or
                the upload was refused.
        """
        key = _digest(path)
        url = self._urls.get(key)
        needed = min(expires_in_s, MAX_WINDOW_S) + REFRESH_MARGIN_S
        if url is not None and expires_at(url) - self.clock() < needed:
            renewed = await self.uploader.refresh([url])
            url = renewed[0] if renewed else None
        if url is None:
            url = await self.uploader.upload(path)
        self._urls[key] = url
        return url


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def expires_at(url: str) -> float:
    """The ``ex`` (hex seconds since the epoch) of a Discord CDN URL, or 0 when it has none
    or it is not hex (such a URL is treated as already expired)."""
    values = parse_qs(urlsplit(url).query).get("ex")
    try:
        return float(int(values[0], 16)) if values else 0.0
    except ValueError:
        return 0.0
