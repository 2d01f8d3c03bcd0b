"""``python -m bot playground [--port N] [--no-browser] [--data-dir DIR]``.

Starts the stage (:mod:`bot.playground.stage`: the emulator and the real bot process) and
the page (:mod:`bot.playground.web`) on 127.0.0.1 only, prints the page's URL, opens it in
the browser when there is one (``--no-browser``: don't), and runs until Ctrl-C or SIGTERM.
The data (database, uploads, results) goes to a throwaway folder removed on exit, unless
``--data-dir`` names one to keep. ``--port 0`` takes any free port.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import tempfile
import webbrowser
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from aiohttp import web

from bot.playground.stage import HOST, PlaygroundError, Stage
from bot.playground.web import Page

DEFAULT_PORT = 8760
EXIT_OK = 0
EXIT_FAILED = 1


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """The playground's arguments (``argv`` without the leading ``playground``)."""
    parser = argparse.ArgumentParser(
        prog="python -m bot playground",
        description="Try Callsheet in a local Discord-like page: the real bot, no Discord "
        "account, everything on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="the page's port")
    parser.add_argument("--no-browser", action="store_true", help="only print the URL")
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="keep the data here (default: a temp folder)"
    )
    return parser.parse_args(list(argv))


@contextlib.asynccontextmanager
async def playground(data_dir: Path, port: int = 0) -> AsyncIterator[tuple[Stage, str]]:
    """The stage and the page on 127.0.0.1:``port`` (0: any free port), while in the
    block; yields the stage and the page's URL. Raises :class:`PlaygroundError` when the
    bot does not come up, ``OSError`` when the port is taken."""
    async with Stage(data_dir) as stage:
        runner = web.AppRunner(Page(stage).app(), access_log=None, shutdown_timeout=1)
        await runner.setup()
        try:
            await web.TCPSite(runner, HOST, port).start()
            yield stage, f"http://{HOST}:{runner.addresses[0][1]}/"
        finally:
            await runner.cleanup()


async def serve(data_dir: Path, port: int, browser: bool) -> None:
    """Run the stage and the page until SIGINT or SIGTERM."""
    print("Starting the Discord emulator and the bot…", flush=True)
    async with playground(data_dir, port) as (stage, url):
        print(f"Callsheet playground: {url}  (data: {data_dir}; Ctrl-C stops)", flush=True)
        if browser:
            await asyncio.to_thread(webbrowser.open, url)
        if await _until_stopped(stage):
            raise PlaygroundError(f"the bot stopped; its log: {stage.log_path}\n{stage.log_tail()}")


async def _until_stopped(stage: Stage) -> bool:
    """Wait for SIGINT/SIGTERM (False) or the bot process ending on its own (True)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    stopped = asyncio.ensure_future(stop.wait())
    ended = asyncio.ensure_future(stage.wait_bot())
    done, pending = await asyncio.wait({stopped, ended}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    return ended in done


def main(argv: Sequence[str]) -> int:
    """Run the playground; return the process exit code."""
    args = parse(argv)
    with contextlib.ExitStack() as stack:
        if args.data_dir is None:
            data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="callsheet-")))
        else:
            data_dir = args.data_dir.resolve()
            data_dir.mkdir(parents=True, exist_ok=True)
        try:
            asyncio.run(serve(data_dir, args.port, not args.no_browser))
        except PlaygroundError as error:
            print(f"The playground stopped: {error}", file=sys.stderr)
            return EXIT_FAILED
        except OSError as error:
            print(f"The playground cannot start: {error}", file=sys.stderr)
            return EXIT_FAILED
    return EXIT_OK
