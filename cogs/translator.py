"""Slash-command texts from the catalogue: command, group and option descriptions and choice
names in each shipped locale (docs/ARCHITECTURE.md "Words").

A cog writes ``description=words_for("cmd-video-new")``: the English text from the
catalogue, tagged with its key. :class:`CatalogueTranslator`, installed on the command tree
at start-up, gives Discord the other shipped locales' texts for the same key when the
commands are synced. Command and option names stay English (one spelling to type and to
document; Discord's name rules are strict), so only descriptions and choice names are
localized.
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.guilds.config import MODEL_LABELS
from bot.words import ENGLISH, LOCALES, Words

KEY = "catalogue_key"  # locale_str extras: the catalogue key of the text


def words_for(key: str) -> app_commands.locale_str:
    """The English catalogue text of ``key`` (Discord's default), tagged for translation."""
    return app_commands.locale_str(Words.english().text(key), **{KEY: key})


def choices(key: str, values: tuple[str, ...]) -> list[app_commands.Choice[str]]:
    """Choices named by the catalogue's ``<key>-<value>`` texts."""
    return [app_commands.Choice(name=words_for(f"{key}-{v}"), value=v) for v in values]


# Brand names and resolutions read the same in every language.
MODEL_CHOICES = [app_commands.Choice(name=label, value=key) for key, label in MODEL_LABELS.items()]
RESOLUTION_CHOICES = [app_commands.Choice(name=r, value=r) for r in ("480p", "720p", "1080p")]


class CatalogueTranslator(app_commands.Translator):
    """Translates tagged command texts into every shipped locale other than English.

    Args:
        words: the catalogue.
    """

    def __init__(self, words: Words) -> None:
        self.words = words

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        key = string.extras.get(KEY)
        if key is None:
            return None
        if locale.value == ENGLISH or locale.value not in LOCALES:
            return None  # English is the default text; locales not shipped read it
        return self.words.text(key, locale.value)
