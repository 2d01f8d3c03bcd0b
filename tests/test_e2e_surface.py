"""End to end: the whole surface under long and hostile text. Every command, button, select
and modal of the real bot is driven through the strict emulator (Discord's published schema
and documented limits) with text at its maximum length and hostile to render (markdown,
@everyone and mentions, zero-width and right-to-left marks, emoji ZWJ sequences, Zalgo,
newlines, backticks and fences) in every free-text field; nothing is refused (no 400) and
the member always gets a proper answer, never the apology for an unexpected error.

The test checks it drove everything: each registered command, each component class of the
``*_COMPONENTS`` tuples and the admin console, and each modal; a new one fails it until it is
driven here too.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import tests.emulator.server as emulator_server
from bot.words import Words, say
from cogs import fit
from cogs.errors import Component, Modal
from cogs.session.card_components import PromptModal
from cogs.session.result_components import EditModal, ExtendModal
from cogs.storyboard.modal import ShotModal
from tests.emulator import DiscordEmulator, EmuInteraction, Member
from tests.fakes.ark import FakeArk
from tests.helpers import (
    World,
    card_button,
    credits_statement,
    price_question,
    running_bot,
    spend_button,
)

pytestmark = pytest.mark.e2e
JSON = dict[str, Any]
MANAGE_GUILD = 1 << 5
APOLOGY = Words.english().text(say("something-went-wrong"))
FILM_S = 120  # seconds a stitch or a storyboard's film may take to be answered or posted
MODALS = {
    "cs:prompt:": PromptModal, "cs:extend:": ExtendModal, "cs:edit:": EditModal,
    "cs:shotform:": ShotModal,
}  # fmt: skip
PIECES = (
    "@everyone", "@here", "<@1>", "<@&2>", "<#3>", "**bold**", "__under__", "||spoiler||",
    "`tick`", "```fence```", "\u202eevil\u202c", "zero\u200bwidth", "join\u200dme",
    "👨\u200d👩\u200d👧\u200d👦", "🇫🇷", "Z̸̢̛a̷l̵g̶o̵", "中文", "\n", "> quote", "# heading",
    "[link](https://example.com)", "\\", "*",
)  # fmt: skip


def hostile(length: int) -> str:
    """``length`` characters of text hostile to render (a cycle of :data:`PIECES`)."""
    text = ""
    index = 0
    while len(text) < length:
        text += PIECES[index % len(PIECES)] + " "
        index += 1
    return text[:length]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def ark(tmp_path: Path, media: Path) -> AsyncIterator[FakeArk]:
    result = tmp_path / "provider-result.mp4"
    shutil.copy(media / "video/city_720p.mp4", result)
    async with FakeArk(result_video=result, polls_before_done=10**6, run_s=None) as fake:
        yield fake  # a task ends only when the test says so


@pytest.fixture
async def world(tmp_path: Path, media: Path, ark: FakeArk) -> AsyncIterator[World]:
    port = _free_port()
    async with running_bot(
        tmp_path, media, provider="ark", ark_api_key=ark.api_key, ark_base_url=ark.base_url,
        public_base_url=f"http://127.0.0.1:{port}", asset_server_host="127.0.0.1",
        asset_server_port=port,
    ) as running:  # fmt: skip
        yield running


class Surface:
    """Drives the bot as members and moderators do, recording what it drove."""

    def __init__(self, world: World, ark: FakeArk) -> None:
        self.world, self.emu, self.ark = world, world.emu, ark
        self.commands: set[str] = set()
        self.custom_ids: list[str] = []
        self.modals: list[str] = []

    async def command(
        self, who: Member, name: str, subcommand: str | None = None, /,
        attachments: dict[str, Path] | None = None, **options: Any,
    ) -> EmuInteraction:  # fmt: skip
        self.commands.add(f"{name} {subcommand}" if subcommand else name)
        return await self.emu.slash_command(
            who, name, subcommand=subcommand, options=options, attachments=attachments
        )

    async def reply(
        self, who: Member, name: str, subcommand: str | None = None, /, **options: Any
    ) -> JSON:
        """Run a command whose answer is one message; return it."""
        ix = await self.command(who, name, subcommand, **options)
        return await answered(ix)

    async def generate(self, who: Member, card: JSON) -> JSON:
        """Generate on ``card`` and confirm the price; the confirmed question."""
        return await self.spend(who, await self.click(who, card, card_button(card, "generate")))

    async def click(self, member: Member, message: JSON, custom_id: str) -> EmuInteraction:
        self.custom_ids.append(custom_id)
        return await self.emu.click_button(member, message, custom_id)

    async def choose(self, member: Member, message: JSON, custom_id: str,
                     values: list[str]) -> EmuInteraction:  # fmt: skip
        self.custom_ids.append(custom_id)
        return await self.emu.choose(member, message, custom_id, values)

    async def submit(self, member: Member, opener: EmuInteraction,
                     values: dict[str, str]) -> EmuInteraction:  # fmt: skip
        assert (await opener.wait_response())["type"] == 9
        assert opener.modal is not None
        self.modals.append(opener.modal["custom_id"])
        return await self.emu.submit_modal(member, opener, values)

    async def spend(
        self,
        who: Member,
        ix: EmuInteraction,
        cancel: bool = False,
        timeout: float = 30,  # noqa: ASYNC109
    ) -> JSON:
        """Answer the price question ``ix`` was answered with (confirm, or ``cancel``);
        return what the answer said: the question as it left it ("Job #7 started…"; a
        stitch says so once the video is joined, and ``timeout`` allows for that on a busy
        machine), or a refusal."""
        question = await price_question(self.emu, ix)
        button = spend_button(question, "cancel" if cancel else "confirm")
        return await answered(await self.click(who, question, button), timeout)

    async def posted(self, number: int) -> JSON:
        """Job ``number``'s post."""
        return await self.world.reply(
            lambda m: any(
                (e.get("footer") or {}).get("text") == f"Callsheet job #{number}"
                for e in m.get("embeds") or []
            )
        )

    async def job(self, number: int) -> JSON:
        """Let job ``number`` end at the provider (once the runner has created its task);
        its post."""

        def running() -> list[str]:
            return [i for i, t in self.ark.tasks.items() if not (t.finished or t.cancelled)]

        await self.ark.wait_until(lambda: bool(running()))
        for task_id in running():
            await self.ark.finish(task_id)
        return await self.posted(number)


