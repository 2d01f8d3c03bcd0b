"""The real EvolinkProvider against the loopback FakeEvolink, with real media from shared/media."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.hosting.base import StaticUrlHost
from bot.media.probe import probe
from bot.providers.base import ProviderError
from bot.providers.evolink import EvolinkModels, EvolinkProvider, result_url
from bot.seedance.compiler import GenerationRequest, compile_request
from tests.conftest import make_session
from tests.fakes.evolink import FakeEvolink
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


class Env(ProviderEnv[FakeEvolink]):
    def provider(self, **kwargs: Any) -> EvolinkProvider:
        return self.build(EvolinkProvider, {"base_url": self.fake.base_url}, kwargs)


@pytest.fixture
async def env(media: Path, tmp_path: Path) -> AsyncIterator[Env]:
    async with provider_env(Env, FakeEvolink(work_dir=tmp_path / "fake-evolink"), media) as env:
        yield env


def reference_request(env: Env) -> GenerationRequest:
    return compile_request(reference_session(env), "natural", env.provider().profile.limits)


def frames_request(env: Env) -> GenerationRequest:
    return compile_request(frames_session(env), "natural", env.provider().profile.limits)


# -- happy paths -------------------------------------------------------------------------


async def test_profile_is_natural_and_not_cancellable(env: Env) -> None:
    provider = env.provider()
    profile = provider.profile
    assert (profile.name, profile.dialect, profile.can_cancel) == ("evolink", "natural", False)
    assert await provider.cancel("task-anything") is False
    assert env.fake.requests == []  # no cancel endpoint is called


async def test_reference_to_video_end_to_end(env: Env, tmp_path: Path) -> None:
    provider = env.provider()
    request = reference_request(env)
    assert request.mode == "reference_to_video"
    env.fake.polls_before_done = 3
    env.fake.estimated_time = 90

    task_id = await provider.submit(request, job_id=7)

    (create,) = env.fake.creates()
    assert create.status == 200
    assert create.headers["Authorization"] == f"Bearer {env.fake.api_key}"
    assert create.body == {
        "model": "seedance-2.0-reference-to-video",
        "prompt": request.prompt,
        "image_urls": [env.url(IMAGE_A), env.url(IMAGE_B)],
        "video_urls": [env.url(VIDEO)],
        "audio_urls": [env.url(AUDIO)],
        "duration": 8,
        "quality": "720p",
        "aspect_ratio": "16:9",
        "generate_audio": True,
    }
    prompt = create.body["prompt"]
    assert "image 1" in prompt and "image 2" in prompt and "video 1" in prompt
    assert "audio 1" in prompt and "@" not in prompt
    # The fake really fetched every URL, completely.
    order = [IMAGE_A, IMAGE_B, VIDEO, AUDIO]
    assert [d.url for d in env.fake.downloads] == [env.url(p) for p in order]
    sizes = [env.path(p).stat().st_size for p in order]
    assert [(d.status, d.size) for d in env.fake.downloads] == [(200, s) for s in sizes]

    seen: list[tuple[str, float | None, float | None]] = []
    for _ in range(4):
        status = await provider.poll(task_id)  # the runner reads the estimate from the status
        seen.append((status.state, status.progress, status.eta_s))
    assert seen == [
        ("queued", 0.0, 67.0),
        ("running", 0.33, 45.0),
        ("running", 0.66, 22.0),
        ("succeeded", 1.0, None),  # a finished task has no estimate left
    ]

    out = tmp_path / "results" / "job-7.mp4"
    await provider.download(task_id, out)
    info = probe(out)
    assert (info.kind, info.format, info.video_codec) == ("video", "mp4", "h264")
    assert not out.with_name(out.name + ".part").exists()
    result_gets = [r for r in env.fake.requests if r.path.startswith("/results/")]
    assert result_gets and all(r.status == 200 for r in result_gets)
    assert all("Authorization" not in r.headers for r in env.files.requests)


async def test_a_poll_without_an_estimate_reports_the_one_given_at_creation(
    env: Env,
) -> None:
    env.fake.polls_before_done = 3
    env.fake.estimated_time = 90
    env.fake.poll_estimates = False
    provider = env.provider()
    task_id = await provider.submit(reference_request(env), job_id=7)
    status = await provider.poll(task_id)
    assert (status.state, status.eta_s) == ("queued", 90.0)  # the create response's


async def test_image_to_video_first_then_last_on_fast_model(env: Env) -> None:
    provider = env.provider()
    request = dataclasses.replace(frames_request(env), model="fast")
    assert request.mode == "image_to_video"

    task_id = await provider.submit(request, job_id=8)

    assert env.fake.creates()[0].body == {
        "model": "seedance-2.0-fast-image-to-video",
        "prompt": request.prompt,
        "image_urls": [env.url(IMAGE_A), env.url(IMAGE_B)],
        "duration": 5,
        "quality": "480p",
        "aspect_ratio": "4:3",
        "generate_audio": True,
    }
    assert request.prompt.startswith("Use image 1 as the first frame.")
    assert [d.url for d in env.fake.downloads] == [env.url(IMAGE_A), env.url(IMAGE_B)]
    assert (await run_to_end(provider, task_id))[-1].state == "succeeded"


async def test_text_to_video_and_configured_model_ids(env: Env) -> None:
    env.fake.models["acme-t2v"] = "text-to-video"
    provider = env.provider(models=EvolinkModels(text_to_video="acme-t2v"))
    session = make_session(prompt="A paper boat drifts down a rainy street.", ratio="9:16")
    request = compile_request(session, "natural", provider.profile.limits)
    await provider.submit(request, job_id=9)
    assert env.fake.creates()[0].body == {
        "model": "acme-t2v",
        "prompt": "A paper boat drifts down a rainy street.",
        "duration": 5,
        "quality": "720p",
        "aspect_ratio": "9:16",
        "generate_audio": True,
    }
    assert env.fake.downloads == []


async def test_image_to_video_with_three_images_is_refused_before_sending(env: Env) -> None:
    request = frames_request(env)
    request = dataclasses.replace(request, images=request.images * 2)
    with pytest.raises(ProviderError, match="one or two images"):
        await env.provider().submit(request, job_id=10)
    assert env.fake.creates() == []


# -- error mapping -----------------------------------------------------------------------

POLICY = "content filter"
FACE = "realistic human face"
OWNER = "server owner needs to top up"
TASK_ERRORS = [
    ("content_policy_violation", "Prompt flagged", POLICY, False),
    ("content_policy_violation", "The image may contain a real person", FACE, False),
    ("invalid_parameters", "duration out of range", "rejected the request: duration out", False),
    ("image_processing_error", "corrupt JPEG", "couldn't process one of the images", False),
    ("image_dimension_mismatch", "1:1 vs 16:9", "dimensions don't fit together (1:1", False),
    ("generation_timeout", "took too long", "took too long to generate", True),
    ("quota_exceeded", "no credits", OWNER, False),
    ("resource_exhausted", "no GPUs", "out of capacity", True),
    ("service_unavailable", "maintenance", "out of capacity", True),
    ("request_cancelled", "Request was cancelled", "cancelled at the", False),
    ("generation_failed_no_content", "empty", "couldn't make a video from this", False),
    ("service_error", "internal", "out of capacity", True),
    ("resource_not_found", "expired task", "no longer knows this task", False),
    ("unknown_error", "who knows", "could not generate the video: who knows", False),
    ("something_new", "boom", "could not generate the video: boom", False),
]


@pytest.mark.parametrize(("code", "message", "expected", "retryable"), TASK_ERRORS)
async def test_failed_task_maps_error(
    env: Env, code: str, message: str, expected: str, retryable: bool
) -> None:
    provider = env.provider()
    env.fake.fail_task_with = (code, message)
    env.fake.polls_before_done = 1
    task_id = await provider.submit(reference_request(env), job_id=11)
    final = (await run_to_end(provider, task_id))[-1]
    assert final.state == "failed" and final.error is not None
    assert expected in str(final.error)
    assert final.error.refund is True
    assert final.error.retryable is retryable
    with pytest.raises(ProviderError, match="no finished video"):
        await provider.download(task_id, env.media.parent / "never.mp4")


HTTP_ERRORS = [
    (400, "invalid_parameters", "bad ratio", "The provider rejected the request: bad ratio"),
    (400, "content_policy_violation", "flagged", POLICY),
    (400, "content_policy_violation", "realistic human face detected", FACE),
    (400, "image_dimension_mismatch", "too small", "dimensions don't fit"),
    (401, "unauthorized", "bad key", "the bot's provider key is invalid — tell a moderator"),
    (402, "quota_exceeded", "Insufficient balance", OWNER),
    (403, "forbidden", "no access", OWNER),
    (404, "model_not_found", "nope", "`seedance-2.0-reference-to-video` isn't available"),
    (413, "request_too_large", "64 MB", "rejected the request: 64 MB"),
    (429, "quota_exceeded", "Monthly quota", OWNER),
]


@pytest.mark.parametrize(("status", "code", "message", "expected"), HTTP_ERRORS)
async def test_create_errors_map_to_member_messages(
    env: Env, status: int, code: str, message: str, expected: str
) -> None:
    provider = env.provider()
    env.fake.next_create_error = (status, code, message)
    with pytest.raises(ProviderError) as caught:
        await provider.submit(reference_request(env), job_id=12)
    assert expected in str(caught.value)
    assert caught.value.refund is True and caught.value.retryable is False
    assert len(env.fake.creates()) == 1  # not retried
    assert env.sleeps == []


async def test_wrong_key_is_refused_and_never_echoed(env: Env) -> None:
    wrong = "evo-wrong-key-should-never-leak"
    with pytest.raises(ProviderError) as caught:
        await env.provider(api_key=wrong).submit(reference_request(env), job_id=13)
    assert "provider key is invalid" in str(caught.value)
    assert wrong not in str(caught.value)
    assert env.fake.creates()[0].status == 401


async def test_unknown_model_is_refused_by_fake(env: Env) -> None:
    provider = env.provider(models=EvolinkModels(reference_to_video="seedance-9"))
    with pytest.raises(ProviderError, match="`seedance-9` isn't available"):
        await provider.submit(reference_request(env), job_id=14)


async def test_audio_only_is_refused_by_fake(env: Env) -> None:
    request = dataclasses.replace(reference_request(env), images=(), videos=())
    with pytest.raises(ProviderError, match="rejected the request: Audio cannot be the only"):
        await env.provider().submit(request, job_id=15)
    assert env.fake.tasks == {}


async def test_unreachable_asset_url_is_refused(env: Env, media: Path) -> None:
    dead_url = await dead_files_url(media)
    provider = env.provider(asset_host=StaticUrlHost(dead_url, media))
    with pytest.raises(ProviderError, match="rejected the request: Failed to download image"):
        await provider.submit(reference_request(env), job_id=16)
    assert env.fake.downloads[0].status is None


async def test_asset_outside_host_root_fails_before_submit(env: Env, tmp_path: Path) -> None:
    provider = env.provider(asset_host=StaticUrlHost(env.files.base_url, tmp_path))
    with pytest.raises(ProviderError, match="@image1 couldn't be made available"):
        await provider.submit(reference_request(env), job_id=17)
    assert env.fake.creates() == []


async def test_poll_of_unknown_task(env: Env) -> None:
    with pytest.raises(ProviderError, match="no longer knows this task"):
        await env.provider().poll("task-missing")


# -- retries -----------------------------------------------------------------------------


async def test_rate_limit_is_retried_honouring_retry_after(env: Env) -> None:
    provider = env.provider()
    env.fake.rate_limit_times = 2
    env.fake.rate_limit_retry_after = "7"
    task_id = await provider.submit(reference_request(env), job_id=20)
    assert [r.status for r in env.fake.creates()] == [429, 429, 200]
    assert env.sleeps == [7.0, 7.0]  # Retry-After, not the 0.5 s backoff

    # A status poll is not retried here: the job runner holds every poll of the provider
    # for the Retry-After (bot/generation/polling.py, which caps it), so the error carries it.
    env.fake.rate_limit_times = 1
    env.fake.rate_limit_retry_after = "120"
    with pytest.raises(ProviderError) as caught:
        await provider.poll(task_id)
    assert caught.value.rate_limited and caught.value.retryable
    assert caught.value.retry_after == 120.0
    assert env.sleeps == [7.0, 7.0]
    assert (await provider.poll(task_id)).state in ("queued", "succeeded")


async def test_server_errors_retry_with_backoff_then_fail_clearly(env: Env) -> None:
    provider = env.provider()
    env.fake.server_error_times = 10
    env.fake.server_error_status = 500
    env.fake.server_error_code = "internal_error"
    with pytest.raises(ProviderError) as caught:
        await provider.submit(reference_request(env), job_id=21)
    assert [r.status for r in env.fake.creates()] == [500] * 4
    assert env.sleeps == [0.5, 1.0, 2.0]
    message = str(caught.value)
    assert "having trouble" in message and "HTTP 500" in message
    assert "gave up after 4 attempts" in message
    assert caught.value.retryable is True and caught.value.refund is True


async def test_service_unavailable_twice_then_success(env: Env) -> None:
    provider = env.provider(retry_wait_scale=0.0)
    env.fake.server_error_times = 2  # 503 service_unavailable
    await provider.submit(reference_request(env), job_id=22)
    assert [r.status for r in env.fake.creates()] == [503, 503, 200]
    assert env.sleeps == [0.0, 0.0]


async def test_timeout_is_retryable_on_poll(env: Env) -> None:
    provider = env.provider(request_timeout_s=0.1, max_attempts=2)
    task_id = await provider.submit(reference_request(env), job_id=23)
    env.fake.delay_s = 0.3
    with pytest.raises(ProviderError, match="connection to the video provider broke") as caught:
        await provider.poll(task_id)
    assert caught.value.retryable is True
    assert len(env.sleeps) == 1


async def test_timeout_on_create_is_not_repeated(env: Env) -> None:
    provider = env.provider(request_timeout_s=0.1)
    env.fake.delay_s = 0.3
    with pytest.raises(ProviderError, match="connection to the video provider broke") as caught:
        await provider.submit(reference_request(env), job_id=24)
    assert caught.value.retryable is False
    assert len(env.fake.creates()) == 1


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
    task_id = await provider.submit(reference_request(env), job_id=30)
    await run_to_end(provider, task_id)
    await provider.download(task_id, tmp_path / "out.mp4")

    env.fake.next_create_error = (400, "invalid_parameters", f"echoing the key {key} back")
    for attempt in range(2):
        try:
            await provider.submit(reference_request(env), job_id=31 + attempt)
        except ProviderError as exc:
            errors.append(exc)
        env.fake.server_error_times = 10
    env.fake.server_error_times = 0
    env.fake.fail_task_with = ("invalid_parameters", f"task echo {key}")
    failed_id = await provider.submit(reference_request(env), job_id=33)
    final = (await run_to_end(provider, failed_id))[-1]
    assert final.error is not None
    errors.append(final.error)
    try:
        await env.provider(api_key=key + "-wrong").submit(reference_request(env), job_id=34)
    except ProviderError as exc:
        errors.append(exc)

    assert len(errors) == 4
    assert "echoing the key *** back" in str(errors[0])
    assert "task echo ***" in str(errors[2])
    for error in errors:
        assert key not in str(error) and key not in repr(error.args)
    assert "X-Request-Id" in caplog.text  # response ids are logged …
    assert key not in caplog.text  # … the key never is
    assert key not in repr(provider.__dict__)
    assert all("Authorization" not in r.headers for r in env.files.requests)
    assert all(
        "Authorization" not in r.headers for r in env.fake.requests if r.path.startswith("/res")
    )


# -- the fake's strictness ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("audio_only", "Audio cannot be the only"),
        ("too_many_files", "At most 12 files"),
        ("too_many_images", "At most 9 image_urls"),
        ("too_many_videos", "At most 3 video_urls"),
        ("too_many_audios", "At most 3 audio_urls"),
        ("bad_quality", "quality '1080p'"),
        ("short_duration", "duration 3"),
        ("string_duration", "duration '5'"),
        ("bad_ratio", "aspect_ratio '5:4'"),
        ("i2v_with_video", "image-to-video takes only image_urls"),
        ("i2v_three_images", "needs 1 or 2 image_urls"),
        ("t2v_with_image", "text-to-video takes no"),
        ("unknown_field", "Unknown parameter"),
    ],
)
async def test_fake_validates_strictly(env: Env, case: str, expected: str) -> None:
    img, vid, aud = env.url(IMAGE_A), env.url(VIDEO), env.url(AUDIO)
    r2v = "seedance-2.0-reference-to-video"
    i2v = "seedance-2.0-image-to-video"

    def body(model: str = r2v, **fields: Any) -> dict[str, Any]:
        return {"model": model, "prompt": "go", "duration": 5, "quality": "720p", **fields}

    bodies = {
        "audio_only": body(audio_urls=[aud]),
        "too_many_files": body(image_urls=[img] * 9, video_urls=[vid] * 3, audio_urls=[aud]),
        "too_many_images": body(image_urls=[img] * 10),
        "too_many_videos": body(video_urls=[vid] * 4),
        "too_many_audios": body(image_urls=[img], audio_urls=[aud] * 4),
        "bad_quality": body(image_urls=[img], quality="1080p"),
        "short_duration": body(image_urls=[img], duration=3),
        "string_duration": body(image_urls=[img], duration="5"),
        "bad_ratio": body(image_urls=[img], aspect_ratio="5:4"),
        "i2v_with_video": body(i2v, image_urls=[img], video_urls=[vid]),
        "i2v_three_images": body(i2v, image_urls=[img] * 3),
        "t2v_with_image": body("seedance-2.0-text-to-video", image_urls=[img]),
        "unknown_field": body(image_urls=[img], frames=121),
    }
    headers = {"Authorization": f"Bearer {env.fake.api_key}"}
    async with env.http.post(
        f"{env.fake.base_url}/v1/videos/generations", json=bodies[case], headers=headers
    ) as response:
        data = await response.json()
    assert response.status == 400
    assert data["error"]["code"] == "invalid_parameters"
    assert expected in data["error"]["message"]
    assert env.fake.tasks == {} and env.fake.downloads == []


async def test_a_cancelled_task_fails_with_a_refund(env: Env) -> None:
    provider = env.provider()
    env.fake.cancel_task = True
    task_id = await provider.submit(reference_request(env), job_id=12)
    final = (await run_to_end(provider, task_id))[-1]
    assert final.state == "failed" and final.error is not None
    assert "cancelled at the" in str(final.error) and final.error.refund
    assert getattr(final.error, "code", None) == "request_cancelled"


async def test_the_result_url_is_read_in_either_shape(env: Env, tmp_path: Path) -> None:
    provider = env.provider()
    env.fake.results_as = "objects"
    task_id = await provider.submit(reference_request(env), job_id=13)
    await run_to_end(provider, task_id)
    await provider.download(task_id, tmp_path / "out.mp4")
    assert probe(tmp_path / "out.mp4").video_codec == "h264"
    assert result_url({"results": ["https://a/1.mp4"]}) == "https://a/1.mp4"
    assert result_url({"results": [{"video_url": "https://a/2.mp4"}]}) == "https://a/2.mp4"
    assert result_url({"video_url": "https://a/3.mp4"}) == "https://a/3.mp4"
    assert result_url({"results": []}) is None and result_url({"results": [7]}) is None


@pytest.mark.parametrize(
    ("status", "error_type", "expected"),
    [
        (401, "authentication_error", "key is invalid"),
        (402, "insufficient_quota_error", "top up the EvoLink account"),
        (429, "rate_limit_error", "rate-limiting the bot"),
        (400, "invalid_request_error", "rejected the request: bad prompt"),
    ],
)
async def test_http_errors_with_a_numeric_code_read_the_type(
    env: Env, status: int, error_type: str, expected: str
) -> None:
    env.fake.numeric_error_codes = True
    env.fake.next_create_error = (status, error_type, "bad prompt")
    with pytest.raises(ProviderError, match=expected):
        await env.provider(max_attempts=1).submit(reference_request(env), job_id=14)
