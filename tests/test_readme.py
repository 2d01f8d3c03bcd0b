"""The README's invite URL asks for exactly the permissions a session needs."""

from __future__ import annotations

import re
from pathlib import Path

import discord

from cogs.permissions import SESSION_NEEDS

README = Path(__file__).parent.parent / "README.md"


def test_the_invite_permission_integer_is_what_sessions_need() -> None:
    needed = discord.Permissions(**{flag: True for flag, _ in SESSION_NEEDS}).value
    text = " ".join(README.read_text().split())  # as read, across line breaks
    integers = {int(x) for x in re.findall(r"[?&]permissions=(\d+)", text)}
    assert integers == {needed}
    assert f"permission integer `{needed}`" in text
    for flag, _ in SESSION_NEEDS:  # each named in the README, as Discord names it
        assert flag.replace("_", " ").title() in text, flag
