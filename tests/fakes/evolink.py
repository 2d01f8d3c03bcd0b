"""A loopback fake of an EvoLink-style ``/v1/videos/generations`` API (seeds 001, 004).

It follows EvoLink's published API (docs.evolink.ai: "Seedance 2.0 Complete Parameter
Guide" for ``POST /v1/videos/generations`` and its model ids, "Query Task Status" for ``GET
/v1/tasks/{id}``, "Error Codes Reference" for task errors; seed 001's body shape) and
checks every request strictly: the Bearer key, a known model id, no unknown body fields,
mode-specific URL arrays (text-to-video: none; image-to-video: 1–2 images only;
reference-to-video: ≤ 9 images, ≤ 3 videos, ≤ 3 audio, ≤ 12 files, no audio-only),
``quality`` 480p/720p, ``duration`` an int 4–15, a known ``aspect_ratio``. It **downloads
every URL** it gets and refuses the task when one can't be fetched or isn't the media its
array claims. Finished tasks serve a real small H.264 MP4 at a pre-signed-style URL that
refuses an ``Authorization`` header.

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
- ``cancel_task = True``: tasks end ``cancelled`` (with ``request_cancelled`` unless
  ``fail_task_with`` names another code).
- ``results_as = "objects"``: a completed task lists its result as ``{"url": …}`` (read
  defensively by the client; EvoLink documents ``results`` as a list of URL strings).

Task errors use EvoLink's documented codes (docs.evolink.ai "Error Codes Reference");
HTTP errors are ``{"error": {"code", "message", "type", "param"}}`` with a string
``code``; ``numeric_error_codes = True`` answers the shape of EvoLink's "Error Codes"
page instead: the HTTP status as ``code`` and the string in ``type``.

Callbacks (EvoLink's webhook notes: ``callback_url`` HTTPS only, ≤ 2048 characters): a
task created with a ``callback_url`` finishes on its own ``run_s`` after creation (or when
a test calls :meth:`FakeEvolink.finish`) and gets one POST of the task — the same body as
``GET /v1/tasks/{id}`` — once ``completed`` or ``failed``; a non-2xx answer (or none
within 10 s) is retried 3 times, after 1, 2 and 4 s. An ``http://`` callback URL is
refused like EvoLink does, unless ``allow_http_callbacks`` (loopback tests have no TLS;
EvoLink's private-address rule is not enforced for the same reason).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from aiohttp import web

from tests.fakes._base import CodedRejection, LoopbackFake, RecordedRequest

GENERATIONS = "/v1/videos/generations"
TASKS = "/v1/tasks"
MODES = ("text-to-video", "image-to-video", "reference-to-video")
#: the model ids of EvoLink's Seedance 2.0 page (docs.evolink.ai, "Seedance 2.0 Complete
#: Parameter Guide"): standard, fast and mini, one per entry mode
KNOWN_MODELS: dict[str, str] = {
    **{f"seedance-2.0-{mode}": mode for mode in MODES},
    **{f"seedance-2.0-fast-{mode}": mode for mode in MODES},
    **{f"seedance-2.0-mini-{mode}": mode for mode in MODES},
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


class Rejected(CodedRejection):
    """Raised inside the fake to answer an EvoLink-style error."""


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
    callback_url: str | None = None
    finished: bool = False  # ended on its own

    cancelled: bool = False

    @property
    def status(self) -> str:
        if self.finished or self.polls > self.polls_before_done:
            if self.cancelled:
                return "cancelled"
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
class FakeEvolink(LoopbackFake):
    """The fake server. ``async with FakeEvolink() as evo``."""

    tmp_prefix = "fake-evolink-"
    callback_retry_delays: ClassVar[tuple[float, ...]] = (1.0, 2.0, 4.0)
    callback_timeout_s: ClassVar[float] = 10.0

    api_key: str = "evo-test-key-0123456789abcdef"
    models: dict[str, str] = field(default_factory=lambda: dict(KNOWN_MODELS))
    work_dir: Path | None = None
    next_create_error: tuple[int, str, str] | None = None
    fail_task_with: tuple[str, str] | None = None
    cancel_task: bool = False
    results_as: str = "strings"
    numeric_error_codes: bool = False
    polls_before_done: int = 0
    estimated_time: int = 120
    poll_estimates: bool = True  # False: polls carry no task_info.estimated_time
    rate_limit_times: int = 0
    rate_limit_retry_after: str = "0"
    server_error_times: int = 0
    server_error_status: int = 503
    server_error_code: str = "service_unavailable"
    delay_s: float = 0.0
    allow_http_callbacks: bool = False
    tasks: dict[str, EvolinkTask] = field(default_factory=dict)
    base_url: str = ""

    def creates(self) -> list[RecordedRequest]:
        """Recorded create requests (including refused ones)."""
        return [r for r in self.requests if r.method == "POST" and r.path == GENERATIONS]

    def polls(self, task_id: str | None = None) -> list[RecordedRequest]:
        """Recorded status reads (``GET /v1/tasks/{id}``), of ``task_id`` or of any task."""
        prefix = f"{TASKS}/{task_id}" if task_id else f"{TASKS}/"
        return [r for r in self.requests if r.method == "GET" and r.path.startswith(prefix)]

    async def finish(self, task_id: str) -> None:
        """The task ends now (failed if ``fail_task_with`` was set), with its callback."""
        task = self.tasks[task_id]
        if task.finished:
            return
        task.finished = True
        if task.callback_url:
            await self._post_callback(task.id, task.callback_url, self._task_json(task))

    # -- plumbing ------------------------------------------------------------------------

    def _routes(self, app: web.Application) -> None:
        app.router.add_post(GENERATIONS, self._create)
        app.router.add_get(TASKS + "/{task_id}", self._get)
        app.router.add_get("/results/{task_id}.mp4", self._result)

    def _serving_at(self, origin: str) -> None:
        self.base_url = origin

    def _error(self, exc: Rejected, headers: dict[str, str] | None = None) -> web.Response:
        kind = {400: "invalid_request_error", 401: "authentication_error", 429: "rate_limit"}
        body = {
            "error": {
                "code": exc.status if self.numeric_error_codes else exc.code,
                "message": exc.message,
                "type": exc.code if self.numeric_error_codes else kind.get(exc.status, "api_error"),
                "param": exc.param or None,
            }
        }
        return web.json_response(body, status=exc.status, headers=headers)

    def _unauthorized(self) -> Rejected:
        return Rejected(401, "unauthorized", "Invalid or missing API key.")

    def _rate_limited(self) -> Rejected:
        return Rejected(429, "rate_limit_exceeded", "Too many requests.")

    def _server_failure(self) -> Rejected:
        return Rejected(self.server_error_status, self.server_error_code, "Try later.")

    # -- routes --------------------------------------------------------------------------

    async def _create(self, request: web.Request) -> web.Response:
        return await self._api(request, await self._json_body(request), self._create_task)

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
            cancelled=self.cancel_task,
            polls_before_done=self.polls_before_done,
            estimated_time=self.estimated_time,
        )
        self.tasks[task_id] = task
        if isinstance(body.get("callback_url"), str):
            task.callback_url = body["callback_url"]
            self._run_on_its_own(task_id)
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
        if "callback_url" in body:
            self._check_callback_url(body["callback_url"])
        for key, values in urls.items():
            for url in values:
                await self._fetch_reference(_KIND[key], url)

    def _check_callback_url(self, url: Any) -> None:
        schemes = ("https://", "http://") if self.allow_http_callbacks else ("https://",)
        if not isinstance(url, str) or not url.startswith(schemes) or len(url) > 2048:
            raise Rejected(
                400,
                "invalid_parameters",
                "callback_url must be an HTTPS URL of at most 2048 characters.",
                "callback_url",
            )

    async def _fetch_reference(self, kind: str, url: str) -> None:
        def failed(status: int | None) -> Rejected:
            detail = "." if status is None else f": HTTP {status}."
            return Rejected(400, "invalid_parameters", f"Failed to download {kind} {url}{detail}")

        def wrong() -> Rejected:
            code = "image_processing_error" if kind == "image_url" else "invalid_parameters"
            return Rejected(400, code, f"The file at {url} is not a supported {kind}.")

        await self._fetch_media(kind, url, failed=failed, wrong=wrong)

    async def _get(self, request: web.Request) -> web.Response:
        return await self._api(request, None, self._get_task)

    async def _get_task(self, request: web.Request, body: Any) -> web.Response:
        task = self.tasks.get(request.match_info["task_id"])
        if task is None:
            raise Rejected(404, "task_not_found", "The task does not exist.")
        task.polls += 1
        return web.json_response(self._task_json(task))

    def _task_json(self, task: EvolinkTask) -> dict[str, Any]:
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
        if not self.poll_estimates:
            del data["task_info"]["estimated_time"]
        if status == "completed":
            sig = secrets.token_hex(8)
            url = f"{self.base_url}/results/{task.id}.mp4?sig={sig}"
            data["results"] = [{"url": url}] if self.results_as == "objects" else [url]
        if status == "failed" and task.fail_with:
            data["error"] = {"code": task.fail_with[0], "message": task.fail_with[1]}
        if status == "cancelled":
            code, message = task.fail_with or ("request_cancelled", "Request was cancelled")
            data["error"] = {"code": code, "message": message}
        return data

    def _result_ready(self, request: web.Request) -> bool:
        task = self.tasks.get(request.match_info["task_id"])
        return task is not None and task.status == "completed"
