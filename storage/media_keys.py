"""The media keys rows name (docs/ARCHITECTURE.md "Media by key"), read and rewritten for
``python -m bot media-keys``: rows written before media were kept by key hold absolute
paths (``assets.path``, ``pending_uploads.path``, ``jobs.result_path`` and the assets of
the requests in ``jobs.request_json`` and ``spend_offers.request_json``; relative to the
working directory with a relative ``DATA_DIR``), which only the machine holding those
files can read."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from bot.seedance.compiler import request_from_json, request_to_json
from bot.seedance.session import Asset
from storage.db import Connection, Database, execute, rows

_COLUMNS = (("assets", "path"), ("pending_uploads", "path"), ("jobs", "result_path"))
_REQUESTS = ("jobs", "spend_offers")


class MediaKeyRepository:
    """Absolute media keys found in the database, and their replacement (one hop each)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def keys(self) -> set[str]:
        """Every media key a row names (rows from before keys: the file's path)."""

        def body(conn: Connection) -> set[str]:
            found: set[str] = set()
            for table, column in _COLUMNS:
                for row in rows(
                    conn, f"SELECT {column} AS k FROM {table} WHERE {column} IS NOT NULL"
                ):
                    found.add(str(row["k"]))
            for table in _REQUESTS:
                for row in rows(
                    conn, f"SELECT request_json FROM {table} WHERE request_json IS NOT NULL"
                ):
                    found.update(
                        ra.asset.key for ra in request_from_json(row["request_json"]).assets
                    )
            return found

        return await self.db.read(body)

    async def rekey(self, moved: Mapping[str, str]) -> int:
        """Replace each key of ``moved`` with its new key everywhere, in one transaction;
        how many rows changed."""

        def body(conn: Connection) -> int:
            changed = 0
            for table, column in _COLUMNS:
                for old, new in moved.items():
                    changed += execute(
                        conn, f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (new, old)
                    )
            for table in _REQUESTS:
                found = rows(
                    conn, f"SELECT id, request_json FROM {table} WHERE request_json IS NOT NULL"
                )
                for row in found:
                    request = request_from_json(row["request_json"])
                    if not any(ra.asset.key in moved for ra in request.assets):
                        continue
                    text = request_to_json(request.with_assets(lambda a: _moved(a, moved)))
                    changed += execute(
                        conn, f"UPDATE {table} SET request_json = ? WHERE id = ?", (text, row["id"])
                    )
            return changed

        return await self.db.write(body)


def _moved(asset: Asset, moved: Mapping[str, str]) -> Asset:
    return dataclasses.replace(asset, key=moved.get(asset.key, asset.key))
