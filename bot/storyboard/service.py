"""Storyboards: the public API the Discord layer calls (``cogs/storyboard/``; issue 17).

A storyboard is backed by a normal session (:class:`bot.sessions.service.Sessions`), which
holds its storyboard-wide references and settings, so uploads, roles, fixes and the face
check work as for ``/video new``; the shot list lives beside it
(:mod:`storage.storyboards`). Every shot is a real job (:mod:`bot.generation.jobs`):
the price of every shot is shown and confirmed once, then held per shot; a failed shot is
refunded by the runner and can be retried alone; when every shot is made the film is
joined locally (free) and delivered like any other result.

Every method raises :class:`bot.errors.CallsheetError` (or a subclass) with the member's
message; nothing else is meant for the member. Units: seconds (``duration_s``), credits
(prices), Discord snowflakes (ids of guilds, channels, members), database ids (storyboards,
shots, assets, jobs).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.storyboard.model import Continuity, FilmAudio, Storyboard, StoryboardQuote


class Storyboards:
    """The storyboard service. See the module docstring; the constructor takes the
    services it needs explicitly (``bot/services.py``)."""

    async def open(
        self, guild_id: int, channel_id: int, user_id: int, *, locale: str = "en-US"
    ) -> Storyboard:
        """Open a storyboard for the member in the channel: a new session (the guild's
        defaults; ``Sessions.open_session``) with an empty shot list.

        Raises:
            CallsheetError: they already have a session open there, or the channel is not
                allowed (as ``Sessions.open_session``).
        """
        raise NotImplementedError

    async def get(self, storyboard_id: int) -> Storyboard:
        """The storyboard with its shots, their jobs' states and its references.

        Raises:
            SessionNotFound: no such storyboard.
        """
        raise NotImplementedError

    async def of_session(self, session_id: int) -> Storyboard | None:
        """The storyboard backed by session ``session_id``, or ``None`` (a plain session)."""
        raise NotImplementedError

    async def owned(self, storyboard_id: int, user_id: int) -> Storyboard:
        """The storyboard if ``user_id`` owns it.

        Raises:
            SessionNotFound: no such storyboard, or someone else's.
        """
        raise NotImplementedError

    async def add_shot(
        self,
        storyboard_id: int,
        user_id: int,
        prompt: str,
        duration_s: int,
        continuity: Continuity = "cut",
    ) -> Storyboard:
        """Add a shot at the end of the list.

        Args:
            prompt: what happens (``@tags`` name the storyboard's assets); stripped.
            duration_s: 4–15 s (seeds 000, 001; the guild's provider may narrow it).
            continuity: the cut before it (the first shot's is always ``cut``).

        Raises:
            CallsheetError: 8 shots already (issue 17), a length out of range, an empty
                prompt, a prompt over the limit (seed 001), an unknown ``@tag``, or the
                storyboard has started.
        """
        raise NotImplementedError

    async def edit_shot(
        self,
        shot_id: int,
        user_id: int,
        *,
        prompt: str | None = None,
        duration_s: int | None = None,
    ) -> Storyboard:
        """Change a shot's prompt and/or length (``None``: unchanged); the same checks as
        :meth:`add_shot`.

        Raises:
            CallsheetError: as :meth:`add_shot`; SessionNotFound: no such shot of theirs.
        """
        raise NotImplementedError

    async def move_shot(self, shot_id: int, user_id: int, step: int) -> Storyboard:
        """Move a shot ``step`` places (-1 earlier, +1 later), clamped to the ends; the
        cuts stay with the shots (a shot moved first becomes ``cut``).

        Raises:
            CallsheetError: the storyboard has started; SessionNotFound: not theirs.
        """
        raise NotImplementedError

    async def remove_shot(self, shot_id: int, user_id: int) -> Storyboard:
        """Take a shot out (its references become storyboard-wide again).

        Raises:
            CallsheetError: the storyboard has started; SessionNotFound: not theirs.
        """
        raise NotImplementedError

    async def set_continuity(
        self, shot_id: int, user_id: int, continuity: Continuity
    ) -> Storyboard:
        """Choose the cut before a shot: ``continue``, ``cut`` or ``match``
        (:data:`bot.storyboard.model.Continuity`).

        Raises:
            CallsheetError: the first shot (nothing before it) asked to continue or
                match, a shot with its own first frame asked to continue, or the
                storyboard has started; SessionNotFound: not theirs.
        """
        raise NotImplementedError

    async def attach_reference(
        self, asset_id: int, user_id: int, shot_id: int | None
    ) -> Storyboard:
        """Make one of the storyboard's assets (uploaded to its session as usual) a
        reference of one shot only, or storyboard-wide again (``shot_id`` ``None``).

        Raises:
            CallsheetError: the storyboard has started, or the asset is the soundtrack;
                SessionNotFound: not their asset or shot, or not of this storyboard.
        """
        raise NotImplementedError

    async def set_soundtrack(
        self,
        storyboard_id: int,
        user_id: int,
        *,
        asset_id: int | None = None,
        film_audio: FilmAudio | None = None,
    ) -> Storyboard:
        """Choose the audio asset split across the shots (``asset_id``; by default the
        first storyboard-wide audio asset) and what the film sounds like (``film_audio``:
        the soundtrack, or the shots' own sound); ``None`` leaves either unchanged.

        Raises:
            CallsheetError: not a storyboard-wide audio asset; SessionNotFound: not theirs.
        """
        raise NotImplementedError

    async def quote(self, storyboard_id: int, user_id: int) -> StoryboardQuote:
        """Every shot compiled as it would be sent and priced at the guild's prices
        (:mod:`bot.credits.pricing`), with the total. A shot that continues the previous
        one is compiled with a stand-in for that frame (the price does not depend on it).
        Nothing is held. A shot that does not compile carries its problem.

        Raises:
            SessionNotFound: not theirs.
        """
        raise NotImplementedError

    async def start(
        self,
        storyboard_id: int,
        user_id: int,
        expected_total: int,
        role_ids: Sequence[int] = (),
    ) -> Storyboard:
        """Confirm the quoted price once: hold every shot's price in one transaction
        (each shot its own job and hold), then release the shots that can run now
        (``cut``/``match`` ones in parallel, within the member's job cap; the runner
        applies the guild's); a ``continue`` shot runs once the shot before it is made.

        Args:
            expected_total: the total the member confirmed (from :meth:`quote`); a
                different price now holds nothing and raises.
            role_ids: the member's role ids (role-based allowances).

        Raises:
            CallsheetError: no shots, a shot does not compile, the price changed, banned,
                a daily cap, too few credits (nothing held in any of these), or already
                started; SessionNotFound: not theirs.
        """
        raise NotImplementedError

    async def retry_shot(
        self, shot_id: int, user_id: int, role_ids: Sequence[int] = ()
    ) -> Storyboard:
        """Run one failed shot again alone (a new job and hold at its price now); the
        other shots are kept, and the film is joined again once every shot is made.

        Raises:
            CallsheetError: the shot is not failed, it continues a shot not made yet, or
                the refusals of a hold (credits, caps, ban); SessionNotFound: not theirs.
        """
        raise NotImplementedError

    async def restitch(self, storyboard_id: int, user_id: int) -> int:
        """Join the made shots into the film again (free: local work) and record it for
        delivery; return the film's job id.

        Raises:
            CallsheetError: some shot is not made yet; SessionNotFound: not theirs.
        """
        raise NotImplementedError
