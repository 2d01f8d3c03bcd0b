"""Domain errors. Each carries the :class:`bot.words.Phrase` a member reads; cogs render it in
the member's locale, and ``str(error)`` is its English text (for logs and tests)."""

from __future__ import annotations

from bot.words import Phrase, Words


class PhrasedError(Exception):
    """An error whose message is a catalogue phrase.

    Attributes:
        phrase: what the member reads (rendered in their locale by the Discord layer).
    """

    def __init__(self, phrase: Phrase) -> None:
        super().__init__(phrase)
        self.phrase = phrase

    def __str__(self) -> str:
        return Words.english().text(self.phrase)


class CallsheetError(PhrasedError):
    """A problem the member can act on; the one error path shows them :attr:`phrase`."""


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
        self,
        phrase: Phrase,
        session_id: int,
        pending_id: int,
        options: list[tuple[str, Phrase]],
    ) -> None:
        super().__init__(phrase)
        self.session_id = session_id
        self.pending_id = pending_id
        self.options = options

    def reworded(self, phrase: Phrase) -> FixableUpload:
        """The same offer under another message."""
        return FixableUpload(phrase, self.session_id, self.pending_id, self.options)


class RequestInvalid(CallsheetError):
    """The session cannot be compiled into a request (a conflict or a broken limit)."""


class InsufficientCredits(CallsheetError):
    """The member's balance does not cover the price of the request."""


class SessionNotFound(CallsheetError):
    """No open session matches (closed, expired, or someone else's)."""


class PromptRefused(CallsheetError):
    """A check refused the prompt; it is kept as the session's draft, so the member can
    edit it again (``session_id``) instead of writing it anew."""

    def __init__(self, phrase: Phrase, session_id: int) -> None:
        super().__init__(phrase)
        self.session_id = session_id


class RolesUnconfirmed(CallsheetError):
    """Generate found roles that are only Callsheet's suggestions; the member keeps or
    changes them first (``session_id``)."""

    def __init__(self, phrase: Phrase, session_id: int) -> None:
        super().__init__(phrase)
        self.session_id = session_id
