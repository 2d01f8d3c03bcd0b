"""A loopback fake of the BytePlus ModelArk content-generation tasks API.

It follows the BytePlus ModelArk / Volcengine Ark tasks API as the official SDK types it
(``volcengine-python-sdk``, ``volcenginesdkarkruntime/resources/content_generation/
tasks.py`` ``Tasks.create`` / ``list`` / ``delete`` and ``types/content_generation/*``;
/work/shared/PROVIDERS.md "BytePlus ModelArk / Volcengine Ark") and checks every request
strictly: the Bearer key, a known model, content item types and roles, no mixing of
first/last-frame and reference roles, no audio-only request, ≤ 12 media items (≤ 9 images,
≤ 3 videos, ≤ 3 audio), resolution 480p/720p (1080p on the standard model), duration 4–15
(or -1), a known ratio, no body field ``Tasks.create`` does not send. It accepts what Ark
accepts: every optional create field of the SDK — ``callback_url``, ``return_last_frame``,
``service_tier`` (``default``/``flex``), ``execution_expires_after`` (3,600–259,200 s),
``safety_identifier``, ``priority``, ``camera_fixed``, ``draft``, ``frames``, ``tools``,
``watermark``, ``seed`` — with its type, or ``null`` (the SDK sends ``None`` for every
field not given), and a single image without a ``role`` (taken as the first frame). A task
reports the seed it was created with (a random one for ``-1``). ``GET …/tasks`` lists tasks
newest first with the SDK's filters (``filter.model``, ``filter.status``,
``filter.task_ids``, ``filter.service_tier``) and ``page_num`` / ``page_size``. It
**downloads every reference URL** and refuses the task when one can't be fetched or isn't
the media its type claims, so asset hosting is tested for real. Finished tasks serve a real
small H.264 MP4 at a pre-signed-style URL that refuses an ``Authorization`` header (as
object stores do), so a client that leaks its API key there fails.

Last frames: a task created with ``return_last_frame: true`` answers, once succeeded,
``content.last_frame_url`` beside ``video_url`` (BytePlus ModelArk "Video Generation API",
docs.byteplus.com/docs/ModelArk/1520757: ``return_last_frame``, a boolean, default
``false``, returns the generated video's last frame as an image of the video's size; the
official SDK's ``ContentGenerationTask.content.last_frame_url``). Its URL serves a real
PNG: the last frame of the very MP4 the task's ``video_url`` serves, decoded here with PyAV
and written by Pillow (not by the code under test), under the same rules as the video (no
``Authorization``, ``sig`` required, expired with the result). A task created without it
has no ``last_frame_url`` and its frame URL answers 404. The field must be a boolean or
``null``, like every optional field.

Scripting (all one-shot or counted, set before the call they affect):

- ``next_create_error = (status, code, message)``: the next create answers that error.
- ``fail_task_with = (code, message)``: tasks end ``failed`` with that error.
- ``expire_task = True``: tasks end ``expired``.
- ``polls_before_done = n``: a task is ``queued`` on poll 1, ``running`` until poll n,
  done on poll n + 1 (0: done on the first poll).
- ``rate_limit_times = n``: the next n API calls answer 429 with ``Retry-After``
  (``rate_limit_retry_after``, "0" by default).
- ``server_error_times = n``: the next n API calls answer ``server_error_status`` (500).
- ``delay_s``: every API answer waits this long (to test client timeouts).
- ``result_age_s``: finished tasks look this many seconds older than they are; a result
  older than ``result_ttl_s`` (24 h, as Ark keeps them) answers 403 "Request has expired",
  as a presigned object URL past its expiry does.
- ``create_reply_gate``: hold the create's answer *after* the task exists (to kill the
  client between the create reaching Ark and the reply reaching it).
- ``list_gate``: hold task-list reads (``GET …/tasks``), e.g. a reconcile, so a test can
  make something happen while one is in flight.

Callbacks (Ark's create-task API reference, ``callback_url``): a task created with a
``callback_url`` gets a POST of the task — the same body as ``GET …/tasks/{id}`` — on each
status change: ``queued`` at once, then ``running`` and ``succeeded`` or ``failed`` when
it finishes on its own (``run_s`` after creation; ``None``: only when a test calls
:meth:`FakeArk.finish` or polls move it). An expired or cancelled task gets none (the
docs list only those four statuses). An answer other than 2xx within 5 s is retried three
times.
"""

