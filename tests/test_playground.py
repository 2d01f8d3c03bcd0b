"""``python -m bot playground`` driven in a real browser: Debian's Chromium through
Playwright's Python API (never ``playwright install``), against the real bot process in
the emulator. A member opens a session with a real picture and sound, picks their roles,
writes the prompt in the modal, generates and watches the delivered video play; then the
moderator runs ``/admin usage`` and sees the chart. Screenshots of the card and the result
go to ``$PLAYGROUND_SCREENSHOTS`` (default: the test's temp folder)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import mimetypes
import os
import shutil
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import BrowserContext, Page, async_playwright

from bot.media.probe import probe
from bot.playground import playground
from bot.settings import Settings

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PROMPT = "@image1 drifts across a warm café table while @audio1 keeps the beat — «ok» <b>&"
STEP_MS = 30_000
RENDER_MS = 240_000  # the preview renders on the shared machine's worker pool


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[BrowserContext]:
    """Chromium from Debian (``apt-get install chromium``), a fresh profile. Skipped, with
    the reason, where it is not installed; never on CI (``.ci/run`` installs it)."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing on CI: .ci/run installs it")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    async with async_playwright() as driver:
        context = await driver.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=ARGS,
            viewport={"width": 1440, "height": 1000},
        )
        try:
            yield context
        finally:
            await context.close()


