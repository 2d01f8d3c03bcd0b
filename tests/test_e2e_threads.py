"""End to end: a session lives in its own thread (real bot, the Discord emulator's threads,
real media). The channel keeps the card and the finished video; questions, refusals and
fixes go into the thread; uploads there join the session; closing or expiring archives
it; where the bot may not start threads the session runs in the channel and says once
what permission it needs.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cogs.session.threads import Threads
from tests.emulator import DiscordEmulator
from tests.emulator.models import (
    CREATE_PRIVATE_THREADS,
    CREATE_PUBLIC_THREADS,
    MANAGE_THREADS,
    SEND_MESSAGES_IN_THREADS,
)
from tests.gates import Gate
from tests.helpers import World, card_button, role_select, running_bot

pytestmark = pytest.mark.e2e

MANAGE_GUILD = 1 << 5
JSON = dict[str, Any]
ROLES = {
    "@image1": "character",
    "@image2": "object",
    "@image3": "style",
    "@image4": "scene",
    "@audio1": "background_music",
}
FALLBACK = "can't start a thread"


async def configure(world: World, **options: Any) -> None:
    """``/admin config set`` as a moderator."""
    mod = world.emu.add_member("mod", permissions=MANAGE_GUILD)
    ix = await world.emu.slash_command(mod, "admin", subcommand="config set", options=options)
    shown = await ix.wait_reply()
    assert not world.emu.rejected, shown


async def question(world: World, tag: str) -> JSON:
    """The role question about ``tag``."""
    return await world.reply(lambda m: f"Added **{tag}**" in m["content"])


async def welcome(world: World) -> JSON:
    """The first line the bot writes in a session's thread."""
    mention = f"<@{world.alice.id}>"
    return await world.reply(lambda m: mention in m["content"] and "upload" in m["content"])


def public_ids(emu: DiscordEmulator, channel_id: int | str) -> list[str]:
    return [m["id"] for m in emu.messages_in(channel_id)]


async def five_file_session(world: World) -> tuple[JSON, JSON, list[JSON]]:
    """A member opens a session with three pictures, uploads a fourth and a sound where the
    session talks, gives each a role and generates. Returns the card, the delivered result
    and the five role questions."""
    emu, alice, media = world.emu, world.alice, world.media
    ix = await emu.slash_command(
        alice, "video", subcommand="new", options={"duration": 4, "prompt": "a still life"},
        attachments={"asset1": media / "images/rocket.jpg", "asset2": media / "images/coffee.png",
                     "asset3": media / "images/motorcycle_left.png"},
    )  # fmt: skip
    card = await world.card(ix)
    asked = [await question(world, f"@image{i}") for i in (1, 2, 3)]
    session = await world.bot.services.sessions.find_open(emu.guild_id, emu.channel_id, alice.id)
    assert session is not None
    await emu.post_message(
        alice, "two more",
        attachments=[media / "images/hubble_deep_field.jpg", media / "audio/loop_tabla.mp3"],
        channel_id=session.conversation_id,
    )  # fmt: skip
    asked += [await question(world, "@image4"), await question(world, "@audio1")]
    for asking, (tag, role) in zip(asked, ROLES.items(), strict=True):
        assert tag in asking["content"]
        await (await emu.choose(alice, asking, role_select(asking), [role])).wait_update()
    card = await world.reply(
        lambda m: m["id"] == card["id"] and "background music" in str(m["embeds"])
    )
    await world.generate(card)
    result = await world.reply(lambda m: "your video is ready" in m["content"])
    return card, result, asked


