"""The custom_id scheme of the session feature (≤ 100 characters, Discord's limit).

``cs:card:<session>:<action>`` for card buttons, ``cs:role:<asset>`` for role selects,
``cs:prompt:<session>`` for the prompt modal, ``cs:result:<job>:<action>`` for the buttons
under a delivered video. Stable across restarts.
"""

from __future__ import annotations

CARD_TEMPLATE = r"cs:card:(?P<session_id>\d+):(?P<action>prompt|request|generate|close|stop)"
RESULT_TEMPLATE = (
    r"cs:result:(?P<job_id>\d+):(?P<action>regenerate|reference|confirm|extend|edit|stitch)"
)
ROLE_TEMPLATE = r"cs:role:(?P<asset_id>\d+)"


def card(session_id: int, action: str) -> str:
    """custom_id of a session card button."""
    return f"cs:card:{session_id}:{action}"


def role(asset_id: int) -> str:
    """custom_id of an asset's role select."""
    return f"cs:role:{asset_id}"


def prompt_modal(session_id: int) -> str:
    """custom_id of the prompt modal."""
    return f"cs:prompt:{session_id}"


FIX_TEMPLATE = r"cs:fix:(?P<pending_id>\d+):(?P<key>[a-z0-9_]+)"
ASSET_TEMPLATE = r"cs:asset:(?P<asset_id>\d+):(?P<action>sound|keep|remove)"
FRAME_TEMPLATE = r"cs:frame:(?P<asset_id>\d+)"


def fix(pending_id: int, key: str) -> str:
    """custom_id of a one-click fix button under a refused upload."""
    return f"cs:fix:{pending_id}:{key}"


def asset(asset_id: int, action: str) -> str:
    """custom_id of an asset button (use its sound; keep or remove after a face warning)."""
    return f"cs:asset:{asset_id}:{action}"


def frame(asset_id: int) -> str:
    """custom_id of the "use a moment as an image" select under a video."""
    return f"cs:frame:{asset_id}"


def result(job_id: int, action: str) -> str:
    """custom_id of a button under a delivered result."""
    return f"cs:result:{job_id}:{action}"
