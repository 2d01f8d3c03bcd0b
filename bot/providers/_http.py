"""HTTP plumbing shared by the provider clients (Ark, EvoLink-style, fal).

An error type that remembers the HTTP answer, ``Retry-After`` parsing, a tenacity wait
that honours it, the retry loop with its "gave up after N attempts" message, key
redaction, JSON parsing and the credential-free streaming download of a finished MP4;
:class:`HttpProvider` holds the client setup and the calls built from them.
"""

from __future__ import annotations

import asyncio
import copy
import email.utils
import json as jsonlib
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal, Self, TypeVar

import aiohttp
from multidict import CIMultiDictProxy
from pydantic import SecretStr
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from bot.hosting.base import AssetHost
from bot.providers.base import ProviderError
from bot.providers.messages import (
    BROKEN_CONNECTION_MESSAGE,
    RESULT_EXPIRED_MESSAGE,
    UNREACHABLE_MESSAGE,
    unpublished_message,
)
from bot.seedance.compiler import GenerationRequest, RequestAsset
from bot.words import Phrase, say

RETRY_STATUSES = frozenset({408, 409, 429})
# What an expired presigned result URL answers (object stores: 403 "Request has expired").
GONE_STATUSES = frozenset({403, 404, 410})
CHUNK = 1024 * 1024
#: the first 8 bytes of every PNG file (the PNG specification, 5.2)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_T = TypeVar("_T")

# Words a provider uses when it refuses a reference because it shows a real person.
_FACE_WORDS = re.compile(
    r"real(istic)? (person|people|human)|\bfaces?\b|privacy|celebrit", re.IGNORECASE
)


class ApiError(ProviderError):
    """A :class:`ProviderError` that remembers what the provider answered.

    Attributes:
        status: HTTP status, or ``None`` for a task-level failure or a network error.
        code: the provider's error code or type, or ``""``.
        retry_after: seconds the server asked us to wait (``Retry-After``), if any.
    """

    def __init__(
        self,
        message: Phrase,
        *,
        status: int | None = None,
        code: str = "",
        refund: bool = True,
        retryable: bool = False,
        retry_after: float | None = None,
        unconfirmed: bool = False,
    ) -> None:
        super().__init__(
            message,
            refund=refund,
            retryable=retryable,
            rate_limited=status == 429,
            retry_after=retry_after,
            unconfirmed=unconfirmed,
        )
        self.status = status
        self.code = code

    def with_message(self, message: Phrase) -> Self:
        """A copy of this error (same class and attributes) saying ``message``."""
        clone = copy.copy(self)
        clone.args = (message,)
        clone.phrase = message
        return clone


def is_transient_status(status: int) -> bool:
    """408, 409, 429 and ≥ 500: worth another attempt."""
    return status >= 500 or status in RETRY_STATUSES


def looks_like_face_refusal(text: str) -> bool:
    """Whether a refusal's code or message says a reference shows a real person."""
    return _FACE_WORDS.search(text) is not None


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


class RetryAfterWait:
    """Tenacity wait: ``Retry-After`` when the server sent one, else 0.5 s → 8 s backoff."""

    def __init__(self, scale: float, max_retry_after_s: float) -> None:
        self.scale = scale
        self.max_retry_after_s = max_retry_after_s
        self.backoff = wait_exponential(multiplier=0.5, min=0.5, max=8)

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        exc = outcome.exception() if outcome is not None else None
        if isinstance(exc, ApiError) and exc.retry_after is not None:
            return min(exc.retry_after, self.max_retry_after_s)
        return float(self.backoff(retry_state)) * self.scale


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, ProviderError) and exc.retryable


async def with_retries(
    call: Callable[[], Awaitable[_T]],
    *,
    what: str,
    logger: logging.Logger,
    max_attempts: int,
    wait: RetryAfterWait,
    sleep: Callable[[float], Awaitable[None]],
    retry_rate_limits: bool = True,
) -> _T:
    """Run ``call``, retrying retryable :class:`ProviderError` s as ``ArkProvider`` does.

    A retryable error that survives every attempt is re-raised with "(gave up after N
    attempts)" appended, keeping its class and attributes. With ``retry_rate_limits``
    false a rate limit (HTTP 429) is raised at once, ``Retry-After`` kept: status polls
    leave the wait to the job runner, which holds every poll of that provider.
    """

    def should_retry(exc: BaseException) -> bool:
        return _is_retryable(exc) and (retry_rate_limits or not getattr(exc, "rate_limited", False))

    def before_sleep(state: RetryCallState) -> None:
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None else None
        delay = state.next_action.sleep if state.next_action else 0.0
        logger.warning(
            "%s: attempt %d/%d failed (%s); retrying in %.2f s",
            what,
            state.attempt_number,
            max_attempts,
            getattr(exc, "code", "") or getattr(exc, "status", "") or type(exc).__name__,
            delay,
        )

    retrying = AsyncRetrying(
        retry=retry_if_exception(should_retry),
        stop=stop_after_attempt(max_attempts),
        wait=wait,
        sleep=sleep,
        before_sleep=before_sleep,
        reraise=True,
    )

    async def attempt() -> _T:
        # Tenacity awaits only coroutine functions, so wrap the (lambda) factory.
        return await call()

    try:
        return await retrying(attempt)
    except ApiError as exc:
        if should_retry(exc):  # it was retried until the attempts ran out
            gave_up = say("provider-gave-up", reason=exc.phrase, attempts=max_attempts)
            raise exc.with_message(gave_up) from exc
        raise