async def answered(ix: EmuInteraction, timeout: float = 30) -> JSON:  # noqa: ASYNC109
    """The message that answers ``ix``: the response, or the first update or followup after
    its acknowledgement."""
    response = await ix.wait_response()
    if response["type"] == 4:
        return {"content": "", "embeds": [], **response["data"]}
    waits = {
        asyncio.ensure_future(ix.wait_update(timeout)),
        asyncio.ensure_future(ix.wait_followup(timeout)),
    }
    done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for other in pending:
        other.cancel()
    message: JSON = done.pop().result()
    return message


async def ready(world: World, card: JSON, showing: str = "") -> JSON:
    """The session card once Generate can be clicked (again), showing ``showing``."""

    def can_generate(message: JSON) -> bool:
        generate = [b for b in _custom_ids(message, "cs:card:") if b.endswith(":generate")]
        return (
            message["id"] == card["id"] and showing in str(message["embeds"]) and bool(generate)
            and not world.emu.find_component(message, generate[0]).get("disabled")
        )  # fmt: skip

    return await world.reply(can_generate)


def _stop(card: JSON) -> str:
    """custom_id of the card's Cancel job button ("" while it has none)."""
    return next((c for c in _custom_ids(card, "cs:card:") if c.endswith(":stop")), "")


def _face_questions(emu: DiscordEmulator) -> list[JSON]:
    return [
        m for m in emu.messages
        if "realistic human face" in m.get("content", "") and _custom_ids(m, "cs:asset:")
    ]  # fmt: skip


def _inputs(modal: JSON) -> dict[str, JSON]:
    return {
        c["custom_id"]: c
        for row in modal["components"]
        for c in (row.get("components") or [row.get("component")])
        if c and c.get("type") == 4
    }


