"""End-to-end proof that the real discord.py client works against the emulator."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands
from discord.ext import commands

from tests.emulator import DiscordEmulator, Member

pytestmark = pytest.mark.e2e

PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2"
    "2b7c4d0000000049454e44ae426082"
)


class PingModal(discord.ui.Modal, title="Ping note"):
    note: discord.ui.TextInput[PingModal] = discord.ui.TextInput(
        label="Note", custom_id="ping:note", max_length=100
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        text = self.note.value
        await interaction.followup.send(
            f"note saved: {text}",
            file=discord.File(io.BytesIO(text.encode() * 3), filename="note file.txt"),
        )
        await interaction.edit_original_response(content="ping done", view=None)


class PingView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=120)

    @discord.ui.button(label="Note", custom_id="ping:go", style=discord.ButtonStyle.primary)
    async def go(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.send_modal(PingModal())

    @discord.ui.select(
        custom_id="ping:pick",
        options=[
            discord.SelectOption(label="Red", value="red"),
            discord.SelectOption(label="Blue", value="blue"),
        ],
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select[Any]) -> None:
        await interaction.response.edit_message(content=f"picked {select.values[0]}", view=self)


class PingGroup(app_commands.Group):
    @app_commands.command(name="say", description="Say something with a file")
    async def say(
        self, interaction: discord.Interaction, text: str, file: discord.Attachment
    ) -> None:
        data = await file.read()
        await interaction.response.send_message(
            f"pong {text} ({file.filename}, {len(data)} bytes, {file.content_type})",
            view=PingView(),
        )

    @app_commands.command(name="secret", description="Ephemeral answer after thinking")
    async def secret(self, interaction: discord.Interaction, loud: bool = False) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(f"psst loud={loud}", ephemeral=True)


class TinyBot(commands.Bot):
    def __init__(self, *, guild_id: int | None = None, content: bool = True) -> None:
        intents = discord.Intents.default()
        intents.message_content = content
        super().__init__(command_prefix="!", intents=intents)
        self.sync_guild_id = guild_id
        self.seen: list[discord.Message] = []
        self.seen_event = asyncio.Event()

    async def setup_hook(self) -> None:
        self.tree.add_command(PingGroup(name="ping", description="Ping things"))
        if self.sync_guild_id is None:
            await self.tree.sync()
        else:
            guild = discord.Object(self.sync_guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot:
            return
        self.seen.append(message)
        self.seen_event.set()
        if message.attachments:
            data = await message.attachments[0].read()
            await message.reply(f"{len(data)} bytes")


@dataclass
class Harness:
    emu: DiscordEmulator
    bot: TinyBot
    alice: Member


@pytest.fixture(autouse=True)
def _redirect_discord(monkeypatch: pytest.MonkeyPatch) -> None:
    # Values set per test in _run_bot; monkeypatch restores the real endpoints afterwards.
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket,
        "DEFAULT_GATEWAY",
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
    )


async def _run_bot(emu: DiscordEmulator, bot: TinyBot) -> asyncio.Task[None]:
    discord.http.Route.BASE = emu.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emu.gateway_url)
    task = asyncio.create_task(bot.start("fake-token"))
    await emu.wait_ready(timeout=20, bot_task=task)
    return task


async def _stop_bot(bot: TinyBot, task: asyncio.Task[None]) -> None:
    await bot.close()
    await asyncio.wait_for(task, 10)


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    emu = DiscordEmulator(tmp_path)
    await emu.start()
    alice = emu.add_member("alice")
    bot = TinyBot()
    task = await _run_bot(emu, bot)
    try:
        yield Harness(emu, bot, alice)
    finally:
        await _stop_bot(bot, task)
        await emu.close()


async def test_commands_registered(harness: Harness) -> None:
    emu = harness.emu
    assert emu.bot_token == "fake-token"
    (ping,) = emu.commands
    assert ping["name"] == "ping" and "guild_id" not in ping
    say = next(o for o in ping["options"] if o["name"] == "say")
    assert say["type"] == 1
    assert [(o["name"], o["type"]) for o in say["options"]] == [("text", 3), ("file", 11)]
    with pytest.raises(LookupError):
        await emu.slash_command(harness.alice, "nope")
    with pytest.raises(LookupError):
        await emu.slash_command(harness.alice, "ping", subcommand="say", options={"bogus": 1})
    with pytest.raises(ValueError):
        await emu.slash_command(harness.alice, "ping", subcommand="say", options={"text": "x"})
    assert emu.unhandled == []


async def test_slash_button_modal_select_flow(harness: Harness, tmp_path: Path) -> None:
    emu, alice = harness.emu, harness.alice
    image = tmp_path / "pic.png"
    image.write_bytes(PNG_1X1)

    ix = await emu.slash_command(
        alice, "ping", subcommand="say", options={"text": "hello"}, attachments={"file": image}
    )
    resolved = next(iter(ix.data["resolved"]["attachments"].values()))
    assert resolved["size"] == len(PNG_1X1) and resolved["content_type"] == "image/png"
    assert resolved["width"] == 1
    response = await ix.wait_response(timeout=10)
    assert response["type"] == 4
    assert ix.response_seconds is not None and ix.response_seconds < 3
    assert ix.original_message_id is not None
    original = emu.message(ix.original_message_id)
    assert original["content"] == f"pong hello (pic.png, {len(PNG_1X1)} bytes, image/png)"
    assert original["type"] == 20 and original["interaction_metadata"]["name"] == "ping say"
    assert emu.find_component(original, "ping:go")["type"] == 2
    assert emu.find_component(original, "ping:pick")["type"] == 3

    # button -> modal
    click = await emu.click_button(alice, original, "ping:go")
    assert (await click.wait_response())["type"] == 9
    assert click.modal is not None and click.modal["title"] == "Ping note"
    assert click.response_seconds is not None and click.response_seconds < 3

    # the modal is on alice's screen: nobody else can submit it
    bob = emu.add_member("bob")
    with pytest.raises(PermissionError, match="shown to alice"):
        await emu.submit_modal(bob, click, {"ping:note": "not mine"})

    # modal -> deferred update, file followup, edit of the original
    submit = await emu.submit_modal(alice, click, {"ping:note": "bring coffee"})
    assert (await submit.wait_response())["type"] == 6
    followup = await emu.wait_for_message(
        lambda m: m["content"].startswith("note saved"), timeout=10
    )
    assert followup["content"] == "note saved: bring coffee"
    (att,) = followup["attachments"]
    assert att["filename"] == "note_file.txt"
    assert emu.attachment_path(att).read_bytes() == b"bring coffee" * 3
    async with aiohttp.ClientSession() as http, http.get(att["url"]) as resp:
        assert resp.status == 200
        assert await resp.read() == b"bring coffee" * 3
    assert submit.followups and submit.followups[0]["id"] == followup["id"]
    edited = await emu.wait_for_message(
        lambda m: m["id"] == original["id"] and m["content"] == "ping done", timeout=10
    )
    assert edited["components"] == [] and edited["edited_timestamp"] is not None

    # the dialog closed once its submission was answered; only its member ever had it
    with pytest.raises(LookupError, match="submitted and closed"):
        await emu.submit_modal(alice, click, {"ping:note": "again"})

    # submitting a modal for an interaction that did not open one fails loudly
    with pytest.raises(LookupError):
        await emu.submit_modal(alice, ix, {"ping:note": "x"})
    assert emu.unhandled == [] and emu.rejected == []


async def test_select_updates_message(harness: Harness, tmp_path: Path) -> None:
    emu, alice = harness.emu, harness.alice
    image = tmp_path / "a.txt"
    image.write_bytes(b"abc")
    ix = await emu.slash_command(
        alice, "ping", subcommand="say", options={"text": "x"}, attachments={"file": image}
    )
    await ix.wait_response()
    msg = emu.message(ix.original_message_id or 0)
    with pytest.raises(ValueError):
        await emu.choose(alice, msg, "ping:pick", ["green"])
    pick = await emu.choose(alice, msg, "ping:pick", ["blue"])
    assert (await pick.wait_response())["type"] == 7
    assert emu.message(msg["id"])["content"] == "picked blue"
    assert emu.unhandled == [] and emu.rejected == []


async def test_deferred_ephemeral_followup(harness: Harness) -> None:
    emu, alice = harness.emu, harness.alice
    ix = await emu.slash_command(alice, "ping", subcommand="secret", options={"loud": True})
    assert (await ix.wait_response())["type"] == 5
    msg = await emu.wait_for_message(lambda m: m["content"] == "psst loud=True", timeout=10)
    assert msg["ephemeral"] is True and msg["ephemeral_for"] == alice.id
    assert msg["id"] == str(ix.original_message_id)  # first followup replaces "thinking"
    assert not msg["flags"] & 128 and msg["flags"] & 64
    # ephemeral messages are invisible to the channel routes, like on Discord
    channel = harness.bot.get_channel(emu.channel_id)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.NotFound):
        await channel.fetch_message(int(msg["id"]))
    assert emu.unhandled == []


async def test_member_message_with_attachment(harness: Harness, tmp_path: Path) -> None:
    emu, alice = harness.emu, harness.alice
    upload = tmp_path / "clip.bin"
    upload.write_bytes(b"x" * 1234)
    posted = await emu.post_message(alice, "here is a clip", attachments=[upload])
    reply = await emu.wait_for_message(
        lambda m: m.get("message_reference", {}).get("message_id") == posted["id"], timeout=10
    )
    assert reply["content"] == "1234 bytes"
    assert reply["author"]["id"] == str(emu.bot_user_id) and reply["type"] == 19
    assert harness.bot.seen[0].content == "here is a clip"
    assert emu.unhandled == []


async def test_late_member_and_guild_sync_and_resume(tmp_path: Path) -> None:
    async with DiscordEmulator(tmp_path) as emu:
        bot = TinyBot(guild_id=emu.guild_id)
        task = await _run_bot(emu, bot)
        try:
            (ping,) = emu.commands
            assert ping["guild_id"] == str(emu.guild_id)
            bob = emu.add_member("bob")  # after the bot connected
            await emu.force_reconnect()  # op 7: client must RESUME
            ix = await emu.slash_command(bob, "ping", subcommand="secret")
            assert (await ix.wait_response())["type"] == 5
            await emu.wait_for_message(lambda m: m["content"] == "psst loud=False", timeout=10)
            assert any(r == "GET /users/@me" for r in emu.requests)
            assert emu.gateway_log == ["IDENTIFY", "RESUME"]
        finally:
            await _stop_bot(bot, task)
        assert emu.unhandled == []


async def test_message_content_intent_enforced(tmp_path: Path) -> None:
    async with DiscordEmulator(tmp_path) as emu:
        carol = emu.add_member("carol")
        bot = TinyBot(content=False)
        task = await _run_bot(emu, bot)
        try:
            await emu.post_message(carol, "secret words")
            await asyncio.wait_for(bot.seen_event.wait(), 10)
            assert bot.seen[0].content == ""
        finally:
            await _stop_bot(bot, task)


HOSTILE = "‮@everyone <@1> **bold** `code` Z̸̢̛a̷l̵g̶o̵ 🎬\u200b\x00"


async def test_bodies_are_held_to_discords_published_schema(harness: Harness) -> None:
    channel = harness.bot.get_channel(harness.emu.channel_id)
    assert isinstance(channel, discord.TextChannel)
    at_limit = (HOSTILE * 200)[:4096]
    sent = await channel.send(embed=discord.Embed(title="t" * 256, description=at_limit))
    assert sent.embeds[0].description == at_limit  # the maximum, hostile text and all
    with pytest.raises(discord.HTTPException) as refused:
        await channel.send(embed=discord.Embed(description=at_limit + "x"))
    assert (refused.value.status, refused.value.code) == (400, 50035)
    assert "In embeds.0.description: Must be 4096 or fewer in length." in refused.value.text
    view = discord.ui.View()
    view.add_item(discord.ui.Button(label="L" * 81, custom_id="long"))
    with pytest.raises(discord.HTTPException) as refused:
        await channel.send("a button", view=view)
    assert refused.value.code == 50035
    assert "components.0.components.0.label: Must be 80 or fewer" in refused.value.text
    embed = discord.Embed(title="fields").add_field(name="n", value="v" * 1025)
    with pytest.raises(discord.HTTPException) as refused:
        await sent.edit(embed=embed)
    assert "embeds.0.fields.0.value: Must be 1024 or fewer in length." in refused.value.text
    assert harness.emu.unhandled == []


def test_the_schema_subset_names_its_source_and_covers_the_bodies_we_serve() -> None:
    from tests.emulator.spec import discord_spec

    spec = discord_spec()
    assert spec.source["repository"] == "https://github.com/discord/discord-api-spec"
    assert len(spec.source["commit"]) == 40
    for method, path in [
        ("POST", "/channels/1/messages"),
        ("PATCH", "/channels/1/messages/2"),
        ("POST", "/interactions/1/token/callback"),
        ("POST", "/webhooks/1/token"),
        ("PATCH", "/webhooks/1/token/messages/@original"),
        ("PUT", "/applications/1/commands"),
        ("PUT", "/applications/1/guilds/2/commands"),
        ("POST", "/users/@me/channels"),
    ]:
        assert spec.listed(method, path), (method, path)
    assert not spec.listed("GET", "/channels/1/messages")
    text_input = {"type": 4, "custom_id": "note", "style": 1, "label": "Note"}
    rows = [{"type": 1, "components": [text_input]}]
    modal = {"type": 9, "data": {"custom_id": "m", "title": "T" * 46, "components": rows}}
    errors = spec.errors("POST", "/interactions/1/t/callback", modal)
    assert errors == {"data": {"title": {"_errors": [
        {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 45 or fewer in length."}
    ]}}}  # fmt: skip
    unknown = {"components": [{"type": 1, "components": [{"type": 77, "custom_id": "x"}]}]}
    errors = spec.errors("POST", "/channels/1/messages", unknown)
    assert errors is not None
    assert errors["components"]["0"]["components"]["0"]["_errors"][0]["code"] == (
        "UNION_TYPE_CHOICES"
    )


async def test_the_documented_limits_the_schema_does_not_carry_are_refused(
    harness: Harness,
) -> None:
    """A bot's content ≤ 2,000 characters and ≤ 6,000 across a message's embeds (Discord's
    "Create Message" and "Embed limits"), counted in code points as Discord counts them."""
    channel = harness.bot.get_channel(harness.emu.channel_id)
    assert isinstance(channel, discord.TextChannel)
    family = "👨\u200d👩\u200d👧"  # 5 code points
    sent = await channel.send(family * 400)
    assert sent.content == family * 400
    with pytest.raises(discord.HTTPException) as refused:
        await channel.send(family * 400 + "x")
    assert (refused.value.status, refused.value.code) == (400, 50035)
    assert "In content: Must be 2000 or fewer in length." in refused.value.text
    three = [discord.Embed(description="d" * 2000) for _ in range(3)]
    await channel.send(embeds=three)  # exactly 6,000
    three[2].title = "t"
    with pytest.raises(discord.HTTPException) as refused:
        await channel.send(embeds=three)
    assert "Embed size exceeds maximum size of 6000" in refused.value.text
    assert harness.emu.unhandled == []


def test_modal_texts_are_held_to_their_limits() -> None:
    """A text input's prefilled value ≤ 4,000, its label ≤ 45 and placeholder ≤ 100; a
    select option's label and description ≤ 100 (the published schema)."""
    from tests.emulator.spec import discord_spec

    spec = discord_spec()
    text_input = {"type": 4, "custom_id": "p", "style": 2, "label": "L" * 45, "value": "v" * 4000}
    modal = {"type": 9, "data": {"custom_id": "m", "title": "T", "components": [
        {"type": 1, "components": [text_input]}]}}  # fmt: skip
    assert spec.errors("POST", "/interactions/1/t/callback", modal) is None
    text_input.update(value="v" * 4001, label="L" * 46, placeholder="p" * 101)
    errors = spec.errors("POST", "/interactions/1/t/callback", modal)
    assert errors is not None
    where = errors["data"]["components"]["0"]["components"]["0"]
    assert {key: where[key]["_errors"][0]["message"] for key in where} == {
        "value": "Must be 4000 or fewer in length.",
        "label": "Must be 45 or fewer in length.",
        "placeholder": "Must be 100 or fewer in length.",
    }
    option = {"label": "l" * 101, "value": "v", "description": "d" * 101}
    select = {"type": 3, "custom_id": "s", "options": [option]}
    body = {"content": "x", "components": [{"type": 1, "components": [select]}]}
    errors = spec.errors("POST", "/channels/1/messages", body)
    assert errors is not None
    where = errors["components"]["0"]["components"]["0"]["options"]["0"]
    assert set(where) == {"label", "description"}


