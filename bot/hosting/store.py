"""Where media files live, by key: the data directory (one machine), or an S3 bucket that
every process shares (docs/ARCHITECTURE.md "Media by key").

The database holds a *media key* for every stored file (an asset, a kept-aside upload, a
result), which only a store turns into a file. :class:`MediaStore` is the single-machine
store and the base of the shared one: there a key is the file's absolute path (unchanged
behaviour: the file stays where it was written).
:class:`bot.hosting.s3_media.S3MediaStore` keys a file by its path relative to the data
directory (``sessions/12/3fa9….jpg``, ``results/job-7.mp4``) and keeps it in the bucket;
a process that needs the bytes (to decode, transcode or upload them) fetches the key into
the same place under its own data directory, which is its cache.

A row from before keys names its file by the path it was written to: an absolute one, or,
with a relative ``DATA_DIR`` (the default ``data``), one relative to the working directory
that starts with ``DATA_DIR`` (``data/sessions/12/3fa9….jpg``); either store reads both as
the file on this machine (``python -m bot media-keys`` moves them into a bucket).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

from bot.errors import CallsheetError
from bot.seedance.compiler import GenerationRequest
from bot.seedance.session import Asset
from bot.words import say


class MediaUnreachable(CallsheetError):
    """The shared media store can't be reached (or refused the request): nothing was
    stored or fetched; trying again later may work."""

    def __init__(self) -> None:
        super().__init__(say("s3media-unreachable"))


class MediaStore:
    """Media files in the local data directory ``root``; a key is the absolute path.

    Args:
        root: the data directory (``DATA_DIR``, as configured: relative to the working
            directory, or absolute).
    """

    shared = False
    """Whether other machines read what this store holds (a bucket), so a key may name a
    file that is not on this machine yet."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        # Rows from before keys with a relative DATA_DIR start with it ("data/sessions/…").
        self._legacy = () if root.is_absolute() else root.parts

    def __repr__(self) -> str:
        return f"{type(self).__name__}(root={self.root!s})"

    def key(self, path: Path) -> str:
        """The key of the file at ``path`` (here: its absolute path; a key that differs
        from the one a row holds marks that row as written before keys)."""
        return str(path.resolve())

    def path(self, key: str) -> Path:
        """Where ``key``'s file is (or will be, once fetched) on this machine: an absolute
        key as it is, any other under ``root``.

        Raises:
            ValueError: the key climbs out of ``root`` (``..``).
        """
        given = Path(key)
        if given.is_absolute():
            return given
        if self._legacy and given.parts[: len(self._legacy)] == self._legacy:
            given = Path(*given.parts[len(self._legacy) :])  # relative to DATA_DIR now
        path = (self.root / given).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"media key {key!r} is outside the data directory")
        return path

    async def put(self, path: Path) -> str:
        """Keep the local file ``path`` (under ``root``) in the store; its key.

        Raises:
            MediaUnreachable: the shared store refused it or can't be reached.
        """
        return self.key(path)

    async def fetch(self, key: str) -> Path:
        """``key``'s file on this machine, fetched first when only the store holds it.

        Raises:
            FileNotFoundError: nothing is stored under ``key`` (removed after
                ``RETENTION_DAYS``, or never stored).
            MediaUnreachable: the shared store can't be reached.
        """
        path = self.path(key)
        if not path.is_file():
            raise FileNotFoundError(key)
        return path

    async def exists(self, key: str) -> bool:
        """Whether ``key`` names a stored file (here or in the store).

        Raises:
            MediaUnreachable: the shared store can't be reached.
        """
        return self.path(key).is_file()

    async def remove(self, keys: Iterable[str], keep: Iterable[str] = ()) -> int:
        """Remove the stored copies of ``keys`` (a key ending in ``/`` names everything
        under it) except those in ``keep``; how many objects went. Local files are the
        caller's (the retention sweep removes them): this store holds nothing else.

        Raises:
            MediaUnreachable: the shared store can't be reached.
        """
        return 0

    async def local(self, asset: Asset, *, strict: bool = True) -> Asset:
        """``asset`` with its file fetched onto this machine and keyed by its absolute path
        here, for code that reads files (:attr:`bot.seedance.session.Asset.path`). Not
        ``strict``: an asset that can't be fetched comes back keyed where it would be (its
        reader finds no file: the board shows "file missing").

        Raises:
            FileNotFoundError / MediaUnreachable: as :meth:`fetch` (``strict`` only).
        """
        try:
            return dataclasses.replace(asset, key=str(await self.fetch(asset.key)))
        except (FileNotFoundError, MediaUnreachable):
            if strict:
                raise
            return dataclasses.replace(asset, key=str(self.path(asset.key)))

    async def localise(
        self, request: GenerationRequest, *, fetch: bool = True
    ) -> GenerationRequest:
        """``request`` with every asset made :meth:`local`, for a provider or renderer
        (:attr:`bot.seedance.session.Asset.path`). Without ``fetch``, each is only keyed
        where its file is or would be here, for a provider that fetches references by URL
        from an asset host that publishes stored files as they are (a shared store's own
        :meth:`bot.hosting.s3_media.S3MediaStore.publish`): nothing is downloaded.

        Raises:
            FileNotFoundError / MediaUnreachable: as :meth:`fetch` (``fetch`` only).
        """
        if not fetch:
            return request.with_assets(
                lambda asset: dataclasses.replace(asset, key=str(self.path(asset.key)))
            )
        here = {ra.asset.key: (await self.local(ra.asset)).key for ra in request.assets}
        return request.with_assets(lambda asset: dataclasses.replace(asset, key=here[asset.key]))