def _custom_ids(message: JSON, prefix: str) -> list[str]:
    return [
        str(c["custom_id"])
        for row in message.get("components") or []
        for c in row.get("components") or []
        if str(c.get("custom_id", "")).startswith(prefix)
    ]


def _leaf_commands(commands: list[JSON]) -> set[str]:
    found = set()
    for command in commands:
        subs = [o for o in command.get("options") or [] if o["type"] in (1, 2)]
        if not subs:
            found.add(command["name"])
        for sub in subs:
            if sub["type"] == 1:
                found.add(f"{command['name']} {sub['name']}")
            else:
                found.update(f"{command['name']} {sub['name']} {s['name']}" for s in sub["options"])
    return found


def _string_options(commands: list[JSON]) -> list[JSON]:
    found = []
    stack = list(commands)
    while stack:
        node = stack.pop()
        for option in node.get("options") or []:
            if option["type"] == 3:
                found.append(option)
            stack.append(option)
    return found


def test_hostile_text_is_what_it_says() -> None:
    text = hostile(fit.PROMPT_CHARS)
    assert len(text) == fit.PROMPT_CHARS
    assert all(piece in text for piece in PIECES)
    assert len(text.split()) <= 1000  # a prompt of this length Seedance still takes


async def test_every_command_button_select_and_modal_takes_long_hostile_text(
    world: World, ark: FakeArk, media: Path, tmp_path: Path
) -> None:
    emu, alice, s = world.emu, world.alice, Surface(world, ark)
    bob = emu.add_member("bob")
    mod = emu.add_member("mod", permissions=MANAGE_GUILD)
    log_channel = emu.add_channel("callsheet-log")
    reason, prompt = hostile(fit.REASON_CHARS), hostile(fit.PROMPT_CHARS)

    # Every string option says how long it may be (or offers only its choices).
    for option in _string_options(emu.commands):
        assert option.get("max_length") or option.get("choices"), option["name"]

    # The moderator sets up, with reasons at their longest.
    saved = await s.reply(mod, "admin", "config set", audit_channel=log_channel, reason=reason)
    assert saved["content"].startswith("Saved")
    posted = await world.reply(lambda m: m["channel_id"] == str(log_channel))
    assert len(posted["content"]) <= fit.CONTENT
    await s.reply(mod, "admin", "credits grant", member=alice, amount=5000, reason=reason)
    await s.reply(alice, "video", "notify", state="on")  # outcomes, with their texts, by DM too

    # /video new with a 6,000-character prompt: the card is posted, its prompt cut to fit.
    ix = await s.command(
        alice, "video", "new", prompt=prompt, duration=4, attachments={"asset1": media /
        "images/rocket.jpg"},
    )  # fmt: skip
    card = await world.card(ix)
    assert card["embeds"][0]["description"].endswith(fit.ELLIPSIS)
    await world.reply(lambda m: "Added **@image1**" in m["content"])
    again = await s.reply(alice, "video", "new", prompt=prompt)
    assert again["flags"] & 64 and "already" in again["content"]

    # The prompt modal holds the whole prompt across its two inputs, and takes 8,000 back.
    opener = await s.click(alice, card, card_button(card, "prompt"))
    assert (await opener.wait_response())["type"] == 9
    assert opener.modal is not None
    inputs = _inputs(opener.modal)
    assert inputs["prompt"]["value"] + inputs["prompt-more"]["value"] == prompt
    longest = {"prompt": hostile(fit.INPUT_VALUE), "prompt-more": hostile(fit.INPUT_VALUE)}
    await (await s.submit(alice, opener, longest)).wait_update()
    session = await world.bot.services.sessions.find_open(emu.guild_id, emu.channel_id, alice.id)
    assert session is not None and len(session.prompt) > fit.PROMPT_CHARS
    opener = await s.click(alice, card, card_button(card, "prompt"))
    usable = {"prompt": "@image1 " + hostile(3000), "prompt-more": ""}
    await (await s.submit(alice, opener, usable)).wait_update()

    # Uploads in a message of hostile text: a video (role, frame, sound), a face, a fixable GIF.
    face = tmp_path / "face.png"
    with Image.open(media / "images/astronaut.png") as picture:
        picture.save(face)  # the same face in another file, for the second question
    await emu.post_message(alice, hostile(2000), attachments=[
        media / "video/city_with_music.mov", media / "images/astronaut.png", face,
        media / "images/no_time_for_that_tiny.gif"])  # fmt: skip
    video_q = await world.reply(lambda m: "Added **@video1**" in m["content"])
    (frame,) = _custom_ids(video_q, "cs:frame:")
    moment = emu.find_component(video_q, frame)["options"][2]["value"]
    await answered(await s.choose(alice, video_q, frame, [moment]))
    (sound,) = _custom_ids(video_q, "cs:asset:")
    await answered(await s.click(alice, video_q, sound))
    (role,) = _custom_ids(video_q, "cs:role:")
    options = emu.find_component(video_q, role)["options"]
    chosen = next((o for o in options if o.get("default")), options[0])["value"]
    await (await s.choose(alice, video_q, role, [chosen])).wait_update()
    still = await world.reply(lambda m: "-3.8s.png" in m["content"] and "Added" in m["content"])
    (role,) = _custom_ids(still, "cs:role:")
    options = emu.find_component(still, role)["options"]
    other = next(o["value"] for o in options if not o.get("default"))  # one first frame only
    await (await s.choose(alice, still, role, [other])).wait_update()
    await world.reply(lambda m: len(_face_questions(emu)) == 2)
    keep, remove = _face_questions(emu)
    await (await s.click(alice, keep, _custom_ids(keep, "cs:asset:")[0])).wait_update()
    await (await s.click(alice, remove, _custom_ids(remove, "cs:asset:")[1])).wait_update()
    gif = await world.reply(lambda m: "no_time_for_that_tiny.gif" in m["content"])
    await (await s.click(alice, gif, _custom_ids(gif, "cs:fix:")[0])).wait_update()

    # View request shows the compiled prompt literally, within its field.
    card = await ready(world, card, "Assets (6)")
    shown = await answered(await s.click(alice, card, card_button(card, "request")))
    (curious,) = [f for f in shown["embeds"][0]["fields"] if "curious" in f["name"]]
    assert curious["value"].startswith("```") and len(curious["value"]) <= fit.FIELD_VALUE

    # Steering: a refused prompt reopened with its text, Settings, Manage assets (move down
    # and up again, replace with the next upload), and Close asked but not confirmed.
    refused_text = "@image9 " + hostile(fit.INPUT_VALUE - 8)
    opener = await s.click(alice, card, card_button(card, "prompt"))
    refusal = await answered(await s.submit(alice, opener, {"prompt": refused_text}))
    assert refusal["flags"] & 64 and "@image9" in refusal["content"]
    (again,) = _custom_ids(refusal, "cs:card:")
    opener = await s.click(alice, refusal, again)
    assert (await opener.wait_response())["type"] == 9 and opener.modal is not None
    inputs = _inputs(opener.modal)
    assert inputs["prompt"]["value"] + inputs["prompt-more"].get("value", "") == refused_text
    await answered(await s.submit(alice, opener, usable))
    card = await ready(world, card, "Assets (6)")
    panel = await answered(await s.click(alice, card, card_button(card, "settings")))
    for name, value in (("duration", "4"), ("audio", "on")):
        (select,) = [c for c in _custom_ids(panel, "cs:set:") if c.endswith(f":{name}")]
        panel = await answered(await s.choose(alice, panel, select, [value]))
    card = await ready(world, card, "Assets (6)")
    (manage,) = [c for c in _custom_ids(card, "cs:card:") if c.endswith(":manage")]
    first = emu.find_component(card, manage)["options"][0]
    assert len(first["label"]) <= 100 and len(first.get("description", "")) <= 100
    panel = await answered(await s.choose(alice, card, manage, [first["value"]]))
    for action in ("down", "up", "replace"):
        (button,) = [c for c in _custom_ids(panel, "cs:manage:") if c.endswith(f":{action}")]
        panel = await answered(await s.click(alice, emu.message(panel["id"]), button))
    asked = await answered(await s.click(alice, card, card_button(card, "close")))
    assert asked["flags"] & 64 and "let its" in asked["content"]

    # Generate and stop; generate, and the moderator cancels from the list and by command.
    await s.generate(alice, card)
    card = await world.reply(lambda m: m["id"] == card["id"] and bool(_stop(m)))
    stopped = await (await s.click(alice, card, _stop(card))).wait_followup()
    assert "Job #1" in stopped["content"]
    if "will finish" in stopped["content"]:
        await s.job(1)
    for number in (2, 3):
        await s.generate(alice, await ready(world, card))
        if number == 2:
            listed = await s.reply(mod, "admin", "jobs list")
            assert "#2" in listed["content"]
            (cancel,) = _custom_ids(listed, "cs:admin:cancel:")
            await answered(await s.click(mod, listed, cancel))
        else:
            await s.reply(mod, "admin", "jobs cancel", job_id=3, reason=reason)
        notice = await world.reply(
            lambda m, n=number: f"job #{n} was cancelled by a moderator" in m["content"]
        )
        assert len(notice["content"]) <= fit.CONTENT and f"<@{alice.id}>" in notice["content"]

    # A provider's 6,000-character error text: the failure notice is cut to fit.
    ark.fail_task_with = ("GenerationFailed", hostile(6000))
    await s.generate(alice, await ready(world, card))
    failure = await s.job(4)
    ark.fail_task_with = None
    assert len(failure["content"]) <= fit.CONTENT and f"<@{alice.id}>" in failure["content"]

    # A result and every button under it.
    await s.generate(alice, await ready(world, card))
    result = await s.job(5)
    await s.spend(alice, await s.click(alice, result, "cs:result:5:regenerate"), cancel=True)
    await s.spend(alice, await s.click(alice, result, "cs:result:5:regenerate"))
    await s.job(6)
    opener = await s.click(alice, result, "cs:result:5:extend")
    wrong = {"seconds": "x!", "prompt": hostile(4000), "prompt-more": hostile(4000)}
    refused = await answered(await s.submit(alice, opener, wrong))
    assert refused["flags"] & 64
    opener = await s.click(alice, result, "cs:result:5:extend")
    await s.spend(alice, await s.submit(alice, opener, {"seconds": "4", "prompt": hostile(3000)}))
    extended = await s.job(7)
    opener = await s.click(alice, result, "cs:result:5:edit")
    await s.spend(alice, await s.submit(alice, opener, {"prompt": hostile(3000)}))
    await s.job(8)
    await s.spend(alice, await s.click(alice, result, "cs:result:5:reference"))
    stitched = await s.spend(
        alice, await s.click(alice, extended, "cs:result:7:stitch"), timeout=FILM_S
    )
    await s.posted(int(re.findall(r"job #(\d+)", stitched["content"])[0]))

    # The result commands with their prompts at the longest.
    for sub, options in (
        ("extend", {"job": 5, "prompt": prompt}),
        ("insert", {"first": 5, "second": 7, "prompt": prompt}),
        ("edit", {"job": 5, "prompt": prompt}),
    ):
        queued = await s.spend(alice, await s.command(alice, "video", sub, **options))
        await s.job(int(re.findall(r"Job #(\d+)", queued["content"])[0]))
    wrong_ids = await s.reply(alice, "video", "stitch", jobs=hostile(fit.JOB_LIST_CHARS))
    assert wrong_ids["flags"] & 64
    await s.spend(alice, await s.command(alice, "video", "stitch", jobs="5 7"), timeout=FILM_S)
    await s.spend(alice, await s.command(alice, "video", "reference", job=5))
    history = await s.reply(alice, "video", "history")
    assert history["embeds"][0]["footer"]["text"].startswith("Video 1 of ")
    (older,) = [c for c in _custom_ids(history, "cs:history:") if not c.endswith(":0")]
    await answered(await s.click(alice, history, older))
    await s.reply(alice, "help")
    cat = {"asset1": media / "images/chelsea.png"}
    await answered(await s.command(alice, "video", "add", attachments=cat))

    # A template session with the longest scene (bob), then alice's session is closed.
    template = emu.command("video")
    (sub,) = [o for o in template["options"] if o["name"] == "template"]
    (scene,) = [o for o in sub["options"] if o["name"] == "scene"]
    choice = sub["options"][0]["choices"][0]["value"]
    ix = await s.command(
        bob, "video", "template", template=choice, scene=hostile(scene["max_length"])
    )
    bobs = await world.card(ix)
    closed = await answered(await s.click(bob, bobs, card_button(bobs, "close")))
    assert closed["flags"] & 64
    asked = await s.reply(alice, "video", "cancel")
    (yes,) = _custom_ids(asked, "cs:card:")  # it has files: asked first
    await answered(await s.click(alice, asked, yes))
    card = await world.reply(
        lambda m: (
            m["id"] == card["id"] and _custom_ids(m, "cs:card:")[-1:] == [f"{manage[:-6]}reopen"]
        )
    )
    (reopen,) = _custom_ids(card, "cs:card:")
    assert "open again" in (await answered(await s.click(alice, card, reopen)))["content"]
    asked = await s.reply(alice, "video", "cancel")
    await answered(await s.click(alice, asked, _custom_ids(asked, "cs:card:")[0]))
    await storyboard(s, media)
    s.commands.add("credits")
    statement = await credits_statement(emu, alice)
    assert len(statement["embeds"][0]["fields"][-1]["value"]) <= fit.FIELD_VALUE

    # The moderator's console, every command with its reasons at the longest, and texts
    # written before there were limits (a 6,000-character ban reason and ledger note).
    moderation = world.bot.services.moderation
    for sub, options in (
        ("credits revoke", {"member": alice, "amount": 1, "reason": reason}),
        ("credits set", {"member": alice, "balance": 4000, "reason": reason}),
        ("allowance show", {}),
        ("allowance set", {"refill_amount": 10, "reason": reason}),
        ("allowance role", {"role": emu.add_role("Creator"), "amount": 5, "reason": reason}),
        ("allowance member", {"member": bob, "amount": 5, "reason": reason}),
        ("prices show", {}),
        ("prices set", {"model": "standard", "resolution": "480p", "credits_per_second": 1.0,
                        "reason": reason}),
        ("prices rates", {"credits_per_dollar": 10.0, "reason": reason}),
        ("config show", {}),
        ("config channel", {"action": "allow", "channel": emu.channel_id, "reason": reason}),
        ("config channel", {"action": "everywhere", "reason": reason}),
        ("usage", {}),
    ):  # fmt: skip
        await s.reply(mod, "admin", sub, **options)
    await moderation.grant(emu.guild_id, mod.id, alice.id, 1, hostile(6000), key="old")
    ledger = await s.reply(mod, "admin", "credits ledger", member=alice)
    assert ledger["embeds"][0]["description"]
    ix = await s.command(alice, "video", "new", prompt="again")
    card = await world.card(ix)
    await s.reply(mod, "admin", "members ban", member=alice, reason=reason)
    await moderation.ban(emu.guild_id, mod.id, alice.id, hostile(6000), None)
    ix = await emu.slash_command(
        alice, "video", subcommand="new", options={"prompt": "again"},
        channel_id=emu.add_channel("banned"),
    )  # fmt: skip
    banned = await world.card(ix)  # its "you can't generate now" fitted, Generate disabled
    (why,) = [f for f in banned["embeds"][0]["fields"] if f["name"] == "You can't generate now"]
    assert why["value"].endswith(fit.ELLIPSIS) and len(why["value"]) <= fit.FIELD_VALUE
    paused = await answered(await s.click(alice, card, card_button(card, "generate")))
    assert "paused your generations" in paused["content"]
    assert paused["content"].endswith(fit.ELLIPSIS) and len(paused["content"]) <= fit.CONTENT
    await s.reply(mod, "admin", "members unban", member=alice, reason=reason)
    audit = await s.reply(mod, "admin", "audit", limit=25)
    assert len(audit["embeds"][0]["description"]) <= fit.EMBED_DESCRIPTION

    # Nothing was refused, nobody read the apology, and everything was driven.
    assert emu.rejected == []
    assert not [m for m in emu.messages if APOLOGY in m.get("content", "")]
    assert s.commands >= _leaf_commands(emu.commands), _leaf_commands(emu.commands) - s.commands
    for component in _subclasses(Component):
        template = component.__discord_ui_compiled_template__  # type: ignore[attr-defined]
        assert any(template.fullmatch(c) for c in s.custom_ids), component.__name__
    assert {cls for prefix, cls in MODALS.items() for m in s.modals if m.startswith(prefix)} == (
        set(MODALS.values())
    )
    assert {_name(cls) for cls in _subclasses(Modal)} == {_name(cls) for cls in MODALS.values()}


