"""The real FalProvider against the loopback FakeFal queue, with real media from shared/media."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.hosting.base import StaticUrlHost
from bot.media.probe import probe
from bot.providers.base import Provider, ProviderError, TaskStatus
from bot.providers.fal import FalProvider
from bot.seedance.compiler import GenerationRequest, compile_request
from tests.conftest import make_session
from tests.fakes.fal import FakeFal
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
)
from tests.fakes.fixtures import (
    run_to_end as poll_to_end,
)


class Env(ProviderEnv[FakeFal]):
    def provider(self, **kwargs: Any) -> FalProvider:
        return self.build(FalProvider, {"queue_base": self.fake.queue_base}, kwargs)


@pytest.fixture
async def env(media: Path, tmp_path: Path) -> AsyncIterator[Env]:
    async with provider_env(Env, FakeFal(work_dir=tmp_path / "fake-fal"), media) as env:
        yield env


def reference_request(env: Env) -> GenerationRequest:
    return compile_request(reference_session(env), "tags", env.provider().profile.limits)


def frames_request(env: Env, *, last: bool = True) -> GenerationRequest:
    session = frames_session(env, last=last)
    return compile_request(session, "tags", env.provider().profile.limits)


async def run_to_end(provider: Provider, task_id: str, max_polls: int = 20) -> list[TaskStatus]:
    """Poll until the request ends (no sleeping: the fake advances one step per poll)."""
    return await poll_to_end(provider, task_id, max_polls, what="request")


# -- happy paths -------------------------------------------------------------------------


async def test_profile_is_tags_and_cancellable(env: Env) -> None:
    profile = env.provider().profile
    assert (profile.name, profile.dialect, profile.can_cancel) == ("fal", "tags", True)


async def test_reference_to_video_end_to_end(env: Env, tmp_path: Path) -> None:
    provider = env.provider()
    request = reference_request(env)
    assert request.mode == "reference_to_video"
    env.fake.queue_positions = [2, 1]
    env.fake.progress_polls = 1

    task_id = await provider.submit(request, job_id=7)

    (submit,) = env.fake.submits()
    assert submit.status == 200
    assert submit.path == "/bytedance/seedance-2.0/reference-to-video"
    assert submit.headers["Authorization"] == f"Key {env.fake.api_key}"
    assert submit.body == {
        "prompt": request.prompt,
        "image_urls": [env.url(IMAGE_A), env.url(IMAGE_B)],
        "video_urls": [env.url(VIDEO)],
        "audio_urls": [env.url(AUDIO)],
        "resolution": "720p",
        "duration": "8",
        "aspect_ratio": "16:9",
        "generate_audio": True,
    }
    prompt = submit.body["prompt"]
    assert "@Image1" in prompt and "@Image2" in prompt and "@Video1" in prompt
    assert "@Audio1" in prompt
    order = [IMAGE_A, IMAGE_B, VIDEO, AUDIO]
    assert [d.url for d in env.fake.downloads] == [env.url(p) for p in order]
    sizes = [env.path(p).stat().st_size for p in order]
    assert [(d.status, d.size) for d in env.fake.downloads] == [(200, s) for s in sizes]

    seen: list[tuple[str, int | None]] = []
    for _ in range(4):
        status = await provider.poll(task_id)
        seen.append((status.state, status.queue_position))  # the runner reads the status
    assert seen == [("queued", 2), ("queued", 1), ("running", None), ("succeeded", None)]

    out = tmp_path / "results" / "job-7.mp4"
    await provider.download(task_id, out)
    info = probe(out)
    assert (info.kind, info.format, info.video_codec) == ("video", "mp4", "h264")
    assert not out.with_name(out.name + ".part").exists()
    cdn = [r for r in env.fake.requests if r.path.startswith("/cdn/")]
    assert cdn and all(r.status == 200 for r in cdn)
    assert all("Authorization" not in r.headers for r in env.files.requests)


async def test_image_to_video_first_and_last_on_fast_endpoint(env: Env) -> None:
    provider = env.provider(seed=1234)
    request = dataclasses.replace(frames_request(env), model="fast")
    assert request.mode == "image_to_video"

    task_id = await provider.submit(request, job_id=8)

    (submit,) = env.fake.submits()
    assert submit.path == "/bytedance/seedance-2.0/fast/image-to-video"
    assert submit.body == {
        "prompt": request.prompt,
        "image_url": env.url(IMAGE_A),
        "end_image_url": env.url(IMAGE_B),
        "resolution": "480p",
        "duration": "5",
        "aspect_ratio": "4:3",
        "generate_audio": True,
        "seed": 1234,
    }
    assert request.prompt.startswith("@Image1 as first frame.")
    assert [d.url for d in env.fake.downloads] == [env.url(IMAGE_A), env.url(IMAGE_B)]
    assert (await run_to_end(provider, task_id))[-1].state == "succeeded"


async def test_image_to_video_first_frame_only(env: Env) -> None:
    provider = env.provider()
    await provider.submit(frames_request(env, last=False), job_id=9)
    body = env.fake.submits()[0].body
    assert body["image_url"] == env.url(IMAGE_A) and "end_image_url" not in body


async def test_text_to_video_sends_no_media(env: Env) -> None:
    provider = env.provider()
    session = make_session(prompt="A paper boat drifts down a rainy street.")
    request = compile_request(session, "tags", provider.profile.limits)
    await provider.submit(request, job_id=10)
    (submit,) = env.fake.submits()
    assert submit.path == "/bytedance/seedance-2.0/text-to-video"
    assert submit.body == {
        "prompt": "A paper boat drifts down a rainy street.",
        "resolution": "720p",
        "duration": "5",
        "aspect_ratio": "16:9",
        "generate_audio": True,
    }
    assert env.fake.downloads == []


# -- following the returned URLs ---------------------------------------------------------


async def test_follows_returned_urls(env: Env, tmp_path: Path) -> None:
    env.fake.requests_prefix = "routed/elsewhere"  # not derivable from the endpoint id
    provider = env.provider()
    task_id = await provider.submit(reference_request(env), job_id=11)
    assert (await run_to_end(provider, task_id))[-1].state == "succeeded"
    await provider.download(task_id, tmp_path / "out.mp4")
    gets = [r.path for r in env.fake.requests if r.method == "GET" and "/requests/" in r.path]
    assert gets == [
        f"/routed/elsewhere/requests/{task_id}/status",
        f"/routed/elsewhere/requests/{task_id}",
    ]


async def test_unknown_request_id_uses_owner_alias_urls(env: Env) -> None:
    task_id = await env.provider().submit(reference_request(env), job_id=12)
    fresh = env.provider()  # e.g. after a restart: the returned URLs are forgotten
    assert (await run_to_end(fresh, task_id))[-1].state == "succeeded"
    status_gets = [r.path for r in env.fake.requests if r.path.endswith("/status")]
    assert status_gets == [f"/bytedance/seedance-2.0/requests/{task_id}/status"]


async def test_foreign_urls_are_not_given_the_key(env: Env) -> None:
    env.fake.foreign_urls = True
    provider = env.provider()
    task_id = await provider.submit(reference_request(env), job_id=13)
    assert provider.urls_for(task_id).status_url.startswith(env.fake.queue_base)
    assert (await run_to_end(provider, task_id))[-1].state == "succeeded"


# -- cancel ------------------------------------------------------------------------------


async def test_cancel_queued_request(env: Env) -> None:
    provider = env.provider()
    env.fake.queue_positions = [3, 2, 1]
    task_id = await provider.submit(reference_request(env), job_id=14)
    assert (await provider.poll(task_id)).state == "queued"

    assert await provider.cancel(task_id) is True

    (put,) = [r for r in env.fake.requests if r.method == "PUT"]
    assert put.path == f"/bytedance/seedance-2.0/requests/{task_id}/cancel"
    assert put.headers["Authorization"] == f"Key {env.fake.api_key}"
    status = await provider.poll(task_id)
    assert status.state == "failed" and status.error is not None
    assert "cancelled" in str(status.error)
    assert status.error.refund is True


@pytest.mark.parametrize("honoured", [False, True])
async def test_cancel_in_progress_is_only_a_request(env: Env, honoured: bool) -> None:
    provider = env.provider()
    env.fake.progress_polls = 3
    env.fake.honour_cancel = honoured
    task_id = await provider.submit(reference_request(env), job_id=16)
    assert (await provider.poll(task_id)).state == "running"

    assert await provider.cancel(task_id) is False  # a signal the app may ignore: unconfirmed

    final = (await run_to_end(provider, task_id))[-1]
    if honoured:  # it stopped after all: a failure like any other, refunded
        assert final.state == "failed" and final.error is not None and final.error.refund
    else:
        assert final.state == "succeeded"


async def test_cancel_finished_request_is_refused(env: Env) -> None:
    provider = env.provider()
    task_id = await provider.submit(reference_request(env), job_id=15)
    assert (await run_to_end(provider, task_id))[-1].state == "succeeded"
    assert await provider.cancel(task_id) is False


# -- error mapping -----------------------------------------------------------------------

POLICY = "content filter"
FACE = "realistic human face"
OWNER = "server owner needs to check the fal account"
RESULT_ERRORS = [
    (422, "content_policy_violation", "The content was flagged.", POLICY, False),
    (422, "content_policy_violation", "The image may contain a real person.", FACE, False),
    (
        422,
        "image_load_error",
        "cannot decode",
        "rejected the request: prompt: cannot decode",
        False,
    ),
    (504, "request_timeout", "Request timed out", "took too long to generate", True),
    (500, "runner_server_error", "crashed", "having trouble right now (HTTP 500)", True),
]


@pytest.mark.parametrize(("status", "error_type", "message", "expected", "retry"), RESULT_ERRORS)
async def test_failed_request_maps_error(
    env: Env, status: int, error_type: str, message: str, expected: str, retry: bool
) -> None:
    provider = env.provider(retry_wait_scale=0.0)
    env.fake.fail_request_with = (status, error_type, message)
    task_id = await provider.submit(reference_request(env), job_id=16)
    final = (await run_to_end(provider, task_id))[-1]
    assert final.state == "failed" and final.error is not None
    assert expected in str(final.error)
    assert final.error.refund is True and final.error.retryable is retry


SUBMIT_ERRORS = [
    (401, "", "No user found for Key ID and Secret", "the bot's provider key is invalid"),
    (403, "", "User is locked. Reason: Exhausted balance.", OWNER),
    (422, "content_policy_violation", "flagged", POLICY),
    (422, "content_policy_violation", "realistic human face detected", FACE),
    (404, "", "Application not found", "`bytedance/seedance-2.0/reference-to-video` isn't"),
    (400, "bad_request", "Malformed input", "rejected the request: Malformed input"),
]


@pytest.mark.parametrize(("status", "error_type", "message", "expected"), SUBMIT_ERRORS)
@pytest.mark.parametrize("header_only", [False, True])
async def test_submit_errors_map_to_member_messages(
    env: Env, status: int, error_type: str, message: str, expected: str, header_only: bool
) -> None:
    env.fake.next_submit_error = (status, error_type, message)
    env.fake.error_type_header_only = header_only
    with pytest.raises(ProviderError) as caught:
        await env.provider().submit(reference_request(env), job_id=17)
    assert expected in str(caught.value)
    assert caught.value.refund is True and caught.value.retryable is False
    assert len(env.fake.submits()) == 1
    assert env.sleeps == []


async def test_unknown_endpoint_is_refused_by_fake(env: Env) -> None:
    del env.fake.endpoints["bytedance/seedance-2.0/fast/reference-to-video"]
    request = dataclasses.replace(reference_request(env), model="fast")
    with pytest.raises(ProviderError, match="fast/reference-to-video` isn't available"):
        await env.provider().submit(request, job_id=18)


async def test_audio_only_is_refused_by_fake(env: Env) -> None:
    request = dataclasses.replace(reference_request(env), images=(), videos=())
    with pytest.raises(ProviderError, match="audio_urls: Audio cannot be the only"):
        await env.provider().submit(request, job_id=19)
    assert env.fake.queued == {}


async def test_unreachable_asset_url_is_refused(env: Env, media: Path) -> None:
    dead_url = await dead_files_url(media)
    provider = env.provider(asset_host=StaticUrlHost(dead_url, media))
    with pytest.raises(ProviderError, match="rejected the request: image_urls: Failed to down"):
        await provider.submit(reference_request(env), job_id=20)
    assert env.fake.downloads[0].status is None


async def test_poll_of_unknown_request(env: Env) -> None:
    with pytest.raises(ProviderError, match="no longer knows this task"):
        await env.provider().poll("0123abcd")


# -- retries -----------------------------------------------------------------------------


async def test_rate_limit_is_retried_honouring_retry_after(env: Env) -> None:
    provider = env.provider()
    env.fake.rate_limit_times = 2
    env.fake.rate_limit_retry_after = "4"
    task_id = await provider.submit(reference_request(env), job_id=21)
    assert [r.status for r in env.fake.submits()] == [429, 429, 200]
    assert env.sleeps == [4.0, 4.0]

    # A status poll is not retried here: the job runner holds every poll of the provider
    # for the Retry-After (bot/generation/polling.py), so the error carries it.
    env.fake.rate_limit_times = 1
    env.fake.rate_limit_retry_after = "2"
    with pytest.raises(ProviderError) as caught:
        await provider.poll(task_id)
    assert caught.value.rate_limited and caught.value.retryable
    assert caught.value.retry_after == 2.0
    assert env.sleeps == [4.0, 4.0]
    assert (await provider.poll(task_id)).state in ("queued", "succeeded")


async def test_server_errors_retry_with_backoff_then_fail_clearly(env: Env) -> None:
    provider = env.provider()
    env.fake.server_error_times = 10
    with pytest.raises(ProviderError) as caught:
        await provider.submit(reference_request(env), job_id=22)
    assert [r.status for r in env.fake.submits()] == [503] * 4
    assert env.sleeps == [0.5, 1.0, 2.0]
    message = str(caught.value)
    assert "having trouble" in message and "gave up after 4 attempts" in message
    assert caught.value.retryable is True and caught.value.refund is True


async def test_poll_survives_transient_errors(env: Env) -> None:
    provider = env.provider(retry_wait_scale=0.0)
    task_id = await provider.submit(reference_request(env), job_id=23)
    env.fake.server_error_times = 2
    assert (await provider.poll(task_id)).state == "succeeded"
    assert env.sleeps == [0.0, 0.0]


async def test_timeout_is_retryable_on_poll_but_submit_is_not_repeated(env: Env) -> None:
    provider = env.provider(request_timeout_s=0.1, max_attempts=2)
    task_id = await provider.submit(reference_request(env), job_id=24)
    env.fake.delay_s = 0.3
    with pytest.raises(ProviderError, match="connection to the video provider broke") as caught:
        await provider.poll(task_id)
    assert caught.value.retryable is True and len(env.sleeps) == 1
    with pytest.raises(ProviderError) as caught:
        await provider.submit(reference_request(env), job_id=25)
    assert caught.value.retryable is False
    assert len(env.fake.submits()) == 2


# -- secrets -----------------------------------------------------------------------------


async def test_api_key_never_logged_or_echoed(
    env: Env, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key = env.fake.api_key
    provider = env.provider(retry_wait_scale=0.0)
    errors: list[ProviderError] = []

    env.fake.rate_limit_times = 1
    env.fake.queue_positions = [1]
    task_id = await provider.submit(reference_request(env), job_id=30)
    await run_to_end(provider, task_id)
    await provider.download(task_id, tmp_path / "out.mp4")
    await provider.cancel(task_id)

    env.fake.next_submit_error = (400, "bad_request", f"echoing the key {key} back")
    try:
        await provider.submit(reference_request(env), job_id=31)
    except ProviderError as exc:
        errors.append(exc)
    env.fake.fail_request_with = (422, "content_policy_violation", f"result echo {key}")
    failed_id = await provider.submit(reference_request(env), job_id=32)
    final = (await run_to_end(provider, failed_id))[-1]
    assert final.error is not None
    errors.append(final.error)
    try:
        await env.provider(api_key=key + "-wrong").submit(reference_request(env), job_id=33)
    except ProviderError as exc:
        errors.append(exc)

    assert len(errors) == 3
    assert "echoing the key *** back" in str(errors[0])
    for error in errors:
        assert key not in str(error) and key not in repr(error.args)
    assert "x-fal-request-id" in caplog.text
    assert key not in caplog.text
    assert key not in repr(provider.__dict__)
    assert all("Authorization" not in r.headers for r in env.files.requests)
    assert all("Authorization" not in r.headers for r in env.fake.requests if "/cdn/" in r.path)


# -- the fake's strictness ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("audio_only", "Audio cannot be the only"),
        ("too_many_files", "At most 12 files"),
        ("too_many_images", "At most 9 image_urls"),
        ("too_many_videos", "At most 3 video_urls"),
        ("too_many_audios", "At most 3 audio_urls"),
        ("fast_1080p", "resolution '1080p'"),
        ("long_duration", "duration '16'"),
        ("integer_duration", "duration 8: input should be 'auto'"),
        ("bad_ratio", "aspect_ratio '5:4'"),
        ("i2v_without_image", "Field required"),
        ("i2v_with_list", "Extra inputs"),
        ("t2v_with_image", "Extra inputs"),
        ("no_prompt", "Field required"),
    ],
)
async def test_fake_validates_strictly(env: Env, case: str, expected: str) -> None:
    img, vid, aud = env.url(IMAGE_A), env.url(VIDEO), env.url(AUDIO)
    r2v = "bytedance/seedance-2.0/reference-to-video"
    fast_r2v = "bytedance/seedance-2.0/fast/reference-to-video"
    i2v = "bytedance/seedance-2.0/image-to-video"
    t2v = "bytedance/seedance-2.0/text-to-video"
    cases: dict[str, tuple[str, dict[str, Any]]] = {
        "audio_only": (r2v, {"audio_urls": [aud]}),
        "too_many_files": (
            r2v,
            {"image_urls": [img] * 9, "video_urls": [vid] * 3, "audio_urls": [aud]},
        ),
        "too_many_images": (r2v, {"image_urls": [img] * 10}),
        "too_many_videos": (r2v, {"video_urls": [vid] * 4}),
        "too_many_audios": (r2v, {"image_urls": [img], "audio_urls": [aud] * 4}),
        "fast_1080p": (fast_r2v, {"image_urls": [img], "resolution": "1080p"}),
        "long_duration": (r2v, {"image_urls": [img], "duration": "16"}),
        "integer_duration": (r2v, {"image_urls": [img], "duration": 8}),
        "bad_ratio": (r2v, {"image_urls": [img], "aspect_ratio": "5:4"}),
        "i2v_without_image": (i2v, {}),
        "i2v_with_list": (i2v, {"image_url": img, "image_urls": [img]}),
        "t2v_with_image": (t2v, {"image_url": img}),
        "no_prompt": (t2v, {"prompt": " "}),
    }
    endpoint, fields = cases[case]
    body = {"prompt": "go", **fields}
    headers = {"Authorization": f"Key {env.fake.api_key}"}
    async with env.http.post(
        f"{env.fake.queue_base}/{endpoint}", json=body, headers=headers
    ) as response:
        data = await response.json()
    assert response.status == 422
    assert expected in data["detail"][0]["msg"]
    assert env.fake.queued == {} and env.fake.downloads == []


@pytest.mark.parametrize(
    "fields",
    [
        {"duration": "6"},
        {"duration": "auto"},
        {"aspect_ratio": "auto"},
        {"resolution": "1080p"},
        {"seed": 7, "generate_audio": False},
        {},  # every optional field left to fal's defaults
    ],
)
async def test_fake_accepts_what_fal_accepts(env: Env, fields: dict[str, Any]) -> None:
    headers = {"Authorization": f"Key {env.fake.api_key}"}
    async with env.http.post(
        f"{env.fake.queue_base}/bytedance/seedance-2.0/text-to-video",
        json={"prompt": "go", **fields},
        headers=headers,
    ) as response:
        assert response.status == 200, await response.text()
    assert len(env.fake.queued) == 1


async def test_reference_to_video_takes_end_user_id(env: Env) -> None:
    headers = {"Authorization": f"Key {env.fake.api_key}"}
    async with env.http.post(
        f"{env.fake.queue_base}/bytedance/seedance-2.0/reference-to-video",
        json={"prompt": "go", "image_urls": [env.url(IMAGE_A)], "end_user_id": "member-1"},
        headers=headers,
    ) as response:
        assert response.status == 200, await response.text()


async def test_adaptive_ratio_is_sent_as_auto_and_duration_as_text(env: Env) -> None:
    provider = env.provider()
    request = dataclasses.replace(reference_request(env), ratio="adaptive", duration_s=12)
    await provider.submit(request, job_id=3)
    (submit,) = env.fake.submits()
    assert submit.status == 200
    assert (submit.body["aspect_ratio"], submit.body["duration"]) == ("auto", "12")
