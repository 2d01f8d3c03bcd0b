"""Member-facing messages shared by the HTTP provider clients (Ark, EvoLink, fal), as
catalogue phrases (:mod:`bot.words`, ``providers.ftl``).

Messages that only one provider says (its quota message, say) stay in its module. What a
provider itself wrote (a refusal's detail) is passed through as it is.
"""

from __future__ import annotations

from bot.words import Phrase, say, verbatim

FACE_MESSAGE = say("provider-face")
POLICY_MESSAGE = say("provider-policy")
KEY_MESSAGE = say("provider-key")
RATE_LIMIT_MESSAGE = say("provider-rate-limit")
TIMEOUT_MESSAGE = say("provider-timeout")
CANCELLED_MESSAGE = say("provider-cancelled")
NO_TASK_ID_MESSAGE = say("provider-no-task-id")
NO_VIDEO_MESSAGE = say("provider-no-video")
IMAGE_TO_VIDEO_MESSAGE = say("provider-image-to-video")
UNREACHABLE_MESSAGE = say("provider-unreachable")
BROKEN_CONNECTION_MESSAGE = say("provider-broken-connection")
RESULT_EXPIRED_MESSAGE = say("provider-result-expired")


def trouble_message(status: int | None) -> Phrase:
    """The provider is failing (5xx, 408/409 or a transient error type)."""
    return say("provider-trouble", status=str(status) if status else "none")


def rejected_message(detail: str) -> Phrase:
    """The provider refused the request as invalid (``detail``: its own words)."""
    return say("provider-rejected", detail=verbatim(detail))


def not_generated_message(detail: str) -> Phrase:
    """A task failed at the provider (``detail``: its own words)."""
    return say("provider-not-generated", detail=verbatim(detail))


def unexpected_status_message(status: int, code: str) -> Phrase:
    """Any other HTTP error."""
    return say("provider-unexpected-status", status=str(status), code=code or "none")


def unpublished_message(tag: str) -> Phrase:
    """A reference could not be published through the asset host."""
    return say("provider-unpublished", tag=tag)
