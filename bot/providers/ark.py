"""BytePlus ModelArk / Volcengine Ark: Seedance 2.0 content-generation tasks (official API).

The tasks API: ``POST /contents/generations/tasks``
creates a task from a ``content`` array (one text item, then image/video/audio URLs with a
``role`` each), ``GET …/tasks/{id}`` reports ``queued → running → succeeded | failed |
cancelled | expired`` and ``DELETE …/tasks/{id}`` cancels a queued task. The prompt names
assets by array position in plain language ("image 1" is the first image item), so the
profile speaks the ``natural`` dialect.

Callbacks: a create with ``callback_url`` makes Ark POST the task, in the same shape as
``GET …/tasks/{id}``, on each status change — ``queued``, ``running``, ``succeeded``,
``failed`` — retrying three times when no 2xx comes back within 5 s (the create-task API
reference of Volcengine Ark, 创建视频生成任务 API, field ``callback_url``; the field is in
the official SDK's ``content_generation.tasks.create``). Ark does not sign them, so the
per-job token in the URL is their proof; only ``succeeded``/``failed`` wake the job.

Called with aiohttp directly (no SDK). References are published through an
:class:`~bot.hosting.base.AssetHost`; the API key goes only to ``base_url`` and is never
logged or echoed in an error. Transient errors (408, 409, 429, ≥ 500, connection
failures) are retried with exponential backoff 0.5 s → 8 s, honouring ``Retry-After``, as
the official SDK does.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

import aiohttp
from pydantic import SecretStr

from bot.hosting.base import AssetHost
from bot.providers._http import (
    DEFAULT_HTTP,
    HttpOptions,
    HttpProvider,
    error_fields,
    json_object,
    parse_retry_after,
    stream_video,
)
from bot.providers.ark_errors import MODEL_CODES, QUOTA_MESSAGE, ArkApiError, map_error
from bot.providers.ark_regions import (
    BYTEPLUS_BASE_URL,
    DEFAULT_FAST_MODEL,
    DEFAULT_MODEL,
)
from bot.providers.base import (
    QUEUED_ONLY,
    CallbackScheme,
    ProviderProfile,
    TaskState,
    TaskStatus,
    job_seed,
)
from bot.providers.callbacks import TaskObjectCallbacks
from bot.providers.catalogue import ARK_CATALOGUE, ModelSetting
from bot.providers.messages import (
    CANCELLED_MESSAGE,
    FACE_MESSAGE,
    KEY_MESSAGE,
    NO_TASK_ID_MESSAGE,
    NO_VIDEO_MESSAGE,
    POLICY_MESSAGE,
    RESULT_EXPIRED_MESSAGE,
)
from bot.seedance.compiler import GenerationRequest
from bot.words import say

# Re-exported: tests and callers import these from here.
__all__ = [
    "BYTEPLUS_BASE_URL",
    "DEFAULT_ASSET_EXPIRY_S",
    "DEFAULT_FAST_MODEL",
    "DEFAULT_MODEL",
    "FACE_MESSAGE",
    "KEY_MESSAGE",
    "POLICY_MESSAGE",
    "QUOTA_MESSAGE",
    "TASKS_PATH",
    "ArkApiError",
    "ArkProvider",
    "map_error",
    "parse_retry_after",
]

log = logging.getLogger(__name__)

TASKS_PATH = "/contents/generations/tasks"
ServiceTier = Literal["default", "flex"]

# Ark's default ``execution_expires_after``: a queued task may wait this long, so the
# references must stay readable as long.
DEFAULT_ASSET_EXPIRY_S = 172_800
# ``execution_expires_after`` bounds (the create-task API and the SDK's ``tasks.create``).
MIN_EXECUTION_EXPIRES_S = 3_600
MAX_EXECUTION_EXPIRES_S = 259_200
# A succeeded task's ``video_url`` lives this long (/work/shared/PROVIDERS.md, "Task").
RESULT_TTL_S = 86_400
# Reconciling an unconfirmed create: how far back before the attempt (clock skew between
# the bot and Ark) and how much of the task list is read.
LIST_CLOCK_SLACK_S = 300
LIST_PAGE_SIZE = 100
LIST_MAX_PAGES = 5
_STATES: dict[str, TaskState] = {s: s for s in ("queued", "running", "succeeded")}


class ArkProvider(HttpProvider):
    """Seedance 2.0 on BytePlus ModelArk (or Volcengine Ark with ``VOLCENGINE_BASE_URL``).

    Args:
        api_key: the Ark API key; sent only to ``base_url`` as a Bearer token.
        session: the aiohttp session used for every call (owned by the caller).
        asset_host: publishes reference files at URLs Ark can fetch.
        base_url: API root, BytePlus by default.
        model / fast_model: model (or ``ep-…`` endpoint) ids for requests whose ``model``
            is "standard" / "fast".
        options: timeouts, retries, reference expiry and the download cap
            (:class:`~bot.providers._http.HttpOptions`).
        extra_models: the operator's models beyond Seedance 2.0 and Fast (2.0 Mini with
            its ``dreamina-seedance-2-0-mini-…`` id, newer versions), by model key.
        service_tier: Ark's ``service_tier`` ("default", or "flex": cheaper, runs when
            there is spare capacity), or ``None`` to leave it to Ark.
        now: Unix time in seconds (injectable), for a result's age.
    """

    _log_name = "ark"
    _default_asset_expiry_s = DEFAULT_ASSET_EXPIRY_S
    _log = log
    _error = ArkApiError
    _download_label = "ark video download"

    def __init__(
        self,
        api_key: SecretStr,
        *,
        session: aiohttp.ClientSession,
        asset_host: AssetHost,
        base_url: str = BYTEPLUS_BASE_URL,
        model: str = DEFAULT_MODEL,
        fast_model: str = DEFAULT_FAST_MODEL,
        options: HttpOptions = DEFAULT_HTTP,
        service_tier: ServiceTier | None = None,
        now: Callable[[], float] = time.time,
        extra_models: Mapping[str, ModelSetting] | None = None,
    ) -> None:
        super().__init__(
            api_key,
            session=session,
            asset_host=asset_host,
            options=options,
        )
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.fast_model = fast_model
        self.service_tier = service_tier
        self._now = now
        catalogue = ARK_CATALOGUE.with_ids({"standard": model, "fast": fast_model})
        self.profile = ProviderProfile(
            name="ark",
            label="Seedance 2.0 (BytePlus ModelArk)",
            dialect="natural",
            catalogue=catalogue.extended(extra_models or {}),
            cancels=QUEUED_ONLY,
            poll_interval_s=5.0,
        )
        self.callbacks: CallbackScheme | None = TaskObjectCallbacks(
            pending=frozenset({"queued", "running"})
        )
        self._results: dict[str, dict[str, Any]] = {}  # succeeded tasks, until downloaded
        self._last_frames: dict[str, str] = {}  # last_frame_url of succeeded tasks, until read

    def model_for(self, request: GenerationRequest) -> str:
        """The model id of the catalogue's model ``request`` asks for."""
        return self.profile.catalogue.model_id(request.model)

    # -- Provider protocol -------------------------------------------------------------

    async def submit(
        self,
        request: GenerationRequest,
        job_id: int,
        callback_url: str | None = None,
        *,
        expires_in_s: float | None = None,
    ) -> str:
        """Publish the references, create the task and return its id (``cgt-…``).

        The body carries ``callback_url`` when given, ``execution_expires_after`` =
        ``expires_in_s`` (the job's time left) within Ark's 3,600–259,200 s, so Ark drops a
        task the job would no longer wait for, ``service_tier`` when set, and the job's own
        seed (:func:`~bot.providers.base.job_seed`), which the task reports back: it tells
        this job's task apart when an unconfirmed create is reconciled
        (:meth:`find_tasks`).

        Raises:
            ProviderError: a reference could not be published or Ark refused the task.
        """
        body = await self.build_body(request)
        body["seed"] = job_seed(job_id, request)
        if callback_url:
            body["callback_url"] = callback_url
        if expires_in_s is not None:
            body["execution_expires_after"] = min(
                MAX_EXECUTION_EXPIRES_S, max(MIN_EXECUTION_EXPIRES_S, math.ceil(expires_in_s))
            )
        if self.service_tier is not None:
            body["service_tier"] = self.service_tier
        headers = {"X-Client-Request-Id": f"callsheet-job-{job_id}"}
        data = await self._with_retries(
            "create task", lambda: self._call("POST", TASKS_PATH, json=body, headers=headers)
        )
        task_id = data.get("id")
        if not isinstance(task_id, str) or not task_id:
            raise ArkApiError(NO_TASK_ID_MESSAGE)
        log.info("ark job %s: task %s created (model %s)", job_id, task_id, body["model"])
        return task_id

    async def poll(self, task_id: str) -> TaskStatus:
        """The task's state; ``failed``/``cancelled``/``expired`` become ``failed``.

        Raises:
            ProviderError: the status could not be read after the retries.
        """
        task = await self._get_task(task_id, polling=True)
        status = str(task.get("status", ""))
        state = _STATES.get(status)
        if state == "succeeded":
            self._results[task_id] = task  # download reads its video URL without a GET
            self._remember_last_frame(task_id, task)
            seed = task.get("seed")
            return TaskStatus(state, progress=1.0, seed=seed if isinstance(seed, int) else None)
        if state is not None:
            return TaskStatus(state)
        if status == "failed":
            code, message = error_fields(task.get("error"))
            log.info("ark task %s failed: %s", task_id, code or "no code")
            return TaskStatus(
                "failed", error=map_error(None, code, self._scrub(message), model=self.model)
            )
        if status == "cancelled":
            return TaskStatus("failed", error=ArkApiError(CANCELLED_MESSAGE))
        if status == "expired":
            return TaskStatus(
                "failed",
                error=ArkApiError(say("provider-expired"), retryable=True),
            )
        log.warning("ark task %s: unknown status %r", task_id, status)
        return TaskStatus("running")

    async def find_tasks(
        self, request: GenerationRequest, job_id: int, since: datetime
    ) -> list[str]:
        """This job's tasks created since ``since``, oldest first, from ``GET …/tasks``
        (``filter.model``, newest first, ``page_size`` 100, at most 5 pages; the SDK's
        ``Tasks.list``). Ark documents no de-duplication of creates (``X-Client-Request-Id``
        is only traced), so a task is recognised by the job's own seed (every attempt sends
        it, and the task reports it) and the request's duration, ratio and resolution.

        Raises:
            ProviderError: the list could not be read.
        """
        model = self.model_for(request)
        seed = job_seed(job_id, request)
        earliest = since.timestamp() - LIST_CLOCK_SLACK_S
        found: list[tuple[float, str]] = []
        for page in range(1, LIST_MAX_PAGES + 1):
            query = urlencode(
                {"page_num": page, "page_size": LIST_PAGE_SIZE, "filter.model": model}
            )
            data = await self._list_page(f"{TASKS_PATH}?{query}")
            items = [t for t in data.get("items") or [] if isinstance(t, dict)]
            for task in items:
                created = task.get("created_at")
                if (
                    isinstance(created, int | float)
                    and created >= earliest
                    and task.get("seed") == seed
                    and task.get("duration") in (None, request.duration_s)
                    and task.get("ratio") in (None, request.ratio)
                    and task.get("resolution") in (None, request.resolution)
                    and isinstance(task.get("id"), str)
                ):
                    found.append((float(created), str(task["id"])))
            stamps = [t["created_at"] for t in items if isinstance(t.get("created_at"), int)]
            if len(items) < LIST_PAGE_SIZE or (stamps and min(stamps) < earliest):
                break  # the list is newest first: the rest is older than the attempt
        found.reverse()  # the list is newest first; equal stamps keep its order, reversed
        return [task_id for _, task_id in sorted(found, key=lambda item: item[0])]

    async def download(self, task_id: str, out_path: Path) -> None:
        """Stream the finished video to ``out_path`` (via ``out_path.part``).

        Raises:
            ProviderError: the task has no video or it could not be fetched; a result
                older than Ark keeps it (24 h after the task's ``updated_at``) is reported
                expired (refunded, not retried) without fetching it.
        """
        task = self._results.pop(task_id, None) or await self._get_task(task_id)
        self._remember_last_frame(task_id, task)
        content = task.get("content") or {}
        url = content.get("video_url") if isinstance(content, dict) else None
        if task.get("status") != "succeeded" or not isinstance(url, str) or not url:
            raise ArkApiError(NO_VIDEO_MESSAGE)
        finished = task.get("updated_at")
        if isinstance(finished, int | float) and self._now() - finished > RESULT_TTL_S:
            log.warning("ark task %s: its result expired before it was fetched", task_id)
            raise ArkApiError(RESULT_EXPIRED_MESSAGE)
        await self._download_video(url, out_path)
        log.info("ark task %s: video saved to %s", task_id, out_path)

    async def download_last_frame(self, task_id: str, out_path: Path) -> bool:
        """Fetch a succeeded task's last frame, the PNG at its ``content.last_frame_url``,
        to ``out_path``, without credentials (like the video); ``True`` when written.

        Ark returns the URL only for a task created with ``return_last_frame: true``: an
        image of the video's last frame at its size, living as long as the video (24 h)
        (the create-task API reference, BytePlus ModelArk "Video Generation API",
        docs.byteplus.com/docs/ModelArk/1520757, field ``return_last_frame``; the
        official SDK's ``ContentGenerationTask.content.last_frame_url``).

        ``False`` (logged): the task has none (not asked for), or it could not be read,
        fetched or was not a PNG; the caller decodes the downloaded video's last frame
        instead (:func:`bot.media.film.last_frame`).
        """
        url = self._last_frames.pop(task_id, None)
        if url is None:
            try:
                url = _last_frame_url(await self._get_task(task_id))
            except ArkApiError as exc:
                log.warning("ark task %s: no last frame read (%s)", task_id, exc.code or exc.status)
                return False
        if url is None:
            return False
        try:
            await self._with_retries(
                "download last frame",
                lambda: stream_video(
                    self.session,
                    url,
                    out_path,
                    # it becomes an image reference: at most the image limit (seeds 000, 001)
                    max_bytes=min(self.max_download_bytes, self.profile.limits.image.max_bytes),
                    logger=log,
                    error=ArkApiError,
                    label="ark last frame download",
                    expect="png",
                ),
            )
        except ArkApiError as exc:
            log.warning("ark task %s: last frame not fetched (HTTP %s)", task_id, exc.status)
            return False
        log.info("ark task %s: last frame saved to %s", task_id, out_path)
        return True

    async def cancel(self, task_id: str) -> bool:
        """Cancel a queued task; ``True`` once Ark reports it ``cancelled``.

        ``DELETE …/tasks/{id}`` cancels a queued task, refuses a running one (Ark cannot
        stop it, and bills it) and *deletes* a finished one's record with its result
        (/work/shared/PROVIDERS.md; the SDK's ``Tasks.delete``), so the task is read
        first and deleted only while queued, then read again to confirm.
        """
        try:
            if str((await self._get_task(task_id)).get("status")) != "queued":
                return False
            url = f"{self.base_url}{TASKS_PATH}/{task_id}"
            async with self.session.delete(
                url, headers=self._auth_headers(), timeout=self.timeout
            ) as response:
                self._log_response("DELETE", TASKS_PATH + "/…", response)
                await response.read()
                if not 200 <= response.status < 300:
                    return False
            return str((await self._get_task(task_id)).get("status")) == "cancelled"
        except ArkApiError as exc:
            log.warning("ark cancel of %s failed: %s", task_id, exc.code or exc.status)
            return False
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("ark cancel of %s failed: %s", task_id, type(exc).__name__)
            return False

    # -- Helpers -----------------------------------------------------------------------

    async def build_body(self, request: GenerationRequest) -> dict[str, Any]:
        """The create-task body: text first, then each asset in array order with its role."""
        content: list[dict[str, Any]] = []
        if request.prompt:
            content.append({"type": "text", "text": request.prompt})
        for placed in request.assets:
            url = await self._publish(placed)
            key = f"{placed.asset.kind}_url"
            content.append({"type": key, key: {"url": url}, "role": placed.api_role})
        return {
            "model": self.model_for(request),
            "content": content,
            "ratio": request.ratio,
            "resolution": request.resolution,
            "duration": request.duration_s,
            "seed": -1,  # submit sends the job's own seed
            "watermark": False,
            "generate_audio": request.generate_audio,
            "return_last_frame": request.return_last_frame,
        }

    def _remember_last_frame(self, task_id: str, task: dict[str, Any]) -> None:
        url = _last_frame_url(task)
        if url is not None:
            self._last_frames[task_id] = url

    async def _list_page(self, path: str) -> dict[str, Any]:
        return await self._with_retries("list tasks", lambda: self._call("GET", path))

    async def _get_task(self, task_id: str, *, polling: bool = False) -> dict[str, Any]:
        path = f"{TASKS_PATH}/{task_id}"
        return await self._get_known(
            "get task",
            lambda: self._call("GET", path),
            gone_message=say("provider-task-gone"),
            not_gone_codes=MODEL_CODES,
            polling=polling,
        )

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """One API call; returns the JSON object or raises a mapped :class:`ArkApiError`."""
        status, response_headers, raw = await self._send(
            method, f"{self.base_url}{path}", path, json=json, headers=headers
        )
        retry_after = parse_retry_after(response_headers.get("Retry-After"))
        should_retry = response_headers.get("x-should-retry", "").lower() != "false"
        data = json_object(raw)
        if status >= 400:
            code, message = error_fields(data.get("error"))
            message = self._scrub(message)
            log.info("ark %s %s: HTTP %s %s", method, path, status, code or "(no code)")
            raise map_error(
                status,
                code,
                message,
                model=str(json.get("model", self.model)) if json else self.model,
                retry_after=retry_after,
                should_retry=should_retry,
            )
        return data


def _last_frame_url(task: dict[str, Any]) -> str | None:
    """A succeeded task's ``content.last_frame_url``, or ``None``."""
    content = task.get("content")
    url = content.get("last_frame_url") if isinstance(content, dict) else None
    if task.get("status") != "succeeded" or not isinstance(url, str) or not url:
        return None
    return url
