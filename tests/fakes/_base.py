"""Plumbing shared by the loopback provider fakes (Ark, EvoLink, fal).

:class:`LoopbackFake` starts and stops the server (a temporary work dir, the result MP4, an
``aiohttp`` app on a free loopback port, a client for fetching references), records every
API request, answers the scripted failures (wrong key, ``rate_limit_times``,
``server_error_times``, ``delay_s``) around each API handler, downloads references with
their status (and an image's bytes) recorded in ``downloads``, and serves the result MP4
at a pre-signed-style URL that refuses an ``Authorization`` header. Each fake keeps its
own knobs (dataclass fields), routes, validation and error shapes, and fills in the hooks.

Callbacks: a task created with a callback URL runs **on its own**, as a real one does — it
finishes ``run_s`` seconds after it was created (``None``: only polls or :meth:`finish`
move it) — and the fake POSTs the callbacks its service sends, in that service's body
shape, retrying a non-2xx answer on the service's schedule (``callback_retry_delays``,
scaled by ``callback_retry_scale``: 0 retries at once). Every attempt is recorded in
``callbacks``.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import KW_ONLY, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, ClassVar, Self

import aiohttp
import av
import numpy as np
from aiohttp import web

#: an API handler run inside :meth:`LoopbackFake._api`: ``(request, parsed body)``
Handler = Callable[[web.Request, Any], Awaitable[web.Response]]


@dataclass
class RecordedRequest:
    """One request the fake received (API routes and result downloads)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any = None
    status: int = 0


@dataclass
class CallbackDelivery:
    """One callback POST the fake made (each attempt is one)."""

    task_id: str
    url: str
    body: Any
    headers: dict[str, str]
    status: int | None  # None: the receiver could not be reached
    attempt: int
    sent_at: float = 0.0  # time.monotonic() when the POST was sent


@dataclass
class Download:
    """A reference URL the fake fetched; an image's bytes are kept (``data``: what the
    provider would generate from, e.g. a first frame to compare with the shot before)."""

    url: str
    status: int | None
    size: int
    error: str = ""
    data: bytes = field(default=b"", repr=False)


class FakeRejection(Exception):
    """Base of each fake's error exception; the fake's ``_error`` turns it into an answer."""


