"""Fit what the bot sends to Discord's published limits, so that no prompt, moderator's note
or provider's error text can make a message, an embed or a modal fail (Discord answers such a
body with 400 "Invalid Form Body", and the member would never hear back).

Every text is cut with an ellipsis on a grapheme boundary (:func:`bot.text.clip`, with
``regex``'s ``\\X``: an emoji ZWJ sequence, a flag or a letter with its combining marks is
kept whole or dropped whole). Lengths count code points, as Discord does (its API is
Python; discord/discord-api-docs#1315).

The limits are Discord's documented ones ("Embed limits", "Create Message", "Text Input",
"String Select", "Application Command Option"), the same numbers as the schemas of
``discord/discord-api-spec`` that the emulator enforces (``discord_emulator/spec.py``):

==========================  ======  =========================================
what                        limit   where the bot fills it
==========================  ======  =========================================
message content (a bot's)   2,000   :func:`content`
embed title / author name     256   :func:`embed`
embed description           4,096   :func:`embed`
embed fields                   25   :func:`embed`
field name / value          256 / 1,024   :func:`embed`
footer text                 2,048   :func:`embed`
all embeds of a message     6,000   :func:`embed`, :func:`embeds`
modal title, input label       45   :func:`modal_title`, :func:`text_input`
text input placeholder        100   :func:`text_input`
text input value            4,000   :func:`text_input`, :func:`prompt_inputs`
select option label / desc.   100   :func:`option`
select placeholder            150   :func:`placeholder`
button label                   80   :func:`button_label`
string option value         6,000   :data:`Prompt`, :data:`Reason`, :data:`JobList`
==========================  ======  =========================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import discord
import regex
from discord import app_commands

from bot.text import ELLIPSIS as ELLIPSIS  # the cut is the core's: it cuts texts too
from bot.text import clip as clip
from bot.text import grapheme_boundary
from bot.words import Voice

CONTENT = 2000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
AUTHOR = 256
EMBEDS_TOTAL = 6000
MODAL_TITLE = 45
INPUT_LABEL = 45
INPUT_PLACEHOLDER = 100
INPUT_VALUE = 4000
OPTION_LABEL = 100
OPTION_DESCRIPTION = 100
SELECT_PLACEHOLDER = 150
BUTTON_LABEL = 80
STRING_OPTION = 6000

PROMPT_CHARS = STRING_OPTION
"""The longest prompt a member can type: seed 001 allows 1,000 English words (or 500 Chinese
characters), about 6,000 characters at five letters and a space a word, which is also
Discord's most for a string option. The compiler counts the words (``problem-prompt-length``)."""
REASON_CHARS = 500
"""A moderator's reason or note: a sentence or two (it goes into the audit log, the ledger and
notices to the member)."""
JOB_LIST_CHARS = 200
"""``/video stitch``'s job numbers: dozens of ids, more than any chain of results."""

Prompt = app_commands.Range[str, None, PROMPT_CHARS]
Reason = app_commands.Range[str, None, REASON_CHARS]
JobList = app_commands.Range[str, None, JOB_LIST_CHARS]

_SPACE = regex.compile(r"\s")

More = Callable[[int], str]
"""Says how many items of a list were left out ("…and 12 more")."""


def content(text: str) -> str:
    """A message's content, within a bot's 2,000 characters."""
    return clip(text, CONTENT)


def more(t: Voice) -> More:
    """ "…and 12 more" in ``t``'s language."""
    return lambda count: t("list-more", count=count)


def lines(items: Iterable[str], limit: int, more: More, separator: str = "\n") -> str:
    """As many whole ``items`` as fit in ``limit`` characters joined by ``separator``, then
    ``more(n)`` for the ``n`` left out: a list that would overflow says how many more there
    are instead of being cut mid-line. A first item longer than the limit is clipped."""
    rows = list(items)
    shown = length = 0
    for count in range(1, len(rows) + 1):
        length += len(rows[count - 1]) + (len(separator) if count > 1 else 0)
        left = len(rows) - count
        if length + (len(separator) + len(more(left)) if left else 0) > limit:
            break
        shown = count
    if shown == len(rows):
        return separator.join(rows)
    tail = separator + more(len(rows) - max(shown, 1)) if len(rows) > max(shown, 1) else ""
    if shown == 0:
        return clip(clip(rows[0], max(1, limit - len(tail))) + tail, limit)
    return clip(separator.join(rows[:shown]) + tail, limit)


def _size(item: discord.Embed) -> int:
    """The characters of ``item`` that count toward the 6,000 of a message (Discord: title,
    description, field names and values, footer text, author name)."""
    return len(item)


