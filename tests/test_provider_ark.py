"""The real ArkProvider against the loopback FakeArk, with real media from shared/media."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import aiohttp
import pytest
from pydantic import SecretStr

from bot.hosting.base import StaticUrlHost
from bot.media.probe import probe
from bot.providers.ark import (
    DEFAULT_FAST_MODEL,
    DEFAULT_MODEL,
    ArkProvider,
    parse_retry_after,
)
from bot.providers.ark_regions import BYTEPLUS_BASE_URL, VOLCENGINE_BASE_URL, ArkRegion, RegionName
from bot.providers.base import ProviderError, job_seed
from bot.seedance.compiler import GenerationRequest, compile_request
from bot.services import build_providers
from bot.settings import Settings
from tests.conftest import make_session
from tests.fakes import FakeArk
from tests.fakes.ark import VOLCENGINE_MODELS
from tests.fakes.fixtures import (
    AUDIO,
    IMAGE_A,
    IMAGE_B,
    VIDEO,
    ProviderEnv,
    dead_files_url,
    frames_session,
    provider_env,
    reference_session,
    run_to_end,
)


class Env(ProviderEnv[FakeArk]):
    def provider(self, **kwargs: Any) -> ArkProvider:
        return self.build(ArkProvider, {"base_url": self.fake.base_url}, kwargs)


@pytest.fixture
async def env(media: Path, tmp_path: Path) -> AsyncIterator[Env]:
    async with provider_env(Env, FakeArk(work_dir=tmp_path / "fake-ark"), media) as env:
        yield env


def reference_request(env: Env, provider: ArkProvider) -> GenerationRequest:
    session = reference_session(env)
    return compile_request(session, provider.profile.dialect, provider.profile.limits)


def frames_request(env: Env, provider: ArkProvider) -> GenerationRequest:
    session = frames_session(env)
    return compile_request(session, provider.profile.dialect, provider.profile.limits)


def urls_of(body: dict[str, Any]) -> list[str]:
    return [item[item["type"]]["url"] for item in body["content"] if item["type"] != "text"]


# -- happy paths -------------------------------------------------------------------------


async def test_profile_is_natural_and_cancellable(env: Env) -> None:
    profile = env.provider().profile
    assert (profile.name, profile.dialect, profile.can_cancel) == ("ark", "natural", True)
    assert profile.poll_interval_s == 5.0


async def test_reference_to_video_end_to_end(env: Env, tmp_path: Path) -> None:
    provider = env.provider()
    request = reference_request(env, provider)
    assert request.mode == "reference_to_video"
    env.fake.polls_before_done = 2

    task_id = await provider.submit(request, job_id=7)

    (create,) = env.fake.creates()
    assert create.status == 200
    assert create.headers["Authorization"] == f"Bearer {env.fake.api_key}"
    assert create.headers["X-Client-Request-Id"] == "callsheet-job-7"
    body = create.body
    assert body["model"] == DEFAULT_MODEL
    assert (body["ratio"], body["resolution"], body["duration"]) == ("16:9", "720p", 8)
    assert body["seed"] == job_seed(7, request)  # the job's own, reported back by the task
    assert "execution_expires_after" not in body and "service_tier" not in body
    assert body["watermark"] is False and body["return_last_frame"] is False
    assert body["generate_audio"] is True
    content = body["content"]
    assert [(c["type"], c.get("role")) for c in content] == [
        ("text", None),
        ("image_url", "reference_image"),
        ("image_url", "reference_image"),
        ("video_url", "reference_video"),
        ("audio_url", "reference_audio"),
    ]
    # Array order equals the "image N" numbering in the natural-dialect prompt.
    assert urls_of(body) == [
        f"{env.files.base_url}/{IMAGE_A}",
        f"{env.files.base_url}/{IMAGE_B}",
        f"{env.files.base_url}/{VIDEO}",
        f"{env.files.base_url}/{AUDIO}",
    ]
    text = content[0]["text"]
    assert text == request.prompt
    assert "image 1" in text and "image 2" in text and "video 1" in text and "audio 1" in text
    assert "@" not in text
    # The fake really fetched every published URL, and each was complete.
    assert [d.url for d in env.fake.downloads] == urls_of(body)
    sizes = [env.path(p).stat().st_size for p in (IMAGE_A, IMAGE_B, VIDEO, AUDIO)]
    assert [(d.status, d.size) for d in env.fake.downloads] == [(200, s) for s in sizes]

    states = [s.state for s in await run_to_end(provider, task_id)]
    assert states == ["queued", "running", "succeeded"]

    out = tmp_path / "results" / "job-7.mp4"
    await provider.download(task_id, out)
    info = probe(out)
    assert (info.kind, info.format, info.video_codec) == ("video", "mp4", "h264")
    assert (info.width, info.height) == (320, 240)
    assert not out.with_name(out.name + ".part").exists()
    # The pre-signed result URL got no credentials (the fake refuses them), nor did the
    # asset host.
    result_gets = [r for r in env.fake.requests if r.path.startswith("/results/")]
    assert result_gets and all(r.status == 200 for r in result_gets)
    assert all("Authorization" not in r.headers for r in env.files.requests)


async def test_image_to_video_first_and_last_frame(env: Env) -> None:
    provider = env.provider()
    request = dataclasses.replace(frames_request(env, provider), model="fast")
    assert request.mode == "image_to_video"

    task_id = await provider.submit(request, job_id=8)

    body = env.fake.creates()[0].body
    assert body["model"] == DEFAULT_FAST_MODEL
    assert [(c["type"], c.get("role")) for c in body["content"]] == [
        ("text", None),
        ("image_url", "first_frame"),
        ("image_url", "last_frame"),
    ]
    assert urls_of(body) == [
        f"{env.files.base_url}/{IMAGE_A}",
        f"{env.files.base_url}/{IMAGE_B}",
    ]
    assert (body["ratio"], body["resolution"], body["duration"]) == ("4:3", "480p", 5)
    assert body["content"][0]["text"].startswith("Use image 1 as the first frame.")
    assert (await run_to_end(provider, task_id))[-1].state == "succeeded"


async def test_text_to_video_sends_only_text(env: Env) -> None:
    provider = env.provider()
    session = make_session(prompt="A paper boat drifts down a rainy street.")
    request = compile_request(session, "natural", provider.profile.limits)
    await provider.submit(request, job_id=9)
    body = env.fake.creates()[0].body
    assert body["content"] == [{"type": "text", "text": "A paper boat drifts down a rainy street."}]
    assert env.fake.downloads == []


# -- cancel ------------------------------------------------------------------------------


async def test_cancel_queued_task(env: Env) -> None:
    provider = env.provider()
    env.fake.polls_before_done = 3
    task_id = await provider.submit(reference_request(env, provider), job_id=10)

    assert await provider.cancel(task_id) is True

    delete = [r for r in env.fake.requests if r.method == "DELETE"]
    assert delete[0].path.endswith(task_id)
    status = await provider.poll(task_id)
    assert status.state == "failed" and status.error is not None
    assert "cancelled" in str(status.error)
    assert status.error.refund is True


async def test_cancel_running_task_is_refused(env: Env) -> None:
    provider = env.provider()
    env.fake.polls_before_done = 3
    task_id = await provider.submit(reference_request(env, provider), job_id=11)
    await provider.poll(task_id)  # queued
    assert (await provider.poll(task_id)).state == "running"

    assert await provider.cancel(task_id) is False
    assert [r for r in env.fake.requests if r.method == "DELETE"] == []
    assert (await run_to_end(provider, task_id))[-1].state == "succeeded"


async def test_cancel_of_a_finished_task_never_deletes_it(env: Env, tmp_path: Path) -> None:
    provider = env.provider()
    task_id = await provider.submit(reference_request(env, provider), job_id=12)
    assert (await run_to_end(provider, task_id))[-1].state == "succeeded"
    assert await provider.cancel(task_id) is False
    assert [r for r in env.fake.requests if r.method == "DELETE"] == []  # DELETE would erase it
    await provider.download(task_id, tmp_path / "kept.mp4")
    assert probe(tmp_path / "kept.mp4").video_codec == "h264"


# -- error mapping -----------------------------------------------------------------------

FACE = "realistic human face"
POLICY = "content filter"
CREATE_ERRORS = [
    (400, "InvalidParameter", "ratio is bad", "The provider rejected the request: ratio is bad"),
    (400, "InvalidParameter.Duration", "duration 99", "rejected the request: duration 99"),
    (400, "InputImageSensitiveContentDetected.PrivacyInformation", "may contain real person", FACE),
    (400, "InputVideoSensitiveContentDetected.PrivacyInformation", "real person", FACE),
    (400, "InputTextRiskDetection", "risky text", POLICY),
    (400, "InputImageRiskDetection", "risky image", POLICY),
    (400, "ContentSecurityDetectionError", "blocked", POLICY),
    (401, "AuthenticationError", "bad key", "the bot's provider key is invalid — tell a moderator"),
    (403, "AccountOverdueError", "overdue", "server owner"),
    (403, "AccessDenied", "denied", "server owner"),
    (404, "ModelNotOpen", "not open", f"`{DEFAULT_MODEL}` isn't available"),
    (404, "InvalidEndpointOrModel.NotFound", "not found", "not found or not activated"),
]


@pytest.mark.parametrize(("status", "code", "message", "expected"), CREATE_ERRORS)
async def test_create_errors_map_to_member_messages(
    env: Env, status: int, code: str, message: str, expected: str
) -> None:
    provider = env.provider()
    env.fake.next_create_error = (status, code, message)
    with pytest.raises(ProviderError) as caught:
        await provider.submit(reference_request(env, provider), job_id=12)
    assert expected in str(caught.value)
    assert caught.value.refund is True
    assert caught.value.retryable is False
    assert len(env.fake.creates()) == 1  # not retried
    if code.endswith("PrivacyInformation"):
        assert "drawn or stylised character" in str(caught.value)
    assert env.sleeps == []


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("OutputVideoSensitiveContentDetected", POLICY),
        ("InputImageSensitiveContentDetected.PrivacyInformation", FACE),
        ("InternalServiceError", "could not generate the video: boom"),
    ],
)
async def test_failed_task_maps_error(env: Env, code: str, expected: str) -> None:
    provider = env.provider()
    env.fake.fail_task_with = (code, "boom")
    env.fake.polls_before_done = 1
    task_id = await provider.submit(reference_request(env, provider), job_id=13)
    final = (await run_to_end(provider, task_id))[-1]
    assert final.state == "failed" and final.error is not None
    assert expected in str(final.error)
    assert final.error.refund is True


async def test_expired_task_fails_with_refund(env: Env) -> None:
    provider = env.provider()
    env.fake.expire_task = True
    task_id = await provider.submit(reference_request(env, provider), job_id=14)
    final = (await run_to_end(provider, task_id))[-1]
    assert final.state == "failed" and final.error is not None
    assert "expired" in str(final.error)
    assert final.error.refund is True and final.error.retryable is True
    with pytest.raises(ProviderError, match="no finished video"):
        await provider.download(task_id, env.fake.work_dir / "never.mp4")  # type: ignore[operator]


async def test_wrong_key_is_refused_by_fake_and_never_echoed(env: Env) -> None:
    wrong = "ark-wrong-key-should-never-leak"
    provider = env.provider(api_key=wrong)
    with pytest.raises(ProviderError) as caught:
        await provider.submit(reference_request(env, provider), job_id=15)
    assert "provider key is invalid" in str(caught.value)
    assert wrong not in str(caught.value)
    assert env.fake.creates()[0].status == 401


async def test_unknown_model_is_refused_by_fake(env: Env) -> None:
    provider = env.provider(model="seedance-does-not-exist")
    with pytest.raises(ProviderError, match="seedance-does-not-exist` isn't available"):
        await provider.submit(reference_request(env, provider), job_id=16)


async def test_audio_only_is_refused_by_fake(env: Env) -> None:
    provider = env.provider()
    # The compiler refuses audio-only sessions; force one through to test the fake.
    request = dataclasses.replace(reference_request(env, provider), images=(), videos=())
    with pytest.raises(ProviderError, match="rejected the request: Audio cannot be the only"):
        await provider.submit(request, job_id=17)
    assert env.fake.tasks == {}


async def test_unreachable_asset_url_is_refused(env: Env, media: Path) -> None:
    dead_url = await dead_files_url(media)
    provider = env.provider(asset_host=StaticUrlHost(dead_url, media))
    with pytest.raises(ProviderError, match="rejected the request: Failed to download image"):
        await provider.submit(reference_request(env, provider), job_id=18)
    assert env.fake.downloads[0].status is None


async def test_asset_outside_host_root_fails_before_submit(env: Env, tmp_path: Path) -> None:
    provider = env.provider(asset_host=StaticUrlHost(env.files.base_url, tmp_path))
    with pytest.raises(ProviderError, match="@image1 couldn't be made available"):
        await provider.submit(reference_request(env, provider), job_id=19)
    assert env.fake.creates() == []


async def test_poll_of_unknown_task(env: Env) -> None:
    with pytest.raises(ProviderError, match="no longer knows this task"):
        await env.provider().poll("cgt-missing")


# -- retries -----------------------------------------------------------------------------


async def test_rate_limit_is_retried_honouring_retry_after(env: Env) -> None:
    provider = env.provider()
    env.fake.rate_limit_times = 2
    task_id = await provider.submit(reference_request(env, provider), job_id=20)
    assert [r.status for r in env.fake.creates()] == [429, 429, 200]
    assert env.sleeps == [0.0, 0.0]  # Retry-After: 0, not the 0.5 s backoff
    assert env.fake.creates()[2].headers["X-Client-Request-Id"] == "callsheet-job-20"

    # A status poll is not retried here: the job runner holds every poll of the provider
    # for the Retry-After (bot/generation/polling.py), so the error carries it.
    env.fake.rate_limit_times = 1
    env.fake.rate_limit_retry_after = "3"
    with pytest.raises(ProviderError) as caught:
        await provider.poll(task_id)
    assert caught.value.rate_limited and caught.value.retryable
    assert caught.value.retry_after == 3.0
    assert env.sleeps == [0.0, 0.0]
    assert (await provider.poll(task_id)).state in ("queued", "succeeded")


async def test_server_errors_retry_with_backoff_then_fail_clearly(env: Env) -> None:
    provider = env.provider()
    env.fake.server_error_times = 10
    env.fake.server_error_status = 503
    with pytest.raises(ProviderError) as caught:
        await provider.submit(reference_request(env, provider), job_id=21)
    assert [r.status for r in env.fake.creates()] == [503] * 4
    assert env.sleeps == [0.5, 1.0, 2.0]
    message = str(caught.value)
    assert "having trouble" in message and "HTTP 503" in message
    assert "gave up after 4 attempts" in message
    assert caught.value.retryable is True and caught.value.refund is True


async def test_poll_survives_a_transient_server_error(env: Env) -> None:
    provider = env.provider(retry_wait_scale=0.0)
    task_id = await provider.submit(reference_request(env, provider), job_id=22)
    env.fake.server_error_times = 1
    assert (await provider.poll(task_id)).state in ("queued", "succeeded")
    assert env.sleeps == [0.0]


async def test_timeout_is_retryable_on_poll(env: Env) -> None:
    provider = env.provider(request_timeout_s=0.1, max_attempts=2)
    task_id = await provider.submit(reference_request(env, provider), job_id=23)
    env.fake.delay_s = 0.3
    with pytest.raises(ProviderError, match="connection to the video provider broke") as caught:
        await provider.poll(task_id)
    assert caught.value.retryable is True
    assert len(env.sleeps) == 1


def test_parse_retry_after() -> None:
    assert parse_retry_after("0") == 0.0
    assert parse_retry_after("2.5") == 2.5
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


# -- secrets -----------------------------------------------------------------------------


async def test_api_key_never_logged_or_echoed(
    env: Env, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key = env.fake.api_key
    provider = env.provider()
    errors: list[ProviderError] = []

    env.fake.polls_before_done = 1
    env.fake.rate_limit_times = 1
    task_id = await provider.submit(reference_request(env, provider), job_id=30)
    await run_to_end(provider, task_id)
    await provider.download(task_id, tmp_path / "out.mp4")

    env.fake.next_create_error = (400, "InvalidParameter", f"echoing the key {key} back")
    for attempt in range(2):
        try:
            await provider.submit(reference_request(env, provider), job_id=31 + attempt)
        except ProviderError as exc:
            errors.append(exc)
        env.fake.server_error_times = 10
    try:
        await env.provider(api_key=key + "-wrong").submit(
            reference_request(env, provider), job_id=33
        )
    except ProviderError as exc:
        errors.append(exc)

    assert len(errors) == 3
    assert "echoing the key *** back" in str(errors[0])
    for error in errors:
        assert key not in str(error) and key not in repr(error.args)
    assert "X-Request-Id" in caplog.text  # response ids are logged …
    assert key not in caplog.text  # … the key never is
    assert key not in repr(provider.__dict__)
    # Only the provider's API routes ever saw the key.
    assert all("Authorization" not in r.headers for r in env.files.requests)
    assert all(
        "Authorization" not in r.headers for r in env.fake.requests if r.path.startswith("/res")
    )


# -- the asset host ----------------------------------------------------------------------


async def test_static_url_host(tmp_path: Path) -> None:
    (tmp_path / "sub dir").mkdir()
    file = tmp_path / "sub dir" / "a b.png"
    file.write_bytes(b"x")
    host = StaticUrlHost("https://assets.example/c/", tmp_path)
    url = await host.publish(file, expires_in_s=60)
    assert url == "https://assets.example/c/sub%20dir/a%20b.png"
    with pytest.raises(ValueError, match="outside"):
        await host.publish(tmp_path.parent / "elsewhere.png", expires_in_s=60)
    with pytest.raises(ValueError, match="not a file"):
        await host.publish(tmp_path / "missing.png", expires_in_s=60)


# -- the fake's strictness ---------------------------------------------------------------


def _body(content: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": DEFAULT_MODEL,
        "content": [{"type": "text", "text": "go"}, *content],
        "ratio": "16:9",
        "resolution": "720p",
        "duration": 5,
        "seed": -1,
        "watermark": False,
        "generate_audio": True,
        "return_last_frame": False,
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("mixed_roles", "cannot be mixed"),
        ("too_many_media", "At most 12 media"),
        ("too_many_images", "At most 9 image_url"),
        ("too_many_videos", "At most 3 video_url"),
        ("too_many_audios", "At most 3 audio_url"),
        ("bad_resolution", "resolution '1080p'"),
        ("bad_duration", "duration 16"),
        ("bad_ratio", "ratio '5:4'"),
        ("bad_role", "not valid for video_url"),
        ("unknown_field", "Unknown parameter"),
        ("string_duration", "duration '5'"),
    ],
)
async def test_fake_validates_strictly(env: Env, case: str, expected: str) -> None:
    img = {
        "type": "image_url",
        "image_url": {"url": f"{env.files.base_url}/{IMAGE_A}"},
        "role": "reference_image",
    }
    vid = {
        "type": "video_url",
        "video_url": {"url": f"{env.files.base_url}/{VIDEO}"},
        "role": "reference_video",
    }
    aud = {
        "type": "audio_url",
        "audio_url": {"url": f"{env.files.base_url}/{AUDIO}"},
        "role": "reference_audio",
    }
    first = {**img, "role": "first_frame"}
    bodies = {
        "mixed_roles": _body([first, img]),
        "too_many_media": _body([img] * 9 + [aud] * 3 + [vid]),
        "too_many_images": _body([img] * 10),
        "too_many_videos": _body([vid] * 4),
        "too_many_audios": _body([img, *[aud] * 4]),
        "bad_resolution": _body([img], resolution="1080p", model=DEFAULT_FAST_MODEL),
        "bad_duration": _body([img], duration=16),
        "bad_ratio": _body([img], ratio="5:4"),
        "bad_role": _body([{**vid, "role": "reference_image"}]),
        "unknown_field": _body([img], fps=24),
        "string_duration": _body([img], duration="5"),
    }
    headers = {"Authorization": f"Bearer {env.fake.api_key}"}
    async with env.http.post(
        f"{env.fake.base_url}/contents/generations/tasks", json=bodies[case], headers=headers
    ) as response:
        data = await response.json()
    assert response.status == 400
    assert data["error"]["code"].startswith("InvalidParameter")
    assert expected in data["error"]["message"]
    assert env.fake.tasks == {}


# -- regions: BytePlus ModelArk and Volcengine Ark ----------------------------------------


@pytest.mark.parametrize(
    ("region", "base_url", "expected"),
    [
        (None, None, "byteplus"),
        (None, VOLCENGINE_BASE_URL, "volcengine"),
        (None, "https://ark.cn-shanghai.volces.com/api/v3", "volcengine"),
        (None, BYTEPLUS_BASE_URL, "byteplus"),
        (None, "http://127.0.0.1:9/api/v3", "byteplus"),
        ("volcengine", "http://127.0.0.1:9/api/v3", "volcengine"),
        ("byteplus", VOLCENGINE_BASE_URL, "byteplus"),
        (None, "https://evil-volces.com.example/api/v3", "byteplus"),
    ],
)
def test_region_follows_the_setting_else_the_base_url(
    region: RegionName | None, base_url: str | None, expected: str
) -> None:
    assert ArkRegion.resolve(region, base_url).name == expected


def test_volcengine_base_url_alone_sends_volcengine_model_ids(tmp_path: Path) -> None:
    settings = Settings(
        discord_token=SecretStr("t"),
        data_dir=tmp_path,
        ark_api_key=SecretStr("k"),
        ark_base_url=VOLCENGINE_BASE_URL,
        public_base_url="http://127.0.0.1:9",
    )
    host = StaticUrlHost("http://127.0.0.1:9/files", tmp_path)
    provider = build_providers(settings, cast(aiohttp.ClientSession, None), host)["ark"]
    assert isinstance(provider, ArkProvider)
    assert (provider.base_url, provider.model, provider.fast_model) == (
        VOLCENGINE_BASE_URL,
        "doubao-seedance-2-0-260128",
        "doubao-seedance-2-0-fast-260128",
    )
    explicit = Settings(
        discord_token=SecretStr("t"), ark_api_key=SecretStr("k"), ark_region="volcengine",
        ark_model="ep-20260101-abc", public_base_url="http://127.0.0.1:9",
    )  # fmt: skip
    chosen = build_providers(explicit, cast(aiohttp.ClientSession, None), host)["ark"]
    assert isinstance(chosen, ArkProvider)
    assert (chosen.base_url, chosen.model, chosen.fast_model) == (
        VOLCENGINE_BASE_URL,
        "ep-20260101-abc",
        "doubao-seedance-2-0-fast-260128",
    )


async def test_a_volcengine_account_takes_volcengine_ids_and_refuses_byteplus_ones(
    env: Env,
) -> None:
    env.fake.models = VOLCENGINE_MODELS
    region = ArkRegion.configure("volcengine", env.fake.base_url)
    volcengine = env.provider(model=region.model, fast_model=region.fast_model)
    request = reference_request(env, volcengine)
    await volcengine.submit(request, job_id=1)
    await volcengine.submit(dataclasses.replace(request, model="fast"), job_id=2)
    assert [r.body["model"] for r in env.fake.creates()] == [
        "doubao-seedance-2-0-260128",
        "doubao-seedance-2-0-fast-260128",
    ]
    with pytest.raises(ProviderError, match="isn't available") as refused:
        await env.provider().submit(request, job_id=3)  # BytePlus's dreamina-… id
    assert getattr(refused.value, "status", None) == 404
    assert len(env.fake.tasks) == 2


# -- fields Ark takes: expiry, service tier, roles, the 24 h result ------------------------


@pytest.mark.parametrize(("left_s", "sent"), [(7200.4, 7201), (60.0, 3600), (9e6, 259200)])
async def test_execution_expires_after_follows_the_job_deadline(
    env: Env, left_s: float, sent: int
) -> None:
    provider = env.provider(service_tier="flex")
    request = reference_request(env, provider)
    task_id = await provider.submit(request, job_id=4, expires_in_s=left_s)
    (create,) = env.fake.creates()
    assert create.status == 200
    assert create.body["execution_expires_after"] == sent
    assert create.body["service_tier"] == "flex"
    listed = await env.http.get(
        f"{env.fake.base_url}/contents/generations/tasks",
        params={"filter.service_tier": "flex"},
        headers={"Authorization": f"Bearer {env.fake.api_key}"},
    )
    assert [t["id"] for t in (await listed.json())["items"]] == [task_id]


def _lone_image(url: str, **fields: Any) -> dict[str, Any]:
    image: dict[str, Any] = {"type": "image_url", "image_url": {"url": url}}
    return {
        "model": DEFAULT_MODEL,
        "content": [{"type": "text", "text": "A slow dolly in."}, image],
        **fields,
    }


@pytest.mark.parametrize(
    "fields",
    [
        {},  # the lone image has no role: Ark takes it as the first frame
        {"service_tier": "default", "execution_expires_after": 3600},
        {"service_tier": "flex", "camera_fixed": True, "priority": 1},
        {"safety_identifier": "member-hash", "return_last_frame": True, "draft": False},
        {"callback_url": "https://example.com/cb", "watermark": True, "seed": 5},
        {  # the SDK sends None for every field it was not given
            "callback_url": None, "service_tier": None, "execution_expires_after": None,
            "camera_fixed": None, "seed": None, "ratio": None, "duration": None,
            "resolution": None, "frames": None, "tools": None,
        },
    ],
)  # fmt: skip
async def test_fake_accepts_the_optional_fields_ark_takes(env: Env, fields: dict[str, Any]) -> None:
    body = _lone_image(env.url(IMAGE_A), **fields)
    headers = {"Authorization": f"Bearer {env.fake.api_key}"}
    url = f"{env.fake.base_url}/contents/generations/tasks"
    async with env.http.post(url, json=body, headers=headers) as response:
        assert response.status == 200, await response.text()
    (task,) = env.fake.tasks.values()
    assert task.body == body


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"service_tier": "scale"}, "service_tier 'scale'"),
        ({"execution_expires_after": 600}, "execution_expires_after must be"),
        ({"execution_expires_after": 300_000}, "execution_expires_after must be"),
        ({"camera_fixed": "yes"}, "camera_fixed has the wrong type"),
        ({"priority": True}, "priority has the wrong type"),
    ],
)
async def test_fake_refuses_what_ark_refuses(
    env: Env, fields: dict[str, Any], expected: str
) -> None:
    headers = {"Authorization": f"Bearer {env.fake.api_key}"}
    url = f"{env.fake.base_url}/contents/generations/tasks"
    body = _lone_image(env.url(IMAGE_A), **fields)
    async with env.http.post(url, json=body, headers=headers) as response:
        data = await response.json()
    assert response.status == 400 and expected in data["error"]["message"]
    assert env.fake.tasks == {}


async def test_a_role_may_be_left_out_only_for_a_lone_image(env: Env) -> None:
    headers = {"Authorization": f"Bearer {env.fake.api_key}"}
    url = f"{env.fake.base_url}/contents/generations/tasks"
    body = _lone_image(env.url(IMAGE_A))
    body["content"].append(
        {"type": "image_url", "image_url": {"url": env.url(IMAGE_B)}, "role": "last_frame"}
    )
    async with env.http.post(url, json=body, headers=headers) as response:
        data = await response.json()
    assert response.status == 400 and data["error"]["code"] == "MissingParameter"


async def test_a_result_not_fetched_within_24_hours_is_reported_expired(
    env: Env, tmp_path: Path
) -> None:
    provider = env.provider()
    task_id = await provider.submit(reference_request(env, provider), job_id=5)
    env.fake.result_age_s = 86_400 + 60  # it finished a day ago (the bot was down)
    (status,) = await run_to_end(provider, task_id)
    assert status.state == "succeeded"
    with pytest.raises(ProviderError) as expired:
        await provider.download(task_id, tmp_path / "out.mp4")
    assert "couldn't be fetched before the video service deleted it" in str(expired.value)
    assert expired.value.refund and not expired.value.retryable
    assert not [r for r in env.fake.requests if r.path.startswith("/results/")]  # not tried


async def test_an_expired_result_url_is_not_retried(env: Env, tmp_path: Path) -> None:
    provider = env.provider()
    task_id = await provider.submit(reference_request(env, provider), job_id=6)
    await run_to_end(provider, task_id)
    env.fake.result_ttl_s = -1.0  # the URL answers 403 "expired" though the task looks fresh
    with pytest.raises(ProviderError, match="keeps results for 24 hours") as expired:
        await provider.download(task_id, tmp_path / "out.mp4")
    assert expired.value.refund and not expired.value.retryable
    fetched = [r for r in env.fake.requests if r.path.startswith("/results/")]
    assert [r.status for r in fetched] == [403]  # once: a gone result is not retried
