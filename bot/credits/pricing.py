"""Price of a request in credits.

Price = ceil(duration × credits per second for the model and resolution × video factor),
the factor applying when the request carries video references (seeds 002, 004: "video
references increase generation cost"); Fast costs less (seed 003). The table is the
guild's :class:`bot.guilds.config.Prices`, set by its moderators.
"""

from __future__ import annotations

import math

from bot.errors import CallsheetError
from bot.guilds.config import Prices
from bot.seedance.compiler import GenerationRequest
from bot.words import say


def price(request: GenerationRequest, prices: Prices) -> int:
    """Credits ``request`` costs (a whole number, rounded up, at least 1).

    Raises:
        CallsheetError: the guild has no price for the request's model and resolution.
    """
    try:
        rate = prices.per_second[request.model][request.resolution]
    except KeyError:
        raise CallsheetError(
            say("no-price", model=request.model, resolution=request.resolution)
        ) from None
    factor = prices.video_reference_multiplier if request.has_video_references else 1.0
    return max(1, math.ceil(request.duration_s * rate * factor - 1e-9))
