"""Components under an asset: its role select, "use a moment as an image", "use its sound",
keep or remove after a face warning, an asset's Manage assets panel (role, move up or down,
replace, remove), and the one-click fixes under a refused upload (a transform, or "Remove
@video1" to make room). Each is one class: its custom_id, its look and what a click does.

custom_ids: ``cs:role:<asset>``, ``cs:frame:<asset>``, ``cs:asset:<asset>:<action>``,
``cs:manage:<asset>:<action>``, ``cs:fix:<pending upload>:<fix key>`` (stable across
restarts; ≤ 100 characters).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.errors import FixableUpload
from bot.hosting.store import MediaStore
from bot.media.faces import preview_path
from bot.seedance.roles import get_role, roles_for
from bot.seedance.session import Asset, Session
from bot.text import file_label
from bot.words import Phrase, Voice
from cogs import fit
from cogs.client import CallsheetBot
from cogs.errors import ID, Component
from cogs.session import card
from cogs.session.lookup import session_cog
from cogs.words import voice

Interaction = discord.Interaction[CallsheetBot]
Button = discord.ui.Button[Any]
Select = discord.ui.Select[Any]
Send = Callable[..., Awaitable[Any]]

FIX_PROGRESS_INTERVAL_S = 2.0
FRAME_MOMENTS = (0.0, 0.25, 0.5, 0.75, 1.0)  # fractions of the clip offered as stills
MAX_BUTTONS = 25  # Discord: at most 25 components in a message
FACE_FILENAME = "face.jpg"  # the picture attached to the face question


class RoleSelect(Component[Select], template=rf"cs:role:(?P<asset_id>{ID})"):
    """The role question under an accepted asset (and on its Manage assets panel): it
    stays answerable until Generate, showing the current choice."""

    def __init__(self, asset_id: int, asset: Asset | None = None, t: Voice | None = None) -> None:
        options = []
        placeholder = None
        if asset is not None and t is not None:
            options = [
                fit.option(t(role.name), role.key, t(role.hint), default=role.key == asset.role)
                for role in roles_for(asset.kind)
            ]
            placeholder = fit.placeholder(t("role-placeholder", tag=asset.tag))
        super().__init__(
            discord.ui.Select(
                custom_id=f"cs:role:{asset_id}", placeholder=placeholder, options=options
            )
        )
        self.asset_id = asset_id

    async def handle(self, interaction: Interaction) -> None:
        session = await interaction.client.services.sessions.set_role(
            self.asset_id, interaction.user.id, self.item.values[0]
        )
        asset = next(a for a in session.assets if a.id == self.asset_id)
        t = session_cog(interaction).voice(session)
        message = interaction.message
        if message is not None and message.flags.ephemeral:  # on its Manage assets panel
            content, view = panel_text(asset, t), panel_view(session, asset, t)
        else:  # under the role question, with its frame and sound rows
            content, view = card.role_answer(asset, t), role_view(asset, t)
        await interaction.edit_original_response(content=content, view=view)
        await session_cog(interaction).refresh_card(session.id)


class FrameSelect(Component[Select], template=rf"cs:frame:(?P<asset_id>{ID})"):
    """Use a moment of a video as a new image asset (its first frame); the owner's only,
    checked before the public "thinking…"."""

    ack = "thinking"

    def __init__(self, asset_id: int, duration_s: float = 0.0, t: Voice | None = None) -> None:
        options = [
            fit.option(
                t("frame-at", s=round(duration_s * m, 1)) if t else "-",
                f"{max(0.0, duration_s * m - (0.1 if m == 1.0 else 0)):.2f}",
            )
            for m in FRAME_MOMENTS
        ]
        super().__init__(
            discord.ui.Select(
                custom_id=f"cs:frame:{asset_id}",
                placeholder=t("frame-placeholder") if t else None,
                options=options if duration_s else [],
                row=1,
            )
        )
        self.asset_id = asset_id

    async def check(self, interaction: Interaction) -> None:
        await interaction.client.services.sessions.check_asset_owner(
            self.asset_id, interaction.user.id
        )

    async def handle(self, interaction: Interaction) -> None:
        await _add_derived(interaction, self.asset_id, "frame", float(self.item.values[0]))


class SoundButton(Component[Button], template=rf"cs:asset:(?P<asset_id>{ID}):sound"):
    """Use a video's sound track as a new audio asset; the owner's only, checked before the
    public "thinking…"."""

    ack = "thinking"

    def __init__(self, asset_id: int, tag: str = "", t: Voice | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=t("button-sound", tag=tag) if t else None,
                custom_id=f"cs:asset:{asset_id}:sound",
                style=discord.ButtonStyle.secondary,
                row=2,
            )
        )
        self.asset_id = asset_id

    async def check(self, interaction: Interaction) -> None:
        await interaction.client.services.sessions.check_asset_owner(
            self.asset_id, interaction.user.id
        )

    async def handle(self, interaction: Interaction) -> None:
        await _add_derived(interaction, self.asset_id, "audio")


class KeepFaceButton(Component[Button], template=rf"cs:asset:(?P<asset_id>{ID}):keep"):
    """After a face warning: the picture is drawn or stylised, keep it."""

    def __init__(self, asset_id: int, t: Voice | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=t("button-keep-face") if t else None,
                custom_id=f"cs:asset:{asset_id}:keep",
                style=discord.ButtonStyle.secondary,
            )
        )
        self.asset_id = asset_id

    async def handle(self, interaction: Interaction) -> None:
        asset = await interaction.client.services.sessions.keep_face(
            self.asset_id, interaction.user.id
        )
        await _answer_face(interaction, asset, "face-kept")


class RemoveAssetButton(Component[Button], template=rf"cs:asset:(?P<asset_id>{ID}):remove"):
    """After a face warning: remove the asset from the session."""

    def __init__(self, asset_id: int, tag: str = "", t: Voice | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=t("button-remove", tag=tag) if t else None,
                custom_id=f"cs:asset:{asset_id}:remove",
                style=discord.ButtonStyle.danger,
            )
        )
        self.asset_id = asset_id

    async def handle(self, interaction: Interaction) -> None:
        sessions = interaction.client.services.sessions
        asset = await sessions.asset(self.asset_id)
        changed = await sessions.remove_asset(self.asset_id, interaction.user.id)
        await interaction.edit_original_response(
            content=voice(interaction)(changed.notes[0]), view=None
        )
        await session_cog(interaction).refresh_card(asset.session_id)


class FixButton(Component[Button], template=rf"cs:fix:(?P<pending_id>{ID}):(?P<key>[a-z0-9_]+)"):
    """A one-click fix under a refused upload: runs it with progress, then asks the role.
    A "Remove @…" fix (red) removes that asset first; when the upload then needs a fix
    still, the message shows the new offer instead."""

    def __init__(self, pending_id: int, key: str, label: str | None = None) -> None:
        removes = key.startswith("remove_")
        super().__init__(
            discord.ui.Button(
                label=fit.button_label(label) if label else None,
                custom_id=f"cs:fix:{pending_id}:{key}",
                style=discord.ButtonStyle.danger if removes else discord.ButtonStyle.primary,
            )
        )
        self.pending_id = pending_id
        self.key = key

    async def handle(self, interaction: Interaction) -> None:
        t = voice(interaction)
        done = asyncio.Event()
        fraction = [0.0]
        loop = asyncio.get_running_loop()

        def progress(value: float) -> None:  # called from the worker thread
            loop.call_soon_threadsafe(fraction.__setitem__, 0, value)

        async def report() -> None:
            while not done.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(done.wait(), FIX_PROGRESS_INTERVAL_S)
                if not done.is_set():
                    await interaction.edit_original_response(
                        content=t("fix-progress", percent=round(fraction[0] * 100)), view=None
                    )

        reporter = asyncio.create_task(report())
        uploads = interaction.client.services.uploads
        try:
            added = await uploads.apply_fix(
                self.pending_id, self.key, interaction.user.id, progress
            )
        except FixableUpload as offer:  # it needs another fix now: offer that one
            await interaction.edit_original_response(
                content=t(offer.phrase), view=fix_view(offer.pending_id, offer.options, t)
            )
            await session_cog(interaction).refresh_card(offer.session_id)
            return
        finally:
            done.set()
            await reporter
        asset = added.asset
        fixed = t("fix-done", tag=asset.tag, file=file_label(asset.filename))
        await interaction.edit_original_response(
            content=" ".join((fixed, *(t(note) for note in added.notes))), view=None
        )
        await ask_about(
            asset, interaction.followup.send, t, media=interaction.client.services.media
        )
        await session_cog(interaction).refresh_card(asset.session_id)


async def _add_derived(
    interaction: Interaction, asset_id: int, what: str, at_s: float = 0.0
) -> None:
    """Add a video's sound ("audio") or its frame at ``at_s`` seconds ("frame") as a new
    asset, ask its role and refresh the card (the role question replaces the "thinking…"
    placeholder the click was acknowledged with)."""
    asset = await interaction.client.services.uploads.derive_asset(
        asset_id, interaction.user.id, what, at_s
    )
    media = interaction.client.services.media
    await ask_about(asset, interaction.followup.send, voice(interaction), media=media)
    await session_cog(interaction).refresh_card(asset.session_id)


async def _answer_face(interaction: Interaction, asset: Asset, outcome: str) -> None:
    """Replace the face question with the member's answer (``outcome``: its catalogue key)
    and refresh the card."""
    await interaction.edit_original_response(
        content=voice(interaction)(outcome, tag=asset.tag), view=None
    )
    await session_cog(interaction).refresh_card(asset.session_id)


def role_view(asset: Asset, t: Voice) -> discord.ui.View:
    """The role select (its current choice shown), and for a video "use a moment as an
    image" and "use its sound"."""
    view = discord.ui.View(timeout=None)
    view.add_item(RoleSelect(asset.id, asset, t))
    if asset.kind == "video" and asset.duration_s:
        view.add_item(FrameSelect(asset.id, asset.duration_s, t))
    if asset.kind == "video" and asset.has_audio:
        view.add_item(SoundButton(asset.id, asset.tag, t))
    return view