async def test_the_channel_keeps_only_the_card_and_the_finished_video(world: World) -> None:
    emu = world.emu
    card, result, asked = await five_file_session(world)
    assert public_ids(emu, emu.channel_id) == [card["id"], result["id"]]
    thread = emu.thread(card["id"])  # started from the card: it shares the card's id
    session = await world.bot.services.sessions.find_open(
        emu.guild_id, emu.channel_id, world.alice.id
    )
    assert session is not None and session.thread_id == int(thread["id"])
    assert thread["name"] == f"🎬 Video session #{session.id}"
    assert thread["type"] == 11 and emu.message(card["id"])["thread"]["id"] == thread["id"]
    assert {m["channel_id"] for m in asked} == {thread["id"]}
    inside = emu.messages_in(thread["id"])
    assert f"<@{world.alice.id}>" in inside[0]["content"] and "upload" in inside[0]["content"]
    said = [m for m in emu.messages if m["author"]["id"] == str(emu.bot_user_id)]
    elsewhere = {m["channel_id"] for m in said if not m.get("ephemeral")} - {thread["id"]}
    assert elsewhere == {str(emu.channel_id)}  # everything else the bot said: the thread
    assert len(inside) >= 1 + 1 + 5  # the welcome, the member's upload, five questions


async def test_without_threads_the_same_session_fills_the_channel(world: World) -> None:
    """The channel as it was before sessions had threads (session_threads off)."""
    emu = world.emu
    await configure(world, session_threads="off")
    card, result, asked = await five_file_session(world)
    assert emu.threads == []
    public = public_ids(emu, emu.channel_id)
    assert {card["id"], result["id"], *(m["id"] for m in asked)} <= set(public)
    # the card, five questions, two upload summaries, the member's upload, the result
    assert len(public) >= 8


async def test_a_private_thread_holds_the_owner_and_the_bot(world: World) -> None:
    emu, alice, media = world.emu, world.alice, world.media
    await configure(world, session_threads="private")
    bob = emu.add_member("bob")
    card = await world.card(await emu.slash_command(alice, "video", subcommand="new"))
    thread = emu.thread((await welcome(world))["channel_id"])
    assert thread["type"] == 12 and thread["thread_metadata"]["invitable"] is False
    assert thread["id"] != card["id"] and thread["parent_id"] == str(emu.channel_id)
    assert emu.thread_members(thread["id"]) == {emu.bot_user_id, alice.id}
    assert public_ids(emu, emu.channel_id) == [card["id"]]  # a private thread says nothing
    with pytest.raises(PermissionError, match="not a member"):
        await emu.post_message(bob, "peek", channel_id=int(thread["id"]))
    posted = await emu.post_message(
        alice, "", attachments=[media / "images/coffee.png"], channel_id=int(thread["id"])
    )
    asked = await question(world, "@image1")
    assert asked["channel_id"] == thread["id"]
    assert asked["message_reference"]["message_id"] == posted["id"]  # a reply, in the thread


async def test_files_posted_in_the_channel_are_asked_about_in_the_thread(world: World) -> None:
    emu, alice, media = world.emu, world.alice, world.media
    card = await world.card(await emu.slash_command(alice, "video", subcommand="new"))
    await welcome(world)
    await emu.post_message(alice, "", attachments=[media / "images/coffee.png"])
    asked = await question(world, "@image1")
    assert asked["channel_id"] == card["id"] and "message_reference" not in asked
    mine = [
        m["id"]
        for m in emu.messages_in(emu.channel_id)
        if m["author"]["id"] == str(emu.bot_user_id)
    ]
    assert mine == [card["id"]]


async def asked_about(world: World, filename: str) -> JSON:
    """The role question about the file called ``filename``."""
    return await world.reply(lambda m: "Added **@" in m["content"] and filename in m["content"])


async def post_as_the_session_starts(
    world: World, subcommand: str = "new"
) -> tuple[Gate, JSON, JSON]:
    """alice runs ``/video new`` (or ``subcommand``) and posts a file the moment its
    "thinking…" shows, and another once the card is up and the bot asks for the thread,
    which the emulator holds
    (the thread does not exist yet) until the bot has received that file. Returns the
    held gate (open it to let the thread be started) and the two posted messages."""
    emu, alice, media = world.emu, world.alice, world.media
    emu.thread_gate = gate = Gate()
    ix = await emu.slash_command(alice, "video", subcommand=subcommand)
    response = await ix.wait_response()  # the public "thinking…": the session is starting
    assert response["type"] == 5
    early = await emu.post_message(alice, "", attachments=[media / "images/coffee.png"])
    async with asyncio.timeout(30):
        await gate.arrived.wait()  # the card is posted; the bot asks for the thread
    assert emu.threads == [] and await world.bot.services.sessions.find_open(
        emu.guild_id, emu.channel_id, alice.id
    )
    received = world.bot.wait_for(
        "message", check=lambda m: [a.filename for a in m.attachments] == ["rocket.jpg"],
        timeout=30,
    )  # fmt: skip
    later = await emu.post_message(alice, "", attachments=[media / "images/rocket.jpg"])
    assert (await received).id == int(later["id"])  # the bot has it, before the thread
    return gate, early, later