class CodedRejection(FakeRejection):
    """An error with a status, a code, a message and the parameter at fault (Ark, EvoLink)."""

    def __init__(self, status: int, code: str, message: str, param: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.param = param


class _Knobs:
    """The knobs the shared plumbing reads. Each fake declares them as its own dataclass
    fields (so its constructor keeps their order and defaults); these are types only."""

    api_key: str
    work_dir: Path | None
    rate_limit_times: int
    rate_limit_retry_after: str
    server_error_times: int
    delay_s: float


@dataclass
class LoopbackFake(_Knobs):
    """A fake provider server. ``async with Fake() as fake`` or ``await start()/close()``."""

    #: ``Authorization: <auth_scheme> <api_key>`` is what every API call must carry
    auth_scheme: ClassVar[str] = "Bearer"
    #: the answer header carrying a random request id
    request_id_header: ClassVar[str] = "X-Request-Id"
    #: the temporary work dir's prefix (when no ``work_dir`` is given)
    tmp_prefix: ClassVar[str] = "fake-"
    #: the text of the 400 a result download with an ``Authorization`` header gets
    result_auth_refusal: ClassVar[str] = "InvalidArgument: only one auth mechanism"
    #: the waits before each retry of an unanswered callback, and the answer timeout
    callback_retry_delays: ClassVar[tuple[float, ...]] = (1.0, 1.0, 1.0)
    callback_timeout_s: ClassVar[float] = 5.0

    _: KW_ONLY
    #: a task with a callback URL finishes this long after creation (None: never by itself)
    run_s: float | None = 0.0
    callback_retry_scale: float = 0.0
    callbacks: list[CallbackDelivery] = field(default_factory=list)
    _background: set[asyncio.Task[Any]] = field(default_factory=set)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    requests: list[RecordedRequest] = field(default_factory=list)
    downloads: list[Download] = field(default_factory=list)
    result_video: Path | None = None
    _runner: web.AppRunner | None = None
    _client: aiohttp.ClientSession | None = None
    _tmp: tempfile.TemporaryDirectory[str] | None = None

    # -- hooks ---------------------------------------------------------------------------

    def _routes(self, app: web.Application) -> None:
        """Add the fake's routes."""
        raise NotImplementedError

    def _serving_at(self, origin: str) -> None:
        """Note ``http://127.0.0.1:<port>`` once listening."""
        raise NotImplementedError

    def _error(self, exc: Any, headers: dict[str, str] | None = None) -> web.Response:
        """Answer a :class:`FakeRejection` in the provider's error shape."""
        raise NotImplementedError

    def _unauthorized(self) -> FakeRejection:
        raise NotImplementedError

    def _rate_limited(self) -> FakeRejection:
        raise NotImplementedError

    def _server_failure(self) -> FakeRejection:
        raise NotImplementedError

    def _result_ready(self, request: web.Request) -> bool:
        """Whether the result named by the download ``request`` may be served."""
        raise NotImplementedError

    async def finish(self, task_id: str) -> None:
        """End the task now, as the service would by itself, and send its callbacks."""
        raise NotImplementedError

    def _callback_headers(self, task_id: str, data: bytes) -> dict[str, str]:
        """Extra headers of ``task_id``'s callback whose body is ``data`` (a signature,
        where the service signs)."""
        return {}

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Make the result MP4, then listen on a free loopback port."""
        if self.work_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix=self.tmp_prefix)
            self.work_dir = Path(self._tmp.name)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        if self.result_video is None:
            self.result_video = self.work_dir / "result.mp4"
            await asyncio.to_thread(make_sample_mp4, self.result_video)
        app = web.Application(client_max_size=4 * 1024 * 1024)
        self._routes(app)
        self._runner, origin = await serve_loopback(app)
        self._serving_at(origin)
        self._client = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))

    async def close(self) -> None:
        """Stop listening and clean up."""
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._tmp is not None:
            self._tmp.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Return once ``predicate()`` holds; it is checked after every request the fake
        answers and every callback it sends. Raises ``TimeoutError`` after ``timeout``."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(predicate)

    async def _note_change(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- callbacks -----------------------------------------------------------------------

    def callbacks_for(self, task_id: str) -> list[CallbackDelivery]:
        """The callback attempts made for ``task_id``."""
        return [c for c in self.callbacks if c.task_id == task_id]

    def _in_background(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _run_on_its_own(self, task_id: str) -> None:
        """Finish ``task_id`` after ``run_s`` (a task created with a callback URL)."""
        if self.run_s is None:
            return
        delay = self.run_s

        async def run() -> None:
            await asyncio.sleep(delay)
            await self.finish(task_id)

        self._in_background(run())

    async def _post_callback(self, task_id: str, url: str, body: Any) -> bool:
        """POST ``body`` (about ``task_id``) as JSON to ``url``, retrying as the service
        does; whether a 2xx answer came back."""
        assert self._client is not None
        data = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", **self._callback_headers(task_id, data)}
        timeout = aiohttp.ClientTimeout(total=self.callback_timeout_s)
        for attempt, delay in enumerate((0.0, *self.callback_retry_delays)):
            if attempt:
                await asyncio.sleep(delay * self.callback_retry_scale)
            status: int | None
            sent_at = time.monotonic()
            try:
                async with self._client.post(
                    url, data=data, headers=headers, timeout=timeout
                ) as response:
                    status = response.status
            except (aiohttp.ClientError, TimeoutError):
                status = None
            self.callbacks.append(
                CallbackDelivery(task_id, url, body, headers, status, attempt, sent_at)
            )
            await self._note_change()
            if status is not None and 200 <= status < 300:
                return True
        return False

    # -- plumbing ------------------------------------------------------------------------

    @staticmethod
    async def _json_body(request: web.Request) -> Any:
        """The request's JSON body, or None when it isn't JSON."""
        try:
            return await request.json()
        except ValueError:
            return None

    async def _api(self, request: web.Request, body: Any, handler: Handler) -> web.Response:
        """Record the call, then answer the scripted failures or run ``handler``."""
        record = RecordedRequest(request.method, request.path, dict(request.headers), body)
        self.requests.append(record)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        response: web.Response
        try:
            if request.headers.get("Authorization") != f"{self.auth_scheme} {self.api_key}":
                raise self._unauthorized()
            if self.rate_limit_times > 0:
                self.rate_limit_times -= 1
                response = self._error(
                    self._rate_limited(), headers={"Retry-After": self.rate_limit_retry_after}
                )
            elif self.server_error_times > 0:
                self.server_error_times -= 1
                response = self._error(self._server_failure())
            else:
                response = await handler(request, body)
        except FakeRejection as exc:
            response = self._error(exc)
        response.headers[self.request_id_header] = secrets.token_hex(8)
        record.status = response.status
        await self._note_change()
        return response

    async def _fetch_media(
        self,
        kind: str,
        url: str,
        *,
        failed: Callable[[int | None], FakeRejection],
        wrong: Callable[[], FakeRejection],
    ) -> None:
        """Download a reference (recorded in ``downloads``); raise ``failed(status)`` when it
        answers other than 200 (``failed(None)`` when unreachable), ``wrong()`` when it isn't
        the media ``kind`` (``image_url``/``video_url``/``audio_url``) claims."""
        assert self._client is not None
        try:
            async with self._client.get(url) as response:
                data = await response.read()
                kept = data if kind == "image_url" else b""
                self.downloads.append(Download(url, response.status, len(data), data=kept))
                if response.status != 200:
                    raise failed(response.status)
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.downloads.append(Download(url, None, 0, type(exc).__name__))
            raise failed(None) from None
        if not _looks_like(kind, data):
            raise wrong()

    async def _result(self, request: web.Request) -> web.StreamResponse:
        """Serve the result MP4 (recorded); refuse credentials, unready results, no ``sig``."""
        record = RecordedRequest(request.method, request.path, dict(request.headers))
        self.requests.append(record)
        if "Authorization" in request.headers:
            # Pre-signed object URLs refuse a second auth mechanism (and must never see
            # the API key).
            record.status = 400
            return web.Response(status=400, text=self.result_auth_refusal)
        if not self._result_ready(request) or not request.query.get("sig"):
            record.status = 403
            return web.Response(status=403, text="AccessDenied")
        assert self.result_video is not None
        record.status = 200
        return web.FileResponse(self.result_video, headers={"Content-Type": "video/mp4"})


async def serve_loopback(app: web.Application) -> tuple[web.AppRunner, str]:
    """Serve ``app`` on a free loopback port; return its runner and ``http://127.0.0.1:<port>``."""
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner_port(runner)}"


