"""Asset hosting: publish local reference files at URLs a provider can fetch.

Hosts: :class:`StaticUrlHost` (a folder already served), :class:`SignedUrlHost` with
:class:`AssetServer` (the bot's own signed-URL endpoint), :class:`S3AssetHost` (a bucket,
presigned URLs) and :class:`ChannelHost` (a Discord storage channel, behind
:class:`ChannelUploader`). Providers only see :class:`AssetHost`.
"""

from typing import TYPE_CHECKING

from bot.hosting.base import AssetHost, StaticUrlHost
from bot.hosting.channel import ChannelHost, ChannelUploader
from bot.hosting.signed import AssetServer, SignedUrlHost

if TYPE_CHECKING:
    from bot.hosting.s3 import S3AssetHost

__all__ = [
    "AssetHost",
    "AssetServer",
    "ChannelHost",
    "ChannelUploader",
    "S3AssetHost",
    "SignedUrlHost",
    "StaticUrlHost",
]


def __getattr__(name: str) -> object:
    """``S3AssetHost`` is imported on first use: its S3 client (aiobotocore) takes about
    half a second to import, which providers and the CLI need not pay."""
    if name == "S3AssetHost":
        from bot.hosting.s3 import S3AssetHost

        return S3AssetHost
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
