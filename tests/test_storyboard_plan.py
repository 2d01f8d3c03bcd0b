"""The storyboard's plan, pure (bot/storyboard/plan.py): which shots may run now, and what
each one sends (its references, the carried frame, its soundtrack part), compiled by the
real compiler."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.generation.job import JobState
from bot.seedance.compiler import compile_request
from bot.seedance.limits import DEFAULT_LIMITS
from bot.storyboard import plan
from bot.storyboard.model import Continuity, Shot, ShotState, Storyboard
from tests.conftest import make_asset, make_session

NOW = datetime(2026, 12, 7, tzinfo=UTC)
WIDE = make_asset("image", 1, "character")
OWN = make_asset("image", 2, "object")
SECOND = make_asset("video", 1, "camera_movement", duration_s=5.0)


def _board(*shots: tuple[Continuity, JobState | None, bool]) -> Storyboard:
    made = tuple(
        Shot(id=10 + n, storyboard_id=1, position=n, prompt=f"shot {n}", duration_s=5,
             continuity=cut, job_id=100 + n if state else None, job_state=state,
             waiting=waiting)
        for n, (cut, state, waiting) in enumerate(shots, start=1)
    )  # fmt: skip
    return Storyboard(id=1, session_id=1, guild_id=10, channel_id=20, user_id=30,
                      created_at=NOW, updated_at=NOW, shots=made, references=(WIDE,),
                      started_at=NOW)  # fmt: skip


def test_cuts_run_at_once_and_a_continue_waits_for_the_shot_before_it() -> None:
    held = JobState.QUEUED
    board = _board(("cut", held, True), ("continue", held, True), ("cut", held, True),
                   ("match", held, True))  # fmt: skip
    assert [s.position for s in plan.runnable(board, 8)] == [1, 3, 4]
    assert [s.position for s in plan.runnable(board, 2)] == [1, 3]  # the member's cap
    assert plan.runnable(board, 0) == [] and plan.runnable(board, -1) == []
    made = _board(("cut", JobState.SUCCEEDED, False), ("continue", held, True))
    assert [s.position for s in plan.runnable(made, 8)] == [2]
    failed = _board(("cut", JobState.FAILED, False), ("continue", held, True))
    assert plan.runnable(failed, 8) == []  # waits for the retry
    assert failed.shots[0].state == ShotState.FAILED and failed.shots[1].state == "waiting"


def test_a_shot_sends_the_wide_references_its_own_and_a_match_the_previous_ones() -> None:
    board = _board(("cut", None, False), ("match", None, False), ("cut", None, False))
    first, second, third = board.shots
    board = replace(board, shots=(replace(first, references=(OWN,)), second,
                                  replace(third, references=(SECOND,))))  # fmt: skip
    first, second, third = board.shots
    assert plan.references(board, first) == (WIDE, OWN)
    assert plan.references(board, second) == (WIDE, OWN)  # match: the previous shot's too
    assert plan.references(board, third) == (WIDE, SECOND)  # cut: its own only


def test_a_continue_shot_starts_on_the_carried_frame_with_its_part_of_the_track() -> None:
    board = _board(("cut", None, False), ("continue", None, False))
    session = make_session(WIDE, prompt="")
    frame = plan.stand_in_frame(session, "/data/storyboards/1/shot-12-first.png")
    part = plan.part_asset("/data/storyboards/1/soundtrack-02.mp3", 5.0, 80_000)
    single = plan.shot_session(session, board, board.shots[1], frame=frame, part=part)
    request = compile_request(single, "tags", DEFAULT_LIMITS)
    assert [ra.asset.role for ra in request.images] == ["first_frame", "character"]
    assert [ra.asset.role for ra in request.audios] == ["beat_sync"]
    assert request.duration_s == 5 and "shot 2" in request.prompt
    alone = replace(_board(("cut", None, False)), references=())
    bare = plan.shot_session(make_session(), alone, alone.shots[0], part=part)
    assert bare.assets == ()  # no picture: no audio alone (seed 001)
