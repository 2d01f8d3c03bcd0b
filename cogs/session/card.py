"""What the session feature shows: the session card, the request, the result, and the texts
of its questions (rendering only, no state; the components they carry are in
``card_components``, ``asset_components`` and ``result_components``).

Every text comes from the catalogue (:mod:`bot.words`, ``card.ftl``) through ``t``, a
:class:`bot.words.Voice` in the reader's locale: the session owner's for the card and what
goes with it, the member's own for a reply only they see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import discord

from bot.credits.service import Balance
from bot.generation.job import Job, JobState
from bot.generation.service import Quote
from bot.guilds.config import MODEL_LABELS
from bot.providers.base import TaskStatus
from bot.seedance.roles import get_role, ratio_of, same_shape
from bot.seedance.session import Asset, Session
from bot.seedance.templates import Slot, Template
from bot.text import file_label
from bot.words import Phrase, Voice, say
from cogs import fit

_COLOURS = {
    "open": discord.Colour.blurple(),
    "generating": discord.Colour.gold(),
    "closed": discord.Colour.dark_grey(),
    "expired": discord.Colour.dark_grey(),
}


BOARD_FILENAME = "board.jpg"
FRAME_ROLES = ("first_frame", "last_frame")  # images that become frames of the video


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

    def shows(self) -> str:
        """What a member sees of the card apart from its image (its embed and components),
        to tell whether an edit would change anything."""
        return repr((self.embed.to_dict(), self.view.to_components()))


def describe_asset(asset: Asset, t: Voice) -> str:
    """One line: tag, role, file and its measurements."""
    size = f"{asset.width}×{asset.height}" if asset.width else ""
    length = t("seconds", s=round(asset.duration_s, 1)) if asset.duration_s else ""
    facts = ", ".join(x for x in (asset.format.upper(), size, length) if x)
    role = t(get_role(asset.role).name)
    key = "card-asset-suggested" if asset.role_suggested else "card-asset"
    return t(key, tag=asset.tag, role=role, file=file_label(asset.filename), facts=facts)


def framing(session: Session, t: Voice) -> list[str]:
    """For each first or last frame whose shape is not the output's: how it will be framed
    (cropped to fill, centred, as the providers and the preview do: cover fit)."""
    lines = []
    wanted = ratio_of(session.ratio)
    for asset in session.assets_of("image"):
        if asset.role not in FRAME_ROLES or not asset.width or not asset.height:
            continue
        if wanted is None or same_shape(asset.width, asset.height, session.ratio):
            continue
        shape = asset.width / asset.height
        edge = "sides" if shape > wanted else "ends"
        cut = 1 - (wanted / shape if shape > wanted else shape / wanted)
        lines.append(
            t(
                "card-framing", tag=asset.tag, size=f"{asset.width}×{asset.height}",
                output=session.ratio, percent=round(cut * 100), edge=edge,
            )
        )  # fmt: skip
    return lines


def _settings(model: str, duration_s: int, ratio: str, resolution: str, t: Voice) -> str:
    return " · ".join(
        (MODEL_LABELS.get(model, model), t("seconds", s=duration_s), ratio, resolution)
    )


def session_card(
    session: Session,
    quote: Quote,
    balance: Balance | None,
    t: Voice,
    job: Job | None = None,
    queue_position: int | None = None,
    now: datetime | None = None,
    provider_status: TaskStatus | None = None,
    files_by_command: bool = False,
) -> discord.Embed:
    """The session card: assets and roles, prompt, settings, mode, price, balance, and the
    running job's state, queue position, progress and elapsed time (the compiled prompt is
    under View request). ``files_by_command``: files posted in the channel don't reach the
    bot (no message-content intent), so the card says to use ``/video add``."""
    embed = discord.Embed(
        title=t("card-title", session=str(session.id)),
        colour=_COLOURS[session.state],
        description=session.prompt or t("card-no-prompt"),
    )
    assets = [describe_asset(a, t) for a in session.assets]
    empty = t("card-none-yet" if files_by_command else "card-no-assets")
    embed.add_field(
        name=t("card-assets", count=len(session.assets)),
        value=fit.lines(assets, fit.FIELD_VALUE, fit.more(t)) or empty,
        inline=False,
    )
    if files_by_command:
        embed.add_field(
            name=t("card-add-files-title"), value=t("card-add-files-by-command"), inline=False
        )
    settings = _settings(session.model, session.duration_s, session.ratio, session.resolution, t)
    sound = t("card-sound-on" if session.generate_audio else "card-sound-off")
    embed.add_field(name=t("card-settings"), value=f"{settings} · {sound}", inline=True)
    suggested = [a for a in session.assets if a.role_suggested]
    if suggested and quote.request is not None:  # not priced as if the member had chosen
        tags = ", ".join(f"`{a.tag}`" for a in suggested)
        embed.add_field(
            name=t("card-suggested-title"), value=t("card-suggested", tags=tags), inline=False
        )
    elif quote.request is not None:
        request = quote.request
        embed.add_field(name=t("card-mode"), value=t(f"mode-{request.mode}"), inline=True)
        if balance is not None:
            price = t("card-price-balance", price=quote.price or 0, available=balance.available)
        else:
            price = t("card-price", price=quote.price or 0)
        if quote.breakdown is not None:  # the parts of the bill: seconds, rate, video factor
            price += "\n" + t(quote.breakdown.phrase)
        embed.add_field(name=t("card-price-title"), value=price, inline=True)
    elif quote.problem is not None:
        embed.add_field(name=t("card-before"), value=t(quote.problem), inline=False)
    if quote.blocked is not None:  # banned: Generate is disabled, and this says why
        embed.add_field(name=t("card-blocked"), value=t(quote.blocked), inline=False)
    flagged = [a.tag for a in session.assets if a.face_flag == "warned"]
    if flagged:  # Generate stays disabled until each face question is answered
        embed.add_field(
            name=t("card-before"), value=t("card-face-open", tags=", ".join(flagged)), inline=False
        )
    framed = framing(session, t)
    if framed:
        value = fit.lines(framed, fit.FIELD_VALUE, fit.more(t))
        embed.add_field(name=t("card-framing-title"), value=value, inline=False)
    warnings = [
        t("card-warning", message=item.message, fix=item.fix)
        for item in quote.lints
        if item.severity == "warn"
    ]
    if warnings:
        value = fit.lines(warnings, fit.FIELD_VALUE, fit.more(t))
        embed.add_field(name=t("card-check"), value=value, inline=False)
    if job is not None:
        status = [t("card-job", job=str(job.id), state=str(job.state))]
        if job.delivery_message_id is not None:
            status.append(t("card-job-delivered"))
        if job.state == JobState.QUEUED and queue_position:
            status.append(t("card-job-queue", position=queue_position))
        if job.progress is not None and job.state == JobState.RUNNING:
            status.append(t("card-job-progress", percent=round(job.progress * 100)))
        if provider_status is not None and provider_status.queue_position is not None:
            status.append(t("card-job-provider-queue", position=provider_status.queue_position))
        if provider_status is not None and provider_status.eta_s:
            status.append(t("card-job-eta", s=round(provider_status.eta_s)))
        if now is not None:
            status.append(t("card-job-elapsed", s=int((now - job.created_at).total_seconds())))
        embed.add_field(name=t("card-job-title"), value=" · ".join(status), inline=False)
    embed.set_footer(text=t("card-footer", state=str(session.state)))
    return fit.embed(embed)


def role_question(asset: Asset, t: Voice, notes: tuple[Phrase, ...] = ()) -> str:
    """The follow-up asking what an accepted asset is for (its role select goes with it),
    after ``notes``: what was done to it on the way in."""
    role = t(get_role(asset.role).name)
    file = file_label(asset.filename)
    if notes:
        done = " ".join(t(note) for note in notes)
        return t("role-question-noted", tag=asset.tag, file=file, role=role, notes=done)
    return t("role-question", tag=asset.tag, file=file, role=role)


def face_warning(asset: Asset, t: Voice) -> str:
    """The face pre-check's question: keep (drawn or stylised) or remove."""
    return t("face-question", tag=asset.tag)