async def storyboard(s: Surface, media: Path) -> None:
    """A storyboard with hostile text at the longest: a shot refused (too long, a length out
    of range) and written again from its kept text, a second shot, its cut, a move and an
    edit, the price asked (not now, then confirmed), its shots made at the provider and the
    film posted with its shot list; then it is closed."""
    world, emu, ark, alice = s.world, s.emu, s.ark, s.world.alice
    ix = await s.command(alice, "video", "storyboard",
                         attachments={"soundtrack": media / "audio/loop_tabla.mp3"})  # fmt: skip
    board = await world.card(ix)
    thread = int(board["id"])
    await world.reply(lambda m: m["channel_id"] == board["id"])  # its thread's welcome
    await emu.post_message(alice, hostile(2000), [media / "images/rocket.jpg"], channel_id=thread)
    question = await world.reply(
        lambda m: m["channel_id"] == board["id"] and "Added **@image1**" in m["content"]
    )
    (role,) = _custom_ids(question, "cs:role:")
    await (await s.choose(alice, question, role, ["scene"])).wait_update()

    def story(message: JSON, action: str) -> str:
        (found,) = [c for c in _custom_ids(message, "cs:story:") if c.endswith(action)]
        return found

    opener = await s.click(alice, board, story(board, ":add"))
    too_long = {"prompt": hostile(fit.INPUT_VALUE), "prompt-more": hostile(3000), "duration": "99"}
    refused = await answered(await s.submit(alice, opener, too_long))
    assert refused["flags"] & 64 and len(refused["content"]) <= fit.CONTENT
    opener = await s.click(alice, refused, story(refused, ":again"))
    kept = {"prompt": hostile(3000), "prompt-more": "", "duration": "4"}
    await answered(await s.submit(alice, opener, kept))
    opener = await s.click(alice, board, story(board, ":add"))
    await answered(await s.submit(alice, opener, {"prompt": hostile(1000), "duration": "4"}))
    board = await world.reply(
        lambda m: m["id"] == board["id"] and "Shots (2 of 8)" in str(m["embeds"])
    )
    assert len(board["embeds"][0]["description"]) <= fit.EMBED_DESCRIPTION
    shots = story(board, ":pick")
    second = emu.find_component(board, shots)["options"][1]
    assert len(second["label"]) <= 100 and len(second.get("description", "")) <= 100
    panel = await answered(await s.choose(alice, board, shots, [second["value"]]))
    assert len(panel["content"]) <= fit.CONTENT
    (cut,) = [c for c in _custom_ids(panel, "cs:shot:") if c.endswith(":cut")]
    panel = await answered(await s.choose(alice, panel, cut, ["continue"]))
    (refs,) = [c for c in _custom_ids(panel, "cs:shot:") if c.endswith(":refs")]
    image = emu.find_component(panel, refs)["options"][0]["value"]
    panel = await answered(await s.choose(alice, panel, refs, [image]))  # this shot's only
    panel = await answered(await s.choose(alice, panel, refs, []))  # every shot's again
    (up,) = [c for c in _custom_ids(panel, "cs:shot:") if c.endswith(":up")]
    panel = await answered(await s.click(alice, emu.message(panel["id"]), up))
    (edit,) = [c for c in _custom_ids(panel, "cs:shot:") if c.endswith(":edit")]
    opener = await s.click(alice, emu.message(panel["id"]), edit)
    await answered(await s.submit(alice, opener, {"duration": "5"}))

    board = await world.reply(
        lambda m: m["id"] == board["id"] and "9 s in all" in str(m["embeds"])
        and "Price" in str(m["embeds"])
    )  # fmt: skip
    await answered(await s.click(alice, board, story(board, ":sound:shots")))
    board = await world.reply(lambda m: m["id"] == board["id"] and bool(
        [c for c in _custom_ids(m, "cs:story:") if c.endswith(":sound:soundtrack")]))  # fmt: skip
    asked = await answered(await s.click(alice, board, story(board, ":start")))
    assert asked["flags"] & 64 and len(asked["content"]) <= fit.CONTENT
    await answered(await s.click(alice, asked, story(asked, ":nogo")))
    asked = await answered(await s.click(alice, board, story(board, ":start")))
    (go,) = [c for c in _custom_ids(asked, "cs:story:") if ":go:" in c]
    assert (await answered(await s.click(alice, asked, go)))["content"].startswith("Started")
    made: set[str] = set()
    while len(made) < 2:  # the two shots, at the provider

        def new() -> list[str]:
            return [i for i, t in ark.tasks.items() if not (t.finished or t.cancelled)
                    and i not in made]  # fmt: skip

        await ark.wait_until(lambda: bool(new()))
        for task_id in new():
            await ark.finish(task_id)
            made.add(task_id)
    # Joining the film is CPU work (two 720p shots and the soundtrack re-encoded): allowed as
    # long as the stitches above, so a loaded 2-core machine does not fail the surface.
    film = await emu.wait_for_message(
        lambda m: "is a film: 2 shots, 9 s" in m.get("content", ""), timeout=FILM_S
    )
    (listing,) = [e for e in film["embeds"] if e.get("title") == "Shots"]
    assert 0 < len(listing["description"]) <= fit.EMBED_DESCRIPTION
    assert len(film["content"]) <= fit.CONTENT
    board = await world.reply(
        lambda m: m["id"] == board["id"] and any(c.endswith(":restitch")
                                                 for c in _custom_ids(m, "cs:story:"))
    )  # fmt: skip
    await answered(await s.click(alice, board, story(board, ":restitch")))  # then joins
    await emu.wait_for_message(
        lambda m: len([x for x in emu.messages if "is a film: 2" in x.get("content", "")]) == 2,
        timeout=FILM_S,
    )
    asked = await s.reply(alice, "video", "cancel")
    await answered(await s.click(alice, asked, _custom_ids(asked, "cs:card:")[0]))


