"""Where an Ark account lives: BytePlus ModelArk (international) or Volcengine Ark (China),
with each region's API root and model ids (/work/shared/PROVIDERS.md "BytePlus ModelArk /
Volcengine Ark"; the official SDKs' default base URLs)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

BYTEPLUS_BASE_URL = "https://ark.ap-southeast.bytepluses.com/api/v3"
VOLCENGINE_BASE_URL = "https://ark.cn-beijing.volces.com/api/v3"
DEFAULT_MODEL = "dreamina-seedance-2-0-260128"
DEFAULT_FAST_MODEL = "dreamina-seedance-2-0-fast-260128"

RegionName = Literal["byteplus", "volcengine"]


@dataclass(frozen=True)
class ArkRegion:
    """Where an Ark account lives: its API root and the ids it names Seedance 2.0 by.

    BytePlus ModelArk (international) names the models ``dreamina-seedance-2-0-…``;
    Volcengine Ark (China) names them ``doubao-seedance-2-0-…`` (/work/shared/PROVIDERS.md
    "Other corrections": a Volcengine base URL with BytePlus ids fails).

    Attributes:
        name: "byteplus" or "volcengine".
        base_url: the API root of the region.
        model / fast_model: Seedance 2.0 and 2.0 Fast model ids in that region.
        host_suffix: the API hosts of the region end with this (recognises a base URL).
    """

    name: RegionName
    base_url: str
    model: str
    fast_model: str
    host_suffix: str

    @staticmethod
    def resolve(region: RegionName | None, base_url: str | None) -> ArkRegion:
        """The region named, else the one ``base_url`` is in (a ``volces.com`` host is
        Volcengine), else BytePlus. So choosing the Volcengine base URL alone gives the
        Volcengine model ids."""
        if region is not None:
            return REGIONS[region]
        host = (urlsplit(base_url).hostname or "") if base_url else ""
        for known in REGIONS.values():
            if host == known.host_suffix or host.endswith("." + known.host_suffix):
                return known
        return BYTEPLUS

    @staticmethod
    def configure(
        region: RegionName | None,
        base_url: str | None = None,
        model: str | None = None,
        fast_model: str | None = None,
    ) -> ArkRegion:
        """The region :meth:`resolve` finds, with the operator's base URL and model ids
        (each ``None``: the region's default) in place of its own."""
        found = ArkRegion.resolve(region, base_url)
        return dataclasses.replace(
            found,
            base_url=base_url or found.base_url,
            model=model or found.model,
            fast_model=fast_model or found.fast_model,
        )


BYTEPLUS = ArkRegion(
    "byteplus", BYTEPLUS_BASE_URL, DEFAULT_MODEL, DEFAULT_FAST_MODEL, "bytepluses.com"
)
VOLCENGINE = ArkRegion(
    "volcengine",
    VOLCENGINE_BASE_URL,
    "doubao-seedance-2-0-260128",
    "doubao-seedance-2-0-fast-260128",
    "volces.com",
)
REGIONS: dict[str, ArkRegion] = {r.name: r for r in (BYTEPLUS, VOLCENGINE)}
