"""Storyboards on Discord (issue 17): ``/video storyboard``, its card (shot list, shot
strip, references, the price with each shot's part), the shot panel and modal, and the
film posted with its shot list. Thin: every click is one call on
:class:`bot.storyboard.service.Storyboards`.

``card`` renders, ``components`` holds the buttons, selects and the shot modal, ``cog``
the command's work and the card and film the session cog posts.
"""

from __future__ import annotations

from cogs.client import CallsheetBot
from cogs.storyboard.cog import StoryboardCog
from cogs.storyboard.components import STORYBOARD_COMPONENTS

__all__ = ["STORYBOARD_COMPONENTS", "StoryboardCog", "setup"]


async def setup(bot: CallsheetBot) -> None:
    """Load the cog (after the session cog, whose cards it adds to) and register its
    persistent components."""
    bot.add_dynamic_items(*STORYBOARD_COMPONENTS)
    await bot.add_cog(StoryboardCog(bot))
