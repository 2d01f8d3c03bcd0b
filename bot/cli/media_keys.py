"""``python -m bot media-keys``: move an install's files into the bucket by key, once, when
it goes from one machine to several (``ASSET_HOST=s3``; docs/ARCHITECTURE.md "Media by
key").

Rows written before media were kept by key name files by the paths they were written to
(absolute, or relative to the working directory with a relative ``DATA_DIR``): they keep
working on the machine that holds those files, and only there. This uploads each such
file under the data directory to its key and rewrites every row that names it (assets,
kept-aside uploads, results and the requests of jobs and spend offers) in one
transaction, so workers elsewhere read them too. Files already gone (swept after
``RETENTION_DAYS``) or outside the data directory stay as they are, and are counted.
Running it again changes nothing.
"""

from __future__ import annotations

from typing import TextIO

from bot.cli.common import EXIT_OK, EXIT_REFUSED, CliError
from bot.errors import CallsheetError
from bot.hosting.s3 import S3AssetHost
from bot.hosting.s3_media import S3MediaStore
from bot.hosting.store import MediaUnreachable
from bot.services import build_asset_host
from bot.settings import Settings
from storage.db import Database
from storage.media_keys import MediaKeyRepository


async def media_keys(settings: Settings, *, out: TextIO) -> int:
    """Upload the files rows name by absolute path and rewrite the rows to their keys;
    print what was done; return the exit code.

    Raises:
        CliError: ``ASSET_HOST`` is not ``s3`` (nothing to move: the data directory is the
            store), its settings are incomplete, or the bucket can't be reached.
    """
    if settings.asset_host != "s3":
        raise CliError(
            "ASSET_HOST is not s3: media stay in the data directory, keyed by their paths "
            "(nothing to move).",
            EXIT_REFUSED,
        )
    try:
        host, _ = build_asset_host(settings)
    except CallsheetError as exc:  # a setting is missing
        raise CliError(str(exc)) from None
    assert isinstance(host, S3AssetHost)  # ASSET_HOST=s3 builds one, or refuses
    db = await Database.open_url(settings.database)
    try:
        async with host:
            store = S3MediaStore(host, settings.data_dir)
            repo = MediaKeyRepository(db)
            moved: dict[str, str] = {}
            gone = outside = 0
            for old in sorted(await repo.keys()):
                path = store.path(old)
                if not path.resolve().is_relative_to(store.root):
                    outside += 1
                elif store.key(path) == old:
                    continue  # a key already
                elif not path.is_file():
                    gone += 1
                else:
                    moved[old] = await store.put(path)
            changed = await repo.rekey(moved)
    except MediaUnreachable:
        bucket = settings.s3_bucket
        raise CliError(f"The bucket {bucket!r} can't be reached: nothing was changed.") from None
    finally:
        await db.close()
    print(
        f"{len(moved)} files kept in the bucket by key ({changed} rows now name their keys); "
        f"{gone} files no longer kept, {outside} outside {settings.data_dir}: left as they were.",
        file=out,
    )
    return EXIT_OK