def role_answer(asset: Asset, t: Voice) -> str:
    """The role question once answered."""
    role = t(get_role(asset.role).name)
    return t("role-answer", tag=asset.tag, file=file_label(asset.filename), role=role)


def _role_as_set(asset: Asset) -> Phrase:
    """An asset's role name, marked when it is only suggested."""
    name = get_role(asset.role).name
    return say("role-suggested-mark", role=name) if asset.role_suggested else name


def request_embed(quote: Quote, t: Voice) -> discord.Embed:
    """What Generate will ask for, and why (the "View request" button); the prompt exactly as
    the provider receives it is in a field labelled for the curious."""
    request = quote.request
    assert request is not None
    mode = t(f"mode-{request.mode}")
    embed = discord.Embed(
        title=t("request-title", mode=mode),
        description=t("request-why", reason=request.mode_reason),
        colour=discord.Colour.blurple(),
    )
    groups = (("image", request.images), ("video", request.videos), ("audio", request.audios))
    for kind, group in groups:
        if group:
            lines = [
                t(
                    "request-asset", position=str(ra.position), tag=ra.asset.tag,
                    file=file_label(ra.asset.filename), role=_role_as_set(ra.asset),
                )
                for ra in group
            ]  # fmt: skip
            embed.add_field(
                name=t("request-group", kind=kind),
                value=fit.lines(lines, fit.FIELD_VALUE, fit.more(t)),
                inline=False,
            )
    settings = _settings(request.model, request.duration_s, request.ratio, request.resolution, t)
    sound = t("card-sound-on" if request.generate_audio else "card-sound-off")
    embed.add_field(name=t("request-output"), value=f"{settings} · {sound}", inline=True)
    embed.add_field(name=t("card-price-title"), value=t("credits-amount", price=quote.price or 0))
    notes = [t("request-note", message=item.message, fix=item.fix) for item in quote.lints]
    if notes:
        value = fit.lines(notes, fit.FIELD_VALUE, fit.more(t))
        embed.add_field(name=t("request-notes"), value=value, inline=False)
    embed.add_field(name=t("request-curious"), value=code_block(request.prompt), inline=False)
    return fit.embed(embed)


