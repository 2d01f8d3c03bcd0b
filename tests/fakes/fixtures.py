"""Setup shared by the provider contract tests (``tests/test_provider_*.py``).

Each test module subclasses :class:`ProviderEnv` with its ``provider()`` builder and wraps
:func:`provider_env` in its ``env`` fixture; the media paths, sessions and polling loop
below are the same for every provider.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Generic, TypeVar

import aiohttp
from pydantic import SecretStr

from bot.hosting.base import StaticUrlHost
from bot.providers._http import HttpOptions
from bot.providers.base import Provider, TaskStatus
from bot.seedance.session import Session
from tests.conftest import make_asset, make_session
from tests.fakes._base import LoopbackFake, StaticFileServer

IMAGE_A = "images/rocket.jpg"
IMAGE_B = "images/coffee.png"
VIDEO = "video/city_720p.mp4"
AUDIO = "audio/loop_tabla.mp3"

FakeT = TypeVar("FakeT", bound=LoopbackFake)
ProviderT = TypeVar("ProviderT")
EnvT = TypeVar("EnvT", bound="ProviderEnv[Any]")


@dataclass
class ProviderEnv(Generic[FakeT]):
    """A started fake, a static file server over ``media`` and a client session."""

    fake: FakeT
    files: StaticFileServer
    media: Path
    http: aiohttp.ClientSession
    sleeps: list[float] = field(default_factory=list)

    def build(
        self,
        factory: Callable[..., ProviderT],
        endpoint: Mapping[str, Any],
        kwargs: Mapping[str, Any],
    ) -> ProviderT:
        """``factory(key, **options)`` against the fake: ``endpoint`` names where the fake
        listens; ``kwargs`` override any option (``api_key``: another key); sleeps are
        recorded in ``sleeps``, not slept."""

        async def record_sleep(seconds: float) -> None:
            self.sleeps.append(seconds)

        http_fields = {option.name for option in fields(HttpOptions)}
        http = {"sleep": record_sleep} | {k: v for k, v in kwargs.items() if k in http_fields}
        options: dict[str, Any] = {
            "session": self.http,
            "asset_host": StaticUrlHost(self.files.base_url, self.media),
            **endpoint,
            "options": HttpOptions(**http),
        }
        options.update({k: v for k, v in kwargs.items() if k not in http_fields})
        key = options.pop("api_key", self.fake.api_key)
        return factory(SecretStr(key), **options)

    def path(self, relative: str) -> Path:
        return self.media / relative

    def url(self, relative: str) -> str:
        return f"{self.files.base_url}/{relative}"


@asynccontextmanager
async def provider_env(
    env_type: type[EnvT], fake: LoopbackFake, media: Path
) -> AsyncIterator[EnvT]:
    """Start ``fake`` and a static file server over ``media``; close both afterwards."""
    async with fake:
        files = StaticFileServer(media)
        await files.start()
        http = aiohttp.ClientSession()
        try:
            yield env_type(fake, files, media, http)
        finally:
            await http.close()
            await files.close()


async def dead_files_url(media: Path) -> str:
    """The base URL of a static file server that has been stopped (nothing listens)."""
    dead = StaticFileServer(media)
    await dead.start()
    dead_url = dead.base_url
    await dead.close()
    return dead_url


def reference_session(env: ProviderEnv[Any]) -> Session:
    """Two images, a video and an audio as references, 8 s 16:9 720p."""
    return make_session(
        make_asset("image", 1, "character", path=env.path(IMAGE_A)),
        make_asset("video", 1, "camera_movement", path=env.path(VIDEO)),
        make_asset("audio", 1, "background_music", path=env.path(AUDIO)),
        make_asset("image", 2, "scene", path=env.path(IMAGE_B)),
        prompt="The pilot from @image1 runs through @image2 while the camera follows @video1.",
        duration_s=8,
        ratio="16:9",
        resolution="720p",
    )


def frames_session(env: ProviderEnv[Any], *, last: bool = True) -> Session:
    """A first frame (and, with ``last``, a last frame listed before it), 5 s 4:3 480p."""
    assets = [make_asset("image", 2, "first_frame", path=env.path(IMAGE_A))]
    if last:
        assets.insert(0, make_asset("image", 1, "last_frame", path=env.path(IMAGE_B)))
    return make_session(
        *assets, prompt="A slow dolly in.", duration_s=5, ratio="4:3", resolution="480p"
    )


async def run_to_end(
    provider: Provider, task_id: str, max_polls: int = 20, *, what: str = "task"
) -> list[TaskStatus]:
    """Poll until the task ends (no sleeping: the fake advances one step per poll)."""
    seen: list[TaskStatus] = []
    for _ in range(max_polls):
        status = await provider.poll(task_id)
        seen.append(status)
        if status.state in ("succeeded", "failed"):
            return seen
    raise AssertionError(f"{what} {task_id} did not finish in {max_polls} polls")
