"""Media by key in an S3-compatible bucket, shared by every process (``ASSET_HOST=s3``).

A gateway on one machine takes an upload in and keeps it under its key; a job worker on
another fetches the key to send it to the provider and keeps the result the same way; the
process that posts the result fetches it back (docs/ARCHITECTURE.md "Media by key"). A
key is the file's path relative to the data directory (``sessions/12/3fa9….jpg``), stored
at ``<S3_PREFIX>media/<key>`` in the asset host's bucket, through the asset host's own
client (:class:`bot.hosting.s3.S3AssetHost`); providers are given this store as their
asset host, so a stored file's URL is its own object's. Each process's data directory is
its cache: a key is fetched to the same relative place once, and read from there after
(keys are never rewritten: assets are named by their content, results by their job).

Failures: a bucket that can't be reached, or refuses the request, raises
:class:`bot.hosting.store.MediaUnreachable` (the member reads that the file storage can't
be reached and nothing was lost); a key the bucket does not hold raises
``FileNotFoundError``, as a removed local file does.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from bot.hosting.s3 import S3AssetHost
from bot.hosting.store import MediaStore, MediaUnreachable

log = logging.getLogger(__name__)

_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
_DELETE_BATCH = 1000  # S3's most keys in one DeleteObjects


class S3MediaStore(MediaStore):
    """Media in ``host``'s bucket by key, cached under ``root`` (the data directory).

    Args:
        host: the S3 asset host whose bucket, prefix and client the media share.
        root: this process's data directory.
    """

    shared = True

    def __init__(self, host: S3AssetHost, root: Path) -> None:
        super().__init__(root)
        self.host = host

    def __repr__(self) -> str:
        return f"S3MediaStore(bucket={self.host.bucket!r}, root={self.root!s})"

    def key(self, path: Path) -> str:
        """``path`` relative to the data directory, POSIX-style; a file outside it (never
        one the bot stores) keeps its absolute path and stays on this machine."""
        resolved = path.resolve()
        if not resolved.is_relative_to(self.root):
            return str(resolved)
        return resolved.relative_to(self.root).as_posix()

    def _in_bucket(self, key: str) -> bool:
        """Whether ``key`` is a bucket key (not a row's path from before keys, which names
        a file on one machine only)."""
        return not Path(key).is_absolute() and self.key(self.path(key)) == key

    def object_key(self, key: str) -> str:
        """Where ``key`` is in the bucket."""
        return f"{self.host.prefix}media/{key}"

    async def put(self, path: Path) -> str:
        """Upload ``path`` (under the data directory) to its key; the key.

        Raises:
            MediaUnreachable: the bucket can't be reached or refused the upload.
        """
        key = self.key(path)
        if Path(key).is_absolute():
            log.warning("%s is outside the data directory: kept on this machine only", path)
            return key
        where = self.object_key(key)
        try:
            await self.host.upload(path, where)
        except (ClientError, BotoCoreError) as exc:
            log.warning("media: storing %s failed: %s", key, self.host.describe(exc, where))
            raise MediaUnreachable from None
        log.debug("media: stored %s (%d bytes)", key, path.stat().st_size)
        return key

    async def fetch(self, key: str) -> Path:
        """``key``'s file here, downloaded first when this machine has no copy yet.

        Raises:
            FileNotFoundError: the bucket holds no such key (removed after
                ``RETENTION_DAYS``).
            MediaUnreachable: the bucket can't be reached.
        """
        path = self.path(key)
        if path.is_file() or not self._in_bucket(key):
            return await super().fetch(key)
        where = self.object_key(key)
        client = await self.host.client()
        try:
            response = await client.get_object(Bucket=self.host.bucket, Key=where)
            async with response["Body"] as body:
                await _save(body, path)
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise FileNotFoundError(key) from None
            log.warning("media: fetching %s failed: %s", key, self.host.describe(exc, where))
            raise MediaUnreachable from None
        except BotoCoreError as exc:
            log.warning("media: fetching %s failed: %s", key, self.host.describe(exc, where))
            raise MediaUnreachable from None
        log.debug("media: fetched %s", key)
        return path

    async def publish(self, path: Path, *, expires_in_s: int) -> str:
        """A presigned URL of ``path`` for a provider (:class:`bot.hosting.base.AssetHost`):
        of its stored object when the bucket holds the file under its key (the same size
        as the copy here, if there is one), so a worker neither downloads nor uploads again
        what the gateway kept; otherwise the asset host's own publishing
        (:meth:`bot.hosting.s3.S3AssetHost.publish`).

        Raises:
            ValueError: as :meth:`bot.hosting.s3.S3AssetHost.publish`.
        """
        key = self.key(path)
        if self._in_bucket(key):
            where = self.object_key(key)
            client = await self.host.client()
            try:
                head = await client.head_object(Bucket=self.host.bucket, Key=where)
            except (ClientError, BotoCoreError):
                head = None  # not stored (or not now): the host's own way says why
            here = path.stat().st_size if path.is_file() else None
            if head is not None and here in (None, int(head["ContentLength"])):
                return await self.host.presign(where, expires_in_s=expires_in_s)
        return await self.host.publish(path, expires_in_s=expires_in_s)

    async def exists(self, key: str) -> bool:
        """Whether this machine or the bucket holds ``key``.

        Raises:
            MediaUnreachable: the bucket can't be reached.
        """
        if self.path(key).is_file():
            return True
        if not self._in_bucket(key):
            return False
        where = self.object_key(key)
        client = await self.host.client()
        try:
            await client.head_object(Bucket=self.host.bucket, Key=where)
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return False
            log.warning("media: looking up %s failed: %s", key, self.host.describe(exc, where))
            raise MediaUnreachable from None
        except BotoCoreError as exc:
            log.warning("media: looking up %s failed: %s", key, self.host.describe(exc, where))
            raise MediaUnreachable from None
        return True

    async def remove(self, keys: Iterable[str], keep: Iterable[str] = ()) -> int:
        """Delete ``keys`` from the bucket (a key ending in ``/``: every object under it)
        except those in ``keep``; how many keys were deleted (a key named outright counts
        whether or not the bucket held it: S3 deletes a missing key without a word).

        Raises:
            MediaUnreachable: the bucket can't be reached.
        """
        kept = {self.object_key(k) for k in keep}
        client = await self.host.client()
        doomed: list[str] = []
        try:
            for key in keys:
                if not self._in_bucket(key.rstrip("/")):
                    continue
                if not key.endswith("/"):
                    doomed.append(self.object_key(key))
                    continue
                pages = client.get_paginator("list_objects_v2").paginate(
                    Bucket=self.host.bucket, Prefix=self.object_key(key)
                )
                async for page in pages:
                    doomed.extend(item["Key"] for item in page.get("Contents", ()))
            doomed = [k for k in dict.fromkeys(doomed) if k not in kept]
            for start in range(0, len(doomed), _DELETE_BATCH):
                batch = [{"Key": k} for k in doomed[start : start + _DELETE_BATCH]]
                await client.delete_objects(
                    Bucket=self.host.bucket, Delete={"Objects": batch, "Quiet": True}
                )
        except (ClientError, BotoCoreError) as exc:
            log.warning("media: removing failed: %s", self.host.describe(exc, "(sweep)"))
            raise MediaUnreachable from None
        return len(doomed)


def _code(exc: ClientError) -> str:
    error = exc.response.get("Error", {})
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "")
    return str(error.get("Code") or status)


async def _save(body: Any, path: Path) -> None:
    """Stream an object's ``body`` into ``path`` through a temporary file beside it, so a
    reader never sees half a file (two fetches of one key both end with the whole file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".fetch-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            async for chunk in body.iter_chunks(1024 * 1024):
                await asyncio.to_thread(out.write, chunk)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
