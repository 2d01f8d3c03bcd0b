"""Domain errors. Each carries the sentence a member sees; cogs reply with ``str(error)``."""

from __future__ import annotations


class CallsheetError(Exception):
    """A problem the member can act on; ``str(error)`` is the member-facing message."""


class AssetRejected(CallsheetError):
    """An uploaded file broke a limit or could not be decoded; nothing was stored."""


class FixableUpload(AssetRejected):
    """An upload broke limits that one-click fixes can cure; the original is kept.

    Attributes:
        session_id: the session it was uploaded to.
        pending_id: the kept upload.
        options: ``(key, label)`` of each fix to offer.
    """

    def __init__(
        self, message: str, session_id: int, pending_id: int, options: list[tuple[str, str]]
    ) -> None:
        super().__init__(message)
        self.session_id = session_id
        self.pending_id = pending_id
        self.options = options

    def reworded(self, message: str) -> FixableUpload:
        """The same offer under another message."""
        return FixableUpload(message, self.session_id, self.pending_id, self.options)


class RequestInvalid(CallsheetError):
    """The session cannot be compiled into a request (a conflict or a broken limit)."""


class InsufficientCredits(CallsheetError):
    """The member's balance does not cover the price of the request."""


class SessionNotFound(CallsheetError):
    """No open session matches (closed, expired, or someone else's)."""
