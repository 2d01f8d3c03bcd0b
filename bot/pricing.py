"""Price of a request in credits.

Price = ceil(duration × credits per second for the resolution × video multiplier), where
the multiplier applies when the request carries video references (seeds 002, 004: "video
references increase generation cost"). The numbers are settings (per guild later, issue 7).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.compiler import GenerationRequest


@dataclass(frozen=True)
class PriceTable:
    """Credits per second of output by resolution, and the video-reference multiplier.

    Attributes:
        per_second: credits per output second, keyed by resolution ("480p", "720p").
        video_reference_multiplier: factor (≥ 1) when any video reference is present.
    """

    per_second: dict[str, float]
    video_reference_multiplier: float = 1.0


def price(request: GenerationRequest, table: PriceTable) -> int:
    """Credits ``request`` costs (a whole number, rounded up, at least 1).

    Raises:
        KeyError: the table has no rate for the request's resolution.
    """
    rate = table.per_second[request.resolution]
    factor = table.video_reference_multiplier if request.has_video_references else 1.0
    return max(1, math.ceil(request.duration_s * rate * factor - 1e-9))