@pytest.mark.parametrize("subcommand", ["new", "storyboard"])
async def test_files_posted_as_the_session_starts_are_asked_about_in_its_thread(
    world: World, subcommand: str
) -> None:
    """A file posted as the "thinking…" shows, and one posted before the thread exists,
    are answered in the thread like every later upload (a session's or a storyboard's);
    the channel keeps only the card."""
    emu = world.emu
    gate, _, _ = await post_as_the_session_starts(world, subcommand)
    gate.open()
    asked = [await asked_about(world, "coffee.png"), await asked_about(world, "rocket.jpg")]
    session = await world.bot.services.sessions.find_open(
        emu.guild_id, emu.channel_id, world.alice.id
    )
    assert session is not None and session.thread_id is not None
    assert {m["channel_id"] for m in asked} == {str(session.thread_id)}
    assert not [m for m in asked if "message_reference" in m]
    assert {a.filename for a in session.assets} == {"coffee.png", "rocket.jpg"}
    inside = emu.messages_in(session.thread_id)
    assert f"<@{world.alice.id}>" in inside[0]["content"]  # the welcome came first
    mine = [
        m["id"]
        for m in emu.messages_in(emu.channel_id)
        if m["author"]["id"] == str(emu.bot_user_id)
    ]
    assert mine == [str(session.card_message_id)]


async def test_files_posted_as_a_session_starts_without_a_thread_are_answered_in_the_channel(
    world: World,
) -> None:
    """The thread refused (the guild's active thread limit): the files that waited for it
    are answered in the channel, each a reply to its message."""
    emu = world.emu
    emu.max_active_threads = 0
    gate, early, later = await post_as_the_session_starts(world)
    gate.open()
    asked = [await asked_about(world, "coffee.png"), await asked_about(world, "rocket.jpg")]
    assert {m["channel_id"] for m in asked} == {str(emu.channel_id)} and emu.threads == []
    replied = [m["message_reference"]["message_id"] for m in asked]
    assert replied == [early["id"], later["id"]]


async def test_video_add_and_cancel_work_from_inside_the_thread(world: World) -> None:
    emu, alice, media = world.emu, world.alice, world.media
    card = await world.card(await emu.slash_command(alice, "video", subcommand="new"))
    await welcome(world)
    thread_id = int(card["id"])
    ix = await emu.slash_command(
        alice, "video", subcommand="add", channel_id=thread_id,
        attachments={"asset1": media / "images/rocket.jpg"},
    )  # fmt: skip
    said = await ix.wait_reply()
    assert said["flags"] & 64 and "1 of 1 files added" in said["content"]  # only to her
    assert (await question(world, "@image1"))["channel_id"] == str(thread_id)
    cancel = await emu.slash_command(alice, "video", subcommand="cancel", channel_id=thread_id)
    asked = await cancel.wait_reply()  # it has a file: asked first (test_e2e_steer.py)
    assert asked["flags"] & 64 and "let its file go" in asked["content"]
    yes = next(c["custom_id"] for row in asked["components"] for c in row["components"])
    closing = await emu.click_button(alice, asked, yes)
    assert "closed" in (await closing.wait_update())["content"]
    await emu.wait_for_thread(thread_id, lambda t: t["thread_metadata"]["archived"])