from __future__ import annotations

import asyncio
import functools
import io
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
from aiohttp import web
from PIL import Image

from tests.fakes._base import (
    CallbackDelivery,
    CodedRejection,
    Download,
    LoopbackFake,
    RecordedRequest,
    StaticFileServer,
    _looks_like,
    make_sample_mp4,
    runner_port,
)
from tests.gates import Gate

__all__ = [
    "CallbackDelivery",
    "Download",
    "FakeArk",
    "FakeTask",
    "RecordedRequest",
    "RequestRejected",
    "StaticFileServer",
    "_looks_like",
    "make_sample_mp4",
    "runner_port",
]

API_PREFIX = "/api/v3"
TASKS = f"{API_PREFIX}/contents/generations/tasks"
#: the model ids each region's accounts know (BytePlus ModelArk: dreamina-…; Volcengine
#: Ark: doubao-…; /work/shared/PROVIDERS.md): ``FakeArk(models=VOLCENGINE_MODELS)`` refuses
#: a BytePlus id with 404 ``InvalidEndpointOrModel.NotFound``, as Volcengine does
BYTEPLUS_MODELS = frozenset({"dreamina-seedance-2-0-260128", "dreamina-seedance-2-0-fast-260128"})
VOLCENGINE_MODELS = frozenset({"doubao-seedance-2-0-260128", "doubao-seedance-2-0-fast-260128"})
KNOWN_MODELS = BYTEPLUS_MODELS | VOLCENGINE_MODELS
RATIOS = frozenset({"16:9", "4:3", "1:1", "3:4", "9:16", "21:9", "adaptive"})
#: 1080p on the standard model only (ModelArk's Seedance 2.0 model list: 480p/720p/1080p
#: for 2.0, 480p/720p for Fast)
RESOLUTIONS = frozenset({"480p", "720p", "1080p"})
FAST_RESOLUTIONS = frozenset({"480p", "720p"})
#: ``Tasks.create``'s body fields (SDK ``resources/content_generation/tasks.py``) and the
#: JSON type each optional one takes when not ``null``
OPTIONAL_FIELDS: dict[str, type | tuple[type, ...]] = {
    "safety_identifier": str,
    "callback_url": str,
    "return_last_frame": bool,
    "service_tier": str,
    "execution_expires_after": int,
    "priority": int,
    "generate_audio": bool,
    "draft": bool,
    "camera_fixed": bool,
    "watermark": bool,
    "seed": int,
    "resolution": str,
    "ratio": str,
    "duration": int,
    "frames": int,
    "tools": list,
}
BODY_FIELDS = frozenset({"model", "content", *OPTIONAL_FIELDS})
SERVICE_TIERS = frozenset({"default", "flex"})
EXECUTION_EXPIRES_S = (3_600, 259_200)
RESULT_TTL_S = 86_400.0
ROLES = {
    "image_url": frozenset({"first_frame", "last_frame", "reference_image"}),
    "video_url": frozenset({"reference_video"}),
    "audio_url": frozenset({"reference_audio"}),
}
MAX_MEDIA = 12
MAX_PER_TYPE = {"image_url": 9, "video_url": 3, "audio_url": 3}


class RequestRejected(CodedRejection):
    """Raised inside the fake to answer an Ark-style error."""


@dataclass
class FakeTask:
    """A task's server-side record."""

    id: str
    body: dict[str, Any]
    created_at: int
    polls: int = 0
    cancelled: bool = False
    fail_with: tuple[str, str] | None = None
    expire: bool = False
    polls_before_done: int = 0
    callback_url: str | None = None
    started: bool = False  # running on its own (a callback task)
    finished: bool = False  # ended on its own
    seed: int = 0
    finished_at: float | None = None  # time.time() when it was first seen ended

    @property
    def status(self) -> str:
        if self.cancelled:
            return "cancelled"
        if self.finished or self.polls > self.polls_before_done:
            if self.expire:
                return "expired"
            return "failed" if self.fail_with else "succeeded"
        if self.started:
            return "running"
        return "queued" if self.polls <= 1 else "running"


