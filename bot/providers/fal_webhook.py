"""fal's webhooks: ED25519-signed POSTs when a queued request completes.

A submit to ``queue.fal.run/{endpoint}?fal_webhook=<url>`` makes fal POST, once the
request is done, ``{"request_id", "gateway_request_id", "status": "OK" | "ERROR",
"payload", "error"?, "payload_error"?}`` to the URL, retrying 10 times over 2 hours when it
is not answered 2xx (within 15 s). Each POST carries ``X-Fal-Webhook-Request-Id``,
``X-Fal-Webhook-User-Id``, ``X-Fal-Webhook-Timestamp`` (Unix seconds) and
``X-Fal-Webhook-Signature``: the hex ED25519 signature of
``request_id \\n user_id \\n timestamp \\n sha256_hex(raw body)`` by one of the keys
published as a JWKS (``OKP``/``Ed25519`` keys, ``x`` base64url) at
``https://rest.alpha.fal.ai/.well-known/jwks.json``; a timestamp more than 5 minutes off
is refused (fal's docs, "Webhooks" → "Verifying your webhook").

The keys are fetched on the first webhook and kept 24 h; a signature none of them
verifies fetches them again (at most every 5 minutes: fal may have rotated its keys).
With no JWKS URL configured the per-job token in the URL is the only proof.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bot.providers.base import CallbackNotice, ProviderError
from bot.words import say

log = logging.getLogger(__name__)

FAL_JWKS_URL = "https://rest.alpha.fal.ai/.well-known/jwks.json"
TIMESTAMP_LEEWAY_S = 300  # fal: refuse a timestamp more than 5 minutes off
KEYS_TTL_S = 24 * 3600  # fal: cache the JWKS for up to 24 h
REFETCH_AFTER_S = 300  # an unverified signature refetches keys at most this often
_HEADERS = ("request-id", "user-id", "timestamp", "signature")


def signed_message(request_id: str, user_id: str, timestamp: str, body: bytes) -> bytes:
    """The bytes fal signs for a webhook: the three headers and the body's SHA-256 (hex),
    one per line."""
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join((request_id, user_id, timestamp, digest)).encode()


def keys_from_jwks(document: Any) -> list[Ed25519PublicKey]:
    """The Ed25519 public keys of a JWKS document (other or malformed keys are skipped)."""
    keys: list[Ed25519PublicKey] = []
    entries = document.get("keys") if isinstance(document, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or entry.get("crv") != "Ed25519":
            continue
        x = entry.get("x")
        if not isinstance(x, str):
            continue
        try:
            raw = base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
            keys.append(Ed25519PublicKey.from_public_bytes(raw))
        except (ValueError, binascii.Error):
            continue
    return keys


class FalWebhooks:
    """fal's :class:`~bot.providers.base.CallbackScheme`: signature checks and the body.

    Args:
        session: the HTTP session the JWKS is fetched with.
        jwks_url: where fal publishes its keys; ``None`` or empty: signatures are not
            checked (the URL's per-job token is the proof).
        clock: seconds since the epoch (injectable for tests).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        jwks_url: str | None = FAL_JWKS_URL,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.session = session
        self.jwks_url = jwks_url or None
        self.clock = clock
        self._keys: list[Ed25519PublicKey] = []
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    def accepts(self, url: str) -> bool:
        """Any http(s) URL (fal's docs set no scheme rule)."""
        return url.startswith(("https://", "http://"))

    async def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        """Whether the webhook is signed by fal, within 5 minutes of now.

        Raises:
            ProviderError: fal's keys could not be fetched (retryable).
        """
        if self.jwks_url is None:
            return True
        lower = {k.lower(): v for k, v in headers.items()}
        values = [lower.get(f"x-fal-webhook-{name}", "") for name in _HEADERS]
        request_id, user_id, timestamp, signature_hex = values
        if not (request_id and timestamp and signature_hex):
            return False
        try:
            signature = bytes.fromhex(signature_hex)
            skew = abs(self.clock() - int(timestamp))
        except ValueError:
            return False
        if skew > TIMESTAMP_LEEWAY_S:
            return False
        message = signed_message(request_id, user_id, timestamp, body)
        if self._verified(await self._current_keys(), signature, message):
            return True
        if self._fetched_at is not None and self.clock() - self._fetched_at < REFETCH_AFTER_S:
            return False
        return self._verified(await self._current_keys(refetch=True), signature, message)

    def notice(self, body: Any) -> CallbackNotice:
        """fal calls back once, when the request is done: always final."""
        request_id = body.get("request_id") if isinstance(body, dict) else None
        return CallbackNotice(request_id if isinstance(request_id, str) else None, final=True)

    @staticmethod
    def _verified(keys: list[Ed25519PublicKey], signature: bytes, message: bytes) -> bool:
        for key in keys:
            try:
                key.verify(signature, message)
            except InvalidSignature:
                continue
            return True
        return False

    async def _current_keys(self, *, refetch: bool = False) -> list[Ed25519PublicKey]:
        async with self._lock:  # one fetch for a burst of webhooks
            fresh = self._fetched_at is not None and self.clock() - self._fetched_at < KEYS_TTL_S
            if fresh and not refetch:
                return self._keys
            assert self.jwks_url is not None
            try:
                async with self.session.get(
                    self.jwks_url, timeout=aiohttp.ClientTimeout(total=10)
                ) as response:
                    document = await response.json(content_type=None) if response.ok else None
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                log.warning("fal webhook keys: fetching %s failed: %s", self.jwks_url, exc)
                raise ProviderError(say("provider-webhook-keys"), retryable=True) from None
            keys = keys_from_jwks(document)
            if not keys:
                log.warning("fal webhook keys: %s has no Ed25519 key", self.jwks_url)
                raise ProviderError(say("provider-webhook-keys"), retryable=True)
            self._keys, self._fetched_at = keys, self.clock()
            return keys
