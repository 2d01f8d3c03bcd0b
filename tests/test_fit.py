"""cogs/fit.py: every text the bot sends fitted to Discord's limits, cut whole graphemes with
an ellipsis; the emulator's schema check (Discord's published one) accepts what it makes."""

from __future__ import annotations

import discord
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from cogs import fit
from tests.emulator.server import DiscordEmulator
from tests.emulator.spec import discord_spec

FAMILY = "👨\u200d👩\u200d👧\u200d👦"  # one grapheme, 7 code points
ZALGO = "Z̸̢̛a̷l̵g̶o̵"
HOSTILE = (
    f"@everyone @here <@1> <@&2> <#3> **bold** __u__ ||spoiler|| `tick` ```fence``` "
    f"\u202eRTL\u202c \u200b\u200d {FAMILY} 🇫🇷 {ZALGO} 中文 \n\n> quote\n# heading "
)


def graphemes(text: str) -> list[str]:
    return list(regex.findall(r"\X", text))


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=300), st.integers(min_value=1, max_value=320))
def test_clip_keeps_within_the_limit_and_cuts_whole_graphemes(text: str, limit: int) -> None:
    out = fit.clip(text, limit)
    assert len(out) <= limit
    if len(text) <= limit:
        assert out == text
    else:
        assert out.endswith(fit.ELLIPSIS)
        kept = out.removesuffix(fit.ELLIPSIS)
        assert text.startswith(kept)
        whole = graphemes(text)
        prefix = "".join(whole[: len(graphemes(kept))])
        assert prefix.rstrip() == kept.rstrip() or prefix == kept


def test_an_emoji_sequence_or_a_marked_letter_is_never_split() -> None:
    text = "a" * 1995 + FAMILY * 3
    out = fit.content(text)
    assert out == "a" * 1995 + fit.ELLIPSIS  # the family did not fit whole: it is left out
    zalgo = fit.clip(ZALGO * 500, 1000)
    assert len(zalgo) <= 1000
    assert graphemes(zalgo.removesuffix(fit.ELLIPSIS))[-1] in graphemes(ZALGO)


def _valid(body: dict[str, object]) -> None:
    errors = discord_spec().errors("POST", "/channels/1/messages", body)
    assert errors is None, errors
    DiscordEmulator._validate(body, require_content=True)  # the documented rules beside it


def test_an_embed_with_every_part_too_long_is_fitted_and_accepted() -> None:
    embed = discord.Embed(title=HOSTILE * 20, description=HOSTILE * 200)
    for _ in range(30):
        embed.add_field(name=HOSTILE * 10, value=HOSTILE * 40, inline=False)
    embed.set_footer(text=HOSTILE * 40)
    embed.set_author(name=HOSTILE * 10)
    fit.embed(embed)
    assert len(embed) <= fit.EMBEDS_TOTAL and len(embed.fields) <= fit.EMBED_FIELDS
    assert embed.description is not None and embed.description.endswith(fit.ELLIPSIS)
    _valid({"content": fit.content(HOSTILE * 100), "embeds": [embed.to_dict()]})


def test_a_message_keeps_its_embeds_within_6000_characters_together() -> None:
    first = discord.Embed(title="card", description="p" * 4000)
    first.add_field(name="Assets", value="a" * 1000)
    second = discord.Embed(description="q" * 4000)
    kwargs = fit.message({"content": "c" * 3000, "embeds": [first, second]})
    assert len(kwargs["content"]) == fit.CONTENT
    assert len(first) == 4 + 4000 + 6 + 1000  # the first is whole
    assert len(first) + len(second) <= fit.EMBEDS_TOTAL
    _valid({"content": kwargs["content"], "embeds": [first.to_dict(), second.to_dict()]})


def test_a_fitting_embed_is_left_alone() -> None:
    embed = discord.Embed(title=HOSTILE, description=HOSTILE)
    embed.add_field(name="n", value=HOSTILE)
    before = embed.to_dict()
    assert fit.embed(embed).to_dict() == before


