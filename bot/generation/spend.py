"""Every action that spends shows its price and asks once (docs/ARCHITECTURE.md "Credits").

Generate, Regenerate, Extend, Insert and Edit build their request first (nothing held),
price it and store an *offer*; the member reads the price in words ("8 s × 2 credits at
720p × 1.5 for a video reference = 24 credits; you have 76") and confirms or cancels.
Confirming holds the price through :meth:`Generation.start_job` (bans, caps and credits
are checked there, in the hold's transaction). Use as reference and Stitch spend nothing;
their offers say so.

An offer is used once: a second click on its confirm does nothing. When the price changed
between the offer and the confirm (the session was edited, a moderator changed prices),
nothing is held and the member is asked again at the new price. A refused hold (too few
credits, a cap) leaves the offer usable, so the member can confirm after it clears.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from bot.credits.pricing import PriceBreakdown
from bot.errors import CallsheetError, SessionNotFound
from bot.generation.results import Derived, Results
from bot.generation.service import Generation, Started
from bot.seedance.compiler import request_from_json, request_to_json
from bot.seedance.session import Asset, Session, SessionState
from bot.words import Phrase, say
from storage.offers import Offer, OfferRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Offered:
    """A price shown to a member, waiting for their confirm.

    Attributes:
        offer_id: names the offer in its buttons' custom_ids.
        kind: generate, regenerate, extend, insert, edit, reference or stitch.
        price: credits it would hold (0 for reference and stitch).
        available: the member's credits now.
        breakdown: the price's parts (``None`` when nothing is spent).
        phrase: the whole question in words (what, the price or "free", the balance).
    """

    offer_id: int
    kind: str
    price: int
    available: int
    breakdown: PriceBreakdown | None
    phrase: Phrase


@dataclass(frozen=True)
class Confirmed:
    """What a confirm did: exactly one of the fields is set.

    Attributes:
        started: a job was queued and its price held.
        again: the price changed since it was shown; nothing held, asked again.
        stitched: the stitch's job id (the runner posts it like any other result).
        reference: the session and the new asset (use as reference).
    """

    offer: Offer
    started: Started | None = None
    again: Offered | None = None
    stitched: int | None = None
    reference: tuple[Session, Asset] | None = None


def breakdown_phrase(cost: PriceBreakdown, available: int) -> Phrase:
    """ "8 s × 2 credits at 720p × 1.5 for a video reference = 24 credits; you have 76"
    (reference seconds billed on top are named; "rounded up" when the product is not
    whole)."""
    exact = (cost.output_s + cost.reference_video_s) * cost.credits_per_second
    exact *= cost.video_factor or 1.0
    return say(
        "spend-breakdown",
        seconds=cost.output_s,
        video_s=f"{cost.reference_video_s:g}" if cost.reference_video_s else "none",
        rate=f"{cost.credits_per_second:.3g}",
        resolution=cost.resolution,
        factor=f"{cost.video_factor:g}" if cost.video_factor is not None else "none",
        price=cost.credits,
        rounded="yes" if abs(exact - cost.credits) > 1e-6 else "no",
        available=available,
    )


class Spending:
    """Offers for every spend, and their confirm and cancel.

    Args:
        generation: quotes, holds and starts jobs. results: builds requests on results.
        offers: where offers wait. clock: returns the current UTC time.
    """

    def __init__(
        self, *, generation: Generation, results: Results, offers: OfferRepository,
        clock: Callable[[], datetime],
    ) -> None:  # fmt: skip
        self.generation = generation
        self.results = results
        self.offers = offers
        self.clock = clock

    # Offers -------------------------------------------------------------------------------

    async def offer_generate(
        self, session_id: int, user_id: int, role_ids: Sequence[int] = ()
    ) -> Offered:
        """Price the member's session as Generate would send it; roles still only
        suggested are listed with the price (confirming keeps them).

        Raises:
            SessionNotFound: not their session. RequestInvalid: it does not compile.
            CallsheetError: banned, no price, or a face warning unanswered.
        """
        session, request = await self.generation.prepare(session_id, user_id)
        derived = Derived(session, request, "generate", 0)
        offered = await self._offer(derived, user_id, role_ids, store_request=False)
        suggested = self.generation.suggested_roles(session)
        if suggested:  # confirming keeps them: the one question asks about both
            phrase = say("spend-keeps-suggested", offer=offered.phrase, roles=suggested)
            offered = replace(offered, phrase=phrase)
        return offered

    async def offer_regenerate(
        self, job_id: int, user_id: int, role_ids: Sequence[int] = ()
    ) -> Offered:
        """Price running a result's request again.

        Raises:
            SessionNotFound: not their job. CallsheetError: banned, or no price.
        """
        derived = await self.results.regenerate_request(job_id, user_id)
        return await self._offer(derived, user_id, role_ids)

    async def offer_extend(
        self, job_id: int, user_id: int, seconds: int, prompt: str, role_ids: Sequence[int] = ()
    ) -> Offered:
        """Price extending a result by ``seconds`` (4–15, seed 001).

        Raises:
            CallsheetError: as :meth:`Results.extend_request`, banned, or no price.
        """
        derived = await self.results.extend_request(job_id, user_id, seconds, prompt)
        return await self._offer(derived, user_id, role_ids)

    async def offer_insert(
        self, first_id: int, second_id: int, user_id: int, seconds: int, prompt: str,
        role_ids: Sequence[int] = (),
    ) -> Offered:  # fmt: skip
        """Price a ``seconds`` bridge between two results.

        Raises:
            CallsheetError: as :meth:`Results.insert_request`, banned, or no price.
        """
        derived = await self.results.insert_request(first_id, second_id, user_id, seconds, prompt)
        return await self._offer(derived, user_id, role_ids, second=second_id)

    async def offer_edit(
        self, job_id: int, user_id: int, prompt: str, image: Path | None = None,
        role_ids: Sequence[int] = (),
    ) -> Offered:  # fmt: skip
        """Price editing a result.

        Raises:
            CallsheetError: as :meth:`Results.edit_request`, banned, or no price.
        """
        derived = await self.results.edit_request(job_id, user_id, prompt, image)
        return await self._offer(derived, user_id, role_ids)

    async def offer_reference(
        self, job_id: int, user_id: int, guild_id: int, channel_id: int,
        role_ids: Sequence[int] = (),
    ) -> Offered:  # fmt: skip
        """Say that using a result as a reference spends nothing now (its seconds are
        billed with the session's Generate where the provider bills reference video).

        Raises:
            SessionNotFound: not their job. CallsheetError: no finished video.
        """
        await self.results.finished(job_id, user_id)
        return await self._free("reference", user_id, guild_id, channel_id, (job_id,), role_ids)

    async def offer_stitch(
        self, job_ids: Sequence[int], user_id: int, guild_id: int, channel_id: int,
        role_ids: Sequence[int] = (),
    ) -> Offered:  # fmt: skip
        """Say that stitching is free (local work) and ask.

        Raises:
            CallsheetError: fewer than two results, or one is not the member's finished
                video.
        """
        if len(job_ids) < 2:
            raise CallsheetError(say("stitch-too-few"))
        for job_id in job_ids:
            await self.results.finished(job_id, user_id)
        return await self._free("stitch", user_id, guild_id, channel_id, tuple(job_ids), role_ids)

    # Confirm and cancel ------------------------------------------------------------------

    async def confirm(self, offer_id: int, user_id: int, role_ids: Sequence[int] = ()) -> Confirmed:
        """Do what the offer priced: hold and queue, stitch, or add the reference.

        Raises:
            SessionNotFound: not the member's offer, or gone.
            CallsheetError: already confirmed or cancelled; or the refusals of the action
                (the offer stays usable then).
        """
        offer = await self._owned(offer_id, user_id)
        if not await self.offers.claim(offer_id, self.clock()):
            raise CallsheetError(say("spend-offer-used"))
        try:
            return await self._do(offer, user_id, role_ids)
        except CallsheetError:
            await self.offers.unclaim(offer_id)
            raise

    async def cancel(self, offer_id: int, user_id: int) -> Offer:
        """Drop the offer; nothing is spent.

        Raises:
            SessionNotFound: not the member's offer. CallsheetError: already used.
        """
        offer = await self._owned(offer_id, user_id)
        if not await self.offers.claim(offer_id, self.clock()):
            raise CallsheetError(say("spend-offer-used"))
        return offer

    # Helpers -----------------------------------------------------------------------------

    async def _do(self, offer: Offer, user_id: int, role_ids: Sequence[int]) -> Confirmed:
        if offer.kind == "stitch":
            job_id = await self.results.stitch(offer.job_ids, user_id)
            return Confirmed(offer, stitched=job_id)
        if offer.kind == "reference":
            added = await self.results.use_as_reference(
                offer.job_ids[0], user_id, offer.guild_id, offer.channel_id
            )
            return Confirmed(offer, reference=added)
        derived = await self._rebuilt(offer, user_id)
        cost = await self.generation.breakdown(derived.request, offer.guild_id)
        if cost.credits != offer.price:
            log.info("offer %s: price %s → %s, asking again", offer.id, offer.price, cost.credits)
            keep = offer.kind != "generate"
            again = await self._offer(derived, user_id, role_ids, store_request=keep)
            return Confirmed(offer, again=again)
        if offer.kind == "generate":  # the price listed the suggested roles: kept now
            await self.generation.keep_suggested_roles(derived.session, user_id, keep=True)
        return Confirmed(offer, started=await self.results.start(derived, user_id, role_ids))

    async def _rebuilt(self, offer: Offer, user_id: int) -> Derived:
        """The offer's request: Generate compiles the session again (the member may have
        edited it); the others send what was priced, in an open session of the channel."""
        assert offer.session_id is not None
        if offer.kind == "generate":
            session, request = await self.generation.prepare(offer.session_id, user_id)
            return Derived(session, request, "generate", 0)
        assert offer.request_json is not None and offer.parent_job_id is not None
        session = await self.results.sessions.get(offer.session_id)
        if session.state not in (SessionState.OPEN, SessionState.GENERATING):
            session = await self.results.session_for(offer.guild_id, offer.channel_id, user_id)
        request = request_from_json(offer.request_json)
        return Derived(session, request, offer.kind, offer.parent_job_id)

    async def _offer(
        self, derived: Derived, user_id: int, role_ids: Sequence[int], *,
        store_request: bool = True, second: int | None = None,
    ) -> Offered:  # fmt: skip
        session = derived.session
        await self.generation.refuse_if_banned(session.guild_id, user_id)
        cost = await self.generation.breakdown(derived.request, session.guild_id)
        balance = await self.generation.balance(session.guild_id, user_id, role_ids)
        parent = derived.parent_job_id or None
        offer_id = await self.offers.create(
            guild_id=session.guild_id, channel_id=session.channel_id, user_id=user_id,
            session_id=session.id, kind=derived.kind, parent_job_id=parent,
            job_ids=(parent, second) if parent and second else (),
            request_json=request_to_json(derived.request) if store_request else None,
            price=cost.credits, now=self.clock(),
        )  # fmt: skip
        what = say(
            "spend-what", kind=derived.kind, session=str(session.id),
            job=str(parent or ""), second=str(second or ""), seconds=derived.request.duration_s,
        )  # fmt: skip
        phrase = say("spend-offer", what=what, cost=breakdown_phrase(cost, balance.available))
        return Offered(offer_id, derived.kind, cost.credits, balance.available, cost, phrase)

    async def _free(
        self, kind: str, user_id: int, guild_id: int, channel_id: int, job_ids: tuple[int, ...],
        role_ids: Sequence[int],
    ) -> Offered:  # fmt: skip
        balance = await self.generation.balance(guild_id, user_id, role_ids)
        offer_id = await self.offers.create(
            guild_id=guild_id, channel_id=channel_id, user_id=user_id, session_id=None,
            kind=kind, parent_job_id=job_ids[0], job_ids=job_ids, request_json=None, price=0,
            now=self.clock(),
        )  # fmt: skip
        jobs = " + ".join(f"#{j}" for j in job_ids)
        what = say("spend-what", kind=kind, session="", job=jobs, second="", seconds=0)
        cost = say("spend-free", kind=kind, available=balance.available)
        phrase = say("spend-offer", what=what, cost=cost)
        return Offered(offer_id, kind, 0, balance.available, None, phrase)

    async def _owned(self, offer_id: int, user_id: int) -> Offer:
        offer = await self.offers.get(offer_id)
        if offer is None or offer.user_id != user_id:
            raise SessionNotFound(say("spend-offer-missing"))
        return offer


__all__ = ["Confirmed", "Offered", "Spending", "breakdown_phrase"]
