"""Member-facing messages shared by the HTTP provider clients (Ark, EvoLink, fal).

Messages that only one provider says (its quota message, say) stay in its module.
"""

from __future__ import annotations

FACE_MESSAGE = (
    "The provider detected a realistic human face in one of the references and refused "
    "it (real people can't be used). Use a drawn or stylised character "
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
RATE_LIMIT_MESSAGE = "The provider is rate-limiting the bot right now. Try again in a minute."
TIMEOUT_MESSAGE = (
    "The provider took too long to generate the video and gave up. Nothing was charged; try again."
)
CANCELLED_MESSAGE = "The task was cancelled at the provider."
NO_TASK_ID_MESSAGE = "The provider accepted the request but returned no task id."
NO_VIDEO_MESSAGE = "The provider has no finished video for this task."
IMAGE_TO_VIDEO_MESSAGE = (
    "Image-to-video takes one or two images (first frame, then last frame) and nothing else."
)
UNREACHABLE_MESSAGE = "The video provider can't be reached."
BROKEN_CONNECTION_MESSAGE = "The connection to the video provider broke."


def trouble_message(status: int | None) -> str:
    """The provider is failing (5xx, 408/409 or a transient error type)."""
    return (
        "The video provider is having trouble right now"
        f"{f' (HTTP {status})' if status else ''}. Try again in a few minutes."
    )


def rejected_message(detail: str) -> str:
    """The provider refused the request as invalid."""
    return f"The provider rejected the request: {detail}"


def not_generated_message(detail: str) -> str:
    """A task failed at the provider."""
    return f"The provider could not generate the video: {detail}"


def unexpected_status_message(status: int, code: str) -> str:
    """Any other HTTP error."""
    return f"The provider answered HTTP {status}{f' ({code})' if code else ''}."


def unpublished_message(tag: str) -> str:
    """A reference could not be published through the asset host."""
    return f"{tag} couldn't be made available to the provider."
