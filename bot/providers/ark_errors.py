"""Ark's errors: what each HTTP status or task error code means for the member.

Error codes from Ark's error-code reference (/work/shared/PROVIDERS.md "Error codes"): 400
``InvalidParameter[.param]``, ``MissingParameter``, ``…SensitiveContentDetected…``,
``…RiskDetection``; 401 ``AuthenticationError``; 403 ``AccountOverdueError``,
``AccessDenied``; 404 ``InvalidEndpointOrModel.NotFound``, ``ModelNotOpen``; 429
``RateLimitExceeded.*``. Re-exported by :mod:`bot.providers.ark`.
"""

from __future__ import annotations

from typing import Self

from bot.providers._http import ApiError, is_transient_status
from bot.providers.messages import (
    FACE_MESSAGE,
    KEY_MESSAGE,
    POLICY_MESSAGE,
    RATE_LIMIT_MESSAGE,
    not_generated_message,
    rejected_message,
    trouble_message,
    unexpected_status_message,
)
from bot.words import Phrase, say

# Error codes that mean the model (not the task) is unknown.
MODEL_CODES = ("InvalidEndpointOrModel", "ModelNotOpen")

QUOTA_MESSAGE = say("provider-quota-ark")


class ArkApiError(ApiError):
    """A :class:`ProviderError` that remembers what Ark answered.

    Attributes:
        status: HTTP status, or ``None`` for a task-level failure or a network error.
        code: Ark's error code (``InvalidParameter``…), or ``""``.
        retry_after: seconds the server asked us to wait (``Retry-After``), if any.
    """

    def with_message(self, message: Phrase) -> Self:
        """A copy saying ``message``; Ark's "gave up" error never carried ``retry_after``."""
        clone = super().with_message(message)
        clone.retry_after = None
        return clone


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

    Every failure is refunded: Ark does not bill failed tasks.
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
    if status == 404 or code.startswith(MODEL_CODES):
        return ArkApiError(say("provider-model-missing", model=model), status=status, code=code)
    if status == 429 or code.startswith("RateLimitExceeded"):
        return ArkApiError(
            RATE_LIMIT_MESSAGE,
            status=status,
            code=code,
            retryable=should_retry,
            retry_after=retry_after,
        )
    if status is not None and is_transient_status(status):
        return ArkApiError(
            trouble_message(status),
            status=status,
            code=code,
            retryable=should_retry,
            retry_after=retry_after,
        )
    if status == 400 or code.startswith(("InvalidParameter", "MissingParameter")):
        detail = message or code or "invalid request"
        return ArkApiError(rejected_message(detail), status=status, code=code)
    if status is None:
        detail = message or code or "no reason given"
        return ArkApiError(not_generated_message(detail), status=status, code=code)
    return ArkApiError(unexpected_status_message(status, code), status=status, code=code)
