"""The bot's own asset host: an aiohttp endpoint serving reference files at signed URLs.

Providers fetch references by URL. For self-hosters with a public
address (``PUBLIC_BASE_URL``), the bot serves files under its data directory itself at
``/assets/<expires>/<signature>/<path>``: the HMAC-SHA256 signature covers the path and
the expiry, so URLs are unguessable and stop working when the job's window ends. A request
whose expiry, signature or path has a shape the host never writes is a plain 404, checked
before anything else (no error, no traceback). The same
web app receives the providers' callbacks (routes added by ``bot.generation.callbacks``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from bot.hosting.base import relative_to_root

log = logging.getLogger(__name__)


EXPIRES = r"[0-9]{1,12}"  # seconds since the epoch: 12 digits last past the year 30000
MAX_EXPIRES = 10**12
SIGNATURE = r"[A-Za-z0-9_-]{32}"  # what _sign writes: 24 bytes, URL-safe base64, unpadded
MAX_PATH_BYTES = 1024  # longer than any file the bot publishes (sessions/<id>/<hash>.<ext>)
MAX_NAME_BYTES = 255  # a file name on Linux filesystems


def _path_shape_ok(relative: str) -> bool:
    """Whether ``relative`` could be a file the host publishes: UTF-8 (no lone surrogates
    from undecodable escapes), no NUL or backslash, at most :data:`MAX_PATH_BYTES`, each
    part a name of at most :data:`MAX_NAME_BYTES` that is not empty, ``.`` or ``..``."""
    try:
        encoded = relative.encode()
    except UnicodeEncodeError:
        return False
    if len(encoded) > MAX_PATH_BYTES or "\x00" in relative or "\\" in relative:
        return False
    return all(
        part not in ("", ".", "..") and len(part.encode()) <= MAX_NAME_BYTES
        for part in relative.split("/")
    )


def _sign(secret: bytes, relative: str, expires: int) -> str:
    digest = hmac.new(secret, f"{expires}:{relative}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


class SignedUrlHost:
    """An :class:`bot.hosting.base.AssetHost` whose URLs point at :class:`AssetServer`.

    Args:
        public_base_url: where the asset server is reachable from the provider, e.g.
            ``https://callsheet.example.org`` (no trailing slash needed).
        secret: HMAC key (keep it stable across restarts so queued jobs' URLs stay valid).
        root: the folder files are published from (the data directory).
        clock: seconds since the epoch (injectable for tests).
    """

    def __init__(
        self,
        public_base_url: str,
        secret: bytes,
        root: Path,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = public_base_url.rstrip("/")
        self.secret = secret
        self.root = root.resolve()
        self.clock = clock

    async def publish(self, path: Path, *, expires_in_s: int) -> str:
        """A signed URL for ``path`` valid for ``expires_in_s`` seconds.

        Raises:
            ValueError: ``path`` is not a file under ``root``.
        """
        relative = relative_to_root(path, self.root)
        expires = int(self.clock()) + expires_in_s
        signature = _sign(self.secret, relative, expires)
        return f"{self.base_url}/assets/{expires}/{signature}/{quote(relative)}"

    def verify(self, relative: str, expires: int, signature: str) -> Path | None:
        """The file a request may read, or ``None`` (a path, expiry or signature of the
        wrong shape, a bad signature, expired, outside root, not a file). Shapes are
        checked first, so nothing a stranger sends raises."""
        if not (
            re.fullmatch(SIGNATURE, signature)
            and 0 <= expires < MAX_EXPIRES
            and _path_shape_ok(relative)
        ):
            return None
        if expires < self.clock():
            return None
        if not hmac.compare_digest(_sign(self.secret, relative, expires), signature):
            return None
        try:
            path = (self.root / relative).resolve()
            path.relative_to(self.root)
            return path if path.is_file() else None
        except (OSError, ValueError):
            return None


class AssetServer:
    """Serves :class:`SignedUrlHost` URLs over HTTP, and any routes added before start.

    Args:
        host: the signer whose URLs this server honours; ``None``: no ``/assets`` route
            (the bot's public URL serves only callbacks, references live elsewhere).
        bind_host / bind_port: where to listen (port 0 picks a free one).
    """

    def __init__(self, host: SignedUrlHost | None, bind_host: str, bind_port: int) -> None:
        self.host = host
        self.bind_host = bind_host
        self.bind_port = bind_port
        self._runner: web.AppRunner | None = None
        self._routes: list[web.AbstractRouteDef] = []
        self.port: int | None = None

    def add_routes(self, routes: Iterable[web.AbstractRouteDef]) -> None:
        """Serve ``routes`` too (call before :meth:`start`)."""
        self._routes.extend(routes)

    async def start(self) -> None:
        """Start listening."""
        app = web.Application()
        if self.host is not None:
            # The route takes only the shapes SignedUrlHost writes; anything else is a 404.
            route = f"/assets/{{expires:{EXPIRES}}}/{{signature:{SIGNATURE}}}/{{path:.+}}"
            app.router.add_get(route, self._serve)
        app.add_routes(self._routes)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.bind_host, self.bind_port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self.bind_port
        log.info("asset server listening on %s:%s", self.bind_host, self.port)

    async def close(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        assert self.host is not None  # the route exists only with a host
        path = self.host.verify(
            request.match_info["path"],
            int(request.match_info["expires"]),
            request.match_info["signature"],
        )
        if path is None:
            raise web.HTTPNotFound()
        return web.FileResponse(path)