def code_block(text: str, limit: int = fit.FIELD_VALUE) -> str:
    """``text`` shown literally in a code block of at most ``limit`` characters (a fence
    inside it is broken up with zero-width spaces, so it cannot close the block early)."""
    inner = text.replace("```", "`\u200b`\u200b`") or " "
    return f"```\n{fit.clip(inner, limit - 8)}\n```"


def template_checklist(template: Template, missing: list[Slot], t: Voice) -> str:
    """What a template session still needs."""
    name = t(template.name)
    if not missing:
        return t("template-complete", template=name)
    lines = "\n".join(
        t("template-slot", kind=slot.kind, slot=slot.name, role=get_role(slot.role).name)
        for slot in missing
    )
    return t("template-checklist", template=name, hint=template.hint, slots=lines)


def marker(job_id: int) -> str:
    """The footer that identifies a job's delivery post (the same in every language: a
    delivery is found again by it after a restart)."""
    return f"Callsheet job #{job_id}"


def result_embed(job: Job, t: Voice, note: str = "") -> discord.Embed:
    """The delivered video's embed: prompt, roles, duration, model and credits spent."""
    request = job.request
    if job.kind == "stitch":  # its prompt names the parts (Results.stitch)
        embed = discord.Embed(
            title=t("result-title-stitch", job=str(job.id), parts=request.prompt),
            colour=discord.Colour.green(),
        )
    else:
        embed = discord.Embed(
            title=t("result-title", job=str(job.id), mode=t(f"mode-{request.mode}")),
            description=request.prompt,
            colour=discord.Colour.green(),
        )
        roles = "\n".join(
            f"`{ra.asset.tag}` {t(get_role(ra.asset.role).name)}" for ra in request.assets
        )
        embed.add_field(name=t("result-roles"), value=roles or t("result-text-only"), inline=True)
    settings = _settings(request.model, request.duration_s, request.ratio, request.resolution, t)
    embed.add_field(name=t("result-video"), value=settings, inline=True)
    spent = t("result-free") if job.kind == "stitch" else str(job.price)
    embed.add_field(name=t("result-credits"), value=spent, inline=True)
    if job.provider == "preview":
        embed.add_field(name=t("result-preview-title"), value=t("result-preview"), inline=False)
    if job.seed is not None:
        embed.add_field(name=t("result-seed"), value=str(job.seed), inline=True)
    if note:
        embed.add_field(name=t("result-full-quality"), value=note, inline=False)
    embed.set_footer(text=marker(job.id))
    return fit.embed(embed)


def upload_summary(
    session: Session, count: int, tags: list[str], refusals: list[str], t: Voice
) -> str:
    """One message for a message's files: how many were added (their tags), then each
    refusal as a bullet, as many as fit Discord's 2,000 characters ("…and 12 more")."""
    head = t("files-added", added=len(tags), count=count, session=str(session.id))
    if tags:
        head += " " + t("upload-summary-added", tags=", ".join(tags))
    if not refusals:
        return fit.content(head)
    room = fit.CONTENT - len(head) - 1
    bullets = fit.lines((f"• {r}" for r in refusals), room, fit.more(t))
    return fit.content(f"{head}\n{bullets}")


class CardSource(Protocol):
    """Another feature whose sessions show a card of their own (the storyboard's,
    :mod:`cogs.storyboard`): the session cog posts and refreshes it as its own card, and
    posts a finished job with the words and embeds it adds."""

    async def card(self, session_id: int) -> Card | None:
        """The session's card, or ``None`` for a session that is not this feature's."""

    async def film(self, job: Job) -> tuple[str, list[discord.Embed]] | None:
        """The words and extra embeds of ``job``'s post, or ``None`` to post it as usual."""

    async def unused_settings(self, session_id: int) -> frozenset[str]:
        """The settings (names of :func:`cogs.session.steer_components.settings_view`'s
        selects) that do not apply to the session when it is this feature's (the settings
        panel leaves them out); empty for a session that is not."""
