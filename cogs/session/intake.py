"""Taking one message's files into a session: the count limits checked before any
download, a role question per file added, one-click fixes per curable refusal, and one
summary of the rest (the session cog's intake, for ``/video new``, ``/video add`` and files
posted where the session talks)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot.errors import AssetRejected, CallsheetError, FixableUpload
from bot.seedance.session import Session
from cogs import fit
from cogs.session import card
from cogs.session.asset_components import ask_about, fix_view

if TYPE_CHECKING:
    from cogs.session.cog import SessionCog


async def take_assets(
    cog: SessionCog,
    session: Session,
    attachments: list[discord.Attachment],
    send: Any,
    *,
    summary: bool = False,
    tell: Any = None,
) -> int:
    """Take one message's attachments into the session (in the owner's language).

    The session's count limits are checked for all of them before any is downloaded
    (:meth:`bot.sessions.uploads.Uploads.admit`), so 40 files cost at most one
    download more than the session has room for. Each file taken gets its role
    question, each curable refusal its one-click fixes (both need their own message:
    their buttons and selects are the file's); every other refusal goes into one
    summary at the end — what was added and what was not, and why — sent when the
    message had more than one file or ``summary`` says so (``/video add``); a single
    refused file is answered with its refusal alone. ``send`` posts where the session
    talks; ``tell`` (default ``send``) takes the summary and an error that stops the
    intake (``/video add`` answers the member there). Return how many were added.
    """
    tell = tell or send
    t = cog.voice(session)
    uploads = cog.services.uploads
    files = [(a.filename, a.content_type) for a in attachments]
    try:
        verdicts = await uploads.admit(session.id, session.user_id, files)
    except CallsheetError as error:
        await tell(fit.content(t(error.phrase)))
        return 0
    tags: list[str] = []
    refusals: list[str] = []
    for attachment, verdict in zip(attachments, verdicts, strict=True):
        if verdict is not None:
            refusals.append(t(verdict))
            continue
        try:
            added = await uploads.add_asset(
                session.id,
                session.user_id,
                url=attachment.url,
                filename=attachment.filename,
                declared_size=attachment.size,
            )
        except FixableUpload as offer:
            view = fix_view(offer.pending_id, offer.options, t)
            await send(fit.content(t(offer.phrase)), view=view)
            continue
        except AssetRejected as error:
            refusals.append(t(error.phrase))
            continue
        except CallsheetError as error:  # the session closed meanwhile: stop here
            refusals.append(t(error.phrase))
            break
        tags.append(f"**{added.asset.tag}**")
        await ask_about(added.asset, send, t, added.notes, media=cog.services.media)
        if added.clip is not None:  # a motion photo's video, offered as a video too
            clip = added.clip
            view = fix_view(clip.pending_id, clip.options, t)
            await send(fit.content(t(clip.phrase)), view=view)
    if summary or len(attachments) > 1:
        await tell(card.upload_summary(session, len(attachments), tags, refusals, t))
    elif refusals:
        await tell(fit.content(refusals[0]))
    await cog.refresh_card(session.id)
    return len(tags)
