"""``/video history``: the member's delivered videos, newest first, one a page, each with
its first frame, prompt, price and the result buttons, and Newer / Older to page through.

custom_ids: ``cs:history:<member>:<page>`` (the result buttons are the results' own,
``cs:result:<job>:<action>``), so a history message keeps working after a restart.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.words import Voice
from cogs import fit
from cogs.client import CallsheetBot
from cogs.errors import ID, Component, acknowledge, answer
from cogs.session.card import result_embed
from cogs.session.result_components import result_view
from cogs.words import voice

Interaction = discord.Interaction[CallsheetBot]
Button = discord.ui.Button[Any]
THUMB = "thumbnail.jpg"


class PageButton(Component[Button], template=rf"cs:history:(?P<user_id>{ID}):(?P<page>{ID})"):
    """Shows page ``page`` (0 = newest) of the clicker's own history in the same message
    (Discord shows a history only to its member; a click reads the clicker's videos)."""

    def __init__(self, user_id: int, page: int, label: str | None = None,
                 disabled: bool = False) -> None:  # fmt: skip
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=f"cs:history:{user_id}:{page}",
            )
        )
        self.row = 1  # under the result's own buttons
        self.user_id = user_id
        self.page = page

    async def handle(self, interaction: Interaction) -> None:
        await show_page(interaction, self.page)


async def show_page(interaction: Interaction, page: int) -> None:
    """Replace the acknowledgement (or the message) with page ``page`` of the member's
    history; an empty history says how to start."""
    assert interaction.guild_id is not None
    await acknowledge(interaction, "private")
    services = interaction.client.services
    t = voice(interaction)
    jobs, total = await services.generation.results_of(
        interaction.guild_id, interaction.user.id, page, 1
    )
    if not jobs:
        await answer(interaction, content=t("history-empty"), embeds=[], attachments=[], view=None)
        return
    job = jobs[0]
    embed = result_embed(job, t)
    embed.set_footer(text=t("history-page", page=page + 1, pages=total))
    embed.set_image(url=f"attachment://{THUMB}")
    thumb = await services.results.thumbnail(job)
    await answer(
        interaction,
        content=None,
        embed=fit.embed(embed),
        attachments=[discord.File(thumb, filename=THUMB)],
        view=_view(job, interaction.user.id, page, total, t),
    )


def _view(job: Any, user_id: int, page: int, total: int, t: Voice) -> discord.ui.View:
    view = result_view(job, t)
    for item in view.children:
        item.row = 0
    view.add_item(PageButton(user_id, max(page - 1, 0), t("history-newer"), page == 0))
    view.add_item(PageButton(user_id, page + 1, t("history-older"), page + 1 >= total))
    return view


HISTORY_COMPONENTS = (PageButton,)