def test_a_long_list_says_how_many_more_instead_of_overflowing() -> None:
    rows = [f"job #{n} <@{n}> queued" for n in range(1, 400)]
    out = fit.lines(rows, 300, lambda n: f"…and {n} more")
    assert len(out) <= 300
    shown = out.splitlines()
    assert shown[:-1] == rows[: len(shown) - 1]
    assert shown[-1] == f"…and {len(rows) - len(shown) + 1} more"
    assert fit.lines(rows[:3], 300, lambda n: "never") == "\n".join(rows[:3])
    assert fit.lines([], 300, lambda n: "never") == ""
    long_first = fit.lines(["x" * 500, "y"], 100, lambda n: f"+{n}")
    assert len(long_first) <= 100 and long_first.endswith(f"{fit.ELLIPSIS}\n+1")


def test_a_prompt_too_long_for_one_input_is_split_across_two_and_joined_back() -> None:
    prompt = ("The dancer " + HOSTILE) * 40
    assert fit.INPUT_VALUE < len(prompt) <= fit.PROMPT_CHARS
    head, more = fit.prompt_inputs("Prompt", "Prompt, continued", prompt)
    assert head.default is not None and more.default is not None
    assert len(head.default) <= fit.INPUT_VALUE and len(more.default) <= fit.INPUT_VALUE
    assert head.default + more.default == prompt
    assert head.default[-1].isspace()  # cut after a space
    for item, value in ((head, head.default), (more, more.default)):
        item._value = value  # what a member submitting it unchanged sends back
    assert fit.joined((head, more)) == prompt
    short_head, short_more = fit.prompt_inputs("Prompt", "Prompt, continued", "short")
    assert (short_head.default, short_more.default) == ("short", None)


def test_modal_and_select_texts_are_fitted() -> None:
    item = fit.text_input(HOSTILE, "x", default="d" * 5000, placeholder=HOSTILE * 3)
    assert len(item.to_component_dict()["label"]) <= fit.INPUT_LABEL
    assert item.placeholder is not None and len(item.placeholder) <= fit.INPUT_PLACEHOLDER
    assert item.default is not None and len(item.default) <= fit.INPUT_VALUE
    option = fit.option(HOSTILE * 3, "key", HOSTILE * 3)
    assert len(option.label) <= fit.OPTION_LABEL
    assert option.description is not None and len(option.description) <= 100
    assert option.value == "key"
    assert len(fit.modal_title(HOSTILE)) <= fit.MODAL_TITLE
    assert len(fit.button_label(HOSTILE)) <= fit.BUTTON_LABEL
    assert len(fit.placeholder(HOSTILE * 3)) <= fit.SELECT_PLACEHOLDER


def test_a_long_argument_is_cut_instead_of_failing_the_message() -> None:
    """Fluent refuses an argument longer than 2,500 characters (with the words around it);
    a provider's error text or an old moderator's note is cut instead, whole graphemes and
    all, even inside a select variant (``audit-line``'s reason)."""
    from bot.providers.messages import not_generated_message
    from bot.words import ARG_CHARS, Words, say

    words = Words()
    detail = HOSTILE * 100
    text = words.text(not_generated_message(detail), "en-US")
    assert len(text) < len(detail) and fit.ELLIPSIS in text
    notice = words.text(
        say("member-job-cancelled", member="<@1>", job="7", reason=detail, price=3), "zh-CN"
    )
    assert fit.clip(detail, ARG_CHARS).removesuffix(fit.ELLIPSIS) in notice
    line = words.text(
        say("audit-line", when="2026-11-25 12:00", actor="<@1>", action="x", target="<@2>",
            details=detail, reason=detail), "en-US",
    )  # fmt: skip
    assert line.count(fit.ELLIPSIS) >= 2
