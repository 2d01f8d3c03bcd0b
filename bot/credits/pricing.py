"""Price of a request in credits, shaped like the provider's bill.

credits = ceil(billed seconds × credits per second × video factor), where

- credits per second is the guild's own price for the model and resolution when its
  moderators set one (``/admin prices set``), else the provider's published rate for the
  model (:mod:`bot.providers.catalogue`, US dollars per second) × the credits per US
  dollar (the operator's ``CREDITS_PER_USD``, overridable per guild);
- billed seconds are the output seconds, plus the reference video seconds where the
  provider bills them (token billing: tokens grow with input + output seconds; EvoLink:
  max(input, output) + output);
- the video factor is the provider's rate change when video references are present (fal
  × 0.6 per token; seeds 002, 004: video references cost more, through their seconds),
  or the guild's own.

:class:`PriceBreakdown` names each part, for the card and ``python -m bot render``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.errors import CallsheetError
from bot.guilds.config import Prices
from bot.providers.catalogue import ModelOffer
from bot.seedance.compiler import GenerationRequest
from bot.seedance.limits import MODEL_LABELS
from bot.words import Phrase, say


@dataclass(frozen=True)
class PriceBreakdown:
    """A price and its parts.

    Attributes:
        credits: what the request costs (a whole number, rounded up, at least 1).
        output_s: seconds of video asked for.
        reference_video_s: seconds of reference video billed on top (0 when none, or when
            the provider does not bill them).
        credits_per_second: the rate per billed second.
        video_factor: the rate's factor for video references (``None``: none present).
        resolution: the output resolution the rate is for.
    """

    credits: int
    output_s: int
    reference_video_s: float
    credits_per_second: float
    video_factor: float | None
    resolution: str

    @property
    def phrase(self) -> Phrase:
        """The breakdown as members read it ("5 s of 720p + 4 s of reference video × 1.4
        credits/s × 0.6 with video references")."""
        return say(
            "price-breakdown",
            seconds=self.output_s,
            resolution=self.resolution,
            video_s=f"{self.reference_video_s:g}" if self.reference_video_s else "none",
            rate=f"{self.credits_per_second:.3g}",
            factor=f"{self.video_factor:.2g}" if self.video_factor is not None else "none",
        )


def quote_price(
    request: GenerationRequest, prices: Prices, offer: ModelOffer | None
) -> PriceBreakdown:
    """The price of ``request`` at the guild's ``prices`` and the provider's ``offer`` of
    its model (``None``: the guild's own prices only).

    Raises:
        CallsheetError: no price for the request's model and resolution (neither the
            guild's nor the provider's).
    """
    own = prices.per_second.get(request.model, {}).get(request.resolution)
    published = offer.rate.usd_per_second.get(request.resolution) if offer else None
    if own is not None:
        rate = own
    elif published is not None:
        rate = published * prices.credits_per_usd
    else:
        label = MODEL_LABELS.get(request.model, offer.outputs.name if offer else request.model)
        raise CallsheetError(say("no-price", model=label, resolution=request.resolution))
    billed_input = offer.rate.input_seconds if offer else "none"
    video_s = sum(ra.asset.duration_s or 0.0 for ra in request.videos)
    out_s = request.duration_s
    if billed_input == "added":
        extra = video_s
    elif billed_input == "at_least_output":
        extra = max(video_s, out_s) if request.videos else 0.0
    else:
        extra = 0.0
    factor: float | None = None
    if request.has_video_references:
        factor = prices.video_input_factor or (offer.rate.video_input_factor if offer else 1.0)
    total = (out_s + extra) * rate * (factor or 1.0)
    credits = max(1, math.ceil(total - 1e-9))
    return PriceBreakdown(credits, out_s, extra, rate, factor, request.resolution)


def price(request: GenerationRequest, prices: Prices, offer: ModelOffer | None) -> int:
    """Credits ``request`` costs; see :func:`quote_price`.

    Raises:
        CallsheetError: no price for the request's model and resolution.
    """
    return quote_price(request, prices, offer).credits
