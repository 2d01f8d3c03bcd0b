"""BytePlus ModelArk / Volcengine Ark: Seedance 2.0 content-generation tasks (official API).

PROVIDERS.md "BytePlus ModelArk / Volcengine Ark": ``POST /contents/generations/tasks``
creates a task from a ``content`` array (one text item, then image/video/audio URLs with a
``role`` each), ``GET …/tasks/{id}`` reports ``queued → running → succeeded | failed |
cancelled | expired`` and ``DELETE …/tasks/{id}`` cancels a queued task. The prompt names
assets by array position in plain language ("image 1" is the first image item), so the
profile speaks the ``natural`` dialect.

Called with aiohttp directly (no SDK). References are published through an
:class:`~bot.asset_host.AssetHost`; the API key goes only to ``base_url`` and is never
logged or echoed in an error. Transient errors (408, 409, 429, ≥ 500, connection
failures) are retried with exponential backoff 0.5 s → 8 s, honouring ``Retry-After``, as
the official SDK does.
"""

from __future__ import annotations

import asyncio
import email.utils
import json as jsonlib
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from pydantic import SecretStr
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from bot.asset_host import AssetHost
from bot.compiler import GenerationRequest
from bot.providers.base import ProviderError, ProviderProfile, TaskState, TaskStatus

log = logging.getLogger(__name__)

BYTEPLUS_BASE_URL = "https://ark.ap-southeast.bytepluses.com/api/v3"
VOLCENGINE_BASE_URL = "https://ark.cn-beijing.volces.com/api/v3"
DEFAULT_MODEL = "dreamina-seedance-2-0-260128"
DEFAULT_FAST_MODEL = "dreamina-seedance-2-0-fast-260128"
TASKS_PATH = "/contents/generations/tasks"

# Ark's default ``execution_expires_after``: a queued task may wait this long, so the
# references must stay readable as long.
DEFAULT_ASSET_EXPIRY_S = 172_800
_RETRY_STATUSES = frozenset({408, 409, 429})
_CHUNK = 1024 * 1024
_T = TypeVar("_T")

_STATES: dict[str, TaskState] = {
    "queued": "queued",
    "running": "running",
    "succeeded": "succeeded",
}

FACE_MESSAGE = (
    "The provider detected a realistic human face in one of the references and refused "
    "it (real people can't be used, seeds 000/002/004). Use a drawn or stylised character "
    "instead of a photo of a real person."
)
POLICY_MESSAGE = (
    "The provider's content filter blocked this request (prompt, reference or result). "
    "Rephrase the prompt or swap the flagged reference."
)
KEY_MESSAGE = (
    "The provider refused the bot's credentials: the bot's provider key is invalid — "
    "tell a moderator."
)
QUOTA_MESSAGE = (
    "The provider account behind this bot is out of quota, has an overdue bill or lacks "
    "access to the model — the server owner needs to check the ModelArk account."
)


