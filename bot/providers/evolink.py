"""EvoLink-style aggregators: Seedance 2.0 through ``/v1/videos/generations`` (seeds 001, 004).

EvoLink-style aggregators (the seed 001 body shape): ``POST /v1/videos/generations`` creates a task
from flat URL arrays (``image_urls``, ``video_urls``, ``audio_urls``), one model id per
entry mode and speed; ``GET /v1/tasks/{id}`` reports ``pending → processing → completed |
failed`` with a ``progress`` percentage and ``task_info.estimated_time``. There is no
cancel endpoint. The prompt names assets by array position in plain language ("image 1"
is ``image_urls[0]``, seed 001), so the profile speaks the ``natural`` dialect.

Callbacks: a create with ``callback_url`` makes EvoLink POST the task, in the same shape
as ``GET /v1/tasks/{id}``, when it is ``completed``, ``failed`` or ``cancelled``; the URL
must be HTTPS (≤ 2048 characters, no private address); a non-2xx answer or none within
10 s is retried 3 times, after 1, 2 and 4 s (EvoLink's webhook notes for
``/v1/videos/generations``, "Callback URL"). EvoLink does not sign them, so the per-job
token in the URL is their proof. A non-HTTPS callback URL is not registered (EvoLink
refuses it; the job is polled instead), unless ``allow_http_callbacks`` (loopback tests).

Called with aiohttp directly. References are published through an
:class:`~bot.hosting.base.AssetHost`; the API key goes only to ``base_url`` and is never
logged or echoed in an error. Transient errors (408, 409, 429, ≥ 500, connection
failures) are retried with exponential backoff 0.5 s → 8 s, honouring ``Retry-After``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import SecretStr

from bot.hosting.base import AssetHost
from bot.providers._http import (
    DEFAULT_HTTP,
    ApiError,
    HttpOptions,
    HttpProvider,
    error_fields,
    is_transient_status,
    json_object,
    looks_like_face_refusal,
    parse_retry_after,
)
from bot.providers.base import CallbackScheme, ProviderProfile, TaskState, TaskStatus
from bot.providers.callbacks import TaskObjectCallbacks
from bot.providers.catalogue import EVOLINK_CATALOGUE, ModelSetting
from bot.providers.messages import (
    CANCELLED_MESSAGE,
    FACE_MESSAGE,
    IMAGE_TO_VIDEO_MESSAGE,
    KEY_MESSAGE,
    NO_TASK_ID_MESSAGE,
    NO_VIDEO_MESSAGE,
    POLICY_MESSAGE,
    RATE_LIMIT_MESSAGE,
    TIMEOUT_MESSAGE,
    not_generated_message,
    rejected_message,
    trouble_message,
    unexpected_status_message,
)
from bot.seedance.compiler import EntryMode, GenerationRequest
from bot.words import say, verbatim

log = logging.getLogger(__name__)

EVOLINK_BASE_URL = "https://api.evolink.ai"
GENERATIONS_PATH = "/v1/videos/generations"
TASKS_PATH = "/v1/tasks"
# Result URLs live 24 h and references must stay readable while a task waits.
DEFAULT_ASSET_EXPIRY_S = 86_400

_STATES: dict[str, TaskState] = {
    "pending": "queued",
    "queued": "queued",
    "processing": "running",
    "running": "running",
    "completed": "succeeded",
    "succeeded": "succeeded",
}

QUOTA_MESSAGE = say("provider-quota-evolink")
BUSY_MESSAGE = say("provider-busy")


@dataclass(frozen=True)
class EvolinkModels:
    """Model ids per entry mode, for "standard" and "fast" requests (settings)."""

    text_to_video: str = "seedance-2.0-text-to-video"
    image_to_video: str = "seedance-2.0-image-to-video"
    reference_to_video: str = "seedance-2.0-reference-to-video"
    fast_text_to_video: str = "seedance-2.0-fast-text-to-video"
    fast_image_to_video: str = "seedance-2.0-fast-image-to-video"
    fast_reference_to_video: str = "seedance-2.0-fast-reference-to-video"

    def for_mode(self, mode: EntryMode, *, fast: bool) -> str:
        """The model id for ``mode`` at the requested speed."""
        name = f"fast_{mode}" if fast else mode
        value: str = getattr(self, name)
        return value

    def for_model(self, mode: EntryMode, key: str, prefix: str) -> str:
        """The id for ``mode`` of model ``key``: this table's for standard and fast, else
        ``{prefix}-{mode}`` (EvoLink's ids: ``seedance-2.0-mini-text-to-video``…)."""
        if key in ("standard", "fast"):
            return self.for_mode(mode, fast=key == "fast")
        return f"{prefix}-{mode.replace('_', '-')}"


class EvolinkApiError(ApiError):
    """An EvoLink refusal or failure (``code`` is EvoLink's error code)."""


def map_error(
    status: int | None,
    code: str,
    message: str,
    *,
    model: str = "",
    retry_after: float | None = None,
) -> EvolinkApiError:
    """The member-facing error for an EvoLink error (HTTP ``status`` or a failed task).

    Every failure is refunded (failed tasks are not billed). The task error codes are
    EvoLink's documented list (docs.evolink.ai, "Error Codes Reference":
    ``content_policy_violation``, ``invalid_parameters``, ``image_processing_error``,
    ``image_dimension_mismatch``, ``request_cancelled``, ``generation_failed_no_content``,
    ``service_error``, ``generation_timeout``, ``resource_exhausted``, ``quota_exceeded``,
    ``service_unavailable``, ``resource_not_found``, ``unknown_error``); its HTTP errors
    carry a ``type`` (``invalid_request_error``, ``authentication_error``,
    ``insufficient_quota_error``, ``permission_error``, ``not_found_error``,
    ``rate_limit_error``, ``upstream_error``, ``service_unavailable_error``…).
    """
    message = message.strip()
    detail = message or code or "no reason given"
    if code == "request_cancelled":
        return EvolinkApiError(CANCELLED_MESSAGE, status=status, code=code)
    if code == "generation_failed_no_content":
        return EvolinkApiError(say("provider-no-content"), status=status, code=code)
    if code == "resource_not_found":
        return EvolinkApiError(say("provider-task-gone"), status=status, code=code)
    if code == "content_policy_violation" or code.startswith("content_policy"):
        text = FACE_MESSAGE if looks_like_face_refusal(message) else POLICY_MESSAGE
        return EvolinkApiError(text, status=status, code=code)
    if code in ("quota_exceeded", "insufficient_quota", "insufficient_quota_error") or (
        status == 402
    ):
        return EvolinkApiError(QUOTA_MESSAGE, status=status, code=code)
    if status == 401 or code in ("invalid_api_key", "unauthorized", "authentication_error"):
        return EvolinkApiError(KEY_MESSAGE, status=status, code=code)
    if status == 403:
        return EvolinkApiError(QUOTA_MESSAGE, status=status, code=code)
    if code == "generation_timeout":
        return EvolinkApiError(TIMEOUT_MESSAGE, status=status, code=code, retryable=True)
    if code in ("resource_exhausted", "service_unavailable", "service_error", "upstream_error"):
        return EvolinkApiError(
            BUSY_MESSAGE,
            status=status,
            code=code,
            retryable=True,
            retry_after=retry_after,
        )
    if status == 429 or code in ("rate_limit_exceeded", "rate_limit_error"):
        return EvolinkApiError(
            RATE_LIMIT_MESSAGE, status=status, code=code, retryable=True, retry_after=retry_after
        )
    if code == "image_processing_error":
        return EvolinkApiError(
            say("provider-image-processing", detail=verbatim(detail)), status=status, code=code
        )
    if code == "image_dimension_mismatch":
        return EvolinkApiError(
            say("provider-image-dimensions", detail=verbatim(detail)), status=status, code=code
        )
    if status == 404 or code == "model_not_found":
        return EvolinkApiError(say("provider-model-missing", model=model), status=status, code=code)
    if status is not None and is_transient_status(status):
        return EvolinkApiError(
            trouble_message(status),
            status=status,
            code=code,
            retryable=True,
            retry_after=retry_after,
        )
    if status in (400, 413, 422) or code in ("invalid_parameters", "invalid_request"):
        return EvolinkApiError(rejected_message(detail), status=status, code=code)
    if status is None:
        return EvolinkApiError(not_generated_message(detail), status=status, code=code)
    return EvolinkApiError(unexpected_status_message(status, code), status=status, code=code)


class EvolinkProvider(HttpProvider):
    """Seedance 2.0 through an EvoLink-style aggregator.

    Args:
        api_key: the aggregator key; sent only to ``base_url`` as a Bearer token.
        session: the aiohttp session used for every call (owned by the caller).
        asset_host: publishes reference files at URLs the aggregator can fetch.
        base_url: API root (``https://api.evolink.ai`` by default).
        models: model ids per entry mode and speed.
        options: timeouts, retries, reference expiry and the download cap
            (:class:`~bot.providers._http.HttpOptions`).
        poll_interval_s: seconds between status polls.
        extra_models: the operator's models (newer versions), by model key; ``id`` is the
            prefix of their per-mode ids.
        allow_http_callbacks: send an ``http://`` callback URL too (EvoLink takes HTTPS
            only; the loopback tests have no TLS).
    """

    _log_name = "evolink"
    _default_asset_expiry_s = DEFAULT_ASSET_EXPIRY_S
    _log = log
    _error = EvolinkApiError

    def __init__(
        self,
        api_key: SecretStr,
        *,
        session: aiohttp.ClientSession,
        asset_host: AssetHost,
        base_url: str = EVOLINK_BASE_URL,
        models: EvolinkModels = EvolinkModels(),
        options: HttpOptions = DEFAULT_HTTP,
        poll_interval_s: float = 5.0,
        allow_http_callbacks: bool = False,
        extra_models: Mapping[str, ModelSetting] | None = None,
    ) -> None:
        super().__init__(
            api_key,
            session=session,
            asset_host=asset_host,
            options=options,
        )
        self.base_url = base_url.rstrip("/")
        self.models = models
        self._eta: dict[str, float | None] = {}
        self._results: dict[str, dict[str, Any]] = {}  # succeeded tasks, until downloaded
        self.profile = ProviderProfile(
            name="evolink",
            label="Seedance 2.0 (EvoLink)",
            dialect="natural",
            catalogue=EVOLINK_CATALOGUE.extended(extra_models or {}),
            poll_interval_s=poll_interval_s,
        )
        self.callbacks: CallbackScheme | None = TaskObjectCallbacks(
            pending=frozenset({"pending", "queued", "processing", "running"}),
            https_only=not allow_http_callbacks,
        )

    def model_for(self, request: GenerationRequest) -> str:
        """The model id for ``request``'s entry mode and speed."""
        prefix = self.profile.catalogue.model_id(request.model)
        return self.models.for_model(request.mode, request.model, prefix)

    # -- Provider protocol -------------------------------------------------------------

    async def submit(
        self,
        request: GenerationRequest,
        job_id: int,
        callback_url: str | None = None,
        *,
        expires_in_s: float | None = None,
    ) -> str:
        """Publish the references, create the task (with ``callback_url`` when given: the
        runner gives only URLs ``callbacks`` accepts) and return its id (``task-…``).

        Raises:
            ProviderError: a reference could not be published or the provider refused.
        """
        body = await self.build_body(request)
        if callback_url:
            body["callback_url"] = callback_url
        data = await self._with_retries(
            "create task", lambda: self._call("POST", GENERATIONS_PATH, json=body)
        )
        task_id = data.get("id")
        if not isinstance(task_id, str) or not task_id:
            raise EvolinkApiError(NO_TASK_ID_MESSAGE)
        self._remember_eta(task_id, data)
        log.info("evolink job %s: task %s created (model %s)", job_id, task_id, body["model"])
        return task_id

    async def poll(self, task_id: str) -> TaskStatus:
        """The task's state with ``progress`` (0.0–1.0); ``failed`` carries the mapped error.

        Raises:
            ProviderError: the status could not be read after the retries.
        """
        task = await self._get_task(task_id, polling=True)
        self._remember_eta(task_id, task)
        status = str(task.get("status", ""))
        progress = _progress(task.get("progress"))
        state = _STATES.get(status)
        if state == "succeeded":
            self._results[task_id] = task  # download reads its video URL without a GET
            return TaskStatus("succeeded", progress=1.0)
        if state is not None:
            return TaskStatus(state, progress=progress, eta_s=self._eta.get(task_id))
        if status in ("failed", "error", "cancelled"):
            code, message = error_fields(task.get("error"))
            if status == "cancelled" and not code:
                code = "request_cancelled"
            log.info("evolink task %s failed: %s", task_id, code or "no code")
            return TaskStatus(
                "failed",
                error=map_error(None, code, self._scrub(message), model=str(task.get("model", ""))),
            )
        log.warning("evolink task %s: unknown status %r", task_id, status)
        return TaskStatus("running", progress=progress, eta_s=self._eta.get(task_id))

    async def find_tasks(
        self, request: GenerationRequest, job_id: int, since: datetime
    ) -> list[str] | None:
        """``None``: EvoLink documents no listing of tasks, so an unconfirmed create can't
        be reconciled (docs.evolink.ai documents only ``GET /v1/tasks/{id}``)."""
        return None

    async def download(self, task_id: str, out_path: Path) -> None:
        """Stream the finished video (see :func:`result_url`) to ``out_path`` (via ``.part``).

        Raises:
            ProviderError: the task has no video or it could not be fetched.
        """
        task = self._results.pop(task_id, None) or await self._get_task(task_id)
        url = result_url(task)
        if _STATES.get(str(task.get("status"))) != "succeeded" or url is None:
            raise EvolinkApiError(NO_VIDEO_MESSAGE)
        await self._download_video(url, out_path)
        log.info("evolink task %s: video saved to %s", task_id, out_path)

    async def download_last_frame(self, task_id: str, out_path: Path) -> bool:
        """``False``: EvoLink returns no last frame (its API has no such output); the caller
        decodes it from the video (:func:`bot.media.film.last_frame`)."""
        return False

    async def cancel(self, task_id: str) -> bool:
        """EvoLink documents no cancel endpoint: always False."""
        log.info("evolink task %s: cancel not supported", task_id)
        return False

    # -- Helpers -----------------------------------------------------------------------

    async def build_body(self, request: GenerationRequest) -> dict[str, Any]:
        """The create body: flat URL arrays in request order (array index = "image N")."""
        if request.mode == "image_to_video" and (
            not 1 <= len(request.images) <= 2 or request.videos or request.audios
        ):
            raise EvolinkApiError(IMAGE_TO_VIDEO_MESSAGE)
        body: dict[str, Any] = {"model": self.model_for(request), "prompt": request.prompt}
        if request.mode != "text_to_video":
            body.update(await self._publish_url_arrays(request))
        body.update(
            {
                "duration": request.duration_s,
                "quality": request.resolution,
                "aspect_ratio": request.ratio,
                "generate_audio": request.generate_audio,
            }
        )
        return body

    def _remember_eta(self, task_id: str, data: dict[str, Any]) -> None:
        info = data.get("task_info")
        eta = info.get("estimated_time") if isinstance(info, dict) else None
        if isinstance(eta, int | float) and not isinstance(eta, bool) and eta >= 0:
            self._eta[task_id] = float(eta)

    async def _get_task(self, task_id: str, *, polling: bool = False) -> dict[str, Any]:
        path = f"{TASKS_PATH}/{task_id}"
        return await self._get_known(
            "get task",
            lambda: self._call("GET", path),
            gone_message=say("provider-task-gone"),
            polling=polling,
        )

    async def _call(
        self, method: str, path: str, *, json: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """One API call; returns the JSON object or raises a mapped :class:`EvolinkApiError`."""
        status, headers, raw = await self._send(method, f"{self.base_url}{path}", path, json=json)
        retry_after = parse_retry_after(headers.get("Retry-After"))
        data = json_object(raw)
        if status >= 400:
            error = data.get("error")
            error = error if isinstance(error, dict) else {}
            code = str(error.get("code") or "")
            if not code or code.isdigit():  # the HTTP errors: ``code`` is the status
                code = str(error.get("type") or "")
            message = self._scrub(str(error.get("message") or ""))
            log.info("evolink %s %s: HTTP %s %s", method, path, status, code or "(no code)")
            raise map_error(
                status,
                code,
                message,
                model=str(json.get("model", "")) if json else "",
                retry_after=retry_after,
            )
        return data


def result_url(task: dict[str, Any]) -> str | None:
    """The finished video's URL in a completed task: the first of ``results`` (the task
    detail's ``results: string<uri>[]``, docs.evolink.ai "Query Task Status"), also when it
    comes as an object with ``url`` or ``video_url``, else a top-level ``video_url``; the
    stored docs confirm only the first shape, the others are read defensively."""
    results = task.get("results")
    first = results[0] if isinstance(results, list) and results else None
    if isinstance(first, dict):
        first = first.get("url") or first.get("video_url")
    if not isinstance(first, str) or not first:
        first = task.get("video_url")
    return first if isinstance(first, str) and first else None


def _progress(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return max(0.0, min(1.0, float(value) / 100.0))
