"""Storyboards (issue 17): a shot list of up to eight clips from one conversation, with the
cut between shots, one soundtrack, and the film they are joined into.

``model`` is the pure data; ``service`` the public API the Discord layer calls.
"""

from bot.storyboard.model import (
    MAX_SHOTS,
    Continuity,
    FilmAudio,
    Shot,
    ShotQuote,
    ShotState,
    Storyboard,
    StoryboardQuote,
    StoryboardState,
)

__all__ = [
    "MAX_SHOTS",
    "Continuity",
    "FilmAudio",
    "Shot",
    "ShotQuote",
    "ShotState",
    "Storyboard",
    "StoryboardQuote",
    "StoryboardState",
]
