"""The catalogue (bot/words.py, bot/locales): both languages hold the same messages with the
same variables, no member-facing string cites a seed, a raw role key or a prompt dialect,
every message renders, and the code names only messages that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fluent.syntax import FluentParser, ast
from fluent.syntax.visitor import Visitor

from bot.errors import CallsheetError
from bot.seedance.compiler import EntryMode
from bot.seedance.roles import ROLES
from bot.seedance.templates import TEMPLATES
from bot.words import ENGLISH, LOCALE_DIR, LOCALES, Phrase, Words, say, shipped_locale, verbatim

ROOT = Path(__file__).resolve().parents[1]
WORDS = Words()


def _messages(locale: str) -> dict[str, ast.Message]:
    found: dict[str, ast.Message] = {}
    for path in sorted((LOCALE_DIR / locale).glob("*.ftl")):
        for entry in FluentParser().parse(path.read_text(encoding="utf-8")).body:
            assert not isinstance(entry, ast.Junk), f"{path}: {entry.content!r}"
            if isinstance(entry, ast.Message):
                assert entry.id.name not in found, f"{entry.id.name} twice in {locale}"
                found[entry.id.name] = entry
    return found


class _Collect(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.variables: set[str] = set()
        self.texts: list[str] = []

    def visit_VariableReference(self, node: ast.VariableReference) -> None:
        self.variables.add(node.id.name)

    def visit_TextElement(self, node: ast.TextElement) -> None:
        self.texts.append(node.value)

    def visit_StringLiteral(self, node: ast.StringLiteral) -> None:
        self.texts.append(node.value)


def _collect(message: ast.Message) -> _Collect:
    collector = _Collect()
    collector.visit(message)
    return collector


MESSAGES = {locale: _messages(locale) for locale in LOCALES}


def test_both_languages_hold_the_same_messages() -> None:
    english, chinese = set(MESSAGES["en-US"]), set(MESSAGES["zh-CN"])
    assert english - chinese == set(), "only in English"
    assert chinese - english == set(), "only in Chinese"
    assert len(english) > 300


@pytest.mark.parametrize("key", sorted(MESSAGES["en-US"]))
def test_each_message_has_the_same_variables_in_both_languages(key: str) -> None:
    variables = {locale: _collect(MESSAGES[locale][key]).variables for locale in LOCALES}
    assert variables["en-US"] == variables["zh-CN"], key


# What members must never read (docs/ARCHITECTURE.md "Words"): the seeds are the product's
# sources, role keys and the Ark content roles are identifiers, dialects are the compiler's.
_ROLE_KEYS = sorted({r.key for r in ROLES if "_" in r.key} | {
    "reference_image", "reference_video", "reference_audio",
})  # fmt: skip
BANNED = [
    re.compile(r"\bseeds? ?0\d\d", re.IGNORECASE),
    re.compile(r"\bdialect\b|\btags dialect\b|\bnatural dialect\b", re.IGNORECASE),
    re.compile(r"\bBGM\b"),
    re.compile(r"\b(" + "|".join(_ROLE_KEYS) + r")\b"),
    re.compile(r"pixels per frame|\b927,?408\b|\b409,?600\b"),
]


def _banned(text: str) -> list[str]:
    return [p.pattern for p in BANNED if p.search(text)]


def test_the_banned_patterns_catch_what_members_were_seen_reading() -> None:
    for seen in ("(seed 001)", "(seeds 000, 001, 004)", "927,408 pixels per frame",
                 "tags dialect", "`reference_image`", "@Audio1 for BGM rhythm",
                 "a first_frame role"):  # fmt: skip
        assert _banned(seen), seen
    assert not _banned("up to 720p video, at most 15 s of video in all")


@pytest.mark.parametrize("locale", LOCALES)
def test_no_member_facing_text_cites_seeds_role_keys_or_dialects(locale: str) -> None:
    bad = {
        key: hits
        for key, message in MESSAGES[locale].items()
        if (hits := _banned(" ".join(_collect(message).texts)))
    }
    assert bad == {}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_renders_with_sample_arguments(locale: str) -> None:
    for key, message in MESSAGES[locale].items():
        args = dict.fromkeys(_collect(message).variables, 2)
        text = WORDS.text(key, locale, **args)
        assert text.strip() or key in ("fix-change-none",), key
        assert not _banned(text), (key, text)


_KEY_IN_CODE = re.compile(r'\b(?:say|words_for)\(\s*"([a-z][a-z0-9_-]*)"')


def test_every_key_the_code_names_exists() -> None:
    named: set[str] = set()
    for folder in ("bot", "cogs"):
        for path in (ROOT / folder).rglob("*.py"):
            named |= set(_KEY_IN_CODE.findall(path.read_text(encoding="utf-8")))
    named.discard("job-started")  # bot/words.py's docstring example names a real key too
    families = (
        [f"role-{r.key}" for r in ROLES] + [f"role-{r.key}-hint" for r in ROLES]
        + [f"template-{t.key}" for t in TEMPLATES] + [f"template-{t.key}-hint" for t in TEMPLATES]
        + [f"slot-{s.label}" for t in TEMPLATES for s in t.slots]
        + [f"mode-{m}" for m in EntryMode.__args__]
    )  # fmt: skip
    assert sorted((named | set(families)) - set(MESSAGES[ENGLISH])) == []


def test_role_and_template_texts_fit_discord_in_both_languages() -> None:
    for locale in LOCALES:
        for role in ROLES:  # select options: label and description ≤ 100 characters
            assert 0 < len(WORDS.text(role.name, locale)) <= 100
            assert 0 < len(WORDS.text(role.hint, locale)) <= 100


def test_locales_map_to_the_shipped_ones() -> None:
    assert shipped_locale("zh-CN") == "zh-CN"
    for other in ("en-US", "en-GB", "fr", "zh-TW", "ja", None, ""):
        assert shipped_locale(other) == "en-US"
    assert WORDS.text("session-gone", "fr") == WORDS.text("session-gone", "en-US")
    assert WORDS.text("session-gone", "zh-CN") == "那个会话已不存在。"


def test_phrases_nest_and_render_in_one_language() -> None:
    reason = say("limit-max-duration", kind="video", s=15)
    refused = say("upload-refused", file="`a.mp4`", reason=reason)
    assert WORDS.text(refused) == "`a.mp4` was not added: video clips can be at most 15 s long"
    assert WORDS.text(refused, "zh-CN") == "未添加 `a.mp4`：视频片段最长 15 秒"
    listed = say("request-problems", problems=(say("problem-empty"), reason))
    assert WORDS.text(listed).splitlines() == [
        "• Write a prompt or add a reference before generating.",
        "• video clips can be at most 15 s long",
    ]


def test_a_phrase_survives_the_database_and_old_rows_read_as_written() -> None:
    phrase = say("provider-rejected", detail=verbatim("ratio is bad"))
    assert Phrase.from_json(phrase.to_json()) == phrase
    assert WORDS.text(Phrase.from_json("The provider said no.")) == "The provider said no."
    assert WORDS.text(Phrase.from_json('["not", "a phrase"]')) == '["not", "a phrase"]'


def test_a_missing_message_or_argument_is_an_error_not_a_blank() -> None:
    with pytest.raises(KeyError):
        WORDS.text("no-such-message")
    with pytest.raises(ValueError, match="session"):
        WORDS.text("session-closed")  # needs $session


def test_errors_are_english_in_logs_and_keep_their_phrase() -> None:
    error = CallsheetError(say("session-ended", state="closed"))
    assert str(error) == "This session is closed. Start a new one with `/video new`."
    assert WORDS.text(error.phrase, "zh-CN") == "这个会话已关闭。用 `/video new` 开始一个新会话。"


def test_a_broken_file_is_refused_at_start_up(tmp_path: Path) -> None:
    for locale in LOCALES:
        (tmp_path / locale).mkdir()
        (tmp_path / locale / "x.ftl").write_text("a = { $n ->\n  [one] x\n}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="cannot parse"):
        Words(tmp_path)
