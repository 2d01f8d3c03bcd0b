"""The pieces of callbacks and fallback polling on their own: the poll schedule (as
bot/generation/polling.py documents it), provider-wide rate-limit holds, per-job callback
tokens, and fal's webhook signatures checked against a JWKS (the fal fake's, served on
loopback, signed with a real ED25519 key)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.generation.callbacks import CallbackUrls
from bot.generation.polling import PollSchedule, ProviderHolds
from bot.providers.base import ProviderError
from bot.providers.callbacks import TaskObjectCallbacks
from bot.providers.fal_webhook import FalWebhooks, keys_from_jwks
from tests.fakes.fal import FakeFal


@pytest.mark.parametrize(
    ("age_s", "expected"),
    [(0, 5.0), (50, 5.0), (120, 12.0), (300, 30.0), (600, 60.0), (7200, 60.0)],
)
def test_without_a_callback_polls_back_off_from_5_s_to_60_s(age_s: float, expected: float) -> None:
    assert PollSchedule().interval(age_s, 5.0, callback=False) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("age_s", "expected"),
    [(0, 120.0), (480, 120.0), (600, 150.0), (1200, 300.0), (7200, 300.0)],
)
def test_with_a_callback_polling_is_a_slow_fallback(age_s: float, expected: float) -> None:
    assert PollSchedule().interval(age_s, 5.0, callback=True) == pytest.approx(expected)


def test_the_base_is_the_providers_own_interval_and_waits_are_jittered() -> None:
    schedule = PollSchedule()
    assert schedule.interval(1.0, 0.25, callback=False) == 0.25  # the local preview
    assert schedule.interval(10.0, 0.25, callback=False) == pytest.approx(1.0)
    assert schedule.wait(0.0, 5.0, callback=False, rng=lambda: 0.0) == pytest.approx(4.5)
    assert schedule.wait(0.0, 5.0, callback=False, rng=lambda: 1.0) == pytest.approx(5.5)


def test_a_rate_limit_holds_the_provider_for_its_retry_after() -> None:
    clock = [100.0]
    holds = ProviderHolds(now=lambda: clock[0])
    assert holds.remaining("ark") == 0.0
    assert holds.hold("ark", 3.0) == 3.0
    clock[0] += 2
    assert holds.remaining("ark") == pytest.approx(1.0)
    assert holds.remaining("fal") == 0.0  # other providers are not held
    assert holds.hold("ark", None) == 30.0  # no Retry-After: the default
    assert holds.hold("ark", 1.0) == 1.0 and holds.remaining("ark") == pytest.approx(30.0)
    assert holds.hold("fal", 86_400) == 300.0  # capped at five minutes


def test_callback_tokens_are_per_job_provider_and_key() -> None:
    urls = CallbackUrls("https://bot.example.org/", b"key")
    token = urls.token("ark", 7)
    assert len(token) == 32 and urls.url("ark", 7) == (
        f"https://bot.example.org/callbacks/ark/7/{token}"
    )
    assert urls.valid("ark", 7, token)
    assert not urls.valid("ark", 8, token)
    assert not urls.valid("fal", 7, token)
    assert not urls.valid(
        "ark", 7, CallbackUrls("https://bot.example.org", b"other").token("ark", 7)
    )
    assert not urls.valid("ark", 7, token[:-1])


def test_unsigned_task_object_callbacks_read_status_as_a_hint() -> None:
    scheme = TaskObjectCallbacks(frozenset({"queued", "running"}), https_only=True)
    assert scheme.notice({"id": "cgt-1", "status": "running"}).final is False
    assert scheme.notice({"id": "cgt-1", "status": "succeeded"}).final is True
    assert scheme.notice({"id": "cgt-1", "status": "something new"}).final is True
    assert scheme.notice("not an object").final is True  # unreadable: poll and see
    assert scheme.notice({"id": 5}).task_id is None
    assert scheme.accepts("https://bot.example.org/x") and not scheme.accepts("http://bot/x")


@pytest.fixture
async def fal() -> AsyncIterator[FakeFal]:
    async with FakeFal() as fake:
        yield fake


def _signed(fal: FakeFal, body: bytes, *, at: float | None = None) -> dict[str, str]:
    timestamp = str(int(at if at is not None else time.time()))
    return {
        "X-Fal-Webhook-Request-Id": "req-1",
        "X-Fal-Webhook-User-Id": fal.user_id,
        "X-Fal-Webhook-Timestamp": timestamp,
        "X-Fal-Webhook-Signature": fal.sign("req-1", timestamp, body),
    }


async def test_a_fal_webhook_signature_is_checked_against_its_jwks(fal: FakeFal) -> None:
    body = json.dumps({"request_id": "req-1", "status": "OK", "payload": {}}).encode()
    async with aiohttp.ClientSession() as http:
        webhooks = FalWebhooks(http, fal.jwks_url)
        assert await webhooks.verify(_signed(fal, body), body)
        assert not await webhooks.verify(_signed(fal, body), body + b" ")  # body changed
        stale = _signed(fal, body, at=time.time() - 301)
        assert not await webhooks.verify(stale, body)  # fal: at most 5 minutes off
        headers = _signed(fal, body)
        headers["X-Fal-Webhook-User-Id"] = "someone-else"
        assert not await webhooks.verify(headers, body)
        assert not await webhooks.verify({}, body)
        async with FakeFal() as stranger:  # the right shape, another key
            assert not await webhooks.verify(_signed(stranger, body), body)
        assert webhooks.notice(json.loads(body)).task_id == "req-1"


async def test_unreachable_fal_keys_are_retryable_and_no_url_means_token_only() -> None:
    async with aiohttp.ClientSession() as http:
        with pytest.raises(ProviderError) as caught:
            await FalWebhooks(http, "http://127.0.0.1:9/jwks.json").verify(
                {"X-Fal-Webhook-Request-Id": "r", "X-Fal-Webhook-Timestamp": str(int(time.time())),
                 "X-Fal-Webhook-Signature": "00"}, b"{}",
            )  # fmt: skip
        assert caught.value.retryable
        assert await FalWebhooks(http, None).verify({}, b"{}")


def test_only_ed25519_keys_are_taken_from_a_jwks() -> None:
    document = {
        "keys": [
            {"kty": "RSA", "n": "x", "e": "AQAB"},
            {"kty": "OKP", "crv": "Ed25519", "x": "not base64 !"},
            {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
        ]
    }
    assert len(keys_from_jwks(document)) == 1
    assert keys_from_jwks("nonsense") == []
