"""fal: Seedance 2.0 through fal's queue API.

fal's queue API: ``POST {queue}/{endpoint_id}`` with the raw input enqueues a request
and answers ``{"request_id", "status_url", "response_url", "cancel_url"}``; the client
follows those URLs (remembered per request id; built from the app's owner/alias only when
they are lost, e.g. after a restart). Status is ``IN_QUEUE`` (with ``queue_position``),
``IN_PROGRESS`` or ``COMPLETED``; the result is ``{"video": {"url", …}, "seed"}``;
``PUT cancel_url`` cancels. fal's prompt names references with ``@Image1``-style tags, so
the profile speaks the ``tags`` dialect. A submit with a callback URL adds it as the
``fal_webhook`` query parameter; fal's signed webhooks are checked by
:class:`~bot.providers.fal_webhook.FalWebhooks`.

Called with aiohttp directly (``fal-client`` hides the base URL and the session). The key
is sent as ``Authorization: Key …`` only to URLs on the queue's origin — a returned URL
elsewhere is not followed — and never logged or echoed. Transient errors (408, 409, 429,
≥ 500, connection failures) are retried with backoff 0.5 s → 8 s, honouring
``Retry-After`` and fal's ``X-Fal-Retryable`` / ``X-Fal-Needs-Retry`` headers.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp
from pydantic import SecretStr

from bot.hosting.base import AssetHost
from bot.providers._http import (
    DEFAULT_HTTP,
    ApiError,
    HttpOptions,
    HttpProvider,
    is_transient_status,
    json_value,
    looks_like_face_refusal,
    parse_retry_after,
)
from bot.providers.base import QUEUED_ONLY, CallbackScheme, ProviderProfile, TaskStatus
from bot.providers.catalogue import FAL_CATALOGUE, ModelSetting
from bot.providers.fal_webhook import FAL_JWKS_URL, FalWebhooks
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
from bot.words import say

log = logging.getLogger(__name__)

FAL_QUEUE_URL = "https://queue.fal.run"
DEFAULT_ASSET_EXPIRY_S = 86_400
_MODE_PATHS: dict[EntryMode, str] = {
    "text_to_video": "text-to-video",
    "image_to_video": "image-to-video",
    "reference_to_video": "reference-to-video",
}

QUOTA_MESSAGE = say("provider-quota-fal")
# fal error types (``detail[].type`` or ``x-fal-error-type``) that mean "try again later".
_TRANSIENT_TYPES = frozenset(
    {
        "request_timeout",
        "startup_timeout",
        "generation_timeout",
        "runner_scheduling_failure",
        "runner_connection_timeout",
        "runner_disconnected",
        "runner_connection_refused",
        "runner_connection_error",
        "runner_incomplete_response",
        "runner_server_error",
        "internal_error",
        "internal_server_error",
        "downstream_service_error",
        "downstream_service_unavailable",
    }
)
_TIMEOUT_TYPES = frozenset({"request_timeout", "startup_timeout", "generation_timeout"})


@dataclass(frozen=True)
class FalRequestUrls:
    """The URLs fal returned for one queued request."""

    status_url: str
    response_url: str
    cancel_url: str


class FalApiError(ApiError):
    """A fal refusal or failure (``code`` is fal's error type)."""


def map_error(
    status: int | None,
    error_type: str,
    message: str,
    *,
    endpoint: str = "",
    retry_after: float | None = None,
    retryable_hint: bool | None = None,
) -> FalApiError:
    """The member-facing error for a fal error (HTTP ``status`` and ``error_type``).

    ``retryable_hint`` is fal's ``X-Fal-Retryable`` header when sent. Every failure is
    refunded (fal bills only successful requests).
    """
    message = message.strip()
    detail = message or error_type or "no reason given"
    if error_type in ("client_cancelled", "request_cancelled"):
        return FalApiError(CANCELLED_MESSAGE, status=status, code=error_type)
    if error_type == "content_policy_violation":
        text = FACE_MESSAGE if looks_like_face_refusal(message) else POLICY_MESSAGE
        return FalApiError(text, status=status, code=error_type)
    if status == 401:
        return FalApiError(KEY_MESSAGE, status=status, code=error_type)
    if status in (402, 403) or error_type in ("exhausted_balance", "user_locked"):
        return FalApiError(QUOTA_MESSAGE, status=status, code=error_type)
    if status == 429 or error_type == "rate_limited":
        return FalApiError(
            RATE_LIMIT_MESSAGE,
            status=status,
            code=error_type,
            retryable=retryable_hint is not False,
            retry_after=retry_after,
        )
    if error_type in _TIMEOUT_TYPES:
        return FalApiError(
            TIMEOUT_MESSAGE, status=status, code=error_type, retryable=retryable_hint is not False
        )
    if error_type in _TRANSIENT_TYPES or (status is not None and is_transient_status(status)):
        return FalApiError(
            trouble_message(status),
            status=status,
            code=error_type,
            retryable=retryable_hint is not False,
            retry_after=retry_after,
        )
    if status == 404:
        return FalApiError(
            say("provider-endpoint-missing", endpoint=endpoint), status=status, code=error_type
        )
    if status is None:
        return FalApiError(not_generated_message(detail), status=status, code=error_type)
    if 400 <= status < 500:
        return FalApiError(rejected_message(detail), status=status, code=error_type)
    return FalApiError(
        unexpected_status_message(status, error_type), status=status, code=error_type
    )


def parse_error_body(data: Any) -> tuple[str, str]:
    """``(error_type, message)`` from a fal error body (``detail`` string or list)."""
    if not isinstance(data, dict):
        return "", ""
    detail = data.get("detail")
    error_type = str(data.get("error_type") or "")
    if isinstance(detail, list):
        messages: list[str] = []
        for item in detail:
            if not isinstance(item, dict):
                continue
            error_type = error_type or str(item.get("type") or "")
            loc = item.get("loc")
            where = ".".join(str(p) for p in loc[1:]) if isinstance(loc, list) else ""
            msg = str(item.get("msg") or "")
            messages.append(f"{where}: {msg}" if where and msg else msg)
        return error_type, "; ".join(m for m in messages if m)
    if isinstance(detail, str):
        return error_type, detail
    error = data.get("error")
    if isinstance(error, str):
        return error_type, error
    return error_type, ""


class FalProvider(HttpProvider):
    """Seedance 2.0 on fal's queue.

    Args:
        api_key: the fal key; sent only to the queue's origin as ``Key …``.
        session: the aiohttp session used for every call (owned by the caller).
        asset_host: publishes reference files at URLs fal can fetch.
        queue_base: queue root (``https://queue.fal.run`` by default).
        extra_models: the operator's models (2.0 Mini, newer versions) by model key; ``id``
            is the app path their endpoints hang from (``{id}/{mode}``).
        seed: sent as ``seed`` when set (fal picks one otherwise).
        webhook_jwks_url: where fal's webhook signing keys are published (``None``: the
            webhooks' signatures are not checked, only the URL's per-job token).
        options: timeouts, retries, reference expiry and the download cap
            (:class:`~bot.providers._http.HttpOptions`).
    """

    _log_name = "fal"
    _default_asset_expiry_s = DEFAULT_ASSET_EXPIRY_S
    _log = log
    _error = FalApiError
    _auth_scheme = "Key"
    _request_id_header = "x-fal-request-id"

    def __init__(
        self,
        api_key: SecretStr,
        *,
        session: aiohttp.ClientSession,
        asset_host: AssetHost,
        queue_base: str = FAL_QUEUE_URL,
        extra_models: Mapping[str, ModelSetting] | None = None,
        seed: int | None = None,
        options: HttpOptions = DEFAULT_HTTP,
        poll_interval_s: float = 5.0,
        webhook_jwks_url: str | None = FAL_JWKS_URL,
    ) -> None:
        super().__init__(
            api_key,
            session=session,
            asset_host=asset_host,
            options=options,
        )
        self.queue_base = queue_base.rstrip("/")
        self.seed = seed
        self._urls: dict[str, FalRequestUrls] = {}
        self._video_url: dict[str, str] = {}
        self._seed: dict[str, int | None] = {}
        self.profile = ProviderProfile(
            name="fal",
            label="Seedance 2.0 (fal)",
            dialect="tags",
            catalogue=FAL_CATALOGUE.extended(extra_models or {}),
            cancels=QUEUED_ONLY,
            poll_interval_s=poll_interval_s,
        )
        self.callbacks: CallbackScheme | None = FalWebhooks(session, webhook_jwks_url)

    def endpoint_for(self, request: GenerationRequest) -> str:
        """The endpoint id for ``request``'s model and entry mode: ``{app}/{mode}``
        (``bytedance/seedance-2.0/fast/reference-to-video``)."""
        return f"{self.profile.catalogue.model_id(request.model)}/{_MODE_PATHS[request.mode]}"

    def urls_for(self, task_id: str) -> FalRequestUrls:
        """The remembered URLs of ``task_id``, else the ones built from owner/alias."""
        known = self._urls.get(task_id)
        if known is not None:
            return known
        owner_alias = "/".join(self.profile.catalogue.model_id("standard").split("/")[:2])
        base = f"{self.queue_base}/{owner_alias}/requests/{task_id}"
        return FalRequestUrls(f"{base}/status", base, f"{base}/cancel")

    # -- Provider protocol -------------------------------------------------------------

    async def submit(
        self,
        request: GenerationRequest,
        job_id: int,
        callback_url: str | None = None,
        *,
        expires_in_s: float | None = None,
    ) -> str:
        """Publish the references, enqueue the request (``?fal_webhook=callback_url`` when
        given) and return fal's ``request_id``.

        Raises:
            ProviderError: a reference could not be published or fal refused the request.
        """
        endpoint = self.endpoint_for(request)
        body = await self.build_body(request)
        url = f"{self.queue_base}/{endpoint}"
        if callback_url:
            url += "?" + urlencode({"fal_webhook": callback_url})
        data = await self._with_retries(
            "submit", lambda: self._call("POST", url, json=body, endpoint=endpoint)
        )
        request_id = data.get("request_id") if isinstance(data, dict) else None
        if not isinstance(request_id, str) or not request_id:
            raise FalApiError(NO_TASK_ID_MESSAGE)
        built = self.urls_for(request_id)
        self._urls[request_id] = FalRequestUrls(
            status_url=self._own_url(data.get("status_url"), built.status_url),
            response_url=self._own_url(data.get("response_url"), built.response_url),
            cancel_url=self._own_url(data.get("cancel_url"), built.cancel_url),
        )
        log.info("fal job %s: request %s queued on %s", job_id, request_id, endpoint)
        return request_id

    async def poll(self, task_id: str) -> TaskStatus:
        """``IN_QUEUE`` → queued, ``IN_PROGRESS`` → running, ``COMPLETED`` → the result's state.

        Raises:
            ProviderError: the status could not be read after the retries.
        """
        if task_id in self._video_url:
            return TaskStatus("succeeded", progress=1.0, seed=self._seed.get(task_id))
        urls = self.urls_for(task_id)
        data = await self._get(urls.status_url, "status", polling=True)
        status = str(data.get("status", ""))
        if status == "IN_QUEUE":
            position = data.get("queue_position")
            return TaskStatus("queued", queue_position=position if _is_int(position) else None)
        if status == "IN_PROGRESS":
            return TaskStatus("running")
        if status != "COMPLETED":
            log.warning("fal request %s: unknown status %r", task_id, status)
            return TaskStatus("running")
        if data.get("error") or data.get("error_type"):
            error_type = str(data.get("error_type") or "")
            message = self._scrub(str(data.get("error") or ""))
            log.info("fal request %s failed: %s", task_id, error_type or "no type")
            return TaskStatus("failed", error=map_error(None, error_type, message))
        try:
            result = await self._get(urls.response_url, "result", polling=True)
        except FalApiError as exc:
            if exc.status is None or exc.rate_limited:  # the result may still be there
                raise
            log.info("fal request %s failed: %s", task_id, exc.code or exc.status)
            return TaskStatus("failed", error=exc)
        video = result.get("video")
        url = video.get("url") if isinstance(video, dict) else None
        if not isinstance(url, str) or not url:
            return TaskStatus("failed", error=FalApiError(say("provider-no-video-returned")))
        self._video_url[task_id] = url
        seed = result.get("seed")
        self._seed[task_id] = seed if isinstance(seed, int) else None
        return TaskStatus("succeeded", progress=1.0, seed=self._seed[task_id])

    async def find_tasks(
        self, request: GenerationRequest, job_id: int, since: datetime
    ) -> list[str] | None:
        """``None``: fal's queue API lists no requests (submit, status, result and cancel
        only), so an unconfirmed submit can't be reconciled."""
        return None

    async def download(self, task_id: str, out_path: Path) -> None:
        """Stream the finished video to ``out_path`` (via ``.part``), without credentials.

        Raises:
            ProviderError: the request has no video or it could not be fetched.
        """
        url = self._video_url.get(task_id)
        if url is None:
            status = await self.poll(task_id)
            url = self._video_url.get(task_id)
            if status.state != "succeeded" or url is None:
                raise FalApiError(NO_VIDEO_MESSAGE)
        await self._download_video(url, out_path)
        log.info("fal request %s: video saved to %s", task_id, out_path)

    async def download_last_frame(self, task_id: str, out_path: Path) -> bool:
        """``False``: fal returns no last frame (its API has no such output); the caller
        decodes it from the video (:func:`bot.media.film.last_frame`)."""
        return False

    async def cancel(self, task_id: str) -> bool:
        """``PUT cancel_url``; ``True`` when fal removed the request from its queue.

        fal's queue API ("Cancel a request"): a queued request is removed (status
        ``OK``); one in progress only gets a cancellation signal the model app may ignore
        (``CANCELLATION_REQUESTED``: not confirmed, it may finish and bill); a finished one
        answers ``ALREADY_COMPLETED``.
        """
        url = self.urls_for(task_id).cancel_url
        try:
            async with self.session.put(
                url, headers=self._auth_headers(), timeout=self.timeout
            ) as response:
                log.debug("fal PUT %s → %s", urlsplit(url).path, response.status)
                data = json_value(await response.read())
                said = data.get("status") if isinstance(data, dict) else None
                return 200 <= response.status < 300 and said == "OK"
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("fal cancel of %s failed: %s", task_id, type(exc).__name__)
            return False

    # -- Helpers -----------------------------------------------------------------------

    async def build_body(self, request: GenerationRequest) -> dict[str, Any]:
        """The input for the request's endpoint (array index = ``@ImageN`` in the prompt):
        ``duration`` as fal's string enum (``"8"``), the "adaptive" ratio as fal's "auto"
        (fal's Seedance 2.0 input schema; /work/shared/PROVIDERS.md "fal")."""
        body: dict[str, Any] = {"prompt": request.prompt}
        if request.mode == "image_to_video":
            if not 1 <= len(request.images) <= 2 or request.videos or request.audios:
                raise FalApiError(IMAGE_TO_VIDEO_MESSAGE)
            body["image_url"] = await self._publish(request.images[0])
            if len(request.images) == 2:
                body["end_image_url"] = await self._publish(request.images[1])
        elif request.mode == "reference_to_video":
            body.update(await self._publish_url_arrays(request))
        body.update(
            {
                "resolution": request.resolution,
                # fal's schema: a string enum "auto", "4" … "15", not an integer
                "duration": str(request.duration_s),
                "aspect_ratio": "auto" if request.ratio == "adaptive" else request.ratio,
                "generate_audio": request.generate_audio,
            }
        )
        if self.seed is not None:
            body["seed"] = self.seed
        return body

    def _own_url(self, value: Any, fallback: str) -> str:
        """``value`` when it is on the queue's origin (the key may go there), else ``fallback``."""
        if not isinstance(value, str) or not value:
            return fallback
        mine, theirs = urlsplit(self.queue_base), urlsplit(value)
        if (theirs.scheme, theirs.netloc) != (mine.scheme, mine.netloc):
            log.warning("fal returned a request URL on another host; using the built one")
            return fallback
        return value

    async def _get(self, url: str, what: str, *, polling: bool = False) -> dict[str, Any]:
        data = await self._get_known(
            what,
            lambda: self._call("GET", url),
            gone_message=say("provider-task-gone"),
            polling=polling,
        )
        return data if isinstance(data, dict) else {}

    async def _call(
        self, method: str, url: str, *, json: dict[str, Any] | None = None, endpoint: str = ""
    ) -> Any:
        """One queue call; returns the decoded JSON or raises a mapped :class:`FalApiError`."""
        path = urlsplit(url).path
        status, headers, raw = await self._send(method, url, path, json=json)
        retry_after = parse_retry_after(headers.get("Retry-After"))
        header_type = headers.get("x-fal-error-type", "")
        hint = _retry_hint(headers)
        data = json_value(raw)
        if status >= 400:
            body_type, message = parse_error_body(data)
            error_type = body_type or header_type
            log.info("fal %s %s: HTTP %s %s", method, path, status, error_type or "(no type)")
            raise map_error(
                status,
                error_type,
                self._scrub(message),
                endpoint=endpoint,
                retry_after=retry_after,
                retryable_hint=hint,
            )
        return data


def _retry_hint(headers: Any) -> bool | None:
    for name in ("X-Fal-Retryable", "X-Fal-Needs-Retry"):
        value = str(headers.get(name, "")).lower()
        if value in ("true", "1"):
            return True
        if value in ("false", "0"):
            return False
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
