"""What the page is shown: the emulator's state as one member sees it, as plain JSON.

Messages keep Discord's wire shape (the page renders embeds, attachments and components
from it); an ephemeral message goes only to the member it was for, as on Discord; file
URLs point at the page's own ``/files/…`` route (same origin, with Range requests, so
video players can seek).
"""

from __future__ import annotations

import re
from typing import Any

from bot.seedance.limits import DEFAULT_LIMITS
from bot.seedance.summary import limits_in_words
from bot.words import Words
from discord_emulator import DiscordEmulator, Member
from discord_emulator.models import ADMINISTRATOR
from discord_emulator.server import ATTACHMENT_SIZE_LIMIT, STRING_OPTION_MAX
from discord_emulator.threads import PRIVATE_THREAD

JSON = dict[str, Any]

_HIDDEN = ("ephemeral_for", "deleted")
_FILE_URL = re.compile(r"^https?://[^/]+/attachments/\d+/(\d+)/([^/?#]+)")

#: Discord's limits that the emulator holds every request to (discord-api-docs: "Message
#: Resource", "Embed Limits", "Message Components", "Interactions": 3 s to respond)
DISCORD_LIMITS = (
    "Message text: at most 2,000 characters",
    "Embeds: at most 10 a message, 6,000 characters together; title 256, description "
    "4,096, up to 25 fields (name 256, value 1,024), footer 2,048",
    "Components: at most 5 rows, 5 buttons a row, a select alone in its row with 1–25 "
    "options; button label 80, custom_id 1–100 characters",
    "Modals: title 45, 1–5 text inputs, label 45, value 4,000 characters",
    f"Uploads: at most {ATTACHMENT_SIZE_LIMIT // (1024 * 1024)} MiB a file",
    f"Slash command text options: at most {STRING_OPTION_MAX:,} characters",
    "Every click, command and form is answered within 3 seconds, or it fails",
    "Request bodies checked against Discord's published OpenAPI schema (400, code 50035)",
)


def file_url(url: str) -> str:
    """An emulator attachment URL as the page's ``/files/<id>/<name>``; others unchanged."""
    match = _FILE_URL.match(url)
    return f"/files/{match.group(1)}/{match.group(2)}" if match else url


def _local_urls(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _local_urls(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_local_urls(v) for v in node]
    if isinstance(node, str) and "/attachments/" in node:
        return file_url(node)
    return node


def message_for(message: JSON, viewer: Member) -> JSON | None:
    """``message`` as ``viewer`` sees it: ``None`` for someone else's ephemeral message, a
    tombstone ``{"id", "deleted"}`` for a deleted one."""
    if message.get("ephemeral") and message.get("ephemeral_for") != viewer.id:
        return None
    if message.get("deleted"):
        return {"id": message["id"], "channel_id": message["channel_id"], "deleted": True}
    shown: JSON = _local_urls({k: v for k, v in message.items() if k not in _HIDDEN})
    return shown


def channels(emu: DiscordEmulator, viewer: Member) -> list[JSON]:
    """The guild's text channel and the threads ``viewer`` sees (``parent_id``, archived,
    private): a private thread only to its members, as on Discord."""
    main: JSON = {"id": str(emu.channel_id), "name": emu.channel_name, "parent_id": None}
    out = [main]
    for thread in emu.threads:
        private = thread.get("type") == PRIVATE_THREAD
        if private and viewer.id not in emu.thread_members(thread["id"]):
            continue
        meta = thread.get("thread_metadata") or {}
        out.append(
            {
                "id": thread["id"],
                "name": thread["name"],
                "parent_id": thread.get("parent_id"),
                "archived": bool(meta.get("archived")),
                "private": private,
            }
        )
    return out


def commands_for(emu: DiscordEmulator, member: Member) -> list[JSON]:
    """The synced command tree as ``member`` sees it: commands whose
    ``default_member_permissions`` they lack are hidden, as Discord hides them."""
    shown = []
    for command in emu.commands:
        needed = command.get("default_member_permissions")
        if needed is not None and not member.permissions & ADMINISTRATOR:
            if member.permissions & int(needed) != int(needed):
                continue
        if command.get("type", 1) == 1:
            shown.append(command)
    return shown


def member_entry(member: Member, moderator: bool) -> JSON:
    """A member of the cast as the member list shows them."""
    return {"id": str(member.id), "name": member.name, "moderator": moderator}


def limits() -> list[JSON]:
    """The limits panel: Discord's (what the emulator enforces) and Seedance's in the words
    ``/help`` uses (the preview provider keeps the default table, ``bot/seedance/limits``)."""
    english = Words.english()
    return [
        {"title": "Discord (enforced here as on Discord)", "items": list(DISCORD_LIMITS)},
        {
            "title": "Seedance 2.0 (checked by Callsheet)",
            "items": [english.text(phrase) for phrase in limits_in_words(DEFAULT_LIMITS)],
        },
    ]