def json_value(raw: bytes) -> Any:
    """The decoded JSON document, or ``None`` when ``raw`` is empty or not JSON."""
    try:
        return jsonlib.loads(raw) if raw else None
    except ValueError:
        return None


def json_object(raw: bytes) -> dict[str, Any]:
    """The decoded JSON object, or ``{}``."""
    data = json_value(raw)
    return data if isinstance(data, dict) else {}


def error_fields(error: Any) -> tuple[str, str]:
    """``(code, message)`` of an ``{"code", "message"}`` error object, else ``("", "")``."""
    if not isinstance(error, dict):
        return "", ""
    return str(error.get("code", "")), str(error.get("message", ""))


def scrub(text: str, secret: str) -> str:
    """``text`` with ``secret`` replaced by ``***``."""
    return text.replace(secret, "***") if secret else text


async def stream_video(
    session: aiohttp.ClientSession,
    url: str,
    out_path: Path,
    *,
    max_bytes: int,
    logger: logging.Logger,
    error: type[ApiError] = ApiError,
    label: str = "video download",
    expect: Literal["mp4", "png"] = "mp4",
) -> None:
    """GET a result URL **without credentials** and stream it to ``out_path`` via ``.part``.

    ``expect``: what the file must be, by its first bytes: an MP4 (``ftyp`` box) or, for a
    last frame (Ark's ``last_frame_url``), a PNG (its 8-byte signature).

    Raises:
        ApiError (or ``error``): HTTP error, broken connection (retryable), too large, or
            not what ``expect`` says.
    """
    out_path.parent.mkdir(parents=True, exist_ok=True)
    part = out_path.with_name(out_path.name + ".part")
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=None)) as resp:
            if resp.status >= 400:
                raise error(
                    say("provider-download-status", status=str(resp.status)),
                    status=resp.status,
                    retryable=is_transient_status(resp.status),
                )
            size = 0
            head = b""
            with part.open("wb") as handle:
                async for chunk in resp.content.iter_chunked(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise error(say("provider-download-large"))
                    if len(head) < 12:
                        head += chunk[: 12 - len(head)]
                    handle.write(chunk)
    except (aiohttp.ClientError, TimeoutError) as exc:
        part.unlink(missing_ok=True)
        logger.warning("%s failed: %s", label, type(exc).__name__)
        raise error(say("provider-download-failed"), retryable=True) from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    if expect == "png" and not head.startswith(PNG_SIGNATURE):
        part.unlink(missing_ok=True)
        raise error(say("provider-download-not-png"))
    if expect == "mp4" and head[4:8] != b"ftyp":
        part.unlink(missing_ok=True)
        raise error(say("provider-download-not-mp4"))
    part.replace(out_path)


@dataclass(frozen=True)
class HttpOptions:
    """How a provider client calls its API, the same for every provider (defaults are
    production's; tests shorten them).

    Attributes:
        asset_expiry_s: seconds a published reference must stay readable; ``None``: the
            provider's own default (the job's longest life there).
        request_timeout_s: total timeout of one API call, seconds.
        max_attempts: attempts per API call when the error is transient.
        retry_wait_scale: multiplies the exponential backoff (0 in tests); ``Retry-After``
            is honoured as sent, capped at ``max_retry_after_s`` seconds.
        sleep: the coroutine that waits between attempts.
        max_download_bytes: result files larger than this are refused, bytes.
    """

    asset_expiry_s: int | None = None
    request_timeout_s: float = 60.0
    max_attempts: int = 4
    retry_wait_scale: float = 1.0
    max_retry_after_s: float = 60.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    max_download_bytes: int = 1024 * 1024 * 1024


DEFAULT_HTTP = HttpOptions()


class HttpProvider:
    """Client setup and calls shared by the HTTP providers (Ark, EvoLink, fal).

    Subclasses set ``_log_name`` (the prefix of their log lines), ``_log`` (their module's
    logger) and ``_error`` (their :class:`ApiError` subclass), and may change the
    ``Authorization`` scheme, the response header logged as the request id and the label
    of a failed download in the log, and the seconds a published reference stays readable
    unless :class:`HttpOptions` says otherwise. The constructor takes the key, the aiohttp
    session, the asset host and the :class:`HttpOptions` every provider shares.
    """

    _log_name: ClassVar[str]
    _log: ClassVar[logging.Logger]
    _error: ClassVar[type[ApiError]]
    _auth_scheme: ClassVar[str] = "Bearer"
    _request_id_header: ClassVar[str] = "X-Request-Id"
    _download_label: ClassVar[str] = "video download"
    _default_asset_expiry_s: ClassVar[int] = 86_400

    def __init__(
        self,
        api_key: SecretStr,
        *,
        session: aiohttp.ClientSession,
        asset_host: AssetHost,
        options: HttpOptions,
    ) -> None:
        self._api_key = api_key
        self.session = session
        self.asset_host = asset_host
        self.asset_expiry_s = options.asset_expiry_s or self._default_asset_expiry_s
        self.timeout = aiohttp.ClientTimeout(total=options.request_timeout_s)
        self.max_attempts = options.max_attempts
        self._wait = RetryAfterWait(options.retry_wait_scale, options.max_retry_after_s)
        self._sleep = options.sleep
        self.max_download_bytes = options.max_download_bytes

    async def _with_retries(
        self, what: str, call: Callable[[], Awaitable[_T]], *, retry_rate_limits: bool = True
    ) -> _T:
        return await with_retries(
            call,
            what=f"{self._log_name} {what}",
            logger=self._log,
            max_attempts=self.max_attempts,
            wait=self._wait,
            sleep=self._sleep,
            retry_rate_limits=retry_rate_limits,
        )

    async def _get_known(
        self,
        what: str,
        call: Callable[[], Awaitable[_T]],
        *,
        gone_message: Phrase,
        not_gone_codes: tuple[str, ...] = (),
        polling: bool = False,
    ) -> _T:
        """``call`` with retries; a 404 becomes ``gone_message`` unless its code starts with
        one of ``not_gone_codes``. ``polling``: a rate limit is not retried here (see
        :func:`with_retries`)."""
        try:
            return await self._with_retries(what, call, retry_rate_limits=not polling)
        except self._error as exc:
            if exc.status == 404 and not exc.code.startswith(not_gone_codes):
                raise self._error(gone_message, status=404, code=exc.code) from None
            raise

    def _auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"{self._auth_scheme} {self._api_key.get_secret_value()}"}

    def _scrub(self, text: str) -> str:
        return scrub(text, self._api_key.get_secret_value())

    def _log_response(self, method: str, path: str, response: aiohttp.ClientResponse) -> None:
        self._log.debug(
            "%s %s %s → %s (%s %s)",
            self._log_name,
            method,
            path,
            response.status,
            self._request_id_header,
            response.headers.get(self._request_id_header, "-"),
        )

    async def _send(
        self,
        method: str,
        url: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, CIMultiDictProxy[str], bytes]:
        """One authenticated request: ``(status, headers, body)``.

        Raises:
            ApiError (``_error``): the provider can't be reached (retryable) or the
                connection broke (retryable unless a POST, which may have gone through).
        """
        try:
            async with self.session.request(
                method,
                url,
                json=json,
                headers={**self._auth_headers(), **(headers or {})},
                timeout=self.timeout,
            ) as response:
                self._log_response(method, path, response)
                raw = await response.read()
                return response.status, response.headers, raw
        except aiohttp.ClientConnectorError as exc:
            # Nothing reached the server: always safe to retry.
            self._log.warning(
                "%s %s %s: cannot connect (%s)", self._log_name, method, path, type(exc).__name__
            )
            raise self._error(UNREACHABLE_MESSAGE, retryable=True) from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            self._log.warning("%s %s %s: %s", self._log_name, method, path, type(exc).__name__)
            # A POST may have created a task before the connection broke: don't repeat it.
            raise self._error(
                BROKEN_CONNECTION_MESSAGE, retryable=method != "POST", unconfirmed=method == "POST"
            ) from None

    async def _publish(self, placed: RequestAsset) -> str:
        """The URL ``asset_host`` published ``placed`` at."""
        try:
            return await self.asset_host.publish(
                placed.asset.path, expires_in_s=self.asset_expiry_s
            )
        except (OSError, ValueError) as exc:
            self._log.warning("publishing %s failed: %s", placed.asset.tag, exc)
            raise self._error(unpublished_message(placed.asset.tag)) from exc

    async def _publish_url_arrays(self, request: GenerationRequest) -> dict[str, list[str]]:
        """``image_urls`` / ``video_urls`` / ``audio_urls`` in request order, where present."""
        arrays: dict[str, list[str]] = {}
        for key, assets in (
            ("image_urls", request.images),
            ("video_urls", request.videos),
            ("audio_urls", request.audios),
        ):
            if assets:
                arrays[key] = [await self._publish(placed) for placed in assets]
        return arrays

    async def _download_video(self, url: str, out_path: Path) -> None:
        """Stream the result at ``url`` to ``out_path`` without credentials, with retries.

        Raises:
            ApiError (``_error``): the result could not be fetched; a result URL that
                answers 403, 404 or 410 has expired (presigned result URLs live 24 h at
                Ark and EvoLink, /work/shared/PROVIDERS.md) and is reported as such, not
                retried, and refunded.
        """
        try:
            await self._with_retries(
                "download video",
                lambda: stream_video(
                    self.session,
                    url,
                    out_path,
                    max_bytes=self.max_download_bytes,
                    logger=self._log,
                    error=self._error,
                    label=self._download_label,
                ),
            )
        except ApiError as exc:
            if exc.status in GONE_STATUSES:
                raise self._error(RESULT_EXPIRED_MESSAGE, status=exc.status) from None
            raise