@pytest.mark.parametrize(
    ("withheld", "names"),
    [
        (CREATE_PUBLIC_THREADS, ["Create Public Threads"]),
        (SEND_MESSAGES_IN_THREADS, ["Send Messages in Threads"]),
        (CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS,
         ["Create Public Threads", "Send Messages in Threads"]),
    ],
)  # fmt: skip
async def test_without_thread_permissions_the_session_stays_in_the_channel(
    tmp_path: Path, media: Path, withheld: int, names: list[str]
) -> None:
    def setup(emu: DiscordEmulator) -> dict[str, Any]:
        emu.withhold_from_bot(withheld)
        return {}

    async with running_bot(tmp_path, media, setup=setup) as world:
        emu, alice = world.emu, world.alice
        ix = await emu.slash_command(
            alice, "video", subcommand="new", attachments={"asset1": media / "images/rocket.jpg"}
        )
        await world.card(ix)
        asked = await question(world, "@image1")
        assert asked["channel_id"] == str(emu.channel_id) and emu.threads == []
        notice = await world.reply(lambda m: FALLBACK in m["content"])
        assert notice["channel_id"] == str(emu.channel_id)
        assert [n for n in names if f"**{n}**" in notice["content"]] == names
        assert ("and" in notice["content"].split("give me")[1]) == (len(names) == 2)
        assert emu.refused == []  # the bot read its permissions; it did not try and fail

        bob = emu.add_member("bob")
        await world.card(await emu.slash_command(bob, "video", subcommand="new"))
        told = [m for m in emu.messages_in(emu.channel_id) if FALLBACK in m["content"]]
        assert len(told) == 1  # said once


async def test_private_threads_need_create_private_threads(world: World) -> None:
    emu, alice = world.emu, world.alice
    await configure(world, session_threads="private")
    emu.withhold_from_bot(CREATE_PRIVATE_THREADS)
    await world.card(await emu.slash_command(alice, "video", subcommand="new"))
    notice = await world.reply(lambda m: FALLBACK in m["content"])
    assert "**Create Private Threads**" in notice["content"]
    assert "Public" not in notice["content"] and emu.threads == []


async def test_a_thread_discord_refuses_runs_the_session_in_the_channel(world: World) -> None:
    """Another refusal than permissions (the guild's active thread limit): the session runs
    in the channel, and the channel is not told about permissions."""
    emu, alice, media = world.emu, world.alice, world.media
    emu.max_active_threads = 0
    ix = await emu.slash_command(
        alice, "video", subcommand="new", attachments={"asset1": media / "images/rocket.jpg"}
    )
    card = await world.card(ix)
    asked = await question(world, "@image1")
    assert asked["channel_id"] == str(emu.channel_id) and emu.threads == []
    assert [r["code"] for r in emu.rejected] == [160006]
    assert public_ids(emu, emu.channel_id) == [card["id"], asked["id"]]


async def close(world: World, card: JSON) -> None:
    """Close the session from its card (confirming when the card asks first)."""
    ix = await world.emu.click_button(world.alice, card, card_button(card, "close"))
    await ix.wait_reply()


async def test_closing_archives_the_thread_and_locks_it_with_manage_threads(world: World) -> None:
    emu, alice = world.emu, world.alice
    sessions, threads = world.bot.services.sessions, session_threads(world)
    card = await world.card(await emu.slash_command(alice, "video", subcommand="new"))
    await welcome(world)
    session = await sessions.find_open(emu.guild_id, emu.channel_id, alice.id)
    assert session is not None
    await close(world, card)
    thread = await emu.wait_for_thread(card["id"], lambda t: t["thread_metadata"]["archived"])
    assert thread["thread_metadata"]["locked"] is False  # locking needs Manage Threads
    await threads.reopen(session)  # what reopening the session does to its thread
    assert emu.thread(card["id"])["thread_metadata"]["archived"] is False

    emu.set_overwrite(emu.channel_id, emu.bot_user_id, allow=MANAGE_THREADS)
    card = await world.card(await emu.slash_command(alice, "video", subcommand="new"))
    await world.reply(lambda m: m["channel_id"] == card["id"])  # its welcome: it has a thread
    session = await sessions.find_open(emu.guild_id, emu.channel_id, alice.id)
    assert session is not None
    await close(world, card)
    thread = await emu.wait_for_thread(card["id"], lambda t: t["thread_metadata"]["archived"])
    assert thread["thread_metadata"]["locked"] is True
    with pytest.raises(PermissionError, match="locked"):
        await emu.post_message(alice, "still here?", channel_id=int(card["id"]))
    await threads.reopen(session)
    metadata = emu.thread(card["id"])["thread_metadata"]
    assert (metadata["archived"], metadata["locked"]) == (False, False)