async def test_a_member_cannot_type_more_than_a_string_option_takes(harness: Harness) -> None:
    """Discord's client sends at most the option's max_length, and never more than 6,000
    characters, in a string option."""
    with pytest.raises(ValueError, match="longer than max_length"):
        await harness.emu.slash_command(
            harness.alice, "ping", subcommand="say", options={"text": "x" * 6001},
            attachments={"file": Path(__file__)},
        )  # fmt: skip


async def test_a_dm_opens_its_channel_and_closed_dms_are_refused(harness: Harness) -> None:
    """``User.send``: POST /users/@me/channels (the DM channel, the same one each time),
    then Create Message there; a user who takes no DMs from the bot is refused with 403,
    code 50007 "Cannot send messages to this user"."""
    emu = harness.emu
    open_to = emu.add_member("dora")
    closed = emu.add_member("cleo")
    closed.accepts_dms = False
    user = await harness.bot.fetch_user(open_to.id)
    sent = await user.send("hello " + HOSTILE[:100])
    assert sent.channel.id == emu.dm_channel_id(open_to)
    assert (await user.send("again")).channel.id == sent.channel.id
    other = await harness.bot.fetch_user(closed.id)
    with pytest.raises(discord.Forbidden) as refused:
        await other.send("hello")
    assert (refused.value.status, refused.value.code) == (403, 50007)
    assert [m["content"] for m in emu.messages if m["channel_id"] == str(sent.channel.id)] == [
        "hello " + HOSTILE[:100], "again",
    ]  # fmt: skip
    assert emu.unhandled == []