class ArkApiError(ProviderError):
    """A :class:`ProviderError` that remembers what Ark answered.

    Attributes:
        status: HTTP status, or ``None`` for a task-level failure or a network error.
        code: Ark's error code (``InvalidParameter``…), or ``""``.
        retry_after: seconds the server asked us to wait (``Retry-After``), if any.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str = "",
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, refund=True, retryable=retryable)
        self.status = status
        self.code = code
        self.retry_after = retry_after


def map_error(
    status: int | None,
    code: str,
    message: str,
    *,
    model: str = "",
    retry_after: float | None = None,
    should_retry: bool = True,
) -> ArkApiError:
    """The member-facing error for an Ark error (HTTP ``status`` or a failed task's code).

    Every failure is refunded: PROVIDERS.md "failed tasks are not billed".
    """
    message = message.strip()
    if "PrivacyInformation" in code:
        return ArkApiError(FACE_MESSAGE, status=status, code=code)
    if (
        code.endswith("RiskDetection")
        or "SensitiveContentDetected" in code
        or code == "ContentSecurityDetectionError"
    ):
        return ArkApiError(POLICY_MESSAGE, status=status, code=code)
    if status == 401 or code == "AuthenticationError":
        return ArkApiError(KEY_MESSAGE, status=status, code=code)
    if status == 403 or code in ("AccountOverdueError", "AccessDenied"):
        return ArkApiError(QUOTA_MESSAGE, status=status, code=code)
    if status == 404 or code.startswith(("InvalidEndpointOrModel", "ModelNotOpen")):
        return ArkApiError(
            f"The video model `{model}` isn't available on the provider account (not found "
            "or not activated) — tell a moderator.",
            status=status,
            code=code,
        )
    if status == 429 or code.startswith("RateLimitExceeded"):
        return ArkApiError(
            "The provider is rate-limiting the bot right now. Try again in a minute.",
            status=status,
            code=code,
            retryable=should_retry,
            retry_after=retry_after,
        )
    if status is not None and (status >= 500 or status in _RETRY_STATUSES):
        return ArkApiError(
            f"The video provider is having trouble right now (HTTP {status}). Try again in "
            "a few minutes.",
            status=status,
            code=code,
            retryable=should_retry,
            retry_after=retry_after,
        )
    if status == 400 or code.startswith(("InvalidParameter", "MissingParameter")):
        detail = message or code or "invalid request"
        return ArkApiError(f"The provider rejected the request: {detail}", status=status, code=code)
    if status is None:
        detail = message or code or "no reason given"
        return ArkApiError(
            f"The provider could not generate the video: {detail}", status=status, code=code
        )
    return ArkApiError(
        f"The provider answered HTTP {status}{f' ({code})' if code else ''}.",
        status=status,
        code=code,
    )


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date), or ``None``."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class _ArkWait:
    """Tenacity wait: ``Retry-After`` when the server sent one, else 0.5 s → 8 s backoff."""

    def __init__(self, scale: float, max_retry_after_s: float) -> None:
        self.scale = scale
        self.max_retry_after_s = max_retry_after_s
        self.backoff = wait_exponential(multiplier=0.5, min=0.5, max=8)

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        exc = outcome.exception() if outcome is not None else None
        if isinstance(exc, ArkApiError) and exc.retry_after is not None:
            return min(exc.retry_after, self.max_retry_after_s)
        return float(self.backoff(retry_state)) * self.scale


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, ProviderError) and exc.retryable


class ArkProvider:
    """Seedance 2.0 on BytePlus ModelArk (or Volcengine Ark with ``VOLCENGINE_BASE_URL``).

    Args:
        api_key: the Ark API key; sent only to ``base_url`` as a Bearer token.
        session: the aiohttp session used for every call (owned by the caller).
        asset_host: publishes reference files at URLs Ark can fetch.
        base_url: API root, BytePlus by default.
        model / fast_model: model (or ``ep-…`` endpoint) ids for requests whose ``model``
            is "standard" / "fast".
        asset_expiry_s: how long published references must stay readable.
        request_timeout_s: total timeout of one API call.
        max_attempts: attempts per API call when the error is transient.
        retry_wait_scale: multiplies the exponential backoff (0 in tests); ``Retry-After``
            is honoured as sent, capped at ``max_retry_after_s``.
        sleep: the coroutine used to wait between attempts (injectable for tests).
        max_download_bytes: refuse result files larger than this.
    """

    def __init__(
        self,
        api_key: SecretStr,
        *,
        session: aiohttp.ClientSession,
        asset_host: AssetHost,
        base_url: str = BYTEPLUS_BASE_URL,
        model: str = DEFAULT_MODEL,
        fast_model: str = DEFAULT_FAST_MODEL,
        asset_expiry_s: int = DEFAULT_ASSET_EXPIRY_S,
        request_timeout_s: float = 60.0,
        max_attempts: int = 4,
        retry_wait_scale: float = 1.0,
        max_retry_after_s: float = 60.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_download_bytes: int = 1024 * 1024 * 1024,
    ) -> None:
        self._api_key = api_key
        self.session = session
        self.asset_host = asset_host
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.fast_model = fast_model
        self.asset_expiry_s = asset_expiry_s
        self.timeout = aiohttp.ClientTimeout(total=request_timeout_s)
        self.max_attempts = max_attempts
        self._wait = _ArkWait(retry_wait_scale, max_retry_after_s)
        self._sleep = sleep
        self.max_download_bytes = max_download_bytes
        self.profile = ProviderProfile(
            name="ark",
            label="Seedance 2.0 (BytePlus ModelArk)",
            dialect="natural",
            can_cancel=True,
            poll_interval_s=5.0,
        )

    def model_for(self, request: GenerationRequest) -> str:
        """The model id for ``request``: ``fast_model`` when it asks for "fast"."""
        # getattr: older GenerationRequests have no ``model`` field (always standard).
        wanted = getattr(request, "model", "standard")
        return self.fast_model if wanted == "fast" else self.model

    # -- Provider protocol -------------------------------------------------------------

    async def submit(self, request: GenerationRequest, job_id: int) -> str:
        """Publish the references, create the task and return its id (``cgt-…``).

        Raises:
            ProviderError: a reference could not be published or Ark refused the task.
        """
        body = await self.build_body(request)
        headers = {"X-Client-Request-Id": f"callsheet-job-{job_id}"}
        data = await self._with_retries(
            "create task", lambda: self._call("POST", TASKS_PATH, json=body, headers=headers)
        )
        task_id = data.get("id")
        if not isinstance(task_id, str) or not task_id:
            raise ArkApiError("The provider accepted the request but returned no task id.")
        log.info("ark job %s: task %s created (model %s)", job_id, task_id, body["model"])
        return task_id

    async def poll(self, task_id: str) -> TaskStatus:
        """The task's state; ``failed``/``cancelled``/``expired`` become ``failed``.

        Raises:
            ProviderError: the status could not be read after the retries.
        """
        task = await self._get_task(task_id)
        status = str(task.get("status", ""))
        state = _STATES.get(status)
        if state is not None:
            return TaskStatus(state, progress=1.0 if state == "succeeded" else None)
        if status == "failed":
            error = task.get("error") or {}
            code = str(error.get("code", "")) if isinstance(error, dict) else ""
            message = str(error.get("message", "")) if isinstance(error, dict) else ""
            log.info("ark task %s failed: %s", task_id, code or "no code")
            return TaskStatus(
                "failed", error=map_error(None, code, self._scrub(message), model=self.model)
            )
        if status == "cancelled":
            return TaskStatus(
                "failed", error=ArkApiError("The task was cancelled at the provider.")
            )
        if status == "expired":
            return TaskStatus(
                "failed",
                error=ArkApiError(
                    "The provider didn't get to this task before it expired (its queue was "
                    "too long). Try again later.",
                    retryable=True,
                ),
            )
        log.warning("ark task %s: unknown status %r", task_id, status)
        return TaskStatus("running")

    async def download(self, task_id: str, out_path: Path) -> None:
        """Stream the finished video to ``out_path`` (via ``out_path.part``).

        Raises:
            ProviderError: the task has no video or it could not be fetched.
        """
        task = await self._get_task(task_id)
        content = task.get("content") or {}
        url = content.get("video_url") if isinstance(content, dict) else None
        if task.get("status") != "succeeded" or not isinstance(url, str) or not url:
            raise ArkApiError("The provider has no finished video for this task.")
        await self._with_retries("download video", lambda: self._fetch_video(url, out_path))
        log.info("ark task %s: video saved to %s", task_id, out_path)

    async def cancel(self, task_id: str) -> bool:
        """Cancel a queued task (a running one can't be cancelled); True on a 2xx answer."""
        url = f"{self.base_url}{TASKS_PATH}/{task_id}"
        try:
            async with self.session.delete(
                url, headers=self._auth_headers(), timeout=self.timeout
            ) as response:
                self._log_response("DELETE", TASKS_PATH + "/…", response)
                await response.read()
                return 200 <= response.status < 300
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
            kind = placed.asset.kind
            try:
                url = await self.asset_host.publish(
                    placed.asset.path, expires_in_s=self.asset_expiry_s
                )
            except (OSError, ValueError) as exc:
                log.warning("publishing %s failed: %s", placed.asset.tag, exc)
                raise ArkApiError(
                    f"{placed.asset.tag} couldn't be made available to the provider."
                ) from exc
            key = f"{kind}_url"
            content.append({"type": key, key: {"url": url}, "role": placed.api_role})
        return {
            "model": self.model_for(request),
            "content": content,
            "ratio": request.ratio,
            "resolution": request.resolution,
            "duration": request.duration_s,
            "seed": -1,
            "watermark": False,
            "generate_audio": request.generate_audio,
            "return_last_frame": False,
        }

    async def _get_task(self, task_id: str) -> dict[str, Any]:
        path = f"{TASKS_PATH}/{task_id}"
        try:
            return await self._with_retries("get task", lambda: self._call("GET", path))
        except ArkApiError as exc:
            if exc.status == 404 and not exc.code.startswith(
                ("InvalidEndpointOrModel", "ModelNotOpen")
            ):
                raise ArkApiError(
                    "The provider no longer knows this task (it may have been deleted).",
                    status=404,
                    code=exc.code,
                ) from None
            raise

    async def _with_retries(self, what: str, call: Callable[[], Awaitable[_T]]) -> _T:
        def before_sleep(state: RetryCallState) -> None:
            outcome = state.outcome
            exc = outcome.exception() if outcome is not None else None
            wait = state.next_action.sleep if state.next_action else 0.0
            log.warning(
                "ark %s: attempt %d/%d failed (%s); retrying in %.2f s",
                what,
                state.attempt_number,
                self.max_attempts,
                getattr(exc, "code", "") or getattr(exc, "status", "") or type(exc).__name__,
                wait,
            )

        retrying = AsyncRetrying(
            retry=retry_if_exception(_is_retryable),
            stop=stop_after_attempt(self.max_attempts),
            wait=self._wait,
            sleep=self._sleep,
            before_sleep=before_sleep,
            reraise=True,
        )

        async def attempt() -> _T:
            # Tenacity awaits only coroutine functions, so wrap the (lambda) factory.
            return await call()

        try:
            return await retrying(attempt)
        except ArkApiError as exc:
            if exc.retryable:
                raise ArkApiError(
                    f"{exc} (gave up after {self.max_attempts} attempts)",
                    status=exc.status,
                    code=exc.code,
                    retryable=True,
                ) from exc
            raise

    def _auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._api_key.get_secret_value()}"}

    def _scrub(self, text: str) -> str:
        secret = self._api_key.get_secret_value()
        return text.replace(secret, "***") if secret else text

    def _log_response(self, method: str, path: str, response: aiohttp.ClientResponse) -> None:
        log.debug(
            "ark %s %s → %s (X-Request-Id %s)",
            method,
            path,
            response.status,
            response.headers.get("X-Request-Id", "-"),
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
        all_headers = {**self._auth_headers(), **(headers or {})}
        try:
            async with self.session.request(
                method,
                f"{self.base_url}{path}",
                json=json,
                headers=all_headers,
                timeout=self.timeout,
            ) as response:
                self._log_response(method, path, response)
                raw = await response.read()
                status = response.status
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                should_retry = response.headers.get("x-should-retry", "").lower() != "false"
        except aiohttp.ClientConnectorError as exc:
            # Nothing reached the server: always safe to retry.
            log.warning("ark %s %s: cannot connect (%s)", method, path, type(exc).__name__)
            raise ArkApiError("The video provider can't be reached.", retryable=True) from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("ark %s %s: %s", method, path, type(exc).__name__)
            # A POST may have created a task before the connection broke: don't repeat it.
            raise ArkApiError(
                "The connection to the video provider broke.", retryable=method != "POST"
            ) from None
        data = _json_object(raw)
        if status >= 400:
            error = data.get("error") if isinstance(data.get("error"), dict) else {}
            code = str(error.get("code", "")) if error else ""
            message = self._scrub(str(error.get("message", ""))) if error else ""
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

    async def _fetch_video(self, url: str, out_path: Path) -> None:
        """GET the (pre-signed) result URL without our credentials; stream it to disk."""
        out_path.parent.mkdir(parents=True, exist_ok=True)
        part = out_path.with_name(out_path.name + ".part")
        try:
            async with self.session.get(url, timeout=aiohttp.ClientTimeout(total=None)) as resp:
                if resp.status >= 400:
                    raise ArkApiError(
                        "The finished video couldn't be downloaded from the provider "
                        f"(HTTP {resp.status}).",
                        status=resp.status,
                        retryable=resp.status >= 500 or resp.status in _RETRY_STATUSES,
                    )
                size = 0
                head = b""
                with part.open("wb") as handle:
                    async for chunk in resp.content.iter_chunked(_CHUNK):
                        size += len(chunk)
                        if size > self.max_download_bytes:
                            raise ArkApiError("The provider's video is unexpectedly large.")
                        if len(head) < 12:
                            head += chunk[: 12 - len(head)]
                        handle.write(chunk)
        except (aiohttp.ClientError, TimeoutError) as exc:
            part.unlink(missing_ok=True)
            log.warning("ark video download failed: %s", type(exc).__name__)
            raise ArkApiError(
                "The finished video couldn't be downloaded from the provider.", retryable=True
            ) from None
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        if head[4:8] != b"ftyp":
            part.unlink(missing_ok=True)
            raise ArkApiError("The provider returned a file that isn't an MP4 video.")
        part.replace(out_path)


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        data = jsonlib.loads(raw) if raw else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
