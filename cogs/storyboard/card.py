"""What the storyboard shows (rendering only, no state): its card (the shot list, the
references every shot uses, how shots join, the price with each shot's part), the shot
strip's tiles, the shot panel's text, the price question and the film's shot list.

Every text comes from the catalogue (``storyui.ftl``) through ``t``, a
:class:`bot.words.Voice`: the storyboard owner's for the card and the film, the member's own
for a reply only they see. Every text is fitted to Discord's limits by :mod:`cogs.fit`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import discord

from bot.credits.service import Balance
from bot.media.board.strip import StripShot
from bot.seedance.limits import DEFAULT_LIMITS
from bot.seedance.roles import get_role
from bot.storyboard.model import (
    MAX_SHOTS,
    Shot,
    ShotState,
    Storyboard,
    StoryboardQuote,
)
from bot.text import file_label
from bot.words import Phrase, Voice
from cogs import fit

SHORTEST_S = DEFAULT_LIMITS.min_output_s
"""The shortest shot: seeds 000, 001 (4 s)."""
LONGEST_S = DEFAULT_LIMITS.max_output_s
"""The longest shot: seeds 000, 001 (15 s)."""
PROMPT_EXCERPT = 300
"""A shot's prompt on the card's list (its whole text is in its panel and its result)."""

_STRIP_STATES: dict[ShotState, str] = {
    ShotState.DRAFT: "draft",
    ShotState.WAITING: "waiting",
    ShotState.QUEUED: "waiting",
    ShotState.RUNNING: "making",
    ShotState.DONE: "done",
    ShotState.FAILED: "failed",
}


def strip_shots(storyboard: Storyboard, videos: Mapping[int, Path]) -> list[StripShot]:
    """The shot strip's tiles (:func:`bot.media.board.strip.render_strip`); ``videos``:
    each made shot's video on this machine, by shot id."""
    return [
        StripShot(
            number=shot.position,
            duration_s=shot.duration_s,
            cut=None if shot.position == 1 else shot.continuity,
            state=_STRIP_STATES[shot.state],  # type: ignore[arg-type]
            video=videos.get(shot.id) if shot.state == ShotState.DONE else None,
        )
        for shot in storyboard.shots
    ]


def strip_key(storyboard: Storyboard) -> str:
    """What the strip shows, to redraw it only when that changed."""
    return repr([(s.id, s.position, s.duration_s, s.continuity, s.state, s.result_key)
                 for s in storyboard.shots])  # fmt: skip


def cut_name(shot: Shot, t: Voice) -> str:
    """How ``shot`` joins the one before, in a word ("first shot" for the first)."""
    return t("cut-name", cut="first" if shot.position == 1 else shot.continuity)


def state_name(shot: Shot, t: Voice) -> str:
    return t("shot-state", state=str(shot.state))


def _own(shot: Shot) -> str:
    """The files only ``shot`` uses, as tags before its prompt on the card ("`@image2` ")."""
    return "".join(f"`{asset.tag}` " for asset in shot.references)


def excerpt(prompt: str, limit: int = PROMPT_EXCERPT) -> str:
    """A prompt on one line, cut to ``limit`` characters."""
    return fit.clip(" ".join(prompt.split()), limit)


def storyboard_card(
    storyboard: Storyboard, quote: StoryboardQuote, balance: Balance | None, t: Voice,
    *, closed: bool = False,
) -> discord.Embed:  # fmt: skip
    """The storyboard card: the shot list with each shot's length, cut and state; the
    references every shot uses (and which is the soundtrack); how shots join; the price
    with each shot's part, or why it can't start yet."""
    colour = discord.Colour.dark_grey() if closed else discord.Colour.blurple()
    shots = storyboard.shots
    if shots:
        lines = [
            t("storyboard-shot-line", number=shot.position, s=shot.duration_s,
              cut=cut_name(shot, t), state=state_name(shot, t),
              prompt=_own(shot) + excerpt(shot.prompt))
            for shot in shots
        ]  # fmt: skip
        listing = fit.lines(lines, fit.EMBED_DESCRIPTION - 400, fit.more(t))
    else:
        listing = t("storyboard-empty")
    intro = t("storyboard-intro", max=MAX_SHOTS, shortest=SHORTEST_S, longest=LONGEST_S)
    embed = discord.Embed(
        title=t("storyboard-title", storyboard=str(storyboard.id)),
        colour=colour,
        description=f"{intro}\n\n{listing}",
    )
    embed.add_field(
        name=t("storyboard-shots-title", count=len(shots), max=MAX_SHOTS, s=storyboard.total_s),
        value=t("storyboard-cuts-help"),
        inline=False,
    )
    embed.add_field(name=t("storyboard-refs-title"), value=references(storyboard, t), inline=False)
    if quote.blocked is not None:
        embed.add_field(name=t("storyboard-blocked-title"), value=t(quote.blocked), inline=False)
    elif quote.problem is not None and shots:
        embed.add_field(name=t("storyboard-problem-title"), value=t(quote.problem), inline=False)
    elif quote.total is not None:
        embed.add_field(
            name=t("storyboard-price-title"), value=price_text(quote, balance, t), inline=False
        )
    if storyboard.film_job_id is not None:
        embed.add_field(
            name=t("storyboard-film-title"),
            value=t("storyboard-film-line", job=str(storyboard.film_job_id)),
            inline=False,
        )
    return fit.embed(embed)