def _name(cls: type[Any]) -> str:
    """A class's dotted name: the same for the copies an extension makes each time a bot in
    this test run loads it again."""
    return f"{cls.__module__}.{cls.__qualname__}"


def _subclasses(base: type[Any]) -> list[type[Any]]:
    """Every subclass of ``base`` the loaded extensions define (each component or modal)."""
    found: list[type[Any]] = []
    stack = list(base.__subclasses__())
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return found


async def test_a_card_discord_refuses_leaves_no_invisible_session(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When Discord refuses the card (here: its board image is over the upload limit), the
    session it opened is closed again and the member is told; a retry opens a new one
    instead of "you already have a session open" for a card nobody saw."""
    emu, alice = world.emu, world.alice
    monkeypatch.setattr(emulator_server, "ATTACHMENT_SIZE_LIMIT", 100)
    ix = await emu.slash_command(alice, "video", subcommand="new", options={"prompt": "x"})
    told = await ix.wait_followup()
    assert told["flags"] & 64 and "could not be posted" in told["content"]
    assert not [m for m in emu.messages if m.get("embeds")]  # no card anywhere
    session = await world.bot.services.sessions.find_open(emu.guild_id, emu.channel_id, alice.id)
    assert session is None
    monkeypatch.undo()
    card = await world.card(
        await emu.slash_command(alice, "video", subcommand="new", options={"prompt": "x"})
    )
    assert card["embeds"][0]["title"].endswith("#2")
