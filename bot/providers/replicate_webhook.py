"""Replicate's signed webhooks (docs/ARCHITECTURE.md "Jobs and callbacks").

Replicate signs every webhook POST as ``replicate-python``'s ``replicate/webhook.py``
``Webhooks.validate`` checks it: headers ``webhook-id``, ``webhook-timestamp`` and
``webhook-signature`` (space-separated ``v1,<base64>`` entries), each a base64
HMAC-SHA256 of ``"{id}.{timestamp}.{body}"`` keyed with the base64 part of the account's
``whsec_…`` secret (``GET /v1/webhooks/default/secret``). The body is the prediction.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import SecretStr

from bot.providers.base import CallbackNotice

log = logging.getLogger(__name__)

_FINAL = frozenset({"succeeded", "failed", "canceled"})


class ReplicateWebhooks:
    """Replicate's signed webhooks, a :class:`~bot.providers.base.CallbackScheme`.

    Args:
        secret: the account's webhook signing secret (``whsec_…``, from
            ``GET /v1/webhooks/default/secret``); ``None``: signatures are not checked,
            only the URL's per-job token.
        tolerance_s: a signature older or newer than this is refused (replay).
        now: Unix time in seconds (injectable).
    """

    def __init__(
        self,
        secret: SecretStr | None,
        *,
        tolerance_s: float = 300.0,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._secret = secret
        self.tolerance_s = tolerance_s
        self._now = now

    def accepts(self, url: str) -> bool:
        """``http(s)://`` URLs."""
        return url.startswith(("https://", "http://"))

    async def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        """The ``webhook-signature`` is Replicate's over ``id.timestamp.body`` (as
        ``replicate.webhook.Webhooks.validate`` checks it), within ``tolerance_s``."""
        if self._secret is None:
            return True
        lowered = {k.lower(): v for k, v in headers.items()}
        webhook_id = lowered.get("webhook-id", "")
        stamp = lowered.get("webhook-timestamp", "")
        signatures = lowered.get("webhook-signature", "")
        if not (webhook_id and stamp.isdigit() and signatures):
            return False
        if abs(self._now() - int(stamp)) > self.tolerance_s:
            return False
        key = self._secret.get_secret_value().split("_", 1)[-1]
        try:
            secret = base64.b64decode(key)
        except ValueError:
            log.error("REPLICATE_WEBHOOK_SECRET is not a whsec_… secret")
            return False
        expected = hmac.new(secret, f"{webhook_id}.{stamp}.".encode() + body, hashlib.sha256)
        for candidate in signatures.split():
            _, _, value = candidate.partition(",")
            try:
                if hmac.compare_digest(base64.b64decode(value), expected.digest()):
                    return True
            except ValueError:
                continue
        return False

    def notice(self, body: Any) -> CallbackNotice:
        """The prediction's id and whether its ``status`` is final."""
        if not isinstance(body, dict):
            return CallbackNotice(None, final=True)
        task_id = body.get("id")
        status = body.get("status")
        return CallbackNotice(
            task_id if isinstance(task_id, str) and task_id else None,
            final=not isinstance(status, str) or status in _FINAL,
        )