def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("PLAYGROUND_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def command(page: Page, path: str) -> None:
    """Type ``/path`` and take it from the autocomplete."""
    await page.locator("#composer").press_sequentially(f"/{path}")
    await page.locator(f'.suggestion[data-command="{path}"]').click()


async def test_a_member_makes_a_video_and_the_moderator_sees_usage(
    tmp_path: Path, media: Path, browser: BrowserContext
) -> None:
    async with playground(tmp_path / "data") as (stage, url):
        page = browser.pages[0] if browser.pages else await browser.new_page()
        page.set_default_timeout(STEP_MS)
        await page.goto(url)
        await page.wait_for_selector("body[data-ready='1']")
        await page.wait_for_selector('#member-list li.active[data-member="alice"]')
        limits = await page.locator("#limit-list").inner_text()
        assert "Uploads: at most 10 MiB a file" in limits  # the emulator's, as Discord's
        assert "Videos of 4–15 s" in limits  # Seedance's, in /help's words

        # /video new from the autocomplete, a real picture and sound in its file options
        await command(page, "video new")
        assert await page.locator('[data-option-box="asset1"]').count() == 1
        await page.locator('input[data-option="asset1"]').set_input_files(
            media / "images" / "coffee.png"
        )
        await page.locator('input[data-option="asset2"]').set_input_files(
            media / "audio" / "loop_tabla.mp3"
        )
        await page.locator("#send").click()
        card = page.locator(".message", has=page.locator('button[data-custom-id$=":generate"]'))
        await card.wait_for()
        assert await card.locator(".embed").count() >= 1
        assert await card.locator(".used").inner_text() == "Alice used /video new"

        # the session's thread: a role select per file
        await page.locator("#channel-list li.thread").first.click()
        for file, role in (("coffee.png", "character"), ("loop_tabla.mp3", "background music")):
            question = page.locator(".message", has_text=file).last
            await question.locator("select").select_option(label=role)
            await page.get_by_text(f"{file}: {role} ✓").wait_for()

        # back in the channel: the Prompt modal, then Generate and its price
        await page.locator(f'#channel-list li[data-channel="{stage.emu.channel_id}"]').click()
        await card.locator('button[data-custom-id$=":prompt"]').click()
        modal = page.locator("#modal")
        await modal.wait_for()
        await modal.locator("textarea, input").first.fill(PROMPT)
        await page.locator("#modal-submit").click()
        await modal.wait_for(state="hidden")
        await card.get_by_text("drifts across a warm café table").wait_for()
        await card.locator('button[data-custom-id$=":generate"]').click()
        price = page.locator(
            ".message.ephemeral", has=page.locator('button[data-custom-id$=":confirm"]')
        )
        await price.wait_for()
        assert "Only you can see this" in await price.locator(".ephemeral-note").inner_text()
        await card.screenshot(path=shots(tmp_path) / "playground-card.png")
        await price.locator('button[data-custom-id$=":confirm"]').click()

        # the delivered video plays, as long as the session asked
        video = page.locator(".message video").last
        await video.wait_for(timeout=RENDER_MS)
        duration = await video.evaluate(
            """v => v.readyState >= 1 ? v.duration : new Promise(ok =>
                   v.addEventListener('loadedmetadata', () => ok(v.duration)))"""
        )
        name = await video.get_attribute("data-filename")
        delivered = next(
            a for m in stage.emu.messages for a in m["attachments"] if a["filename"] == name
        )
        on_disk = probe(stage.emu.attachment_path(delivered)).duration_s
        expected = Settings.model_fields["default_duration_s"].default
        assert on_disk is not None and abs(on_disk - expected) < 0.25
        assert abs(duration - on_disk) < 0.1
        await video.evaluate("v => { v.muted = true; return v.play(); }")
        handle = await video.element_handle()
        await page.wait_for_function("v => v.currentTime > 0.5 && !v.paused", arg=handle)
        result = page.locator(".message", has=page.locator("video")).last
        await result.scroll_into_view_if_needed()
        await result.screenshot(path=shots(tmp_path) / "playground-result.png")
        await page.screenshot(path=shots(tmp_path) / "playground-page.png")
        assert await page.locator("#messages b").count() == 0  # the prompt's "<b>" is text

        # the moderator: /admin usage and its chart
        assert await page.locator('.suggestion[data-command="admin usage"]').count() == 0
        await page.locator('#member-list li[data-member="morgan"]').click()
        await page.wait_for_selector('#member-list li.active[data-member="morgan"]')
        await command(page, "admin usage")
        await page.locator("#send").click()
        chart = page.locator(".message.ephemeral img[src*='usage.png']")
        await chart.wait_for()
        width = await chart.evaluate(
            """i => i.complete ? i.naturalWidth
                   : new Promise(ok => i.onload = () => ok(i.naturalWidth))"""
        )
        assert width > 100
        await page.locator(
            ".message.ephemeral", has=page.locator("img[src*='usage.png']")
        ).screenshot(path=shots(tmp_path) / "playground-usage.png")
        assert stage.emu.rejected == [] and stage.emu.unhandled == []


async def drop(
    page: Page, target: str, files: list[Path], blank: tuple[str, int] | None = None
) -> None:
    """Drop ``files`` (and a ``blank`` file of that name and size) on ``target``, as a
    drag from the desktop does."""
    payload = [
        {
            "name": path.name,
            "data": base64.b64encode(path.read_bytes()).decode(),
            "type": mimetypes.guess_type(path.name)[0] or "",
        }
        for path in files
    ]
    transfer = await page.evaluate_handle(
        """([files, blank]) => {
            const dt = new DataTransfer();
            for (const f of files) {
                const bytes = Uint8Array.from(atob(f.data), c => c.charCodeAt(0));
                dt.items.add(new File([bytes], f.name, {type: f.type}));
            }
            if (blank) dt.items.add(new File([new Uint8Array(blank[1])], blank[0]));
            return dt;
        }""",
        [payload, list(blank) if blank else None],
    )
    await page.dispatch_event(target, "drop", {"dataTransfer": transfer})


async def test_files_dropped_in_the_thread_join_the_session_and_refusals_are_shown(
    tmp_path: Path, media: Path, browser: BrowserContext
) -> None:
    async with playground(tmp_path / "data") as (stage, url):
        page = browser.pages[0] if browser.pages else await browser.new_page()
        page.set_default_timeout(STEP_MS)
        await page.goto(url)
        await page.wait_for_selector("body[data-ready='1']")
        await command(page, "video new")
        await page.locator("#composer").press("Enter")  # no options: sent as it is
        await page.locator('.message button[data-custom-id$=":generate"]').wait_for()
        await page.locator("#channel-list li.thread").first.click()

        # a picture dropped on the conversation is posted there, and the bot asks its role
        await drop(page, "#messages", [media / "images" / "rocket.jpg"])
        assert await page.locator("#pending-files").inner_text() == "📎 rocket.jpg"
        await page.locator("#send").click()
        posted = page.locator(".message", has=page.locator('img[data-filename="rocket.jpg"]'))
        await posted.wait_for()
        question = page.locator(".message", has=page.locator('select[data-custom-id^="cs:role:"]'))
        await question.wait_for()
        assert "rocket.jpg" in await question.inner_text()

        # Discord refuses a file over 10 MiB: the page says so and nothing is posted
        before = len(stage.emu.messages)
        await drop(page, "#messages", [], blank=("huge.png", 10 * 1024 * 1024 + 1))
        await page.locator("#send").click()
        await page.locator("#toast", has_text="Request entity too large").wait_for()
        assert len(stage.emu.messages) == before

        # what the page's API refuses, in words
        from aiohttp import ClientSession

        async with ClientSession() as http:
            who = str(stage.member.id)
            async with http.post(f"{url}api/modal", json={"member": who, "interaction": "1"}) as r:
                assert r.status == 400
                assert (await r.json())["error"] == "this form is no longer open"
            body = {"member": "42", "message": posted_id(stage), "custom_id": "x"}
            async with http.post(f"{url}api/click", json=body) as r:
                assert r.status == 400 and (await r.json())["error"] == "no member 42"
            async with http.get(f"{url}files/1/nothing.png") as r:
                assert r.status == 404


async def test_a_private_session_thread_is_listed_only_for_its_members(
    tmp_path: Path, browser: BrowserContext
) -> None:
    """The moderator picks private threads from a command option's choices; the member's
    session thread then shows in their channel list (locked) and not in the moderator's."""
    async with playground(tmp_path / "data") as (_, url):
        page = browser.pages[0] if browser.pages else await browser.new_page()
        page.set_default_timeout(STEP_MS)
        await page.goto(url)
        await page.wait_for_selector("body[data-ready='1']")
        await page.locator('#member-list li[data-member="morgan"]').click()
        await page.wait_for_selector('#member-list li.active[data-member="morgan"]')
        await command(page, "admin config set")
        await page.locator('select[data-option="session_threads"]').select_option('"private"')
        await page.locator("#send").click()
        await page.locator(".message.ephemeral").wait_for()

        await page.locator('#member-list li[data-member="alice"]').click()
        await page.wait_for_selector('#member-list li.active[data-member="alice"]')
        await command(page, "video new")
        await page.locator("#send").click()
        await page.locator('.message button[data-custom-id$=":generate"]').wait_for()
        thread = page.locator("#channel-list li.thread")
        await thread.wait_for()
        assert (await thread.inner_text()).startswith("🔒")

        await page.locator('#member-list li[data-member="morgan"]').click()
        await page.wait_for_selector('#member-list li.active[data-member="morgan"]')
        await page.locator("#channel-list li").first.wait_for()
        assert await page.locator("#channel-list li").count() == 1  # #general alone


def posted_id(stage: Any) -> str:
    """The id of the newest message a member posted."""
    return str(next(m["id"] for m in reversed(stage.emu.messages) if not m["author"].get("bot")))


async def started(tmp_path: Path, *args: str, **env: str) -> tuple[asyncio.subprocess.Process, str]:
    """``python -m bot playground --no-browser --port 0 *args`` started in ``tmp_path``
    (``env`` added to its environment, no ``DISCORD_*``); the process and the line where it
    says its URL."""
    environ = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), **env}
    environ = {k: v for k, v in environ.items() if not k.startswith("DISCORD_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "playground", "--no-browser", "--port", "0", *args,
        cwd=tmp_path, env=environ, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    line = b""
    async with asyncio.timeout(200):
        while b"Callsheet playground: " not in line:
            line = await process.stdout.readline()
            assert line, (await process.stderr.read()).decode() if process.stderr else ""
    return process, line.decode()


async def test_the_command_prints_its_url_and_serves_only_loopback(tmp_path: Path) -> None:
    """``python -m bot playground --no-browser --port 0``: the URL on 127.0.0.1, the page
    behind it, and a clean stop on SIGTERM."""
    process, line = await started(tmp_path, "--data-dir", str(tmp_path / "data"))
    try:
        url = line.split("Callsheet playground: ")[1].split()[0]
        assert url.startswith("http://127.0.0.1:")
        from aiohttp import ClientSession

        async with ClientSession() as http, http.get(url) as response:
            assert response.status == 200 and "Callsheet playground" in await response.text()
    finally:
        process.terminate()
        assert await asyncio.wait_for(process.wait(), 60) == 0
    assert (tmp_path / "data" / "bot" / "callsheet.sqlite3").exists()


def _listening(pid: int) -> list[tuple[str, int]]:
    """The TCP sockets listening in process ``pid`` and its descendants, as (host, port),
    read from ``/proc`` (Linux)."""
    pids, seen = [pid], set()
    while pids:
        current = pids.pop()
        seen.add(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            pids.extend(int(child) for child in task.read_text().split())
    inodes = set()
    for current in seen:
        for fd in Path(f"/proc/{current}/fd").iterdir():
            with contextlib.suppress(OSError):
                link = os.readlink(fd)
                if link.startswith("socket:["):
                    inodes.add(link[len("socket:[") : -1])
    found = []
    for table, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        for row in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = row.split()
            if fields[3] != "0A" or fields[9] not in inodes:  # 0A: LISTEN
                continue
            address, port = fields[1].split(":")
            raw = b"".join(
                bytes.fromhex(address[i : i + 8])[::-1] for i in range(0, len(address), 8)
            )
            found.append((socket.inet_ntop(family, raw), int(port, 16)))
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").is_file(), reason="reads /proc (Linux)")
async def test_by_default_the_data_is_thrown_away_and_nothing_listens_beyond_loopback(
    tmp_path: Path,
) -> None:
    """Without ``--data-dir`` the data goes to a temporary folder removed on exit; while it
    runs, every socket the playground and its bot process listen on is on 127.0.0.1."""
    process, text = await started(tmp_path, TMPDIR=str(tmp_path))  # the throwaway folder's
    try:
        port = int(text.split("http://127.0.0.1:")[1].split("/")[0])
        data = Path(text.split("(data: ")[1].split(";")[0])
        assert data.parent == tmp_path and data.name.startswith("callsheet-")
        assert (data / "bot" / "callsheet.sqlite3").is_file()
        listening = _listening(process.pid)
        assert ("127.0.0.1", port) in listening  # the page
        assert len(listening) >= 2  # and the emulator
        assert {host for host, _ in listening} == {"127.0.0.1"}, listening
    finally:
        process.terminate()
        assert await asyncio.wait_for(process.wait(), 60) == 0
    assert not data.exists()


async def test_a_taken_port_is_refused_readably(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "playground", "--no-browser", "--port", str(port),
            cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, stderr = await asyncio.wait_for(process.communicate(), 200)
    assert process.returncode == 1
    text = stderr.decode()
    assert text.startswith("The playground cannot start:") and "Traceback" not in text
