"""The bot's own asset server (``bot/hosting/signed.py``) on loopback, fetched over real
HTTP: a signed URL serves its file; every URL of a shape the host never writes — a
non-ASCII signature, a 5,000-digit expiry, undecodable or over-long paths, dot segments —
is a plain 404, and nothing is logged as an error."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import aiohttp
import pytest
from yarl import URL

from bot.hosting.signed import AssetServer, SignedUrlHost

NOW = 1_800_000_000.0


@dataclass
class Served:
    host: SignedUrlHost
    base: str
    file: Path


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    root = tmp_path / "data"
    file = root / "sessions" / "7" / "0123456789abcdef.png"
    file.parent.mkdir(parents=True)
    file.write_bytes(b"\x89PNG not really")
    (root / "sessions" / "7" / "folder").mkdir()
    host = SignedUrlHost("http://127.0.0.1", b"k" * 32, root, clock=lambda: NOW)
    server = AssetServer(host, "127.0.0.1", 0)
    await server.start()
    try:
        yield Served(host, f"http://127.0.0.1:{server.port}", file)
    finally:
        await server.close()


async def _status(url: str) -> int:
    async with aiohttp.ClientSession() as http, http.get(URL(url, encoded=True)) as response:
        await response.read()
        return response.status


async def test_a_signed_url_serves_its_file(served: Served) -> None:
    url = await served.host.publish(served.file, expires_in_s=600)
    local = url.replace("http://127.0.0.1", served.base, 1)
    async with aiohttp.ClientSession() as http, http.get(local) as response:
        assert response.status == 200
        assert await response.read() == served.file.read_bytes()


async def test_malformed_urls_are_plain_404s(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    url = await served.host.publish(served.file, expires_in_s=600)
    _, _, _, expires, signature, *rest = URL(url).raw_path.split("/")
    path = "/".join(rest)
    base = f"{served.base}/assets"
    malformed = {
        "non-ASCII signature": f"{base}/{expires}/{quote('é' * 32)}/{path}",
        "half non-ASCII signature": f"{base}/{expires}/{signature[:16]}{quote('é' * 16)}/{path}",
        "5,000-digit expiry": f"{base}/{'9' * 5000}/{signature}/{path}",
        "13-digit expiry": f"{base}/{'9' * 13}/{signature}/{path}",
        "negative expiry": f"{base}/-{expires}/{signature}/{path}",
        "Arabic-Indic digits": f"{base}/{quote('٣' * 10)}/{signature}/{path}",
        "short signature": f"{base}/{expires}/{signature[:-1]}/{path}",
        "long signature": f"{base}/{expires}/{signature}A/{path}",
        "padded signature": f"{base}/{expires}/{signature[:-1]}=/{path}",
        "empty signature": f"{base}/{expires}//{path}",
        "no path": f"{base}/{expires}/{signature}/",
        "undecodable path": f"{base}/{expires}/{signature}/sessions/7/%FF%FE.png",
        "NUL in path": f"{base}/{expires}/{signature}/sessions/7/a%00.png",
        "backslash in path": f"{base}/{expires}/{signature}/sessions%5C7%5Cx.png",
        "dot-dot": f"{base}/{expires}/{signature}/sessions/7/%2E%2E/7/x.png",
        "empty segment": f"{base}/{expires}/{signature}/sessions//7/x.png",
        "5,000-character path": f"{base}/{expires}/{signature}/{'a/' * 2500}x",
        "300-character name": f"{base}/{expires}/{signature}/sessions/7/{'n' * 300}.png",
        "a folder": f"{base}/{expires}/{signature}/sessions/7/folder",
        "another file's path": f"{base}/{expires}/{signature}/sessions/7/other.png",
        "expired": f"{base}/{int(NOW) - 1}/{signature}/{path}",
        "wrong key": f"{base}/{expires}/{'A' * 32}/{path}",
    }
    with caplog.at_level(logging.DEBUG):
        statuses = {name: await _status(url) for name, url in malformed.items()}
    assert statuses == dict.fromkeys(malformed, 404)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    # Unescaped non-ASCII is not HTTP: aiohttp's parser refuses the request line (and logs
    # it as aiohttp does every malformed request) before any route sees it.
    assert await _status(f"{base}/{expires}/{'é' * 32}/{path}") == 400


def test_verify_refuses_shapes_it_never_signs(served: Served) -> None:
    """Called directly (a future route may pass it anything): never raises."""
    host = served.host
    good = "sessions/7/0123456789abcdef.png"
    assert host.verify(good, int(NOW) + 60, "é" * 32) is None
    assert host.verify(good, 10**5000, "A" * 32) is None
    assert host.verify("sessions/7/\udcff.png", int(NOW) + 60, "A" * 32) is None
    assert host.verify("x/" * 600 + "y", int(NOW) + 60, "A" * 32) is None
