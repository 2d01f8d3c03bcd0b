"""A loopback fake of an EvoLink-style ``/v1/videos/generations`` API (seeds 001, 004).

It follows PROVIDERS.md "EvoLink-style aggregators" and checks every request strictly:
the Bearer key, a known model id, no unknown body fields, mode-specific URL arrays
(text-to-video: none; image-to-video: 1–2 images only; reference-to-video: ≤ 9 images,
≤ 3 videos, ≤ 3 audio, ≤ 12 files, no audio-only), ``quality`` 480p/720p, ``duration``
an int 4–15, a known ``aspect_ratio``. It **downloads every URL** it gets and refuses the
task when one can't be fetched or isn't the media its array claims. Finished tasks serve a
real small H.264 MP4 at a pre-signed-style URL that refuses an ``Authorization`` header.

Scripting (set before the call it affects):

- ``next_create_error = (status, code, message)``: the next create answers that error.
- ``fail_task_with = (code, message)``: tasks end ``failed`` with that error.
- ``polls_before_done = n``: ``pending`` on poll 1, ``processing`` until poll n, done on
  poll n + 1; ``progress`` climbs evenly, ``task_info.estimated_time`` counts down from
  ``estimated_time``.
- ``rate_limit_times = n``: the next n API calls answer 429 with ``Retry-After``
  (``rate_limit_retry_after``).
- ``server_error_times = n``: the next n API calls answer ``server_error_status`` with
  ``server_error_code``.
- ``delay_s``: every API answer waits this long.
"""

from __future__ import annotations

import asyncio
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.ark import Download, RecordedRequest, _looks_like, make_sample_mp4, runner_port

GENERATIONS = "/v1/videos/generations"
TASKS = "/v1/tasks"
MODES = ("text-to-video", "image-to-video", "reference-to-video")
KNOWN_MODELS: dict[str, str] = {
    **{f"seedance-2.0-{mode}": mode for mode in MODES},
    **{f"seedance-2.0-fast-{mode}": mode for mode in MODES},
}
RATIOS = frozenset({"16:9", "4:3", "1:1", "3:4", "9:16", "21:9", "adaptive"})
QUALITIES = frozenset({"480p", "720p"})
BODY_FIELDS = frozenset(
    {
        "model",
        "prompt",
        "image_urls",
        "video_urls",
        "audio_urls",
        "duration",
        "quality",
        "aspect_ratio",
        "generate_audio",
        "callback_url",
    }
)
MAX_FILES = 12
MAX_PER_KIND = {"image_urls": 9, "video_urls": 3, "audio_urls": 3}
_KIND = {"image_urls": "image_url", "video_urls": "video_url", "audio_urls": "audio_url"}


