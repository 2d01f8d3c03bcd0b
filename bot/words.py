"""Every member- and moderator-facing string, in the member's language (docs/ARCHITECTURE.md
"Words").

The strings are Project Fluent messages in ``bot/locales/<locale>/*.ftl`` (named variables,
plural selectors; a translator edits text, not code). The core never builds a sentence: it
names one as a :class:`Phrase` (a message key and its arguments) and the Discord layer
renders it with :meth:`Words.text` in the member's locale (``interaction.locale``), or the
guild's where there is no interaction. ``str(error)`` of a
:class:`bot.errors.CallsheetError` is its English text, for logs and tests.

Shipped locales: English (``en-US``, also for ``en-GB``) and Simplified Chinese
(``zh-CN``, Seedance's home market); every other locale reads English.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union, cast

from fluent.runtime import FluentBundle, FluentResource
from fluent.runtime.resolver import MAX_PART_LENGTH
from fluent.syntax.ast import Junk

from bot.text import clip

Locale = Literal["en-US", "zh-CN"]
LOCALES: tuple[Locale, ...] = ("en-US", "zh-CN")
ENGLISH: Locale = "en-US"
LOCALE_DIR = Path(__file__).parent / "locales"
ARG_CHARS = MAX_PART_LENGTH - 500
"""The longest text argument a message takes: Fluent refuses a placeable longer than its
``resolver.MAX_PART_LENGTH`` (2,500 characters, counted with the words of a select variant
around it), so a provider's error text or an old moderator's note is cut to this instead of
failing the whole message."""

Arg = Union[str, int, float, "Phrase", tuple["Phrase", ...]]
"""A message argument: text and numbers as Fluent takes them (numbers are formatted for the
locale: pass ids as text), a nested :class:`Phrase` (rendered in the same locale first), or
a tuple of phrases (rendered as one bulleted line each)."""


@dataclass(frozen=True, eq=True)
class Phrase:
    """A sentence named, not written: a catalogue key and its arguments.

    Attributes:
        key: the Fluent message id (``upload-refused``…).
        args: the message's variables by name.
    """

    key: str
    args: Mapping[str, Arg] = field(default_factory=dict)

    def to_json(self) -> str:
        """This phrase as JSON (kept in the database, e.g. a failed job's reason)."""
        return json.dumps(_plain(self), ensure_ascii=False)

    @staticmethod
    def from_json(text: str) -> Phrase:
        """The phrase :meth:`to_json` wrote; any other text becomes the ``verbatim`` message
        showing it as it is (rows written before phrases were stored).
        """
        try:
            body = json.loads(text)
        except ValueError:
            return verbatim(text)
        if not isinstance(body, dict) or "key" not in body:
            return verbatim(text)
        return _phrase(body)


def say(key: str, /, **args: Arg) -> Phrase:
    """The phrase ``key`` with ``args`` (``say("job-started", job="12", price=40)``)."""
    return Phrase(key, args)


def verbatim(text: str) -> Phrase:
    """Text that is shown as it is, in every locale (what a provider or the operator wrote)."""
    return Phrase("verbatim", {"text": text})


def shipped_locale(tag: object) -> Locale:
    """The shipped locale for a Discord locale tag (``discord.Locale`` or its value):
    ``zh-CN`` for Simplified Chinese, English for everything else."""
    value = str(getattr(tag, "value", tag) or "")
    return "zh-CN" if value.lower() in ("zh-cn", "zh", "zh-hans") else ENGLISH


class Words:
    """The catalogue: one Fluent bundle per shipped locale, loaded once at start-up.

    Args:
        root: the folder holding one subfolder of ``.ftl`` files per locale.

    Raises:
        ValueError: a ``.ftl`` file does not parse.
    """

    def __init__(self, root: Path = LOCALE_DIR) -> None:
        self._bundles: dict[Locale, FluentBundle] = {}
        for locale in LOCALES:
            bundle = FluentBundle([locale], use_isolating=False)
            for path in sorted((root / locale).glob("*.ftl")):
                resource = FluentResource(path.read_text(encoding="utf-8"))
                junk = [entry for entry in resource.body if isinstance(entry, Junk)]
                if junk:
                    raise ValueError(f"{path}: cannot parse {(junk[0].content or '')[:80]!r}")
                bundle.add_resource(resource)
            self._bundles[locale] = bundle

    @staticmethod
    @functools.cache
    def english() -> Words:
        """The shipped catalogue, read once per process: what ``str(error)`` and the command
        definitions' default (English) texts are rendered with."""
        return Words()

    def voice(self, locale: object) -> Voice:
        """This catalogue speaking ``locale`` (any Discord locale tag)."""
        return Voice(self, shipped_locale(locale))

    def text(self, what: Phrase | str, locale: object = ENGLISH, /, **args: Arg) -> str:
        """``what`` (a phrase, or a key with ``args``) in ``locale`` (any Discord locale tag;
        see :func:`shipped_locale`).

        Raises:
            KeyError: no such message.
            ValueError: the message needs an argument that was not given, or Fluent could
                not format one.
        """
        phrase = what if isinstance(what, Phrase) else Phrase(what, args)
        return self._render(phrase, shipped_locale(locale))

    def _render(self, phrase: Phrase, locale: Locale) -> str:
        bundle = self._bundles[locale]
        if not bundle.has_message(phrase.key):
            raise KeyError(f"no message {phrase.key!r} in {locale}")
        message = bundle.get_message(phrase.key)
        if message.value is None:
            raise KeyError(f"message {phrase.key!r} in {locale} has no text")
        values: dict[str, Any] = {}
        for name, value in phrase.args.items():
            if isinstance(value, Phrase):
                value = self._render(value, locale)
            elif isinstance(value, tuple):
                value = "\n".join(f"• {self._render(p, locale)}" for p in value)
            values[name] = clip(value, ARG_CHARS) if isinstance(value, str) else value
        out, errors = bundle.format_pattern(message.value, values)
        if errors:
            raise ValueError(f"{phrase.key} ({locale}): {errors[0]}")
        return cast(str, out)


def _plain(value: Arg) -> Any:
    if isinstance(value, Phrase):
        return {"key": value.key, "args": {k: _plain(v) for k, v in value.args.items()}}
    if isinstance(value, tuple):
        return [_plain(p) for p in value]
    return value


def _phrase(body: Mapping[str, Any]) -> Phrase:
    return Phrase(str(body["key"]), {k: _arg(v) for k, v in dict(body.get("args", {})).items()})


def _arg(value: Any) -> Arg:
    if isinstance(value, dict):
        return _phrase(value)
    if isinstance(value, list):
        return tuple(_phrase(item) for item in value)
    return cast(Arg, value)


@dataclass(frozen=True)
class Voice:
    """A catalogue bound to one locale: ``t("card-title", session="12")`` or ``t(phrase)``.

    Attributes:
        words: the catalogue.
        locale: the shipped locale it speaks.
    """

    words: Words
    locale: Locale

    def __call__(self, what: Phrase | str, /, **args: Arg) -> str:
        """``what`` in :attr:`locale` (see :meth:`Words.text`)."""
        return self.words.text(what, self.locale, **args)
