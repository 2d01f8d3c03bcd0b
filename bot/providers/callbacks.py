"""Callbacks of providers that POST their task object and do not sign it (Ark, EvoLink).

Such a callback proves itself only by the unguessable per-job token in its URL, which the
receiver checks (``bot.generation.callbacks``); its body is the same task object the
status call returns, read here for the task id and whether it says the task ended.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.providers.base import CallbackNotice


class TaskObjectCallbacks:
    """A :class:`~bot.providers.base.CallbackScheme` for an unsigned task-object callback.

    Args:
        pending: the ``status`` values that mean "not ended yet" (a callback saying one
            of them is acknowledged and not acted on); any other status, or none, counts
            as final, so the runner polls and reads the truth.
        https_only: the provider takes only ``https://`` callback URLs.
        id_field / status_field: where the body keeps the task id and its status.
    """

    def __init__(
        self,
        pending: frozenset[str],
        *,
        https_only: bool = False,
        id_field: str = "id",
        status_field: str = "status",
    ) -> None:
        self.pending = pending
        self.https_only = https_only
        self.id_field = id_field
        self.status_field = status_field

    def accepts(self, url: str) -> bool:
        """``https://`` URLs, and ``http://`` ones unless ``https_only``."""
        return url.startswith("https://") or (not self.https_only and url.startswith("http://"))

    async def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        """Always ``True``: these providers do not sign; the URL's token is the proof."""
        return True

    def notice(self, body: Any) -> CallbackNotice:
        """The body's task id and whether its status is not one of ``pending``."""
        if not isinstance(body, dict):
            return CallbackNotice(None, final=True)
        task_id = body.get(self.id_field)
        status = body.get(self.status_field)
        return CallbackNotice(
            task_id if isinstance(task_id, str) and task_id else None,
            final=not (isinstance(status, str) and status in self.pending),
        )
