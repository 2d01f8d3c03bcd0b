"""Media intake: download an upload with a byte cap, probe it, check it against the limits.

Every limit comes from :class:`bot.seedance.limits.Limits` (one table, each row citing its seed);
each refusal names the limit, the measured value and what the member can do about it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bot.errors import AssetRejected
from bot.media.probe import UnreadableMedia, probe
from bot.seedance.facts import MediaInfo
from bot.seedance.limits import MB
from bot.text import file_label
from bot.words import say

CHUNK_BYTES = 256 * 1024


@dataclass(frozen=True)
class DownloadedFile:
    """A file streamed to disk: its path, size in bytes and SHA-256 hex digest."""

    path: Path
    size_bytes: int
    sha256: str


async def download(
    http: aiohttp.ClientSession, url: str, directory: Path, max_bytes: int, filename: str
) -> DownloadedFile:
    """Stream ``url`` into a new file under ``directory``, refusing more than ``max_bytes``.

    The declared ``Content-Length`` is not trusted: the stream is counted as it arrives and
    the partial file is removed the moment it passes the cap.

    Raises:
        AssetRejected: the file is larger than ``max_bytes`` or could not be fetched.
    """
    directory.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, name = tempfile.mkstemp(dir=directory, prefix="upload-", suffix=".part")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            async with http.get(url) as response:
                if response.status != 200:
                    raise AssetRejected(
                        say(
                            "download-failed-status", file=file_label(filename),
                            status=str(response.status),
                        )
                    )  # fmt: skip
                async for chunk in response.content.iter_chunked(CHUNK_BYTES):
                    size += len(chunk)
                    if size > max_bytes:
                        raise AssetRejected(
                            say("download-too-large", file=file_label(filename),
                                mb=round(max_bytes / MB))
                        )  # fmt: skip
                    digest.update(chunk)
                    out.write(chunk)
    except aiohttp.ClientError as exc:
        path.unlink(missing_ok=True)
        raise AssetRejected(say("download-failed", file=file_label(filename))) from exc
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return DownloadedFile(path=path, size_bytes=size, sha256=digest.hexdigest())


def copy_into(source: Path, directory: Path) -> DownloadedFile:
    """Copy a local file into ``directory`` under a temporary name, hashing it on the way
    (blocking; run it off the event loop)."""
    directory.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, name = tempfile.mkstemp(dir=directory, prefix="copy-", suffix=".part")
    with os.fdopen(fd, "wb") as out, source.open("rb") as src:
        while chunk := src.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return DownloadedFile(path=Path(name), size_bytes=size, sha256=digest.hexdigest())


def probe_upload(path: Path, filename: str) -> MediaInfo:
    """Probe a downloaded upload (blocking; run it off the event loop).

    Raises:
        AssetRejected: the bytes are not a readable image, video or audio file.
    """
    try:
        return probe(path)
    except UnreadableMedia as exc:
        raise AssetRejected(
            say("upload-unreadable", file=file_label(filename), reason=exc.phrase)
        ) from exc
