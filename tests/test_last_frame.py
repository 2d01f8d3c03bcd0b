"""A shot's last frame from the providers: Ark's ``return_last_frame`` against the loopback
FakeArk (its PNG equals a full decode of the video it served, pixel for pixel), the
preview's own render, and the providers without one answering ``False`` so the caller
decodes the video (``bot.media.film.last_frame``: the same pixels)."""

from __future__ import annotations

import asyncio
import dataclasses
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import av
import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image
from pydantic import SecretStr

from bot.hosting.base import StaticUrlHost
from bot.media.film import last_frame
from bot.metrics import Metrics
from bot.providers.ark import ArkProvider
from bot.providers.evolink import EvolinkProvider
from bot.providers.fal import FalProvider
from bot.providers.metered import MeteredProvider
from bot.providers.preview import PreviewProvider
from bot.providers.replicate import ReplicateProvider
from bot.seedance.compiler import (
    GenerationRequest,
    compile_request,
    request_from_json,
    request_to_json,
)
from bot.seedance.limits import DEFAULT_LIMITS
from tests.conftest import make_asset, make_session
from tests.fakes import FakeArk
from tests.fakes.ark import RESULT_TTL_S, TASKS
from tests.fakes.fixtures import ProviderEnv, provider_env, reference_session, run_to_end


class Env(ProviderEnv[FakeArk]):
    def provider(self, **kwargs: Any) -> ArkProvider:
        return self.build(ArkProvider, {"base_url": self.fake.base_url}, kwargs)


@pytest.fixture
async def env(media: Path, tmp_path: Path) -> AsyncIterator[Env]:
    async with provider_env(Env, FakeArk(work_dir=tmp_path / "fake-ark"), media) as env:
        yield env


def decoded_last_frame(video: Path) -> npt.NDArray[np.uint8]:
    """Every frame of ``video`` decoded from the start; the last one as RGB."""
    last = None
    with av.open(str(video)) as container:
        for frame in container.decode(container.streams.video[0]):
            last = frame.to_ndarray(format="rgb24")
    assert last is not None
    return last


def pixels(png: Path) -> npt.NDArray[np.uint8]:
    with Image.open(png) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("RGB"))


def ark_request(env: Env, provider: ArkProvider, *, last: bool) -> GenerationRequest:
    request = compile_request(
        reference_session(env), provider.profile.dialect, provider.profile.limits
    )
    return dataclasses.replace(request, return_last_frame=last)


def frame_fetches(env: Env) -> list[Any]:
    return [r for r in env.fake.requests if r.path.endswith(".png")]


# -- the request field --------------------------------------------------------------------


def test_requests_ask_for_no_last_frame_unless_told(media: Path) -> None:
    """The compiler never sets it; it survives the jobs table's JSON, and a row written
    before the field existed reads as ``False``."""
    session = make_session(make_asset("image", 1, "character", path=media / "images/rocket.jpg"))
    request = compile_request(session, "natural", DEFAULT_LIMITS)
    assert request.return_last_frame is False
    asked = dataclasses.replace(request, return_last_frame=True)
    assert request_from_json(request_to_json(asked)).return_last_frame is True
    old = request_to_json(request).replace(', "return_last_frame": false', "")
    assert "return_last_frame" not in old
    assert request_from_json(old).return_last_frame is False


# -- Ark ------------------------------------------------------------------------------------


async def test_ark_returns_the_last_frame_of_the_video_it_served(env: Env, tmp_path: Path) -> None:
    """Asked for, Ark's ``last_frame_url`` is fetched without credentials: a PNG equal, pixel
    for pixel, to the last frame of the downloaded video decoded in full, and to what
    ``film.last_frame`` decodes from it (so a fallback would give the same frame)."""
    provider = env.provider()
    task_id = await provider.submit(ark_request(env, provider, last=True), job_id=11)
    (create,) = env.fake.creates()
    assert create.status == 200 and create.body["return_last_frame"] is True
    assert (await run_to_end(provider, task_id))[-1].state == "succeeded"
    video, frame = tmp_path / "shot.mp4", tmp_path / "last.png"
    await provider.download(task_id, video)

    assert await provider.download_last_frame(task_id, frame) is True

    (fetch,) = frame_fetches(env)
    assert fetch.status == 200 and "Authorization" not in fetch.headers
    assert np.array_equal(pixels(frame), decoded_last_frame(video))
    assert np.array_equal(pixels(frame), pixels(last_frame(video, tmp_path / "decoded.png")))