def face_view(asset: Asset, t: Voice) -> discord.ui.View:
    """Keep or remove a face-flagged asset."""
    view = discord.ui.View(timeout=None)
    view.add_item(KeepFaceButton(asset.id, t))
    view.add_item(RemoveAssetButton(asset.id, asset.tag, t))
    return view


def fix_view(pending_id: int, options: list[tuple[str, Phrase]], t: Voice) -> discord.ui.View:
    """One button per one-click fix (``options``: fix key and label)."""
    view = discord.ui.View(timeout=None)
    for key, label in options[:MAX_BUTTONS]:
        view.add_item(FixButton(pending_id, key, t(label)))
    return view


async def ask_about(
    asset: Asset, send: Send, t: Voice, notes: tuple[Phrase, ...] = (), *, media: MediaStore
) -> None:
    """The role question for a new asset (after ``notes``: what was done to it on the way
    in), and the face question when it was flagged, showing the picture or video frame
    the face was found in (outlined) when the check drew it (beside the asset's file in
    this machine's ``media`` folder, where the upload was taken in)."""
    await send(card.role_question(asset, t, notes), view=role_view(asset, t))
    if asset.face_flag == "warned":
        picture = preview_path(media.path(asset.key))
        shown = {"file": discord.File(picture, FACE_FILENAME)} if picture.is_file() else {}
        await send(card.face_warning(asset, t), view=face_view(asset, t), **shown)


