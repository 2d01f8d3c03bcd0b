"""The README's invite URL asks for every permission a session needs, its thread's too; it
opens with the playground, the tests and the real bot; its pictures are in docs/, and the
members' section shows the session card."""

from __future__ import annotations

import re
from pathlib import Path

import discord
from PIL import Image

from bot.guilds.config import GuildConfig
from bot.words import Words
from cogs.permissions import SESSION_NEEDS
from cogs.session.threads import missing_permissions

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"
IMAGE = re.compile(r"!\[([^\]]+)\]\(([^)\s]+)\)")


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


def test_the_readme_opens_with_the_playground_then_the_tests_then_the_real_bot() -> None:
    """Issue 14: command 1 installs and runs the playground, command 2 runs the tests, and
    right after them the one line that runs the real bot (a token in ``.env``, then
    ``python -m bot``); the screenshot it shows is in ``docs/``."""
    text = README.read_text()
    blocks = list(re.finditer(r"^```sh\n(.*?)^```$", text, re.S | re.M))
    assert len(blocks) >= 2
    first, second = blocks[0], blocks[1]
    assert text[: first.start()].count("\n## ") == 0  # before any section
    assert first.group(1).strip().splitlines() == [
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/python -m bot playground"
    ]
    assert "```" not in text[first.end() : second.start()]  # the tests are command 2
    assert second.group(1).strip().endswith(".venv/bin/python -m pytest")
    assert "pip install -e '.[test]'" in second.group(1)
    after = text[second.end() :].lstrip("\n").split("\n\n")[0]  # the paragraph right after
    assert "`DISCORD_TOKEN=" in after and "`.env`" in after
    assert after.rstrip().endswith("`.venv/bin/python -m bot`.")
    pictures = re.findall(r"!\[[^\]]+\]\((docs/[^)]+)\)", text[: text.index("\n## ")])
    assert pictures and all((README.parent / p).is_file() for p in pictures)


def test_the_pictures_are_in_docs_and_the_members_section_shows_the_card() -> None:
    text = README.read_text()
    pictures = {path: " ".join(alt.split()) for alt, path in IMAGE.findall(text)}
    assert {"docs/card.png", "docs/playground.jpg"} <= set(pictures)
    for path, alt in pictures.items():
        assert path.startswith("docs/") and len(alt.split()) >= 5, path  # described
        with Image.open(ROOT / path) as picture:
            picture.verify()
            assert min(picture.size) >= 400, (path, picture.size)
    members = text.split("\n## Members\n", 1)[1].split("\n## ", 1)[0]
    assert [path for _, path in IMAGE.findall(members)] == ["docs/card.png"]
    assert "Manage assets" in pictures["docs/card.png"]  # the card as members steer it now