async def test_ark_last_frame_is_read_again_after_a_restart(env: Env, tmp_path: Path) -> None:
    """A client that did not see the task succeed (a restart) reads the task for its URL."""
    first = env.provider()
    task_id = await first.submit(ark_request(env, first, last=True), job_id=12)
    await run_to_end(first, task_id)
    restarted = env.provider()
    assert await restarted.download_last_frame(task_id, tmp_path / "last.png") is True
    assert env.fake.polls(task_id)[-1].status == 200
    assert env.fake.result_video is not None
    assert np.array_equal(pixels(tmp_path / "last.png"), decoded_last_frame(env.fake.result_video))


async def test_ark_not_asked_gives_none_and_the_video_gives_it(env: Env, tmp_path: Path) -> None:
    """Without ``return_last_frame`` the body says ``false``, the task has no
    ``last_frame_url``, nothing is fetched, and the caller's fallback decodes the frame."""
    provider = env.provider()
    task_id = await provider.submit(ark_request(env, provider, last=False), job_id=13)
    (create,) = env.fake.creates()
    assert create.body["return_last_frame"] is False
    await run_to_end(provider, task_id)
    video = tmp_path / "shot.mp4"
    await provider.download(task_id, video)

    assert await provider.download_last_frame(task_id, tmp_path / "last.png") is False

    assert not (tmp_path / "last.png").exists() and frame_fetches(env) == []
    fallback = last_frame(video, tmp_path / "decoded.png")
    assert np.array_equal(pixels(fallback), decoded_last_frame(video))


async def test_ark_expired_last_frame_gives_none(env: Env, tmp_path: Path) -> None:
    """A frame URL past its 24 h answers 403 like the video: ``False``, nothing written."""
    provider = env.provider()
    task_id = await provider.submit(ark_request(env, provider, last=True), job_id=14)
    await run_to_end(provider, task_id)
    env.fake.result_age_s = RESULT_TTL_S + 60
    assert await provider.download_last_frame(task_id, tmp_path / "last.png") is False
    assert [f.status for f in frame_fetches(env)] == [403]
    assert not list(tmp_path.glob("last.png*"))


@pytest.mark.parametrize(("value", "status"), [("yes", 400), (1, 400), (None, 200), (True, 200)])
async def test_the_fake_takes_return_last_frame_as_ark_does(
    env: Env, value: object, status: int
) -> None:
    """A boolean or ``null`` (the SDK sends ``None`` for a field not given); anything else
    is Ark's 400 ``InvalidParameter`` naming the field."""
    body = {
        "model": "dreamina-seedance-2-0-260128",
        "content": [{"type": "text", "text": "A lighthouse at dusk."}],
        "return_last_frame": value,
    }
    headers = {"Authorization": f"Bearer {env.fake.api_key}"}
    async with env.http.post(env.fake.base_url + TASKS.removeprefix("/api/v3"), json=body,
                             headers=headers) as response:  # fmt: skip
        assert response.status == status
        answer = await response.json()
    if status == 400:
        assert answer["error"]["code"] == "InvalidParameter"
        assert answer["error"]["param"] == "return_last_frame"


# -- the preview and the providers without one --------------------------------------------


