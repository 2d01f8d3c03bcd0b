"""Video sessions: the ``/video`` commands, the session card and its components."""

from __future__ import annotations

from cogs.client import CallsheetBot
from cogs.session._cog import SessionCog, role_ids
from cogs.session._views import (
    AssetButton,
    CardButton,
    FixButton,
    FrameSelect,
    ResultButton,
    RoleSelect,
)

__all__ = ["SessionCog", "role_ids", "setup"]


async def setup(bot: CallsheetBot) -> None:
    """Load the cog and register its persistent components."""
    bot.add_dynamic_items(CardButton, RoleSelect, ResultButton, FixButton, AssetButton, FrameSelect)
    await bot.add_cog(SessionCog(bot))