def embed(item: discord.Embed, budget: int = EMBEDS_TOTAL) -> discord.Embed:
    """Fit ``item`` in place (and return it): each part to its own limit, at most 25 fields,
    and all of it within ``budget`` characters (the message's 6,000 across its embeds). Over
    budget, the description gives way first, then field values from the last field up, then
    the last fields go."""
    if item.title:
        item.title = clip(item.title, EMBED_TITLE)
    if item.description:
        item.description = clip(item.description, EMBED_DESCRIPTION)
    if item.author.name:
        item.set_author(
            name=clip(item.author.name, AUTHOR), url=item.author.url, icon_url=item.author.icon_url
        )
    if item.footer.text:
        item.set_footer(text=clip(item.footer.text, FOOTER), icon_url=item.footer.icon_url)
    while len(item.fields) > EMBED_FIELDS:
        item.remove_field(EMBED_FIELDS)
    for index, field in enumerate(item.fields):
        item.set_field_at(
            index,
            name=clip(field.name or "", FIELD_NAME),
            value=clip(field.value or "", FIELD_VALUE),
            inline=field.inline,
        )
    over = _size(item) - budget
    if over > 0 and item.description:
        keep = max(len(item.description) - over, min(len(item.description), 200))
        item.description = clip(item.description, keep)
        over = _size(item) - budget
    for index in reversed(range(len(item.fields))):
        if over <= 0:
            break
        field = item.fields[index]
        value = field.value or ""
        keep = max(len(value) - over, min(len(value), 1))
        item.set_field_at(index, name=field.name or "", value=clip(value, keep),
                          inline=field.inline)  # fmt: skip
        over = _size(item) - budget
    while over > 0 and item.fields:
        item.remove_field(len(item.fields) - 1)
        over = _size(item) - budget
    if over > 0 and item.description:
        item.description = clip(item.description, max(1, len(item.description) - over))
        over = _size(item) - budget
    if over > 0 and item.footer.text:
        item.set_footer(text=clip(item.footer.text, max(1, len(item.footer.text) - over)))
        over = _size(item) - budget
    if over > 0 and item.title:
        item.title = clip(item.title, max(1, len(item.title) - over))
    return item


def embeds(items: Sequence[discord.Embed]) -> list[discord.Embed]:
    """Fit a message's embeds in place: each to its limits, together within 6,000
    characters (earlier embeds keep what they need first)."""
    left = EMBEDS_TOTAL
    for item in items:
        embed(item, max(left, 1))
        left -= _size(item)
    return list(items)


def message(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Fit the ``content``, ``embed`` and ``embeds`` of send/edit keyword arguments in place
    (and return them)."""
    text = kwargs.get("content")
    if isinstance(text, str):
        kwargs["content"] = content(text)
    found = [kwargs["embed"]] if isinstance(kwargs.get("embed"), discord.Embed) else []
    found += [e for e in kwargs.get("embeds") or () if isinstance(e, discord.Embed)]
    embeds(found)
    return kwargs


def modal_title(text: str) -> str:
    """A modal's title, within 45 characters."""
    return clip(text, MODAL_TITLE)


def placeholder(text: str) -> str:
    """A select menu's placeholder, within 150 characters."""
    return clip(text, SELECT_PLACEHOLDER)


def button_label(text: str) -> str:
    """A button's label, within 80 characters."""
    return clip(text, BUTTON_LABEL)


def option(
    label: str, value: str, description: str | None = None, default: bool = False
) -> discord.SelectOption:
    """A select option with its label and description within 100 characters (``value`` is
    the bot's own key and is not cut)."""
    return discord.SelectOption(
        label=clip(label, OPTION_LABEL) or "-",
        value=value,
        description=clip(description, OPTION_DESCRIPTION) if description else None,
        default=default,
    )


def text_input(
    label: str,
    custom_id: str,
    *,
    default: str | None = None,
    placeholder: str | None = None,
    max_length: int = INPUT_VALUE,
    paragraph: bool = False,
    required: bool = True,
) -> discord.ui.TextInput[Any]:
    """A modal's text input, its label (45), placeholder (100) and prefilled value (its own
    ``max_length``, at most 4,000) fitted. Prefill only a value that fits whole (see
    :func:`prompt_inputs` for a prompt): a clipped value would be saved clipped."""
    longest = min(max_length, INPUT_VALUE)
    return discord.ui.TextInput(
        label=clip(label, INPUT_LABEL),
        custom_id=custom_id,
        style=discord.TextStyle.paragraph if paragraph else discord.TextStyle.short,
        default=clip(default, longest) if default else None,
        placeholder=clip(placeholder, INPUT_PLACEHOLDER) if placeholder else None,
        max_length=longest,
        required=required,
    )


def split(text: str, first: int) -> tuple[str, str]:
    """``text`` in two parts whose concatenation is ``text``: the first at most ``first``
    characters, ending after a space (or, with none near, on a grapheme boundary)."""
    if len(text) <= first:
        return text, ""
    cut = grapheme_boundary(text, first)
    spaces = [m.end() for m in _SPACE.finditer(text, max(0, cut - 200), cut)]
    if spaces and spaces[-1] > 0:
        cut = spaces[-1]
    return text[:cut], text[cut:]


def prompt_inputs(
    label: str, more_label: str, current: str = "", placeholder: str | None = None,
    required: bool = False,
) -> tuple[discord.ui.TextInput[Any], discord.ui.TextInput[Any]]:  # fmt: skip
    """Two paragraph inputs that together hold any prompt the commands take (one input holds
    at most 4,000 characters, a prompt :data:`PROMPT_CHARS`), prefilled with ``current``
    split between them; read them back with :func:`joined`. Their ``custom_id``\\ s are
    ``prompt`` and ``prompt-more``."""
    head, tail = split(current, INPUT_VALUE)
    return (
        text_input(label, "prompt", default=head, placeholder=placeholder, paragraph=True,
                   required=required),
        text_input(more_label, "prompt-more", default=tail, paragraph=True, required=False),
    )  # fmt: skip


def joined(inputs: Sequence[discord.ui.TextInput[Any]]) -> str:
    """What the member wrote across :func:`prompt_inputs`."""
    return "".join(item.value for item in inputs)
