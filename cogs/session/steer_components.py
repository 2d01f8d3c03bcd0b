"""The card's steering rows: "Manage assets" (a select of the session's assets; picking one
opens its panel, :func:`cogs.session.asset_components.panel_view`: role, move up or down,
replace, remove) and "Settings" (clip length, shape, resolution, model and sound, each a
select of what the guild and the provider's model allow). Everything here changes the
session before Generate; each change edits the panel the member is looking at and
refreshes the card.

custom_ids: ``cs:card:<session>:manage``, ``cs:card:<session>:settings``,
``cs:set:<session>:<setting>`` (stable across restarts; ≤ 100 characters). Discord: a
select takes a row of its own, ≤ 25 options, labels and descriptions ≤ 100 characters.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.errors import CallsheetError
from bot.seedance.roles import get_role
from bot.seedance.session import Asset, Session, SessionState
from bot.sessions.settings import Choices
from bot.words import Voice, say
from cogs.client import CallsheetBot
from cogs.errors import ID, Component, reply
from cogs.session.asset_components import panel_text, panel_view
from cogs.session.lookup import session_cog
from cogs.words import voice

Interaction = discord.Interaction[CallsheetBot]
Button = discord.ui.Button[Any]
Select = discord.ui.Select[Any]

MAX_OPTIONS = 25  # Discord: a select offers 1–25 options
MAX_TEXT = 100  # Discord: option labels and descriptions ≤ 100 characters
SETTINGS_ROW, MANAGE_ROW = 1, 2  # the card's first row holds its buttons


class ManageSelect(Component[Select], template=rf"cs:card:(?P<session_id>{ID}):manage"):
    """On the card: pick an asset to change its role, move, replace or remove it."""

    ack = "private"

    def __init__(self, session_id: int, session: Session | None = None,
                 t: Voice | None = None) -> None:  # fmt: skip
        options = []
        if session is not None and t is not None:
            options = [
                discord.SelectOption(
                    label=_option_label(asset, t),
                    value=str(asset.id),
                    description=asset.filename[:MAX_TEXT],
                )
                for asset in session.assets[:MAX_OPTIONS]
            ]
        super().__init__(
            discord.ui.Select(
                custom_id=f"cs:card:{session_id}:manage",
                placeholder=t("manage-placeholder") if t else None,
                options=options,
                row=MANAGE_ROW,
            )
        )
        self.session_id = session_id

    async def handle(self, interaction: Interaction) -> None:
        sessions = interaction.client.services.sessions
        asset = await sessions.asset(int(self.item.values[0]))
        session = await sessions.owned(asset.session_id, interaction.user.id)
        current = next((a for a in session.assets if a.id == asset.id), None)
        if current is None or session.id != self.session_id:
            await reply(interaction, voice(interaction)("asset-gone"))
            return
        t = voice(interaction)
        await reply(interaction, panel_text(current, t), view=panel_view(session, current, t))


def _option_label(asset: Asset, t: Voice) -> str:
    role = t(get_role(asset.role).name)
    key = "manage-option-suggested" if asset.role_suggested else "manage-option"
    return t(key, tag=asset.tag, role=role)[:MAX_TEXT]


class SettingsButton(Component[Button], template=rf"cs:card:(?P<session_id>{ID}):settings"):
    """On the card: the settings panel (length, shape, resolution, model, sound)."""

    ack = "private"

    def __init__(self, session_id: int, t: Voice | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=t("button-settings") if t else None,
                custom_id=f"cs:card:{session_id}:settings",
                style=discord.ButtonStyle.secondary,
                row=SETTINGS_ROW,
            )
        )
        self.session_id = session_id

    async def handle(self, interaction: Interaction) -> None:
        sessions = interaction.client.services.sessions
        session = await sessions.owned(self.session_id, interaction.user.id)
        offered = await sessions.setting_choices(session)
        unused = await session_cog(interaction).unused_settings(session.id)
        t = voice(interaction)
        await reply(
            interaction,
            t("settings-panel", session=str(session.id)),
            view=settings_view(session, offered, t, unused),
        )


class SettingSelect(
    Component[Select],
    template=rf"cs:set:(?P<session_id>{ID}):(?P<name>duration|ratio|resolution|model|audio)",
):
    """One setting on the settings panel: its options are what may be picked now."""

    def __init__(
        self,
        session_id: int,
        name: str,
        options: list[discord.SelectOption] | None = None,
        placeholder: str | None = None,
        row: int | None = None,
    ) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=f"cs:set:{session_id}:{name}",
                options=options or [],
                placeholder=placeholder,
                row=row,
            )
        )
        self.session_id = session_id
        self.name = name

    async def handle(self, interaction: Interaction) -> None:
        sessions = interaction.client.services.sessions
        unused = await session_cog(interaction).unused_settings(self.session_id)
        if self.name in unused:  # never offered for this session (a forged select)
            raise CallsheetError(say("setting-not-offered", value=self.item.values[0]))
        changed = await sessions.change_setting(
            self.session_id, interaction.user.id, self.name, self.item.values[0]
        )
        offered = await sessions.setting_choices(changed.session)
        t = voice(interaction)
        text = t("settings-panel", session=str(self.session_id))
        if changed.notes:
            text = " ".join((*(t(n) for n in changed.notes), text))
        await interaction.edit_original_response(
            content=text, view=settings_view(changed.session, offered, t, unused)
        )
        await session_cog(interaction).refresh_card(self.session_id)


def settings_view(
    session: Session, offered: Choices, t: Voice, unused: frozenset[str] = frozenset()
) -> discord.ui.View:
    """Five selects (``duration``, ``ratio``, ``resolution``, ``model``, ``audio``), one a
    row, each showing the session's current value; those named in ``unused`` are left out
    (a storyboard's session: each shot has its own length)."""

    def option(label: str, value: str, current: bool) -> discord.SelectOption:
        return discord.SelectOption(label=label[:MAX_TEXT], value=value, default=current)

    def ratio_label(ratio: str) -> str:
        return t("settings-ratio-adaptive") if ratio == "adaptive" else ratio

    rows: list[tuple[str, str, list[discord.SelectOption]]] = [
        ("duration", t("settings-duration", s=session.duration_s), [
            option(t("seconds", s=s), str(s), s == session.duration_s) for s in offered.durations
        ]),
        ("ratio", t("settings-ratio", ratio=ratio_label(session.ratio)), [
            option(ratio_label(r), r, r == session.ratio) for r in offered.ratios
        ]),
        ("resolution", t("settings-resolution", resolution=session.resolution), [
            option(r, r, r == session.resolution) for r in offered.resolutions
        ]),
        ("model", t("settings-model"), [
            option(label, key, key == session.model) for key, label in offered.models
        ]),
        ("audio", t("settings-audio"), [
            option(t("card-sound-on"), "on", session.generate_audio),
            option(t("card-sound-off"), "off", not session.generate_audio),
        ]),
    ]  # fmt: skip
    view = discord.ui.View(timeout=None)
    shown = [(name, placeholder, options) for name, placeholder, options in rows
             if name not in unused]  # fmt: skip
    for row, (name, placeholder, options) in enumerate(shown):
        view.add_item(
            SettingSelect(session.id, name, options[:MAX_OPTIONS], placeholder[:150], row)
        )
    return view


def add_steering(view: discord.ui.View, session: Session, t: Voice) -> None:
    """Add Settings and, when the session has assets, Manage assets to an open session's
    card (rows 2 and 3; Discord allows 5)."""
    if session.state != SessionState.OPEN:
        return
    view.add_item(SettingsButton(session.id, t))
    if session.assets:
        view.add_item(ManageSelect(session.id, session, t))


STEER_COMPONENTS = (ManageSelect, SettingsButton, SettingSelect)
