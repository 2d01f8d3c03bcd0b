"""The moderator's console: ``/admin …``."""

from __future__ import annotations

from cogs.admin.cog import AdminCog
from cogs.admin.components import CancelJobButton
from cogs.client import CallsheetBot


async def setup(bot: CallsheetBot) -> None:
    """Load the cog and register its persistent components."""
    bot.add_dynamic_items(CancelJobButton)
    await bot.add_cog(AdminCog(bot))
