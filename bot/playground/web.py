"""The playground's page and the small JSON API behind it (aiohttp, loopback only).

``GET /`` is the page (``static/``: plain HTML, JS and CSS, no build step); ``/api/events``
streams what changes (server-sent events); the POST routes play the chosen member through
the emulator's driver (a slash command, a plain message with files, a button, a select, a
modal), which holds them to what a Discord client may send. What the driver refuses comes
back as ``{"error": …}`` with status 400; an interaction the bot does not answer within
Discord's 3 s reads as Discord's "The application did not respond".
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.playground import view
from bot.playground.stage import Stage
from discord_emulator import DiscordHTTPError, EmuInteraction, InteractionTimeout, Member

JSON = dict[str, Any]
STATIC = Path(__file__).with_name("static")
MAX_BODY_BYTES = 64 * 1024 * 1024  # the emulator itself refuses files over 10 MiB (413)
ANSWER_WAIT_S = 4.0  # Discord's 3 s deadline, plus the emulator's own bookkeeping
NOT_ANSWERED = "The application did not respond"
#: what a member may do wrong that the emulator's driver refuses, as a client would
REFUSALS = (DiscordHTTPError, LookupError, ValueError, TypeError, PermissionError)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(text: str, status: int = 400) -> web.Response:
    return web.json_response({"error": text}, status=status)


@web.middleware
async def _refusals(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except InteractionTimeout:
        return _error(NOT_ANSWERED, 504)
    except REFUSALS as error:
        message = error.message if isinstance(error, DiscordHTTPError) else str(error)
        return _error(message.strip("'\""))


class Page:
    """The page's routes over one :class:`Stage`."""

    def __init__(self, stage: Stage) -> None:
        self.stage = stage
        self.uploads = stage.data_dir / "uploads"
        self._openers: dict[str, EmuInteraction] = {}

    def app(self) -> web.Application:
        """The aiohttp application serving the page and its API."""
        app = web.Application(middlewares=[_refusals], client_max_size=MAX_BODY_BYTES)
        r = app.router
        r.add_get("/", self._index)
        r.add_static("/static", STATIC)
        r.add_get("/api/state", self._state)
        r.add_get("/api/events", self._events)
        r.add_post("/api/command", self._command)
        r.add_post("/api/message", self._message)
        r.add_post("/api/click", self._click)
        r.add_post("/api/select", self._select)
        r.add_post("/api/modal", self._modal)
        r.add_get("/files/{att:\\d+}/{name}", self._file)
        return app

    # ------------------------------------------------------------------ reading

    def _member(self, ident: object) -> Member:
        for member in self.stage.cast:
            if str(member.id) == str(ident):
                return member
        raise LookupError(f"no member {ident}")

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / "index.html")

    async def _state(self, request: web.Request) -> web.Response:
        me = self._member(request.query.get("member", self.stage.member.id))
        emu = self.stage.emu
        return web.json_response(
            {
                "guild": emu.guild_name,
                "bot": emu.bot_member.name,
                "bot_id": str(emu.bot_user_id),
                "members": [
                    view.member_entry(m, m is self.stage.moderator) for m in self.stage.cast
                ],
                "me": str(me.id),
                "channels": view.channels(emu, me),
                "commands": view.commands_for(emu, me),
                "limits": view.limits(),
            }
        )

    async def _events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events for one member: ``snapshot`` (every message they see, the
        channels), then ``change`` whenever messages are posted, edited or deleted."""
        me = self._member(request.query.get("member"))
        emu = self.stage.emu
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        seen = emu.change_count
        shown = [view.message_for(m, me) for m in emu.messages]
        try:
            await self._send(response, me, "snapshot", [m for m in shown if m])
            while True:
                seen, messages = await emu.wait_changes(seen)
                changed = [view.message_for(m, me) for m in messages]
                await self._send(response, me, "change", [m for m in changed if m])
        except ConnectionResetError:  # the page was closed or switched member
            return response

    async def _send(
        self, response: web.StreamResponse, me: Member, event: str, messages: list[JSON]
    ) -> None:
        data = {"messages": messages, "channels": view.channels(self.stage.emu, me)}
        await response.write(f"event: {event}\ndata: {json.dumps(data)}\n\n".encode())

    async def _file(self, request: web.Request) -> web.StreamResponse:
        try:
            path = self.stage.emu.attachment_path({"id": request.match_info["att"]})
        except KeyError:
            raise web.HTTPNotFound() from None
        if path.name != request.match_info["name"]:
            raise web.HTTPNotFound()
        return web.FileResponse(path)

    # ------------------------------------------------------------------ playing a member

    async def _form(self, request: web.Request) -> tuple[JSON, dict[str, Path]]:
        """A multipart post: its ``payload`` JSON and its files, saved under uploads/."""
        form = await request.post()
        payload: JSON = json.loads(str(form.get("payload") or "{}"))
        files: dict[str, Path] = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):
                name = Path(value.filename or "").name or "file"
                path = self.uploads / secrets.token_hex(8) / name
                path.parent.mkdir(parents=True, exist_ok=True)
                await asyncio.to_thread(path.write_bytes, value.file.read())
                files[key] = path
        return payload, files

    async def _answer(self, ix: EmuInteraction) -> web.Response:
        """What the page does next: open the modal the bot answered with, or nothing."""
        response = await ix.wait_response(ANSWER_WAIT_S)
        if response["type"] == 9 and ix.modal is not None:
            self._openers[str(ix.id)] = ix
            return web.json_response({"modal": ix.modal, "interaction": str(ix.id)})
        return web.json_response({"ok": True})

    async def _command(self, request: web.Request) -> web.Response:
        """``payload``: member, channel, name, subcommand ("new" or "group sub"), options
        (typed as the command's schema says); files ``option:<name>`` fill attachment
        options."""
        payload, files = await self._form(request)
        attachments = {k.removeprefix("option:"): p for k, p in files.items()}
        ix = await self.stage.emu.slash_command(
            self._member(payload.get("member")),
            str(payload.get("name", "")),
            subcommand=payload.get("subcommand") or None,
            options=payload.get("options") or {},
            attachments=attachments,
            channel_id=int(payload.get("channel") or self.stage.emu.channel_id),
        )
        return await self._answer(ix)

    async def _message(self, request: web.Request) -> web.Response:
        """``payload``: member, channel, content; every file is attached."""
        payload, files = await self._form(request)
        message = await self.stage.emu.post_message(
            self._member(payload.get("member")),
            str(payload.get("content") or ""),
            list(files.values()),
            channel_id=int(payload.get("channel") or self.stage.emu.channel_id),
        )
        return web.json_response({"ok": True, "id": message["id"]})

    async def _click(self, request: web.Request) -> web.Response:
        body: JSON = await request.json()
        emu = self.stage.emu
        message = emu.message(body["message"])
        ix = await emu.click_button(self._member(body.get("member")), message, body["custom_id"])
        return await self._answer(ix)

    async def _select(self, request: web.Request) -> web.Response:
        body: JSON = await request.json()
        emu = self.stage.emu
        message = emu.message(body["message"])
        member = self._member(body.get("member"))
        ix = await emu.choose(member, message, body["custom_id"], list(body.get("values", [])))
        return await self._answer(ix)

    async def _modal(self, request: web.Request) -> web.Response:
        body: JSON = await request.json()
        opener = self._openers.get(str(body.get("interaction")))
        if opener is None:
            raise LookupError("this form is no longer open")
        member = self._member(body.get("member"))
        ix = await self.stage.emu.submit_modal(member, opener, dict(body.get("values", {})))
        return await self._answer(ix)