class Rejected(Exception):
    """Raised inside the fake to answer an EvoLink-style error."""

    def __init__(self, status: int, code: str, message: str, param: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.param = param


@dataclass
class EvolinkTask:
    """A task's server-side record."""

    id: str
    body: dict[str, Any]
    created: int
    polls: int = 0
    fail_with: tuple[str, str] | None = None
    polls_before_done: int = 0
    estimated_time: int = 120

    @property
    def status(self) -> str:
        if self.polls > self.polls_before_done:
            return "failed" if self.fail_with else "completed"
        return "pending" if self.polls <= 1 else "processing"

    @property
    def progress(self) -> int:
        if self.status == "completed":
            return 100
        if self.status == "pending" or self.polls_before_done <= 0:
            return 0
        return int(100 * (self.polls - 1) / self.polls_before_done)

    @property
    def eta(self) -> int:
        if self.status in ("completed", "failed"):
            return 0
        done = self.polls / max(1, self.polls_before_done + 1)
        return int(self.estimated_time * (1 - done))


@dataclass
class FakeEvolink:
    """The fake server. ``async with FakeEvolink() as evo``."""

    api_key: str = "evo-test-key-0123456789abcdef"
    models: dict[str, str] = field(default_factory=lambda: dict(KNOWN_MODELS))
    work_dir: Path | None = None
    next_create_error: tuple[int, str, str] | None = None
    fail_task_with: tuple[str, str] | None = None
    polls_before_done: int = 0
    estimated_time: int = 120
    rate_limit_times: int = 0
    rate_limit_retry_after: str = "0"
    server_error_times: int = 0
    server_error_status: int = 503
    server_error_code: str = "service_unavailable"
    delay_s: float = 0.0
    requests: list[RecordedRequest] = field(default_factory=list)
    downloads: list[Download] = field(default_factory=list)
    tasks: dict[str, EvolinkTask] = field(default_factory=dict)
    result_video: Path | None = None
    _runner: web.AppRunner | None = None
    _client: aiohttp.ClientSession | None = None
    _tmp: tempfile.TemporaryDirectory[str] | None = None
    base_url: str = ""

    def creates(self) -> list[RecordedRequest]:
        """Recorded create requests (including refused ones)."""
        return [r for r in self.requests if r.method == "POST" and r.path == GENERATIONS]

    async def start(self) -> None:
        """Make the result MP4, then listen on a free loopback port."""
        if self.work_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="fake-evolink-")
            self.work_dir = Path(self._tmp.name)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        if self.result_video is None:
            self.result_video = self.work_dir / "result.mp4"
            await asyncio.to_thread(make_sample_mp4, self.result_video)
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post(GENERATIONS, self._create)
        app.router.add_get(TASKS + "/{task_id}", self._get)
        app.router.add_get("/results/{task_id}.mp4", self._result)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.base_url = f"http://127.0.0.1:{runner_port(self._runner)}"
        self._client = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))

    async def close(self) -> None:
        """Stop listening and clean up."""
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._tmp is not None:
            self._tmp.cleanup()

    async def __aenter__(self) -> FakeEvolink:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- plumbing ------------------------------------------------------------------------

    def _error(self, exc: Rejected, headers: dict[str, str] | None = None) -> web.Response:
        kind = {400: "invalid_request_error", 401: "authentication_error", 429: "rate_limit"}
        body = {
            "error": {
                "code": exc.code,
                "message": exc.message,
                "type": kind.get(exc.status, "api_error"),
                "param": exc.param or None,
            }
        }
        return web.json_response(body, status=exc.status, headers=headers)

    async def _api(self, request: web.Request, body: Any, handler: Any) -> web.Response:
        record = RecordedRequest(request.method, request.path, dict(request.headers), body)
        self.requests.append(record)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        response: web.Response
        try:
            if request.headers.get("Authorization") != f"Bearer {self.api_key}":
                raise Rejected(401, "unauthorized", "Invalid or missing API key.")
            if self.rate_limit_times > 0:
                self.rate_limit_times -= 1
                response = self._error(
                    Rejected(429, "rate_limit_exceeded", "Too many requests."),
                    headers={"Retry-After": self.rate_limit_retry_after},
                )
            elif self.server_error_times > 0:
                self.server_error_times -= 1
                response = self._error(
                    Rejected(self.server_error_status, self.server_error_code, "Try later.")
                )
            else:
                response = await handler(request, body)
        except Rejected as exc:
            response = self._error(exc)
        response.headers["X-Request-Id"] = secrets.token_hex(8)
        record.status = response.status
        return response

    # -- routes --------------------------------------------------------------------------

    async def _create(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        return await self._api(request, body, self._create_task)

    async def _create_task(self, request: web.Request, body: Any) -> web.Response:
        if self.next_create_error is not None:
            status, code, message = self.next_create_error
            self.next_create_error = None
            raise Rejected(status, code, message)
        await self._validate(body)
        task_id = f"task-unified-{int(time.time())}-{secrets.token_hex(4)}"
        task = EvolinkTask(
            id=task_id,
            body=body,
            created=int(time.time()),
            fail_with=self.fail_task_with,
            polls_before_done=self.polls_before_done,
            estimated_time=self.estimated_time,
        )
        self.tasks[task_id] = task
        return web.json_response(
            {
                "created": task.created,
                "id": task_id,
                "model": body["model"],
                "object": "video.generation.task",
                "progress": 0,
                "status": "pending",
                "task_info": {"can_cancel": False, "estimated_time": task.estimated_time},
                "type": "video",
                "usage": {"billing_rule": "per_second", "credits_reserved": 50},
            }
        )

    async def _validate(self, body: Any) -> None:
        bad = "invalid_parameters"
        if not isinstance(body, dict):
            raise Rejected(400, bad, "The request body must be a JSON object.")
        unknown = set(body) - BODY_FIELDS
        if unknown:
            raise Rejected(400, bad, f"Unknown parameter(s): {sorted(unknown)}.")
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise Rejected(400, bad, "model is required.", "model")
        mode = self.models.get(model)
        if mode is None:
            raise Rejected(404, "model_not_found", f"Model {model} does not exist.", "model")
        prompt = body.get("prompt")
        if prompt is not None and not isinstance(prompt, str):
            raise Rejected(400, bad, "prompt must be a string.", "prompt")
        urls: dict[str, list[str]] = {}
        for key in MAX_PER_KIND:
            value = body.get(key, [])
            if not isinstance(value, list) or not all(
                isinstance(u, str) and u.startswith(("http://", "https://")) for u in value
            ):
                raise Rejected(400, bad, f"{key} must be a list of http(s) URLs.", key)
            urls[key] = value
        images, videos, audios = urls["image_urls"], urls["video_urls"], urls["audio_urls"]
        total = len(images) + len(videos) + len(audios)
        if mode == "text-to-video":
            if total:
                raise Rejected(400, bad, "text-to-video takes no image, video or audio URLs.")
            if not (prompt or "").strip():
                raise Rejected(400, bad, "prompt is required for text-to-video.", "prompt")
        elif mode == "image-to-video":
            if videos or audios:
                raise Rejected(400, bad, "image-to-video takes only image_urls.")
            if not 1 <= len(images) <= 2:
                raise Rejected(400, bad, "image-to-video needs 1 or 2 image_urls.", "image_urls")
        else:
            if total > MAX_FILES:
                raise Rejected(400, bad, f"At most {MAX_FILES} files in all ({total} given).")
            for key, most in MAX_PER_KIND.items():
                if len(urls[key]) > most:
                    raise Rejected(400, bad, f"At most {most} {key}.", key)
            if audios and not (images or videos):
                raise Rejected(
                    400, bad, "Audio cannot be the only reference: add an image or a video."
                )
            if total == 0 and not (prompt or "").strip():
                raise Rejected(400, bad, "Give a prompt or at least one reference.")
        quality = body.get("quality", "720p")
        if quality not in QUALITIES:
            raise Rejected(400, bad, f"quality {quality!r} is not supported.", "quality")
        ratio = body.get("aspect_ratio", "16:9")
        if ratio not in RATIOS:
            raise Rejected(400, bad, f"aspect_ratio {ratio!r} is not supported.", "aspect_ratio")
        duration = body.get("duration", 5)
        if type(duration) is not int or not 4 <= duration <= 15:
            raise Rejected(400, bad, f"duration {duration!r} must be 4–15.", "duration")
        if "generate_audio" in body and not isinstance(body["generate_audio"], bool):
            raise Rejected(400, bad, "generate_audio must be a boolean.", "generate_audio")
        for key, values in urls.items():
            for url in values:
                await self._fetch_reference(_KIND[key], url)

    async def _fetch_reference(self, kind: str, url: str) -> None:
        assert self._client is not None
        try:
            async with self._client.get(url) as response:
                data = await response.read()
                self.downloads.append(Download(url, response.status, len(data)))
                if response.status != 200:
                    raise Rejected(
                        400,
                        "invalid_parameters",
                        f"Failed to download {kind} {url}: HTTP {response.status}.",
                    )
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.downloads.append(Download(url, None, 0, type(exc).__name__))
            raise Rejected(400, "invalid_parameters", f"Failed to download {kind} {url}.") from None
        if not _looks_like(kind, data):
            code = "image_processing_error" if kind == "image_url" else "invalid_parameters"
            raise Rejected(400, code, f"The file at {url} is not a supported {kind}.")

    async def _get(self, request: web.Request) -> web.Response:
        return await self._api(request, None, self._get_task)

    async def _get_task(self, request: web.Request, body: Any) -> web.Response:
        task = self.tasks.get(request.match_info["task_id"])
        if task is None:
            raise Rejected(404, "task_not_found", "The task does not exist.")
        task.polls += 1
        status = task.status
        data: dict[str, Any] = {
            "created": task.created,
            "id": task.id,
            "model": task.body.get("model"),
            "object": "video.generation.task",
            "progress": task.progress,
            "status": status,
            "task_info": {"can_cancel": False, "estimated_time": task.eta},
            "type": "video",
        }
        if status == "completed":
            sig = secrets.token_hex(8)
            data["results"] = [f"{self.base_url}/results/{task.id}.mp4?sig={sig}"]
        if status == "failed" and task.fail_with:
            data["error"] = {"code": task.fail_with[0], "message": task.fail_with[1]}
        return web.json_response(data)

    async def _result(self, request: web.Request) -> web.StreamResponse:
        record = RecordedRequest(request.method, request.path, dict(request.headers))
        self.requests.append(record)
        if "Authorization" in request.headers:
            record.status = 400
            return web.Response(status=400, text="InvalidArgument: only one auth mechanism")
        task = self.tasks.get(request.match_info["task_id"])
        if task is None or task.status != "completed" or not request.query.get("sig"):
            record.status = 403
            return web.Response(status=403, text="AccessDenied")
        assert self.result_video is not None
        record.status = 200
        return web.FileResponse(self.result_video, headers={"Content-Type": "video/mp4"})
