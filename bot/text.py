"""How member-supplied text (file names) appears in the bot's messages.

A file name comes from the uploader and may carry markdown, mentions or control
characters; in a code span Discord renders it literally (no markdown, no mentions).
"""

from __future__ import annotations

import unicodedata

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
