"""Asset hosting: turn a local reference file into a URL a provider can fetch.

Providers fetch references by URL, Discord attachment URLs are signed and expire, and
fixed-up assets are new files, so an asset host publishes files the provider can read (a
storage channel, an S3-compatible bucket, or the bot's own HTTP endpoint) with an expiry
matching the job. Providers only see :class:`AssetHost`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol
from urllib.parse import quote


class AssetHost(Protocol):
    """Publishes local files at URLs that a provider can GET."""

    async def publish(self, path: Path, *, expires_in_s: int) -> str:
        """Make ``path`` readable by URL for at least ``expires_in_s`` seconds.

        Returns:
            An absolute ``http(s)`` URL serving the file's bytes.

        Raises:
            ValueError: the file cannot be published by this host.
        """
        ...


class StaticUrlHost:
    """Maps files under ``root`` to ``base_url`` + their relative path.

    For deployments where a web server (or an aiohttp static route, as in the tests)
    already serves ``root`` at ``base_url``. Nothing is uploaded and nothing expires, so
    ``expires_in_s`` is accepted and ignored.

    Args:
        base_url: URL prefix serving ``root``, e.g. ``https://assets.example/callsheet``.
        root: the directory served at ``base_url``.
    """

    def __init__(self, base_url: str, root: Path) -> None:
        self.base_url = base_url.rstrip("/")
        self.root = root.resolve()

    async def publish(self, path: Path, *, expires_in_s: int) -> str:
        """The URL of ``path``.

        Raises:
            ValueError: ``path`` is not a file under ``root``.
        """
        return f"{self.base_url}/{quote(relative_to_root(path, self.root))}"


def relative_to_root(path: Path, root: Path) -> str:
    """``path`` relative to the hosted folder ``root`` (resolved), POSIX-style.

    Raises:
        ValueError: ``path`` is outside ``root`` or is not a file.
    """
    resolved = path.resolve()
    try:
        relative = resolved.relative_to(root)
    except ValueError:
        raise ValueError(f"{path} is outside the hosted folder {root}") from None
    if not resolved.is_file():
        raise ValueError(f"{path} is not a file")
    return relative.as_posix()
