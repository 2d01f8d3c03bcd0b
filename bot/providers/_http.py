"""HTTP plumbing shared by the aggregator clients (EvoLink-style, fal).

Generalises the pieces of :mod:`bot.providers.ark` that are tied to ``ArkApiError``: an
error type that remembers the HTTP answer, a tenacity wait that honours ``Retry-After``,
the retry loop with its "gave up after N attempts" message, key redaction and the
credential-free streaming download of a finished MP4. ``parse_retry_after`` is reused
from :mod:`bot.providers.ark` as is.
"""

from __future__ import annotations

import copy
import json as jsonlib
import logging
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from bot.providers.base import ProviderError

RETRY_STATUSES = frozenset({408, 409, 429})
CHUNK = 1024 * 1024
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
        message: str,
        *,
        status: int | None = None,
        code: str = "",
        refund: bool = True,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, refund=refund, retryable=retryable)
        self.status = status
        self.code = code
        self.retry_after = retry_after

    def with_message(self, message: str) -> ApiError:
        """A copy of this error (same class and attributes) saying ``message``."""
        clone = copy.copy(self)
        clone.args = (message,)
        return clone


def is_transient_status(status: int) -> bool:
    """408, 409, 429 and ≥ 500: worth another attempt."""
    return status >= 500 or status in RETRY_STATUSES


def looks_like_face_refusal(text: str) -> bool:
    """Whether a refusal's code or message says a reference shows a real person."""
    return _FACE_WORDS.search(text) is not None


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
) -> _T:
    """Run ``call``, retrying retryable :class:`ProviderError` s as ``ArkProvider`` does.

    A retryable error that survives every attempt is re-raised with "(gave up after N
    attempts)" appended, keeping its class and attributes.
    """

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
        retry=retry_if_exception(_is_retryable),
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
        if exc.retryable:
            raise exc.with_message(f"{exc} (gave up after {max_attempts} attempts)") from exc
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
) -> None:
    """GET a result URL **without credentials** and stream it to ``out_path`` via ``.part``.

    Raises:
        ApiError (or ``error``): HTTP error, broken connection (retryable), too large, or
            not an MP4.
    """
    out_path.parent.mkdir(parents=True, exist_ok=True)
    part = out_path.with_name(out_path.name + ".part")
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=None)) as resp:
            if resp.status >= 400:
                raise error(
                    "The finished video couldn't be downloaded from the provider "
                    f"(HTTP {resp.status}).",
                    status=resp.status,
                    retryable=is_transient_status(resp.status),
                )
            size = 0
            head = b""
            with part.open("wb") as handle:
                async for chunk in resp.content.iter_chunked(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise error("The provider's video is unexpectedly large.")
                    if len(head) < 12:
                        head += chunk[: 12 - len(head)]
                    handle.write(chunk)
    except (aiohttp.ClientError, TimeoutError) as exc:
        part.unlink(missing_ok=True)
        logger.warning("video download failed: %s", type(exc).__name__)
        raise error(
            "The finished video couldn't be downloaded from the provider.", retryable=True
        ) from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    if head[4:8] != b"ftyp":
        part.unlink(missing_ok=True)
        raise error("The provider returned a file that isn't an MP4 video.")
    part.replace(out_path)