def runner_port(runner: web.AppRunner) -> int:
    """The TCP port a started runner listens on."""
    return int(runner.addresses[0][1])


def _looks_like(kind: str, data: bytes) -> bool:
    """Magic-number check that a downloaded reference is the media its type claims."""
    if kind == "image_url":
        return data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")) or (
            data[:4] == b"RIFF" and data[8:12] == b"WEBP"
        )
    if kind == "video_url":
        return data[4:8] == b"ftyp" or data[4:8] in (b"moov", b"mdat", b"wide")
    return (
        data.startswith((b"ID3", b"fLaC", b"OggS"))
        or data[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")
        or (data[:4] == b"RIFF" and data[8:12] == b"WAVE")
    )


def make_sample_mp4(
    path: Path, *, seconds: float = 1.0, size: tuple[int, int] = (320, 240)
) -> None:
    """Encode a small real H.264 MP4 (a moving gradient) at ``path``."""
    width, height = size
    fps = 24
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width = width
        stream.height = height
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, fps)
        x = np.linspace(0, 255, width, dtype=np.float32)
        for i in range(int(seconds * fps)):
            row = ((x + i * 10) % 256).astype(np.uint8)
            rgb = np.stack([np.tile(row, (height, 1))] * 3, axis=-1)
            rgb[..., 1] = 128
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


@dataclass
class StaticFileServer:
    """Serves ``root`` at ``base_url`` on loopback (stands in for an asset host's endpoint).

    Records each request's path and headers in ``requests`` (to check no credential
    reaches the asset host).
    """

    root: Path
    requests: list[RecordedRequest] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    base_url: str = ""

    async def start(self) -> None:
        """Listen on a free loopback port."""

        @web.middleware
        async def record(request: web.Request, handler: Any) -> web.StreamResponse:
            self.requests.append(
                RecordedRequest(request.method, request.path, dict(request.headers))
            )
            response: web.StreamResponse = await handler(request)
            return response

        app = web.Application(middlewares=[record])
        app.router.add_static("/files", self.root)
        self._runner, origin = await serve_loopback(app)
        self.base_url = f"{origin}/files"

    async def close(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
