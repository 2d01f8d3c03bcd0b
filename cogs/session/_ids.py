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


def result(job_id: int, action: str) -> str:
    """custom_id of a button under a delivered result."""
    return f"cs:result:{job_id}:{action}"
