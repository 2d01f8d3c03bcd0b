"""The money features' storage on SQLite and on a real PostgreSQL: spend offers (used
once), members' DM choice, results and local (stitch) jobs for history, and the bans kept
in memory for the card."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.seedance.compiler import compile_request, request_to_json
from bot.seedance.limits import DEFAULT_LIMITS
from storage.db import Database
from storage.history import HistoryRepository
from storage.moderation import BanBoard
from storage.offers import OfferRepository
from storage.sessions import SessionRepository
from tests.conftest import NOW, make_session

SNOWFLAKE = 1234567890123456789  # a Discord id: past 2**31 and 2**53
G, U, C = SNOWFLAKE, SNOWFLAKE + 1, SNOWFLAKE + 2


@pytest.fixture
def db(both_db: Database) -> Database:
    return both_db


async def test_an_offer_is_used_once_and_a_refused_one_can_be_used_again(db: Database) -> None:
    offers = OfferRepository(db)
    offer_id = await offers.create(
        guild_id=G, channel_id=C, user_id=U, session_id=None, kind="stitch",
        parent_job_id=3, job_ids=(3, 5), request_json=None, price=0, now=NOW,
    )  # fmt: skip
    offer = await offers.get(offer_id)
    assert offer is not None
    assert (offer.guild_id, offer.user_id, offer.job_ids, offer.used_at) == (G, U, (3, 5), None)
    assert await offers.claim(offer_id, NOW) is True
    assert await offers.claim(offer_id, NOW) is False  # a second click
    await offers.unclaim(offer_id)
    assert await offers.claim(offer_id, NOW) is True
    assert await offers.get(offer_id + 1000) is None


async def test_a_members_dm_choice_is_kept_per_guild(db: Database) -> None:
    offers = OfferRepository(db)
    assert await offers.notify_dm(G, U) is False
    await offers.set_notify_dm(G, U, True)
    await offers.set_notify_dm(G, U, True)  # again: one row
    assert await offers.notify_dm(G, U) is True
    assert await offers.notify_dm(G + 1, U) is False
    await offers.set_notify_dm(G, U, False)
    assert await offers.notify_dm(G, U) is False


async def test_history_lists_results_and_stitches_newest_first(
    db: Database, tmp_path: Path
) -> None:
    session_id = await SessionRepository(db).create(
        guild_id=G, channel_id=C, user_id=U, prompt="", duration_s=5, ratio="16:9",
        resolution="720p", generate_audio=True, now=NOW,
    )  # fmt: skip
    request = request_to_json(compile_request(make_session(prompt="a kite"), "tags",
                                              DEFAULT_LIMITS))  # fmt: skip
    history = HistoryRepository(db)
    ids = [
        await history.record_local(
            session_id=session_id, guild_id=G, channel_id=C, user_id=U, kind="stitch",
            request_json=request, result_key=str(tmp_path / f"{i}.mp4"), duration_s=15,
            resolution="720p", model="standard", parent_job_id=1, now=NOW + timedelta(seconds=i),
        )
        for i in range(3)
    ]  # fmt: skip
    page = await history.results(G, U, 1, 1)
    assert [job.id for job in page] == [ids[1]]
    assert page[0].kind == "stitch" and page[0].price == 0 and page[0].user_id == U
    assert await history.count_results(G, U) == 3
    assert await history.count_results(G, U + 1) == 0
    recent = await history.recent(G, ("succeeded",), U, 2)
    assert [job.id for job in recent] == [ids[2], ids[1]]
    assert await history.recent(G, ("failed",), None, 5) == []
    facts = await history.job_facts([ids[0], 999_999])
    assert facts == {ids[0]: ("stitch", "succeeded")}
    assert await history.job_facts([]) == {}


async def test_bans_in_force_are_known_without_a_read(db: Database) -> None:
    board = BanBoard(db)
    await board.ban(G, U, 7, "first", NOW - timedelta(days=2), NOW - timedelta(days=1))
    await board.ban(G, U + 1, 7, "spam", NOW, None)
    fresh = BanBoard(db)
    await fresh.load(NOW)  # at start: the one in force only
    assert fresh.known(G, U, NOW) is None
    ban = fresh.known(G, U + 1, NOW)
    assert ban is not None and ban.reason == "spam" and ban.expires_at is None
    await fresh.ban(G, U, 7, "again", NOW, NOW + timedelta(hours=1))
    assert fresh.known(G, U, NOW) is not None
    assert fresh.known(G, U, NOW + timedelta(hours=2)) is None  # expired on its own
    assert await fresh.lift(G, U + 1, NOW) == 1
    assert fresh.known(G, U + 1, NOW) is None
    assert await fresh.active(G, U + 1, NOW) is None
