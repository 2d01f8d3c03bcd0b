"""What the session feature shows: the session card, the request, the result, and the texts
of its questions (rendering only, no state; the components they carry are in
``card_components``, ``asset_components`` and ``result_components``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import discord

from bot.credits.service import Balance
from bot.generation.job import Job, JobState
from bot.generation.service import Quote
from bot.guilds.config import MODEL_LABELS
from bot.providers.base import TaskStatus
from bot.seedance.compiler import MODE_LABELS
from bot.seedance.roles import get_role
from bot.seedance.session import Asset, Session
from bot.seedance.templates import Slot, Template
from bot.text import file_label

_COLOURS = {
    "open": discord.Colour.blurple(),
    "generating": discord.Colour.gold(),
    "closed": discord.Colour.dark_grey(),
    "expired": discord.Colour.dark_grey(),
}


BOARD_FILENAME = "board.jpg"


@dataclass
class Card:
    """A rendered session card: embed, buttons, and a new asset board image to upload
    (``None`` when the posted one is still right: re-uploading it on every progress edit
    would waste the member's bandwidth)."""

    embed: discord.Embed
    view: discord.ui.View
    board: Path | None = None

    def for_send(self) -> dict[str, Any]:
        """Keyword arguments for sending the card."""
        extra = {"file": discord.File(self.board, BOARD_FILENAME)} if self.board else {}
        return {"embed": self.embed, "view": self.view, **extra}

    def for_edit(self) -> dict[str, Any]:
        """Keyword arguments for editing the posted card."""
        extra = {"attachments": [discord.File(self.board, BOARD_FILENAME)]} if self.board else {}
        return {"embed": self.embed, "view": self.view, **extra}


def describe_asset(asset: Asset) -> str:
    """One line: tag, role, file and its measurements."""
    size = f"{asset.width}×{asset.height}" if asset.width else ""
    length = f"{asset.duration_s:.1f} s" if asset.duration_s else ""
    facts = ", ".join(x for x in (asset.format.upper(), size, length) if x)
    return (
        f"`{asset.tag}` **{get_role(asset.role).label}** — {file_label(asset.filename)} ({facts})"
    )


def session_card(
    session: Session,
    quote: Quote,
    balance: Balance | None,
    job: Job | None = None,
    queue_position: int | None = None,
    now: datetime | None = None,
    provider_status: TaskStatus | None = None,
) -> discord.Embed:
    """The session card: assets and roles, prompt, settings, request, price, balance, and
    the running job's state, queue position, progress and elapsed time."""
    embed = discord.Embed(
        title=f"🎬 Video session #{session.id}",
        colour=_COLOURS[session.state],
        description=session.prompt or "*No prompt yet — press **Prompt** to write one.*",
    )
    assets = "\n".join(describe_asset(a) for a in session.assets)
    embed.add_field(
        name=f"Assets ({len(session.assets)})",
        value=assets[:1024]
        or "*None yet — drop images, clips or audio in this channel, or use `/video add`.*",
        inline=False,
    )
    audio = "audio on" if session.generate_audio else "audio off"
    embed.add_field(
        name="Settings",
        value=f"{MODEL_LABELS.get(session.model, session.model)} · {session.duration_s} s · "
        f"{session.ratio} · {session.resolution} · {audio}",
        inline=True,
    )
    if quote.request is not None:
        request = quote.request
        embed.add_field(name="Mode", value=MODE_LABELS[request.mode], inline=True)
        price = f"**{quote.price}** credits"
        if balance is not None:
            price += f" · you have {balance.available}"
        embed.add_field(name="Price", value=price, inline=True)
        embed.add_field(name="Request", value=f"```{request.prompt[:1000]}```", inline=False)
    else:
        embed.add_field(
            name="Before you generate", value=(quote.problem or "")[:1024], inline=False
        )
    warnings = [f"⚠️ {item.message} {item.fix}" for item in quote.lints if item.severity == "warn"]
    if warnings:
        embed.add_field(name="Check before you pay", value="\n".join(warnings)[:1024], inline=False)
    if job is not None:
        status = f"#{job.id} {job.state}"
        if job.delivery_message_id is not None:
            status += " · delivered below"
        if job.state == JobState.QUEUED and queue_position:
            status += f" · position {queue_position} in the queue"
        if job.progress is not None and job.state == JobState.RUNNING:
            status += f" · {job.progress:.0%}"
        if provider_status is not None and provider_status.queue_position is not None:
            status += f" · position {provider_status.queue_position} at the provider"
        if provider_status is not None and provider_status.eta_s:
            status += f" · about {provider_status.eta_s:.0f} s left"
        if now is not None:
            status += f" · {int((now - job.created_at).total_seconds())} s elapsed"
        embed.add_field(name="Job", value=status, inline=False)
    state = {
        "open": "Drop files here or use /video add · one role per asset",
        "generating": "Rendering… your video will be posted here",
        "closed": "Session closed",
        "expired": "Session expired after idling",
    }[session.state]
    embed.set_footer(text=state)
    return embed


def role_question(asset: Asset, notes: tuple[str, ...] = ()) -> str:
    """The follow-up asking what an accepted asset is for (its role select goes with it),
    after ``notes``: what was done to it on the way in."""
    done = "".join(f" {note}" for note in notes)
    return (
        f"Added **{asset.tag}** — {file_label(asset.filename)}.{done} What should it do? "
        f"I suggest **{get_role(asset.role).label}**; pick another role below if needed."
    )


def face_warning(asset: Asset) -> str:
    """The face pre-check's question: keep (drawn or stylised) or remove."""
    return (
        f"⚠️ **{asset.tag}** seems to show a realistic human face. Providers reject those "
        "and the request would fail. If it is a drawing, a render or "
        "otherwise stylised, keep it; otherwise remove it. Generate waits for your answer."
    )


def role_answer(asset: Asset) -> str:
    """The role question once answered."""
    return f"**{asset.tag}** — {file_label(asset.filename)}: **{get_role(asset.role).label}** ✓"


def request_embed(quote: Quote) -> discord.Embed:
    """Everything the provider will receive, and why (the "View request" button)."""
    request = quote.request
    assert request is not None
    embed = discord.Embed(
        title=f"The request — {MODE_LABELS[request.mode]}",
        description=f"**Why this mode:** {request.mode_reason}.",
        colour=discord.Colour.blurple(),
    )
    embed.add_field(
        name="Provider and model",
        value=f"{quote.provider or 'provider'} · {MODEL_LABELS.get(request.model, request.model)}",
        inline=False,
    )
    embed.add_field(
        name=f"Prompt, exactly as sent ({request.dialect} dialect)",
        value=f"```{request.prompt[:1000]}```",
        inline=False,
    )
    groups = (("Images", request.images), ("Videos", request.videos), ("Audio", request.audios))
    for title, group in groups:
        if group:
            lines = [
                f"{ra.position}. `{ra.asset.tag}` {file_label(ra.asset.filename)} — "
                f"{get_role(ra.asset.role).label} (`{ra.api_role}`)"
                for ra in group
            ]
            embed.add_field(name=f"{title}, in order", value="\n".join(lines)[:1024], inline=False)
    audio = "with sound" if request.generate_audio else "silent"
    embed.add_field(
        name="Output",
        value=f"{request.duration_s} s · {request.ratio} · {request.resolution} · {audio}",
        inline=True,
    )
    embed.add_field(name="Price", value=f"{quote.price} credits", inline=True)
    notes = [f"[{item.severity}] {item.message} {item.fix}" for item in quote.lints]
    if notes:
        embed.add_field(name="Notes", value="\n".join(notes)[:1024], inline=False)
    return embed


def template_checklist(template: Template, missing: list[Slot]) -> str:
    """What a template session still needs."""
    if not missing:
        return f"**{template.label}**: every asset is in. Check the card and press Generate."
    lines = [f"• {slot.kind}: {slot.label} (role: {get_role(slot.role).label})" for slot in missing]
    return (
        f"**{template.label}** — {template.description}\nDrop these in this channel (or use "
        "`/video add`); each gets its role from the template:\n" + "\n".join(lines)
    )


def marker(job_id: int) -> str:
    """The footer that identifies a job's delivery post."""
    return f"Callsheet job #{job_id}"


def result_embed(job: Job, note: str = "") -> discord.Embed:
    """The delivered video's embed: prompt, roles, duration, model and credits spent."""
    request = job.request
    embed = discord.Embed(
        title=f"🎬 Job #{job.id} — {MODE_LABELS[request.mode]}",
        description=request.prompt[:4000],
        colour=discord.Colour.green(),
    )
    roles = "\n".join(f"`{ra.asset.tag}` {get_role(ra.asset.role).label}" for ra in request.assets)
    embed.add_field(name="Roles", value=roles or "text only", inline=True)
    embed.add_field(
        name="Video",
        value=f"{MODEL_LABELS.get(request.model, request.model)} · {request.duration_s} s · "
        f"{request.ratio} · {request.resolution}",
        inline=True,
    )
    embed.add_field(name="Credits spent", value=str(job.price), inline=True)
    embed.add_field(name="Provider", value=job.provider, inline=True)
    if job.seed is not None:
        embed.add_field(name="Seed", value=str(job.seed), inline=True)
    if note:
        embed.add_field(name="Full quality", value=note, inline=False)
    embed.set_footer(text=marker(job.id))
    return embed
