"""Each provider's model catalogue: the models it offers (2.0, Fast, Mini where published,
the operator's by setting), what each can make (1080p on standard models where the
provider allows it, the adaptive ratio) and the limits and compiler that follow it; the
clients send each model's own id, and the fakes take them."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import aiohttp
import pytest
from pydantic import SecretStr

from bot.errors import RequestInvalid
from bot.hosting.base import StaticUrlHost
from bot.providers.ark import ArkProvider
from bot.providers.base import Provider, ProviderError
from bot.providers.catalogue import ModelSetting
from bot.providers.evolink import EvolinkProvider
from bot.providers.fal import FalProvider
from bot.providers.preview import PreviewProvider
from bot.providers.replicate import ReplicateProvider
from bot.seedance.compiler import compile_request
from bot.seedance.session import Session
from bot.services import build_providers
from bot.settings import Settings
from tests.conftest import make_session
from tests.fakes.ark import FakeArk
from tests.fakes.evolink import FakeEvolink
from tests.fakes.fixtures import ProviderEnv, provider_env, reference_session

HOST = StaticUrlHost("http://127.0.0.1:9/files", Path("."))
NO_HTTP = cast(aiohttp.ClientSession, None)


def _providers() -> dict[str, Provider]:
    key = SecretStr("k")
    return {
        "ark": ArkProvider(key, session=NO_HTTP, asset_host=HOST),
        "evolink": EvolinkProvider(key, session=NO_HTTP, asset_host=HOST),
        "fal": FalProvider(key, session=NO_HTTP, asset_host=HOST),
        "replicate": ReplicateProvider(key, session=NO_HTTP, asset_host=HOST),
        "preview": PreviewProvider(work_dir=Path("work")),
    }


def _session(model: str, resolution: str = "720p", ratio: str = "16:9") -> Session:
    return dataclasses.replace(
        make_session(prompt="a kite"), model=model, resolution=resolution, ratio=ratio
    )


@pytest.mark.parametrize(
    ("provider", "models", "hd"),
    [
        ("ark", ["standard", "fast"], ["standard"]),
        ("evolink", ["standard", "fast", "mini"], []),
        ("fal", ["standard", "fast"], ["standard"]),
        ("replicate", ["standard", "fast"], []),
        ("preview", ["standard", "fast"], []),
    ],
)
def test_each_provider_offers_its_models_and_their_outputs(
    provider: str, models: list[str], hd: list[str]
) -> None:
    profile = _providers()[provider].profile
    assert [m.model for m in profile.limits.models] == models
    for outputs in profile.limits.models:
        assert ("1080p" in outputs.resolutions) == (outputs.model in hd)
        assert ("adaptive" in outputs.ratios) == (provider != "preview")
        assert profile.offer(outputs.model) is not None


def test_the_compiler_allows_only_what_the_provider_and_model_offer() -> None:
    providers = _providers()
    ark, evolink = providers["ark"].profile, providers["evolink"].profile
    compile_request(_session("standard", "1080p", "adaptive"), "natural", ark.limits)
    with pytest.raises(RequestInvalid, match="Resolution must be one of 480p, 720p"):
        compile_request(_session("fast", "1080p"), "natural", ark.limits)
    with pytest.raises(RequestInvalid, match=r"Seedance 2\.0 Mini isn't offered") as refused:
        compile_request(_session("mini"), "natural", ark.limits)
    assert "Seedance 2.0, Seedance 2.0 Fast" in str(refused.value)
    compile_request(_session("mini"), "natural", evolink.limits)
    with pytest.raises(RequestInvalid, match="Ratio must be one of"):
        compile_request(_session("standard", ratio="adaptive"), "tags",
                        providers["preview"].profile.limits)  # fmt: skip


def test_the_operator_adds_models_by_setting(tmp_path: Path) -> None:
    mini = {
        "id": "dreamina-seedance-2-0-mini-260520",
        "label": "Seedance 2.0 Mini",
        "resolutions": ["480p", "720p", "1080p"],
        "usd_per_second": {"720p": 0.08},
    }
    newer = {
        "id": "dreamina-seedance-2-1-260901",
        "label": "Seedance 2.1",
        "usd_per_second": {"720p": 0.2, "480p": 0.09},
        "video_input_factor": 0.5,
    }
    settings = Settings(
        discord_token=SecretStr("t"), data_dir=tmp_path, ark_api_key=SecretStr("k"),
        public_base_url="http://127.0.0.1:9", ark_models={"mini": mini, "2.1": newer},
    )  # fmt: skip
    ark = build_providers(settings, NO_HTTP, HOST)["ark"]
    assert isinstance(ark, ArkProvider)
    assert [m.model for m in ark.profile.limits.models] == ["standard", "fast", "mini", "2.1"]
    offered = ark.profile.offer("2.1")
    assert offered is not None and offered.outputs.name == "Seedance 2.1"
    assert offered.rate.video_input_factor == 0.5
    request = compile_request(_session("mini", "1080p"), "natural", ark.profile.limits)
    assert ark.model_for(request) == "dreamina-seedance-2-0-mini-260520"
    with pytest.raises(ValueError, match="extra"):
        ModelSetting.model_validate({"id": "x", "fps": 24})


class Env(ProviderEnv[Any]):
    pass


@pytest.fixture
async def evolink_env(media: Path) -> AsyncIterator[Env]:
    async with provider_env(Env, FakeEvolink(), media) as env:
        yield env


async def test_evolink_mini_is_sent_by_its_documented_ids(evolink_env: Env) -> None:
    env = evolink_env
    provider = env.build(EvolinkProvider, {"base_url": env.fake.base_url}, {})
    session = dataclasses.replace(reference_session(env), model="mini", ratio="adaptive")
    await provider.submit(compile_request(session, "natural", provider.profile.limits), 1)
    text = compile_request(dataclasses.replace(make_session(prompt="a kite"), model="mini"),
                           "natural", provider.profile.limits)  # fmt: skip
    await provider.submit(text, 2)
    assert [(r.status, r.body["model"]) for r in env.fake.creates()] == [
        (200, "seedance-2.0-mini-reference-to-video"),
        (200, "seedance-2.0-mini-text-to-video"),
    ]
    assert env.fake.creates()[0].body["aspect_ratio"] == "adaptive"


@pytest.fixture
async def ark_env(media: Path) -> AsyncIterator[Env]:
    async with provider_env(Env, FakeArk(), media) as env:
        yield env


async def test_ark_takes_1080p_on_the_standard_model_only(ark_env: Env) -> None:
    env = ark_env
    provider = env.build(ArkProvider, {"base_url": env.fake.base_url}, {})
    image = make_session(prompt="a kite")
    request = compile_request(
        dataclasses.replace(image, resolution="1080p", ratio="adaptive"), "natural",
        provider.profile.limits,
    )  # fmt: skip
    await provider.submit(request, 1)
    (create,) = env.fake.creates()
    assert create.status == 200
    assert (create.body["resolution"], create.body["ratio"]) == ("1080p", "adaptive")
    with pytest.raises(ProviderError, match="1080p"):
        await provider.submit(dataclasses.replace(request, model="fast"), 2)  # the fake refuses
