"""The real ReplicateProvider against the loopback FakeReplicate, with real media."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.media.probe import probe
from bot.providers.base import ProviderError, job_seed
from bot.providers.replicate import ReplicateProvider
from bot.providers.replicate_webhook import ReplicateWebhooks
from bot.seedance.compiler import GenerationRequest, compile_request
from tests.conftest import make_session
from tests.fakes.fixtures import (
    AUDIO,
    IMAGE_A,
    IMAGE_B,
    VIDEO,
    ProviderEnv,
    frames_session,
    provider_env,
    reference_session,
    run_to_end,
)
from tests.fakes.replicate import FakeReplicate


class Env(ProviderEnv[FakeReplicate]):
    def provider(self, **kwargs: Any) -> ReplicateProvider:
        return self.build(ReplicateProvider, {"base_url": self.fake.base_url}, kwargs)


@pytest.fixture
async def env(media: Path, tmp_path: Path) -> AsyncIterator[Env]:
    fake = FakeReplicate(work_dir=tmp_path / "fake-replicate")
    async with provider_env(Env, fake, media) as env:
        yield env


def reference_request(env: Env) -> GenerationRequest:
    return compile_request(reference_session(env), "brackets", env.provider().profile.limits)


def frames_request(env: Env) -> GenerationRequest:
    return compile_request(frames_session(env), "brackets", env.provider().profile.limits)


# -- happy paths -------------------------------------------------------------------------


async def test_profile_speaks_brackets_and_cancels_only_queued(env: Env) -> None:
    profile = env.provider().profile
    assert (profile.name, profile.dialect, profile.cancels) == (
        "replicate",
        "brackets",
        frozenset({"queued"}),
    )


async def test_reference_to_video_end_to_end(env: Env, tmp_path: Path) -> None:
    provider = env.provider()
    request = reference_request(env)
    env.fake.polls_before_done = 2
    task_id = await provider.submit(request, job_id=7)

    (create,) = env.fake.creates()
    assert create.status == 201
    assert create.path == "/v1/models/bytedance/seedance-2.0/predictions"
    assert create.headers["Authorization"] == f"Bearer {env.fake.api_key}"
    assert "Prefer" not in create.headers  # no synchronous wait: the video is polled for
    assert create.body == {
        "input": {
            "prompt": request.prompt,
            "reference_images": [env.url(IMAGE_A), env.url(IMAGE_B)],
            "reference_videos": [env.url(VIDEO)],
            "reference_audios": [env.url(AUDIO)],
            "duration": 8,
            "resolution": "720p",
            "aspect_ratio": "16:9",
            "generate_audio": True,
            "seed": job_seed(7, request),
        }
    }
    prompt = create.body["input"]["prompt"]
    assert "[Image1]" in prompt and "[Image2]" in prompt and "[Video1]" in prompt
    assert "[Audio1]" in prompt and "@" not in prompt
    assert [d.status for d in env.fake.downloads] == [200] * 4

    states = [s.state for s in await run_to_end(provider, task_id)]
    assert states == ["queued", "running", "succeeded"]
    out = tmp_path / "job-7.mp4"
    await provider.download(task_id, out)
    assert probe(out).video_codec == "h264"
    delivery = [r for r in env.fake.requests if r.path.startswith("/delivery/")]
    assert delivery and all("Authorization" not in r.headers for r in delivery)


async def test_first_and_last_frame_on_the_fast_model(env: Env) -> None:
    provider = env.provider()
    request = dataclasses.replace(frames_request(env), model="fast")
    assert request.mode == "image_to_video"
    await provider.submit(request, job_id=8)
    (create,) = env.fake.creates()
    assert create.status == 201
    assert create.path == "/v1/models/bytedance/seedance-2.0-fast/predictions"
    given = create.body["input"]
    assert (given["image"], given["last_frame_image"]) == (env.url(IMAGE_A), env.url(IMAGE_B))
    assert not {"reference_images", "reference_videos", "reference_audios"} & set(given)


async def test_text_to_video_sends_no_media(env: Env) -> None:
    provider = env.provider()
    request = compile_request(make_session(prompt="a kite"), "brackets", provider.profile.limits)
    await provider.submit(dataclasses.replace(request, ratio="adaptive"), job_id=9)
    (create,) = env.fake.creates()
    assert create.status == 201 and create.body["input"]["aspect_ratio"] == "adaptive"
    assert set(create.body["input"]) == {
        "prompt", "duration", "resolution", "aspect_ratio", "generate_audio", "seed",
    }  # fmt: skip


# -- webhooks -----------------------------------------------------------------------------


async def test_a_webhook_asks_for_completion_and_is_signed(env: Env) -> None:
    env.fake.run_s = None
    provider = env.provider(webhook_secret=SecretStr(env.fake.webhook_secret))
    task_id = await provider.submit(reference_request(env), job_id=3, callback_url="http://x/cb")
    (create,) = env.fake.creates()
    assert create.body["webhook"] == "http://x/cb"
    assert create.body["webhook_events_filter"] == ["completed"]
    data = json.dumps({"id": task_id, "status": "succeeded"}).encode()
    stamp = str(int(time.time()))
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": stamp,
        "webhook-signature": env.fake.sign("msg_1", stamp, data),
    }
    scheme = provider.callbacks
    assert scheme is not None
    assert await scheme.verify(headers, data) is True
    assert await scheme.verify(headers, data.replace(b"succeeded", b"failed")) is False
    stranger = FakeReplicate()
    assert await scheme.verify(headers | {
        "webhook-signature": stranger.sign("msg_1", stamp, data)}, data) is False  # fmt: skip
    old = str(int(time.time()) - 3600)
    replayed = {"webhook-id": "msg_1", "webhook-timestamp": old,
                "webhook-signature": env.fake.sign("msg_1", old, data)}  # fmt: skip
    assert await scheme.verify(replayed, data) is False
    assert await scheme.verify({}, data) is False
    notice = scheme.notice({"id": task_id, "status": "processing"})
    assert (notice.task_id, notice.final) == (task_id, False)
    assert scheme.notice({"id": task_id, "status": "canceled"}).final


async def test_without_a_secret_only_the_urls_token_proves_a_webhook() -> None:
    assert await ReplicateWebhooks(None).verify({}, b"{}") is True


# -- cancel -------------------------------------------------------------------------------


async def test_cancel_while_starting_is_confirmed(env: Env) -> None:
    provider = env.provider()
    env.fake.polls_before_done = 10
    task_id = await provider.submit(reference_request(env), job_id=10)
    assert await provider.cancel(task_id) is True
    assert env.fake.predictions[task_id].status == "canceled"
    final = await provider.poll(task_id)
    assert final.state == "failed" and final.error is not None and final.error.refund


async def test_a_processing_prediction_is_left_to_finish(env: Env) -> None:
    provider = env.provider()
    env.fake.polls_before_done = 3
    task_id = await provider.submit(reference_request(env), job_id=11)
    await provider.poll(task_id)
    assert (await provider.poll(task_id)).state == "running"
    assert await provider.cancel(task_id) is False
    assert not [r for r in env.fake.requests if r.path.endswith("/cancel")]
    assert (await run_to_end(provider, task_id))[-1].state == "succeeded"


# -- reconciling an unconfirmed create ------------------------------------------------------


async def test_find_tasks_knows_the_jobs_predictions_across_pages(env: Env) -> None:
    provider = env.provider()
    env.fake.page_size = 2
    request = reference_request(env)
    since = datetime.now(UTC)
    mine = [await provider.submit(request, job_id=5) for _ in range(2)]
    others = [await provider.submit(request, job_id=6) for _ in range(3)]
    assert await provider.find_tasks(request, 5, since) == mine  # oldest first, 3 pages
    assert await provider.find_tasks(request, 6, since) == others
    assert await provider.find_tasks(request, 99, since) == []
    assert len([r for r in env.fake.requests if r.path == "/v1/predictions"]) == 9


# -- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "title", "detail", "expected"),
    [
        (401, "Unauthenticated", "bad token", "key is invalid"),
        (402, "Payment required", "no credit", "check the Replicate account"),
        (404, "Not found", "no model", "isn't available"),
        (422, "Input validation failed", "- input.duration: too long", "input.duration"),
    ],
)
async def test_create_errors_map_to_member_messages(
    env: Env, status: int, title: str, detail: str, expected: str
) -> None:
    env.fake.next_create_error = (status, title, detail)
    with pytest.raises(ProviderError, match=expected) as refused:
        await env.provider().submit(reference_request(env), job_id=12)
    assert refused.value.refund and not refused.value.retryable
    assert env.fake.predictions == {}


async def test_a_rate_limit_is_retried_honouring_retry_after(env: Env) -> None:
    env.fake.rate_limit_times, env.fake.rate_limit_retry_after = 1, "3"
    provider = env.provider()
    await provider.submit(reference_request(env), job_id=13)
    assert env.sleeps == [3.0] and len(env.fake.predictions) == 1


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ("The input or output was flagged as sensitive", "content filter"),
        ("Image contains a real person", "realistic human face"),
        ("CUDA out of memory", "could not generate the video: CUDA out of memory"),
    ],
)
async def test_a_failed_prediction_maps_its_error(env: Env, error: str, expected: str) -> None:
    env.fake.fail_with = error
    provider = env.provider()
    task_id = await provider.submit(reference_request(env), job_id=14)
    final = (await run_to_end(provider, task_id))[-1]
    assert final.state == "failed" and final.error is not None
    assert expected in str(final.error) and final.error.refund


async def test_the_token_is_never_echoed(env: Env) -> None:
    provider = env.provider(api_key="r8_wrong-token-for-this-test")
    with pytest.raises(ProviderError) as refused:
        await provider.submit(reference_request(env), job_id=15)
    assert "r8_wrong" not in str(refused.value) and "r8_wrong" not in repr(refused.value.args)
    assert all("Authorization" not in r.headers for r in env.files.requests)


# -- the fake's strictness ----------------------------------------------------------------


def _input(env: Env, **fields: Any) -> dict[str, Any]:
    return {"prompt": "go", **fields}


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("unknown_field", "input.fps: Additional property"),
        ("integer_prompt", "input.prompt: Invalid type"),
        ("last_without_first", "Only works if a first frame"),
        ("frames_and_references", "Cannot be combined"),
        ("too_many_images", "at most 9 items"),
        ("audio_only", "Requires at least one reference image or video"),
        ("long_duration", "between -1 and 15"),
        ("string_duration", "input.duration: Invalid type"),
        ("bad_resolution", "'1080p' is not one of"),
        ("bad_ratio", "'5:4' is not one of"),
    ],
)
async def test_fake_validates_strictly(env: Env, case: str, expected: str) -> None:
    img, aud = env.url(IMAGE_A), env.url(AUDIO)
    cases: dict[str, dict[str, Any]] = {
        "unknown_field": {"fps": 24},
        "integer_prompt": {"prompt": 7},
        "last_without_first": {"last_frame_image": img},
        "frames_and_references": {"image": img, "reference_images": [img]},
        "too_many_images": {"reference_images": [img] * 10},
        "audio_only": {"reference_audios": [aud]},
        "long_duration": {"duration": 16},
        "string_duration": {"duration": "8"},
        "bad_resolution": {"resolution": "1080p"},
        "bad_ratio": {"aspect_ratio": "5:4"},
    }
    body = {"input": _input(env, **cases[case])}
    headers = {"Authorization": f"Bearer {env.fake.api_key}"}
    url = f"{env.fake.base_url}/v1/models/bytedance/seedance-2.0/predictions"
    async with env.http.post(url, json=body, headers=headers) as response:
        data = await response.json(content_type=None)
    assert response.status == 422 and expected in data["detail"]
    assert env.fake.predictions == {} and env.fake.downloads == []


@pytest.mark.parametrize(
    "fields",
    [
        {},  # every optional field left to the schema's defaults
        {"duration": -1, "aspect_ratio": "adaptive", "generate_audio": False, "seed": 3},
        {"reference_images": [], "reference_videos": [], "reference_audios": []},
    ],
)
async def test_fake_accepts_what_the_schema_accepts(env: Env, fields: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {env.fake.api_key}"}
    url = f"{env.fake.base_url}/v1/models/bytedance/seedance-2.0/predictions"
    body = {"input": _input(env, **fields), "webhook_events_filter": ["completed"]}
    async with env.http.post(url, json=body, headers=headers) as response:
        assert response.status == 201, await response.text()
