"""Each provider's model catalogue: the models it offers, what each can make, and its price.

A provider offers Seedance 2.0 ("standard"), 2.0 Fast ("fast") and, where it publishes it,
2.0 Mini ("mini"); newer versions are added by operator setting (``ARK_MODELS``,
``EVOLINK_MODELS``, ``FAL_MODELS``, ``REPLICATE_MODELS``: JSON, one :class:`ModelSetting`
per model key), each with its own id, output options and price. The catalogue fills the
provider profile's limits (what the compiler lets a session ask for, per model) and the
price the member is quoted (:mod:`bot.credits.pricing`).

Prices are the providers' published bills, in US dollars (/work/shared/PROVIDERS.md
"Prices, as published"):

- token-billed (Ark, fal): tokens = width × height × (reference video s + output s) ×
  24 / 1024, so a request with reference video bills its input seconds too, at a lower
  rate per token (fal × 0.6; Volcengine ¥28 instead of ¥46 per million);
- EvoLink: per output second, lower with video input, billed seconds =
  max(input, output) + output;
- Fast ≈ 0.8 × standard, 480p ≈ 0.46 × 720p.

Where no price was found the default says so (``source``) and an operator sets it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.seedance.limits import SEED_RATIOS, ModelOutputs

InputSeconds = Literal["added", "at_least_output", "none"]
#: the ratios the real providers take: the seeds' six and "adaptive" (the model picks)
PROVIDER_RATIOS: tuple[str, ...] = (*SEED_RATIOS, "adaptive")
# Tokens per output second at 16:9 (width × height × 24 / 1024), Ark's pixel sizes.
_TOKENS_PER_SECOND = {"480p": 864 * 480 * 24 / 1024, "720p": 1280 * 720 * 24 / 1024,
                      "1080p": 1920 * 1080 * 24 / 1024}  # fmt: skip


@dataclass(frozen=True)
class Rate:
    """A model's published bill.

    Attributes:
        usd_per_second: US dollars per billed second, by output resolution (no video
            reference).
        video_input_factor: the rate is multiplied by this when the request has video
            references (fal: 0.6).
        input_seconds: how reference video seconds are billed: ``added`` to the output
            seconds (token billing), ``at_least_output`` (EvoLink: max(input, output) +
            output) or ``none``.
        source: where the numbers come from.
    """

    usd_per_second: Mapping[str, float]
    video_input_factor: float = 1.0
    input_seconds: InputSeconds = "added"
    source: str = ""


def token_rate(usd_per_million_tokens: float, resolutions: tuple[str, ...]) -> dict[str, float]:
    """US dollars per output second at each resolution for a token-billed model."""
    return {r: _TOKENS_PER_SECOND[r] * usd_per_million_tokens / 1e6 for r in resolutions}


@dataclass(frozen=True)
class ModelOffer:
    """One model a provider offers.

    Attributes:
        model_id: the provider's id for it (Ark model id, EvoLink id prefix, fal app path,
            Replicate ``owner/name``).
        outputs: what it can make (key, label, resolutions, ratios).
        rate: its price.
    """

    model_id: str
    outputs: ModelOutputs
    rate: Rate

    @property
    def key(self) -> str:
        """The model key ("standard", "fast", "mini", an operator's own)."""
        return self.outputs.model


class ModelSetting(BaseModel):
    """An operator's model (a newer version, or a default model changed), in settings JSON.

    Attributes:
        id: the provider's id for it (see :class:`ModelOffer`).
        label: what members call it ("Seedance 2.1").
        resolutions / ratios: what it can make.
        usd_per_second: its price per billed second by resolution, in US dollars.
        video_input_factor / input_seconds: see :class:`Rate`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    label: str = ""
    resolutions: tuple[str, ...] = ("480p", "720p")
    ratios: tuple[str, ...] = PROVIDER_RATIOS
    usd_per_second: dict[str, float] = Field(default_factory=dict)
    video_input_factor: float = Field(1.0, gt=0, le=10)
    input_seconds: InputSeconds = "added"

    def offer(self, key: str) -> ModelOffer:
        """This setting as the offer of model ``key``."""
        outputs = ModelOutputs(key, self.label, self.resolutions, self.ratios)
        rate = Rate(self.usd_per_second, self.video_input_factor, self.input_seconds, "operator")
        return ModelOffer(self.id, outputs, rate)


@dataclass(frozen=True)
class Catalogue:
    """The models a provider offers, in the order members see them."""

    offers: tuple[ModelOffer, ...] = field(default_factory=tuple)

    def offer(self, key: str) -> ModelOffer | None:
        """The offer of model ``key``, or ``None``."""
        return next((o for o in self.offers if o.key == key), None)

    def model_id(self, key: str) -> str:
        """The provider's id of model ``key`` (an unknown key: the first model's; the
        compiler refuses a model that is not offered before anything is sent)."""
        found = self.offer(key) or (self.offers[0] if self.offers else None)
        return found.model_id if found is not None else ""

    @property
    def outputs(self) -> tuple[ModelOutputs, ...]:
        """What each model can make (the limits' ``models``)."""
        return tuple(o.outputs for o in self.offers)

    def with_ids(self, ids: Mapping[str, str | None]) -> Catalogue:
        """This catalogue with the given models' ids replaced (``None``: kept)."""
        return Catalogue(
            tuple(ModelOffer(ids.get(o.key) or o.model_id, o.outputs, o.rate) for o in self.offers)
        )

    def extended(self, settings: Mapping[str, ModelSetting]) -> Catalogue:
        """This catalogue with the operator's models added (a key already offered is
        replaced)."""
        added = {key: setting.offer(key) for key, setting in settings.items()}
        kept = tuple(added.pop(o.key, o) for o in self.offers)
        return Catalogue(kept + tuple(added.values()))


def _offer(
    key: str, model_id: str, resolutions: tuple[str, ...], rate: Rate,
    ratios: tuple[str, ...] = PROVIDER_RATIOS,
) -> ModelOffer:  # fmt: skip
    return ModelOffer(model_id, ModelOutputs(key, "", resolutions, ratios), rate)


_SD = ("480p", "720p")
_HD = ("480p", "720p", "1080p")
# Volcengine Ark [3P, PROVIDERS.md]: ¥46 per million tokens (¥28 with video input), Fast ¥37
# (¥22), in dollars at ¥7 per dollar; BytePlus publishes no price in our sources, so the
# same rate stands for it.
_ARK_SOURCE = "Volcengine Ark ¥46/¥37 per M tokens at ¥7/$ (BytePlus: not found)"
ARK_CATALOGUE = Catalogue(
    (
        _offer("standard", "dreamina-seedance-2-0-260128", _HD,
               Rate(token_rate(46 / 7, _HD), 28 / 46, "added", _ARK_SOURCE)),
        _offer("fast", "dreamina-seedance-2-0-fast-260128", _SD,
               Rate(token_rate(37 / 7, _SD), 22 / 37, "added", _ARK_SOURCE)),
    )
)  # fmt: skip
# EvoLink's pricing page [DOC, PROVIDERS.md]; 2.0 Mini's ids are documented
# (seedance-2.0-mini-{mode}), its price is not: Fast's stands until an operator sets it.
_EVOLINK_STANDARD = Rate({"480p": 0.0728, "720p": 0.1572}, 0.0957 / 0.1572,
                         "at_least_output", "EvoLink pricing page")  # fmt: skip
_EVOLINK_FAST = Rate({"480p": 0.0590, "720p": 0.1273}, 0.0957 / 0.1572,
                     "at_least_output", "EvoLink pricing page")  # fmt: skip
EVOLINK_CATALOGUE = Catalogue(
    (
        _offer("standard", "seedance-2.0", _SD, _EVOLINK_STANDARD),
        _offer("fast", "seedance-2.0-fast", _SD, _EVOLINK_FAST),
        _offer("mini", "seedance-2.0-mini", _SD,
               Rate(_EVOLINK_FAST.usd_per_second, _EVOLINK_FAST.video_input_factor,
                    "at_least_output", "not published: Fast's price")),
    )
)  # fmt: skip
# fal's model pages [DOC]: $0.014 / $0.0112 per 1k tokens, × 0.6 with video inputs.
FAL_CATALOGUE = Catalogue(
    (
        _offer("standard", "bytedance/seedance-2.0", _HD,
               Rate(token_rate(14.0, _HD), 0.6, "added", "fal model page")),
        _offer("fast", "bytedance/seedance-2.0/fast", _SD,
               Rate(token_rate(11.2, _SD), 0.6, "added", "fal model page")),
    )
)  # fmt: skip
# Replicate publishes no Seedance price in our sources: fal's token rates stand.
REPLICATE_CATALOGUE = Catalogue(
    (
        _offer("standard", "bytedance/seedance-2.0", _SD,
               Rate(token_rate(14.0, _SD), 0.6, "added", "not found: fal's rate")),
        _offer("fast", "bytedance/seedance-2.0-fast", _SD,
               Rate(token_rate(11.2, _SD), 0.6, "added", "not found: fal's rate")),
    )
)  # fmt: skip
# The local preview bills nothing; members pay what Seedance would cost them (as before:
# 1 credit per 480p second at 10 credits per dollar, Fast half, × 1.5 with video).
PREVIEW_CATALOGUE = Catalogue(
    (
        _offer("standard", "preview", _SD, Rate({"480p": 0.1, "720p": 0.2}, 1.5, "none"),
               SEED_RATIOS),
        _offer("fast", "preview", _SD, Rate({"480p": 0.05, "720p": 0.1}, 1.5, "none"),
               SEED_RATIOS),
    )
)  # fmt: skip