def session_threads(world: World) -> Threads:
    cog = world.bot.get_cog("SessionCog")
    assert cog is not None
    threads: Threads = cog.threads  # type: ignore[attr-defined]
    return threads


async def test_an_expired_session_archives_its_thread(world: World) -> None:
    emu, alice = world.emu, world.alice
    card = await world.card(await emu.slash_command(alice, "video", subcommand="new"))
    await welcome(world)
    world.clock.now += timedelta(hours=2)  # past the default 60 idle minutes
    cog = world.bot.get_cog("SessionCog")
    assert cog is not None
    await cog.expire_idle_sessions()  # type: ignore[attr-defined]  # one run of the loop
    await emu.wait_for_thread(card["id"], lambda t: t["thread_metadata"]["archived"])
    assert not emu.message(card["id"])["components"]  # the card shows it ended


async def test_a_failure_is_told_in_the_thread(world: World) -> None:
    emu, alice, media = world.emu, world.alice, world.media
    ix = await emu.slash_command(
        alice, "video", subcommand="new", options={"duration": 4},
        attachments={"asset1": media / "images/coffee.png"},
    )  # fmt: skip
    card = await world.card(ix)
    await question(world, "@image1")
    session = await world.bot.services.sessions.find_open(emu.guild_id, emu.channel_id, alice.id)
    assert session is not None and session.thread_id == int(card["id"])
    session.assets[0].path.write_bytes(b"the disk ate it")  # the renderer fails for real
    card = await world.reply(lambda m: m["id"] == card["id"] and "@image1" in str(m["embeds"]))
    await world.generate(card)
    failed = await world.reply(lambda m: "failed" in m["content"] and "released" in m["content"])
    assert failed["channel_id"] == card["id"]
    assert public_ids(emu, emu.channel_id) == [card["id"]]


async def test_moderators_see_and_set_where_sessions_talk(world: World) -> None:
    emu = world.emu
    mod = emu.add_member("mod2", permissions=MANAGE_GUILD)
    ix = await emu.slash_command(mod, "admin", subcommand="config show")
    shown = await ix.wait_reply()
    assert "Sessions talk in: a public thread from the card" in str(shown["embeds"])
    ix = await emu.slash_command(
        mod, "admin", subcommand="config set", options={"session_threads": "private"}
    )
    assert "Sessions talk in: a private thread" in str((await ix.wait_reply())["embeds"])


async def test_a_file_posted_in_the_thread_before_the_bot_knows_it_joins_the_session(
    world: World,
) -> None:
    """The thread exists (the emulator holds its answer to the bot) and alice posts in it
    at once: the bot has the file before its session records the thread, and still asks
    about it there."""
    emu, alice, media = world.emu, world.alice, world.media
    emu.thread_made_gate = gate = Gate()
    ix = await emu.slash_command(alice, "video", subcommand="new")
    async with asyncio.timeout(30):
        await gate.arrived.wait()  # the thread is made; the bot waits for the answer
    (thread,) = emu.threads
    received = world.bot.wait_for(
        "message", check=lambda m: [a.filename for a in m.attachments] == ["coffee.png"],
        timeout=30,
    )  # fmt: skip
    posted = await emu.post_message(
        alice, "", attachments=[media / "images/coffee.png"], channel_id=int(thread["id"])
    )
    assert (await received).id == int(posted["id"])  # the bot has it, and no thread yet
    session = await world.bot.services.sessions.find_open(emu.guild_id, emu.channel_id, alice.id)
    assert session is not None and session.thread_id is None
    gate.open()
    await world.card(ix)
    asked = await asked_about(world, "coffee.png")
    assert asked["channel_id"] == thread["id"]
    assert asked["message_reference"]["message_id"] == posted["id"]
