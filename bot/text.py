"""How member-supplied text appears in the bot's messages: cut to a length (:func:`clip`),
and file names shown literally (:func:`file_label`).

A file name comes from the uploader and may carry markdown, mentions or control
characters; in a code span Discord renders it literally (no markdown, no mentions).
"""

from __future__ import annotations

import unicodedata

import regex

ELLIPSIS = "…"
_GRAPHEME = regex.compile(r"\X")  # an extended grapheme cluster (Unicode UAX #29)


def grapheme_boundary(text: str, room: int) -> int:
    """The largest grapheme boundary in ``text`` at or before ``room`` code points (an emoji
    ZWJ sequence, a flag or a letter with its combining marks is never split)."""
    # Start a little before ``room`` at a sure boundary (an ASCII letter or digit followed by
    # an ASCII character: neither extends a cluster), or at the start.
    start = max(0, room - 64)
    while start > 0 and not (
        text[start - 1].isascii() and text[start - 1].isalnum() and text[start].isascii()
    ):
        start -= 1
    end = start
    for cluster in _GRAPHEME.finditer(text, start):
        if cluster.end() > room:
            break
        end = cluster.end()
    return end


def clip(text: str, limit: int) -> str:
    """``text`` if it has at most ``limit`` code points, else its longest grapheme-whole
    start that leaves room for "…", with the ellipsis (trailing spaces dropped)."""
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[:limit]
    return text[: grapheme_boundary(text, limit - len(ELLIPSIS))].rstrip() + ELLIPSIS


MAX_LABEL = 80  # characters; Discord's own limit on names is far larger


def file_label(name: str) -> str:
    """``name`` as a code span: backticks and control characters dropped, at most
    :data:`MAX_LABEL` characters (the extension kept when it is cut)."""
    clean = (
        "".join(
            ch for ch in name if ch != "`" and not unicodedata.category(ch).startswith("C")
        ).strip()
        or "file"
    )
    if len(clean) > MAX_LABEL:
        _, dot, extension = clean.rpartition(".")
        keep = extension if dot and len(extension) <= 8 else ""
        clean = clean[: MAX_LABEL - len(keep) - 2] + "…" + ("." + keep if keep else "")
    return f"`{clean}`"