def references(storyboard: Storyboard, t: Voice) -> str:
    """The storyboard-wide references, one line each, then the soundtrack (or how to add
    one)."""
    lines = [f"`{a.tag}` {t(get_role(a.role).name)}" for a in storyboard.references]
    if not lines:
        lines.append(t("storyboard-refs-none"))
    if storyboard.soundtrack_key is not None:
        lines.append(
            t("storyboard-soundtrack", file=file_label(storyboard.soundtrack_name or "sound"),
              s=round(storyboard.soundtrack_s or 0), sound=storyboard.film_audio)
        )  # fmt: skip
    else:
        lines.append(t("storyboard-soundtrack-none"))
    return fit.lines(lines, fit.FIELD_VALUE, fit.more(t))


def soundtrack_set(storyboard: Storyboard, t: Voice) -> str:
    """Said to the member who gave an open storyboard its soundtrack."""
    return fit.content(
        t("storyboard-soundtrack-set", storyboard=str(storyboard.id),
          file=file_label(storyboard.soundtrack_name or "sound"),
          s=round(storyboard.soundtrack_s or 0))
    )  # fmt: skip


def _shot_price_lines(quote: StoryboardQuote, t: Voice) -> list[str]:
    return [
        t("storyboard-price-shot", number=part.position, s=part.duration_s,
          price=part.price or 0, breakdown=t(part.breakdown) if part.breakdown else "")
        for part in quote.shots
    ]  # fmt: skip


def price_text(quote: StoryboardQuote, balance: Balance | None, t: Voice) -> str:
    """The card's price: the total against the balance, then each shot's part."""
    available = balance.available if balance is not None else 0
    head = t("storyboard-price", price=quote.total or 0, count=len(quote.shots),
             s=quote.seconds, available=available)  # fmt: skip
    room = fit.FIELD_VALUE - len(head) - 1
    return fit.clip(f"{head}\n" + fit.lines(_shot_price_lines(quote, t), room, fit.more(t)),
                    fit.FIELD_VALUE)  # fmt: skip


def price_question(quote: StoryboardQuote, available: int, t: Voice) -> str:
    """The price asked once before the start: each shot's part and the total."""

    def said(lines: str) -> str:
        return t("storyboard-price-question", count=len(quote.shots), s=quote.seconds,
                 lines=lines, price=quote.total or 0, available=available)  # fmt: skip

    room = fit.CONTENT - len(said(""))  # the total is never cut off: the lines give way
    return fit.content(said(fit.lines(_shot_price_lines(quote, t), room, fit.more(t))))


def shot_panel(storyboard: Storyboard, shot: Shot, t: Voice) -> str:
    """The shot panel's text: the shot's whole prompt, its cut, and a failure's reason."""
    if shot.position == 1:
        tail = t("shot-panel-first")
    else:
        tail = t("shot-panel-cut", previous=shot.position - 1, cut=cut_name(shot, t))
    if shot.references:
        tags = ", ".join(f"`{asset.tag}`" for asset in shot.references)
        tail += "\n" + t("shot-panel-refs", tags=tags)
    if shot.state == ShotState.FAILED:
        reason = t(Phrase.from_json(shot.error)) if shot.error else ""
        tail += "\n" + t("shot-panel-failed", reason=reason)

    def head(prompt: str) -> str:
        return t("shot-panel", number=shot.position, s=shot.duration_s,
                 state=state_name(shot, t), prompt=prompt)  # fmt: skip

    room = fit.CONTENT - len(head("")) - len(tail) - 1
    return fit.content(f"{head(fit.clip(shot.prompt, max(room, 20)))}\n{tail}")


def film_embed(storyboard: Storyboard, t: Voice) -> discord.Embed:
    """The shot list posted with the finished film: each shot's length, cut, prompt and
    its own result (whose post keeps Regenerate, Extend and Use as reference)."""
    lines = [
        t("storyboard-film-shot", number=shot.position, s=shot.duration_s,
          cut=cut_name(shot, t), prompt=excerpt(shot.prompt, 200), job=str(shot.job_id or ""))
        for shot in storyboard.shots
    ]  # fmt: skip
    embed = discord.Embed(
        title=t("storyboard-film-shots"),
        description=fit.lines(lines, fit.EMBED_DESCRIPTION, fit.more(t)),
        colour=discord.Colour.green(),
    )
    return embed


def film_notice(storyboard: Storyboard, t: Voice) -> str:
    """The film post's words: whose storyboard, how many shots, how long."""
    return fit.content(
        t("storyboard-film-posted", member=f"<@{storyboard.user_id}>",
          storyboard=str(storyboard.id), count=len(storyboard.shots), s=storyboard.total_s)
    )  # fmt: skip


def strip_path(data_dir: Path, storyboard: Storyboard) -> Path:
    """Where a storyboard's strip is drawn (one file per storyboard, replaced)."""
    return data_dir / "boards" / f"storyboard-{storyboard.id}.jpg"
