"""End to end: every action that spends shows its price in words and asks once (Generate,
Regenerate, Extend, Insert, Edit; Use as reference and Stitch say they are free); Confirm
holds, Cancel spends nothing, an answered price can't be confirmed twice, a changed price
is asked again, and a refused hold leaves the question answerable."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import (
    World,
    a_failing_job,
    card_button,
    confirm_spend,
    credits_statement,
    fields,
    moderate,
    price_question,
    spend_button,
    what_was_said,
)

pytestmark = pytest.mark.e2e
JSON = dict[str, Any]
MANAGE_GUILD = 1 << 5


async def _video_card(world: World, prompt: str = "a street at dusk") -> JSON:
    """A 4 s session with one video reference (the 7.6 s city clip)."""
    ix = await world.emu.slash_command(
        world.alice, "video", subcommand="new", options={"prompt": prompt, "duration": 4},
        attachments={"asset1": world.media / "video/city_720p.mp4"},
    )  # fmt: skip
    card = await world.card(ix)
    return await world.reply(lambda m: m["id"] == card["id"] and "@video1" in str(m["embeds"]))


async def test_generate_shows_the_price_in_words_and_holds_only_on_confirm(world: World) -> None:
    emu, alice = world.emu, world.alice
    card = await _video_card(world)
    go = await emu.click_button(alice, card, card_button(card, "generate"))
    question = await price_question(emu, go)
    session = card["embeds"][0]["title"].split("#")[1].split()[0]
    assert question["content"] == (
        f"**Generate** a 4 s video from session #{session}.\n"
        "4 s × 1 credits at 480p × 1.5 for a video reference = **6** credits; you have 100.\n"
        "Confirming also keeps the roles I suggested:\n• `@video1` **camera movement**\n"
        "To change one first, use **Manage assets** on the card."
    )  # the video's role is only suggested: the one question asks about both
    labels = [c["label"] for row in question["components"] for c in row["components"]]
    assert labels == ["Spend 6 credits", "Cancel"]
    assert await world.credits(alice) == 100  # asking holds nothing

    confirm = await emu.click_button(alice, question, spend_button(question, "confirm"))
    said = await confirm.wait_update()
    assert said["content"] == (
        "Job #1 started: 6 credits held (94 left). Your video will be posted here."
    )
    assert said["components"] == []
    await world.reply(lambda m: "your video is ready" in m["content"])
    assert await world.credits(alice) == 94


async def test_cancel_spends_nothing_and_a_price_is_answered_once(world: World) -> None:
    emu, alice = world.emu, world.alice
    card = await _video_card(world)
    go = await emu.click_button(alice, card, card_button(card, "generate"))
    question = await price_question(emu, go)
    cancel = await emu.click_button(alice, question, spend_button(question, "cancel"))
    assert (await cancel.wait_update())["content"] == "Cancelled: nothing was spent."
    assert await world.credits(alice) == 100

    # Two clicks on one Confirm (a double click, two devices): one job, one refusal.
    go = await emu.click_button(alice, card, card_button(card, "generate"))
    question = await price_question(emu, go)
    confirm_id = spend_button(question, "confirm")
    first = await emu.click_button(alice, question, confirm_id)
    second = await emu.click_button(alice, question, confirm_id)
    said = sorted(
        [(await what_was_said(first))["content"], (await what_was_said(second))["content"]]
    )
    assert said[0].startswith("Job #1 started: 6 credits held")
    assert said[1] == "You already answered this price. Press the button again for a new one."
    await world.reply(lambda m: "your video is ready" in m["content"])
    assert await world.credits(alice) == 94
    assert len(await world.bot.services.generation.ledger.active_jobs()) == 0


async def test_a_changed_price_is_asked_again(world: World) -> None:
    emu, alice = world.emu, world.alice
    mod = emu.add_member("mod", permissions=MANAGE_GUILD)
    card = await _video_card(world)
    go = await emu.click_button(alice, card, card_button(card, "generate"))
    question = await price_question(emu, go)
    assert "= **6** credits" in question["content"]
    await moderate(world, mod, "prices rates", video_factor=3.0, reason="video costs more")
    confirm = await emu.click_button(alice, question, spend_button(question, "confirm"))
    asked = await confirm.wait_update()
    assert asked["content"].startswith(
        "The price changed since you saw it (it was 6 credits), so nothing was spent yet:\n"
    )
    assert (
        "4 s × 1 credits at 480p × 3 for a video reference = **12** credits" in (asked["content"])
    )
    assert await world.credits(alice) == 100
    current = emu.message(asked["id"])
    confirm = await emu.click_button(alice, current, spend_button(current, "confirm"))
    assert (await confirm.wait_update())["content"].startswith("Job #1 started: 12 credits")


async def test_too_few_credits_refuses_the_hold_and_the_question_stays_answerable(
    world: World,
) -> None:
    emu, alice = world.emu, world.alice
    mod = emu.add_member("mod", permissions=MANAGE_GUILD)
    await moderate(world, mod, "credits set", member=alice, balance=5, reason="nearly empty")
    card = await _video_card(world)
    go = await emu.click_button(alice, card, card_button(card, "generate"))
    question = await price_question(emu, go)
    assert "= **6** credits; you have 5.\n" in question["content"]
    confirm = await emu.click_button(alice, question, spend_button(question, "confirm"))
    refused = await what_was_said(confirm)
    assert "costs 6 credits and you have 5" in refused["content"]
    await moderate(world, mod, "credits grant", member=alice, amount=1, reason="top up")
    confirm = await emu.click_button(alice, question, spend_button(question, "confirm"))
    assert (await confirm.wait_update())["content"].startswith("Job #1 started: 6 credits")


async def test_every_build_on_a_result_asks_first(world: World) -> None:
    emu, alice = world.emu, world.alice
    ix = await emu.slash_command(
        alice, "video", subcommand="new", options={"prompt": "a kite", "duration": 4}
    )
    await world.generate(await world.card(ix))
    result = await world.reply(lambda m: "your video is ready" in m["content"])
    assert await world.credits(alice) == 96

    # Extend (a modal): the price first; nothing is held before the confirm.
    opener = await emu.click_button(alice, result, "cs:result:1:extend")
    await opener.wait_response()
    submitted = await emu.submit_modal(alice, opener, {"seconds": "5", "prompt": "x" * 2000})
    question = await price_question(emu, submitted)
    assert question["content"].startswith("**Extend** job #1 by 5 s.\n5 s × 1 credits at 480p")
    assert await world.credits(alice) == 96
    cancel = await emu.click_button(alice, question, spend_button(question, "cancel"))
    await cancel.wait_update()

    # Edit (a modal), with hostile text: the question quotes none of it.
    opener = await emu.click_button(alice, result, "cs:result:1:edit")
    await opener.wait_response()
    hostile = "@everyone <@&1> ```**" + "ü" * 1900
    submitted = await emu.submit_modal(alice, opener, {"prompt": hostile})
    question = await price_question(emu, submitted)
    assert question["content"].startswith("**Edit** job #1 as you described (4 s).\n")
    assert "@everyone" not in question["content"]
    assert await world.credits(alice) == 96

    # Regenerate, confirmed.
    again = await emu.click_button(alice, result, "cs:result:1:regenerate")
    said = await confirm_spend(emu, alice, again)
    assert said["content"].startswith("Job #2 (a new take of #1) queued: 4 credits held")
    await world.reply(lambda m: "your video is ready" in m["content"] and "#2" in str(m))

    # Insert between #1 and #2 (a command).
    ix = await emu.slash_command(
        alice, "video", subcommand="insert", options={"first": 1, "second": 2, "seconds": 4}
    )
    question = await price_question(emu, ix)
    assert question["content"].startswith(
        "**Insert** a 4 s shot between job #1 and job #2.\n4 s × 1 credits at 480p = **4**"
    )

    # Stitch: free, and it says so.
    ix = await emu.slash_command(alice, "video", subcommand="stitch", options={"jobs": "1 2"})
    question = await price_question(emu, ix)
    assert question["content"] == (
        "**Stitch** #1 + #2 into one video.\n"
        "Stitching is free: it is done here and spends no credits (you have 92)."
    )
    labels = [c["label"] for row in question["components"] for c in row["components"]]
    assert labels == ["Stitch (free)", "Cancel"]


async def test_someone_elses_result_is_refused_before_any_price(world: World) -> None:
    emu, alice = world.emu, world.alice
    ix = await emu.slash_command(
        alice, "video", subcommand="new", options={"prompt": "a kite", "duration": 4}
    )
    await world.generate(await world.card(ix))
    result = await world.reply(lambda m: "your video is ready" in m["content"])
    bob = emu.add_member("bob")
    for action in ("regenerate", "reference"):
        ix = await emu.click_button(bob, result, f"cs:result:1:{action}")
        refused = await ix.wait_reply()
        assert refused["flags"] & 64 and "belongs to" in refused["content"], action
        assert not refused.get("components")


async def test_credits_reads_as_events_with_what_the_balance_pays_for(world: World) -> None:
    emu, alice = world.emu, world.alice
    mod = emu.add_member("mod", permissions=MANAGE_GUILD)
    await moderate(world, mod, "allowance set", refill_period="daily", refill_amount=30,
                 refill_cap=200, reason="daily top-up")  # fmt: skip
    ix = await emu.slash_command(
        alice, "video", subcommand="new", options={"prompt": "a kite", "duration": 4}
    )
    card = await world.card(ix)
    await world.generate(card)
    await world.reply(lambda m: "your video is ready" in m["content"])
    await a_failing_job(world, card)  # job #2 fails for real
    await world.reply(lambda m: "job #2 failed" in m["content"])

    statement = fields(await credits_statement(emu, alice))
    events = [line.split("` ", 1)[1] for line in statement["Latest entries"].splitlines()]
    assert events == [
        "Refund · job #2 failed · +4",
        "Job #2 · generate · −4",
        "Job #1 · generate · −4",
        "Daily refill +30",
        "Starting allowance +100",
    ]
    assert statement["Available"] == "126"
    assert statement["What that pays for"] == (
        "Enough for 25 × 5 s at 480p (5 credits each, prompt only)."
    )

    # A job that builds on a result reads as what it did: "Job #3 · extend · −8" (5 s with
    # the result as its video reference: 5 × 1 × 1.5, rounded up).
    result = await world.reply(lambda m: "your video is ready" in m["content"])
    opener = await emu.click_button(alice, result, "cs:result:1:extend")
    await opener.wait_response()
    extend = await emu.submit_modal(alice, opener, {"seconds": "5", "prompt": "further out"})
    said = await confirm_spend(emu, alice, extend)
    assert said["content"].startswith("Job #3 (extending #1) queued: 8 credits held")
    await world.reply(lambda m: "your video is ready" in m["content"] and "#3" in str(m))
    statement = fields(await credits_statement(emu, alice))
    latest = statement["Latest entries"].splitlines()[0]
    assert latest.split("` ", 1)[1] == "Job #3 · extend · −8"
    assert statement["Available"] == "118"


async def test_a_chinese_member_reads_the_price_in_chinese(world: World) -> None:
    emu = world.emu
    mei = emu.add_member("mei", locale="zh-CN")
    ix = await emu.slash_command(
        mei, "video", subcommand="new", options={"prompt": "城市夜景", "duration": 4},
        attachments={"asset1": world.media / "video/city_720p.mp4"},
    )  # fmt: skip
    card = await world.card(ix)
    card = await world.reply(lambda m: m["id"] == card["id"] and "@video1" in str(m["embeds"]))
    go = await emu.click_button(mei, card, card_button(card, "generate"))
    question = await price_question(emu, go)
    assert question["content"] == (
        "用会话 #1 **生成**一段 4 秒的视频。\n"
        "4 秒 × 每秒 1 积分（480p） × 1.5（含参考视频） = **6** 积分；你有 100。\n"
        "确认后也会保留我建议的角色：\n"
        "• `@video1` **运镜**\n"
        "如需先更改，请在卡片上使用 **管理素材**。"
    )
    labels = [c["label"] for row in question["components"] for c in row["components"]]
    assert labels == ["花费 6 积分", "取消"]
    confirm = await emu.click_button(mei, question, spend_button(question, "confirm"))
    assert (await confirm.wait_update())["content"].startswith("任务 #1 已开始：冻结 6 积分")
