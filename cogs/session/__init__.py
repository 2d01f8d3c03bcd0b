"""Video sessions: the ``/video`` commands, the session card and its components."""

from __future__ import annotations

from bot.errors import PromptRefused
from cogs.client import CallsheetBot
from cogs.errors import offer_with_error
from cogs.session.asset_components import ASSET_COMPONENTS
from cogs.session.card_components import CARD_COMPONENTS, prompt_again_view, role_ids
from cogs.session.cog import SessionCog
from cogs.session.history import HISTORY_COMPONENTS
from cogs.session.result_components import RESULT_COMPONENTS
from cogs.session.spend_components import SPEND_COMPONENTS
from cogs.session.steer_components import STEER_COMPONENTS

__all__ = ["SessionCog", "role_ids", "setup"]


async def setup(bot: CallsheetBot) -> None:
    """Load the cog and register its persistent components."""
    bot.add_dynamic_items(
        *CARD_COMPONENTS,
        *ASSET_COMPONENTS,
        *RESULT_COMPONENTS,
        *SPEND_COMPONENTS,
        *STEER_COMPONENTS,
        *HISTORY_COMPONENTS,
    )
    offer_with_error(PromptRefused, prompt_again_view)
    await bot.add_cog(SessionCog(bot))
