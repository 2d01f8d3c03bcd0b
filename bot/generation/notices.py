"""Job notices by direct message: a member may ask (``/video notify on``) to be told in a
DM when one of their jobs finishes or fails, beside the post in the channel. The choice is
kept per member and guild (table ``member_settings``)."""

from __future__ import annotations

from storage.offers import OfferRepository


class Notices:
    """Who wants a DM when their jobs end.

    Args:
        repo: where members' own settings are kept.
    """

    def __init__(self, repo: OfferRepository) -> None:
        self.repo = repo

    async def set(self, guild_id: int, user_id: int, on: bool) -> None:
        """Turn the member's job DMs in the guild on or off."""
        await self.repo.set_notify_dm(guild_id, user_id, on)

    async def wanted(self, guild_id: int, user_id: int) -> bool:
        """Whether the member asked for a DM when their jobs in the guild end."""
        return await self.repo.notify_dm(guild_id, user_id)
