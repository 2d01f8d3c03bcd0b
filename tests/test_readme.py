"""The README's invite URL asks for every permission a session needs, its thread's too."""

from __future__ import annotations

import re
from pathlib import Path

import discord

from bot.guilds.config import GuildConfig
from bot.words import Words
from cogs.permissions import SESSION_NEEDS
from cogs.session.threads import missing_permissions

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


def test_the_invite_lets_a_session_start_its_own_thread() -> None:
    """Sessions talk in a thread by default (``session_threads`` public): the invite asks
    for what starting one and speaking in it need, so the bot is not invited into the
    channel fallback; the README names each as Discord does, and private threads' need."""
    text = " ".join(README.read_text().split())
    (value,) = {int(x) for x in re.findall(r"[?&]permissions=(\d+)", text)}
    mode = GuildConfig().session_threads
    assert mode == "public"
    assert missing_permissions(mode, discord.Permissions(value)) == []
    english = Words.english()
    for key in missing_permissions("private", discord.Permissions.none()):
        assert f"**{english.text(key)}**" in text, key