def panel_text(asset: Asset, t: Voice, notes: str = "") -> str:
    """What the panel of one asset says (after ``notes``: what the last click did)."""
    role = t(get_role(asset.role).name)
    text = t("manage-panel", tag=asset.tag, file=file_label(asset.filename), role=role)
    return f"{notes}\n{text}" if notes else text


def panel_view(session: Session, asset: Asset, t: Voice) -> discord.ui.View:
    """The asset's role select, then Move up, Move down, Replace and Remove."""
    same_kind = session.assets_of(asset.kind)
    view = discord.ui.View(timeout=None)
    view.add_item(RoleSelect(asset.id, asset, t))
    view.add_item(ManageButton(asset.id, "up", t, disabled=asset == same_kind[0]))
    view.add_item(ManageButton(asset.id, "down", t, disabled=asset == same_kind[-1]))
    view.add_item(ManageButton(asset.id, "replace", t))
    view.add_item(ManageButton(asset.id, "remove", t))
    return view


_BUTTONS = {
    "up": ("button-move-up", discord.ButtonStyle.secondary),
    "down": ("button-move-down", discord.ButtonStyle.secondary),
    "replace": ("button-replace", discord.ButtonStyle.primary),
    "remove": ("button-remove-asset", discord.ButtonStyle.danger),
}


class ManageButton(
    Component[Button], template=rf"cs:manage:(?P<asset_id>{ID}):(?P<action>up|down|replace|remove)"
):
    """On an asset's panel: move it up or down among its kind (the tags renumber and the
    prompt follows), replace it with the next upload, or remove it."""

    def __init__(self, asset_id: int, action: str, t: Voice | None = None,
                 disabled: bool = False) -> None:  # fmt: skip
        label, style = _BUTTONS[action]
        super().__init__(
            discord.ui.Button(
                label=t(label) if t else None,
                custom_id=f"cs:manage:{asset_id}:{action}",
                style=style,
                disabled=disabled,
                row=1,
            )
        )
        self.asset_id = asset_id
        self.action = action

    async def handle(self, interaction: Interaction) -> None:
        sessions = interaction.client.services.sessions
        user = interaction.user.id
        t = voice(interaction)
        if self.action == "replace":
            asset = await sessions.replace_next(self.asset_id, user)
            await interaction.edit_original_response(
                content=t("replace-waiting", tag=asset.tag, file=file_label(asset.filename)),
                view=None,
            )
            return
        if self.action == "remove":
            changed = await sessions.remove_asset(self.asset_id, user)
            await interaction.edit_original_response(
                content=" ".join(t(n) for n in changed.notes), view=None
            )
        else:
            changed = await sessions.move_asset(
                self.asset_id, user, -1 if self.action == "up" else 1
            )
            moved = next(a for a in changed.session.assets if a.id == self.asset_id)
            notes = " ".join(t(n) for n in changed.notes)
            await interaction.edit_original_response(
                content=panel_text(moved, t, notes), view=panel_view(changed.session, moved, t)
            )
        await session_cog(interaction).refresh_card(changed.session.id)


ASSET_COMPONENTS = (
    RoleSelect,
    ManageButton,
    FrameSelect,
    SoundButton,
    KeepFaceButton,
    RemoveAssetButton,
    FixButton,
)