@dataclass
class FakeArk(LoopbackFake):
    """The fake server. ``async with FakeArk() as ark`` or ``await start()/close()``."""

    tmp_prefix = "fake-ark-"

    api_key: str = "ark-test-key-0123456789abcdef"
    models: frozenset[str] = KNOWN_MODELS
    work_dir: Path | None = None
    next_create_error: tuple[int, str, str] | None = None
    fail_task_with: tuple[str, str] | None = None
    expire_task: bool = False
    polls_before_done: int = 0
    rate_limit_times: int = 0
    rate_limit_retry_after: str = "0"
    server_error_times: int = 0
    server_error_status: int = 500
    delay_s: float = 0.0
    #: hold task creation (before the task exists), status polls, or result downloads
    create_gate: Gate | None = None
    poll_gate: Gate | None = None
    result_gate: Gate | None = None
    create_reply_gate: Gate | None = None
    list_gate: Gate | None = None
    result_age_s: float = 0.0
    result_ttl_s: float = RESULT_TTL_S
    tasks: dict[str, FakeTask] = field(default_factory=dict)
    _origin: str = ""

    @property
    def base_url(self) -> str:
        """What the client uses as its ``base_url`` (``http://127.0.0.1:<port>/api/v3``)."""
        return self._origin + API_PREFIX

    def creates(self) -> list[RecordedRequest]:
        """Recorded create-task requests (including refused ones)."""
        return [r for r in self.requests if r.method == "POST" and r.path == TASKS]

    def polls(self, task_id: str | None = None) -> list[RecordedRequest]:
        """Recorded status reads (``GET …/tasks/{id}``), of ``task_id`` or of any task."""
        prefix = f"{TASKS}/{task_id}" if task_id else f"{TASKS}/"
        return [r for r in self.requests if r.method == "GET" and r.path.startswith(prefix)]

    async def finish(self, task_id: str) -> None:
        """The task runs and ends now (as ``fail_task_with``/``expire_task`` said when it
        was created), with its callbacks."""
        task = self.tasks[task_id]
        if task.cancelled or task.finished:
            return
        task.started = True
        await self._notify(task)
        task.finished = True
        if task.status in ("succeeded", "failed"):
            await self._notify(task)

    async def _notify(self, task: FakeTask) -> None:
        if task.callback_url:
            await self._post_callback(task.id, task.callback_url, self._task_json(task))

    async def _on_create(self, task: FakeTask) -> None:
        await self._notify(task)  # queued
        if self.run_s is not None:
            await asyncio.sleep(self.run_s)
            await self.finish(task.id)

    # -- plumbing ------------------------------------------------------------------------

    def _routes(self, app: web.Application) -> None:
        app.router.add_post(TASKS, self._create)
        app.router.add_get(TASKS, self._list)
        app.router.add_get(TASKS + "/{task_id}", self._get)
        app.router.add_delete(TASKS + "/{task_id}", self._delete)
        app.router.add_get("/results/{task_id}.mp4", self._result)
        app.router.add_get("/results/{task_id}.png", self._last_frame)

    def _serving_at(self, origin: str) -> None:
        self._origin = origin

    def _error(self, exc: RequestRejected, headers: dict[str, str] | None = None) -> web.Response:
        body = {
            "error": {
                "code": exc.code,
                "message": exc.message,
                "param": exc.param,
                "type": "BadRequest" if exc.status == 400 else "Error",
            }
        }
        return web.json_response(body, status=exc.status, headers=headers)

    def _unauthorized(self) -> RequestRejected:
        return RequestRejected(
            401, "AuthenticationError", "The API key in the request is missing or invalid."
        )

    def _rate_limited(self) -> RequestRejected:
        return RequestRejected(429, "RateLimitExceeded.EndpointRPMExceeded", "Too many requests.")

    def _server_failure(self) -> RequestRejected:
        return RequestRejected(self.server_error_status, "InternalServiceError", "Service error.")

    # -- routes --------------------------------------------------------------------------

    async def _create(self, request: web.Request) -> web.Response:
        if self.create_gate is not None and not await self.create_gate.hold(request):
            return web.Response(status=499, text="client went away")
        return await self._api(request, await self._json_body(request), self._create_task)

    async def _create_task(self, request: web.Request, body: Any) -> web.Response:
        if self.next_create_error is not None:
            status, code, message = self.next_create_error
            self.next_create_error = None
            raise RequestRejected(status, code, message)
        if request.content_type != "application/json":
            raise RequestRejected(400, "InvalidParameter", "Content-Type must be JSON.")
        await self._validate(body)
        task_id = "cgt-" + time.strftime("%Y%m%d%H%M%S") + "-" + secrets.token_hex(3)
        seed = body.get("seed")
        task = self.tasks[task_id] = FakeTask(
            id=task_id,
            body=body,
            created_at=int(time.time()),
            fail_with=self.fail_task_with,
            expire=self.expire_task,
            polls_before_done=self.polls_before_done,
            callback_url=body.get("callback_url"),
            seed=seed if isinstance(seed, int) and seed >= 0 else secrets.randbelow(2**31),
        )
        if task.callback_url:
            self._in_background(self._on_create(task))
        if self.create_reply_gate is not None and not await self.create_reply_gate.hold(request):
            return web.Response(status=499, text="client went away")  # the task stays
        return web.json_response({"id": task_id})

    async def _validate(self, body: Any) -> None:
        bad = "InvalidParameter"
        if not isinstance(body, dict):
            raise RequestRejected(400, bad, "The request body must be a JSON object.")
        unknown = set(body) - BODY_FIELDS
        if unknown:
            raise RequestRejected(400, bad, f"Unknown parameter(s): {sorted(unknown)}.")
        model = body.get("model")
        if not isinstance(model, str):
            raise RequestRejected(400, "MissingParameter", "model is required.", "model")
        if model not in self.models:
            raise RequestRejected(
                404,
                "InvalidEndpointOrModel.NotFound",
                f"The model or endpoint {model} does not exist or you do not have access to it.",
            )
        content = body.get("content")
        if not isinstance(content, list) or not content:
            raise RequestRejected(400, "MissingParameter", "content is required.", "content")
        counts = {"text": 0, "image_url": 0, "video_url": 0, "audio_url": 0}
        unroled = 0  # media items without a role
        roles: list[str] = []
        urls: list[tuple[str, str]] = []
        for i, item in enumerate(content):
            if not isinstance(item, dict):
                raise RequestRejected(400, bad, f"content[{i}] must be an object.")
            kind = item.get("type")
            if kind not in counts:
                raise RequestRejected(400, bad, f"content[{i}].type {kind!r} is not supported.")
            counts[kind] += 1
            if kind == "text":
                if set(item) != {"type", "text"} or not isinstance(item["text"], str):
                    raise RequestRejected(400, bad, f"content[{i}] must be {{type, text}}.")
                if not item["text"].strip():
                    raise RequestRejected(400, bad, f"content[{i}].text is empty.")
                continue
            if set(item) - {"role"} != {"type", kind}:
                raise RequestRejected(400, bad, f"content[{i}] must be {{type, {kind}, role}}.")
            inner = item[kind]
            if not isinstance(inner, dict) or set(inner) != {"url"}:
                raise RequestRejected(400, bad, f"content[{i}].{kind} must be {{url}}.")
            url = inner["url"]
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                raise RequestRejected(400, bad, f"content[{i}].{kind}.url must be an http URL.")
            role = item.get("role")
            if role is None:
                unroled += 1
                role = "first_frame" if kind == "image_url" else None
            if role not in ROLES[kind]:
                raise RequestRejected(
                    400, bad, f"content[{i}].role {role!r} is not valid for {kind}.", "role"
                )
            roles.append(role)
            urls.append((kind, url))
        if counts["text"] > 1:
            raise RequestRejected(400, bad, "At most one text item.")
        media = len(urls)
        if unroled and media != 1:  # only a lone image may leave its role out
            raise RequestRejected(400, "MissingParameter", "content[].role is required.", "role")
        if media == 0 and counts["text"] == 0:
            raise RequestRejected(400, "MissingParameter", "content has no text or media.")
        if media > MAX_MEDIA:
            raise RequestRejected(400, bad, f"At most {MAX_MEDIA} media items ({media} given).")
        for kind, most in MAX_PER_TYPE.items():
            if counts[kind] > most:
                raise RequestRejected(400, bad, f"At most {most} {kind} items.")
        frames = [r for r in roles if r in ("first_frame", "last_frame")]
        if frames and len(frames) != len(roles):
            raise RequestRejected(
                400, bad, "first_frame/last_frame cannot be mixed with reference roles."
            )
        if frames.count("first_frame") > 1 or frames.count("last_frame") > 1:
            raise RequestRejected(400, bad, "Only one first_frame and one last_frame.")
        if "last_frame" in frames and "first_frame" not in frames:
            raise RequestRejected(400, bad, "last_frame needs a first_frame.")
        if counts["audio_url"] and not (counts["image_url"] or counts["video_url"]):
            raise RequestRejected(
                400, bad, "Audio cannot be the only reference: add an image or a video."
            )
        resolution = body.get("resolution") or "720p"
        if resolution not in (FAST_RESOLUTIONS if "-fast-" in model else RESOLUTIONS):
            raise RequestRejected(400, bad, f"resolution {resolution!r} is not supported.")
        ratio = body.get("ratio") or "16:9"
        if ratio not in RATIOS:
            raise RequestRejected(400, bad, f"ratio {ratio!r} is not supported.")
        duration = body.get("duration")
        duration = 5 if duration is None else duration
        if type(duration) is not int or not (4 <= duration <= 15 or duration == -1):
            raise RequestRejected(400, bad, f"duration {duration!r} must be 4–15 or -1.")
        for name, kind in OPTIONAL_FIELDS.items():
            value = body.get(name)
            if value is not None and (
                not isinstance(value, kind) or (kind is int and isinstance(value, bool))
            ):
                raise RequestRejected(400, bad, f"{name} has the wrong type.", name)
        callback = body.get("callback_url")
        if callback is not None and not callback.startswith(("http://", "https://")):
            raise RequestRejected(400, bad, "callback_url must be an http(s) URL.", "callback_url")
        tier = body.get("service_tier")
        if tier is not None and tier not in SERVICE_TIERS:
            raise RequestRejected(
                400, bad, f"service_tier {tier!r} is not supported.", "service_tier"
            )
        expires = body.get("execution_expires_after")
        low, high = EXECUTION_EXPIRES_S
        if expires is not None and not low <= expires <= high:
            raise RequestRejected(
                400,
                bad,
                f"execution_expires_after must be {low}–{high} s.",
                "execution_expires_after",
            )
        for kind, url in urls:
            await self._fetch_reference(kind, url)

    async def _fetch_reference(self, kind: str, url: str) -> None:
        def failed(status: int | None) -> RequestRejected:
            detail = "." if status is None else f": HTTP {status}."
            return RequestRejected(
                400, "InvalidParameter.DownloadFailed", f"Failed to download {kind} {url}{detail}"
            )

        def wrong() -> RequestRejected:
            return RequestRejected(
                400, "InvalidParameter", f"The file at {url} is not a supported {kind}."
            )

        await self._fetch_media(kind, url, failed=failed, wrong=wrong)

    async def _get(self, request: web.Request) -> web.Response:
        if self.poll_gate is not None and not await self.poll_gate.hold(request):
            return web.Response(status=499, text="client went away")
        return await self._api(request, None, self._get_task)

    async def _get_task(self, request: web.Request, body: Any) -> web.Response:
        task = self._task(request)
        task.polls += 1
        return web.json_response(self._task_json(task))

    async def _list(self, request: web.Request) -> web.Response:
        if self.list_gate is not None and not await self.list_gate.hold(request):
            return web.Response(status=499, text="client went away")

        async def handler(request: web.Request, body: Any) -> web.Response:
            query = request.query
            try:
                page_num = int(query.get("page_num", "1"))
                page_size = int(query.get("page_size", "10"))
            except ValueError:
                raise RequestRejected(400, "InvalidParameter", "page_num/page_size.") from None
            if not (page_num >= 1 and 1 <= page_size <= 500):
                raise RequestRejected(400, "InvalidParameter", "page_num/page_size out of range.")
            wanted_ids = set(query.getall("filter.task_ids", []))
            found = [
                t
                for t in reversed(self.tasks.values())  # newest first (made in this order)
                if query.get("filter.model", t.body.get("model")) == t.body.get("model")
                and query.get("filter.status", t.status) == t.status
                and query.get("filter.service_tier", t.body.get("service_tier") or "default")
                == (t.body.get("service_tier") or "default")
                and (not wanted_ids or t.id in wanted_ids)
            ]
            page = found[(page_num - 1) * page_size : page_num * page_size]
            items = [self._task_json(t) for t in page]
            return web.json_response({"total": len(found), "items": items})

        return await self._api(request, None, handler)

    async def _delete(self, request: web.Request) -> web.Response:
        return await self._api(request, None, self._delete_task)

    async def _delete_task(self, request: web.Request, body: Any) -> web.Response:
        task = self._task(request)
        status = task.status
        if status == "queued":
            task.cancelled = True
        elif status == "running":
            raise RequestRejected(
                400, "InvalidAction.TaskRunning", "A running task cannot be cancelled."
            )
        else:
            del self.tasks[task.id]
        return web.json_response({})

    async def _result(self, request: web.Request) -> web.StreamResponse:
        if self.result_gate is not None and not await self.result_gate.hold(request):
            return web.Response(status=499, text="client went away")
        return await super()._result(request)

    async def _last_frame(self, request: web.Request) -> web.Response:
        """Serve a succeeded task's last frame as PNG (recorded), under the video's rules."""
        record = RecordedRequest(request.method, request.path, dict(request.headers))
        self.requests.append(record)
        task = self.tasks.get(request.match_info["task_id"])
        if "Authorization" in request.headers:
            record.status = 400
            return web.Response(status=400, text=self.result_auth_refusal)
        if task is None or task.body.get("return_last_frame") is not True:
            record.status = 404
            return web.Response(status=404, text="NoSuchKey")
        if not self._result_ready(request) or not request.query.get("sig"):
            record.status = 403
            return web.Response(status=403, text="AccessDenied")
        assert self.result_video is not None
        png = await asyncio.to_thread(last_frame_png, self.result_video)
        record.status = 200
        return web.Response(body=png, headers={"Content-Type": "image/png"})

    def _result_ready(self, request: web.Request) -> bool:
        task = self.tasks.get(request.match_info["task_id"])
        if task is None or task.status != "succeeded" or task.finished_at is None:
            return False
        return time.time() + self.result_age_s - task.finished_at <= self.result_ttl_s

    def _task(self, request: web.Request) -> FakeTask:
        task = self.tasks.get(request.match_info["task_id"])
        if task is None:
            raise RequestRejected(404, "ResourceNotFound", "The task does not exist.")
        return task

    def _task_json(self, task: FakeTask) -> dict[str, Any]:
        status = task.status
        error = None
        if status == "failed" and task.fail_with:
            error = {"code": task.fail_with[0], "message": task.fail_with[1]}
        content = None
        if status == "succeeded":
            sig = secrets.token_hex(8)
            content = {"video_url": f"{self._origin}/results/{task.id}.mp4?sig={sig}"}
            if task.body.get("return_last_frame") is True:
                content["last_frame_url"] = f"{self._origin}/results/{task.id}.png?sig={sig}"
        body = task.body
        if status in ("succeeded", "failed") and task.finished_at is None:
            task.finished_at = time.time()
        finished = None if task.finished_at is None else task.finished_at - self.result_age_s
        return {
            "id": task.id,
            "model": body.get("model"),
            "status": status,
            "error": error,
            "content": content,
            "usage": {"completion_tokens": 108900, "total_tokens": 108900}
            if status == "succeeded"
            else None,
            "created_at": task.created_at,
            "updated_at": int(finished if finished is not None else time.time()),
            "seed": task.seed,
            "resolution": body.get("resolution") or "720p",
            "ratio": body.get("ratio") or "16:9",
            "duration": 5 if body.get("duration") is None else body["duration"],
            "framespersecond": 24,
            "generate_audio": body.get("generate_audio") is not False,
            "service_tier": body.get("service_tier") or "default",
            "execution_expires_after": body.get("execution_expires_after") or 172_800,
        }


@functools.cache
def last_frame_png(video: Path) -> bytes:
    """The PNG of ``video``'s last frame: every frame decoded from the start with PyAV, the
    last one as 8-bit RGB, encoded by Pillow (cached per file: the result MP4 never
    changes)."""
    last = None
    with av.open(str(video)) as container:
        for frame in container.decode(container.streams.video[0]):
            last = frame.to_ndarray(format="rgb24")
    assert last is not None, f"{video} has no frames"
    out = io.BytesIO()
    Image.fromarray(last).save(out, format="PNG")
    return out.getvalue()
