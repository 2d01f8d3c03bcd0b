"""The README's invite URL asks for every permission a session needs."""

from __future__ import annotations

import re
from pathlib import Path

import discord

from cogs.permissions import SESSION_NEEDS

README = Path(__file__).parent.parent / "README.md"


def test_the_invite_permission_integer_has_what_sessions_need() -> None:
    needed = discord.Permissions(**{flag: True for flag, _ in SESSION_NEEDS}).value
    text = " ".join(README.read_text().split())  # as read, across line breaks
    invited = {int(x) for x in re.findall(r"[?&]permissions=(\d+)", text)}
    stated = {int(x) for x in re.findall(r"permission integer `(\d+)`", text)}
    assert invited and invited == stated  # the URL asks for what the text says
    for value in invited:
        assert value & needed == needed, discord.Permissions(needed & ~value)
    for flag, _ in SESSION_NEEDS:  # each named in the README, as Discord names it
        assert flag.replace("_", " ").title() in text, flag