async def test_preview_decodes_its_own_render(media: Path, tmp_path: Path) -> None:
    """The preview's last frame, before and after its download moves the render, is the
    delivered video's last frame, pixel for pixel; an unknown task has none. Measured
    through the metered wrapper every provider is run in."""
    metrics = Metrics()
    preview = PreviewProvider(work_dir=tmp_path / "work")
    provider = MeteredProvider("preview", preview, metrics)
    session = make_session(
        make_asset("image", 1, "first_frame", path=media / "images/rocket.jpg"),
        prompt="A slow push in.", duration_s=4, ratio="16:9", resolution="480p",
    )  # fmt: skip
    request = compile_request(session, preview.profile.dialect, preview.profile.limits)
    task_id = await provider.submit(request, job_id=21)
    runner = preview._tasks[task_id].runner  # the render itself: awaited, not slept on
    assert runner is not None
    await asyncio.wait_for(runner, timeout=120)
    assert (await provider.poll(task_id)).state == "succeeded"

    assert await provider.download_last_frame(task_id, tmp_path / "before.png") is True
    video = tmp_path / "shot.mp4"
    await provider.download(task_id, video)
    assert await provider.download_last_frame(task_id, tmp_path / "after.png") is True

    want = decoded_last_frame(video)
    assert want.shape == (480, 864, 3)
    assert np.array_equal(pixels(tmp_path / "before.png"), want)
    assert np.array_equal(pixels(tmp_path / "after.png"), want)
    assert await provider.download_last_frame("preview-999", tmp_path / "none.png") is False
    assert not (tmp_path / "none.png").exists()
    labels = {"provider": "preview", "operation": "download_last_frame"}
    calls = metrics.registry.get_sample_value("callsheet_provider_request_seconds_count", labels)
    assert calls == 3


@pytest.mark.parametrize("factory", [FalProvider, ReplicateProvider, EvolinkProvider])
async def test_providers_without_a_last_frame_say_so(
    factory: Any, media: Path, tmp_path: Path
) -> None:
    """fal, Replicate and EvoLink return no last frame: ``False``, nothing written, nothing
    asked of the network (the caller decodes the video)."""
    async with aiohttp.ClientSession() as http:
        provider = factory(
            SecretStr("key-0123456789"), session=http,
            asset_host=StaticUrlHost("http://127.0.0.1:9/files", media),
        )  # fmt: skip
        assert await provider.download_last_frame("task-1", tmp_path / "last.png") is False
    assert not (tmp_path / "last.png").exists()


async def test_a_continued_shot_starts_from_the_last_frame_ark_gave(
    media: Path, tmp_path: Path
) -> None:
    """The storyboard's "continue" at provider level: shot 1 asks for its last frame; shot
    2 is created with that PNG as its first frame; the image Ark fetched for shot 2 decodes
    to exactly the pixels shot 1's video ends on."""
    root = tmp_path / "files"  # what the asset host publishes
    (root / "shots").mkdir(parents=True)
    # A result of Seedance's own size (720p): the fake's default 320×240 sample is under
    # the 300 px an image reference needs per side.
    fake = FakeArk(work_dir=tmp_path / "fake-ark", result_video=media / "video/city_720p.mp4")
    async with provider_env(Env, fake, root) as env:
        provider = env.provider()
        text_only = compile_request(
            make_session(prompt="A lighthouse at dusk.", duration_s=4), "natural",
            provider.profile.limits,
        )  # fmt: skip
        first = await provider.submit(
            dataclasses.replace(text_only, return_last_frame=True), job_id=31
        )
        await run_to_end(provider, first)
        video, frame = root / "shots/1.mp4", root / "shots/1-last.png"
        await provider.download(first, video)
        assert await provider.download_last_frame(first, frame) is True

        session = make_session(
            make_asset("image", 1, "first_frame", path=frame),
            prompt="The lighthouse's lamp turns on.", duration_s=4,
        )  # fmt: skip
        second = compile_request(session, "natural", provider.profile.limits)
        assert second.mode == "image_to_video"
        await provider.submit(second, job_id=32)
        (create,) = [c for c in env.fake.creates() if c.status == 200][1:]
        (item,) = [c for c in create.body["content"] if c["type"] == "image_url"]
        assert item["role"] == "first_frame"
        (fetched,) = [d for d in env.fake.downloads if d.url == item["image_url"]["url"]]
    with Image.open(io.BytesIO(fetched.data)) as image:
        received = np.asarray(image.convert("RGB"))
    assert np.array_equal(received, decoded_last_frame(video))
