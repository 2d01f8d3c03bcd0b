"""The storyboard card's texts at their longest (:mod:`cogs.storyboard.card` and the card's
components): eight shots with prompts at the longest a member can type, hostile text, long
price breakdowns, in both languages — every text within Discord's limits, the price
question never losing its total, the components within five rows. What Discord itself
refuses is checked end to end in ``tests/test_e2e_storyboard_ui.py`` and
``tests/test_e2e_surface.py``; these pin the renderers on the extremes directly.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.credits.service import Balance
from bot.generation.job import JobState
from bot.storyboard.model import MAX_SHOTS, Shot, ShotQuote, Storyboard, StoryboardQuote
from bot.words import Voice, Words, say
from cogs import fit
from cogs.storyboard import card
from cogs.storyboard.panel import panel_view
from tests.conftest import make_asset, make_session

PIECES = "@everyone <@1> **b** ```f``` \u202eevil\u202c 👨\u200d👩\u200d👧 中文\nZ̸a̷l̵g̶o̵ "
LONGEST = (PIECES * 400)[: fit.PROMPT_CHARS]
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def voices() -> list[Voice]:
    words = Words()
    return [words.voice("en-US"), words.voice("zh-CN")]


def storyboard(states: list[JobState | None], soundtrack: bool = True) -> Storyboard:
    shots = tuple(
        Shot(
            id=10 + i, storyboard_id=1, position=i + 1, prompt=LONGEST, duration_s=15,
            continuity=("cut", "continue", "match")[i % 3], job_id=100 + i if state else None,
            job_state=state,
            error=say("job-expired").to_json() if state == JobState.FAILED else None,
        )
        for i, state in enumerate(states)
    )  # fmt: skip
    references = tuple(make_asset("image", n, "character") for n in range(1, 10))
    return Storyboard(
        id=1, session_id=2, guild_id=3, channel_id=4, user_id=5, created_at=NOW,
        updated_at=NOW, shots=shots, references=references,
        soundtrack_key="/nowhere/soundtrack.mp3" if soundtrack else None,
        soundtrack_name=("🎵" * 300 + ".mp3") if soundtrack else None, soundtrack_s=118.4,
        started_at=NOW if any(states) else None, film_job_id=None,
    )  # fmt: skip


def quote(board: Storyboard) -> StoryboardQuote:
    breakdown = say("list-more", count=10**9)  # any phrase: a long-ish breakdown
    parts = tuple(
        ShotQuote(s.position, s.duration_s, 123456, breakdown=breakdown) for s in board.shots
    )
    return StoryboardQuote(123456 * len(parts), parts, board.total_s)


@pytest.mark.parametrize("t", voices(), ids=["en-US", "zh-CN"])
def test_eight_shots_at_the_longest_fit_the_card(t: Voice) -> None:
    board = storyboard([None] * MAX_SHOTS)
    embed = card.storyboard_card(board, quote(board), Balance(available=10**9, held=0), t)
    assert len(embed) <= fit.EMBEDS_TOTAL
    assert embed.description is not None and len(embed.description) <= fit.EMBED_DESCRIPTION
    assert all(len(f.value or "") <= fit.FIELD_VALUE for f in embed.fields)
    assert all(len(f.name or "") <= fit.FIELD_NAME for f in embed.fields)
    # every shot is listed, each prompt cut to its excerpt on one line
    listed = [line for line in embed.description.split("\n") if line.startswith("**")]
    assert len(listed) == MAX_SHOTS
    assert all(len(line) < card.PROMPT_EXCERPT + 80 for line in listed)


@pytest.mark.parametrize("t", voices(), ids=["en-US", "zh-CN"])
def test_the_price_question_keeps_its_total_whatever_the_lines(t: Voice) -> None:
    board = storyboard([None] * MAX_SHOTS)
    asked = card.price_question(quote(board), 10**9, t)
    assert len(asked) <= fit.CONTENT
    total = f"{123456 * MAX_SHOTS:,}"
    assert total in asked or str(123456 * MAX_SHOTS) in asked


@pytest.mark.parametrize("t", voices(), ids=["en-US", "zh-CN"])
def test_a_failed_shots_panel_fits_and_offers_retry(t: Voice) -> None:
    board = storyboard([JobState.SUCCEEDED, JobState.FAILED, JobState.SUCCEEDED])
    failed = board.shots[1]
    text = card.shot_panel(board, failed, t)
    assert len(text) <= fit.CONTENT
    assert t(say("job-expired")) in text  # why it failed
    view = panel_view(board, failed, t)
    ids = [str(getattr(item, "custom_id", "")) for item in view.children]
    assert ids == ["cs:shot:1:11:retry"]


@pytest.mark.parametrize("t", voices(), ids=["en-US", "zh-CN"])
def test_a_draft_shots_panel_has_its_buttons_and_cut_in_two_rows(t: Voice) -> None:
    board = storyboard([None] * 3)
    rows = panel_view(board, board.shots[1], t).to_components()
    assert len(rows) == 3  # its buttons, its cut, the files only it uses
    assert [c["custom_id"].rsplit(":", 1)[1] for c in rows[0]["components"]] == [
        "edit", "up", "down", "remove"
    ]  # fmt: skip
    (cut,) = rows[1]["components"]
    assert [o["value"] for o in cut["options"]] == ["continue", "cut", "match"]
    assert [o.get("default", False) for o in cut["options"]] == [True, False, False]
    assert all(len(o["label"]) <= 100 and len(o.get("description", "")) <= 100
               for o in cut["options"])  # fmt: skip
    (refs,) = rows[2]["components"]
    assert refs["min_values"] == 0 and refs["max_values"] == len(refs["options"]) == 9
    assert all(len(o["label"]) <= 100 and len(o.get("description", "")) <= 100
               for o in refs["options"])  # fmt: skip
    first = panel_view(board, board.shots[0], t).to_components()
    assert [c["custom_id"].rsplit(":", 1)[1] for c in first[1]["components"]] == ["refs"]


@pytest.mark.parametrize("t", voices(), ids=["en-US", "zh-CN"])
def test_the_film_post_lists_every_shot_within_an_embed(t: Voice) -> None:
    board = storyboard([JobState.SUCCEEDED] * MAX_SHOTS)
    listing = card.film_embed(board, t)
    assert listing.description is not None
    assert len(listing.description) <= fit.EMBED_DESCRIPTION
    assert listing.description.count("\n") == MAX_SHOTS - 1
    assert len(card.film_notice(board, t)) <= fit.CONTENT


def test_the_card_view_keeps_to_five_rows() -> None:
    from cogs.storyboard.components import storyboard_view

    t = Words().voice("en-US")
    board = storyboard([JobState.SUCCEEDED] * MAX_SHOTS)
    film_of = tuple(shot.job_id for shot in board.shots if shot.job_id is not None)
    board = Storyboard(**{**board.__dict__, "film_job_id": 9, "film_of": film_of})
    session = make_session(*[make_asset("image", n, "character") for n in range(1, 10)])
    view = storyboard_view(board, session, quote(board), t)
    components = view.to_components()
    assert len(components) <= 5
    labels = [c.get("label") for row in components for c in row["components"]]
    assert "Join the film again (free)" in labels
    assert all(len(label or "") <= fit.BUTTON_LABEL for label in labels)
