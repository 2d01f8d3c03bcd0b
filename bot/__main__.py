"""``python -m bot``: run Callsheet (``python -m bot render …`` / ``check-key`` /
``media-keys`` run the operator command line instead, see :mod:`bot.cli`; ``python -m bot
playground`` runs it against a local Discord stand-in, see :mod:`bot.playground`;
``python -m bot worker`` runs jobs only, without a gateway connection, see
:func:`cogs.client.run_worker`).

The composition root: it reads settings (failing fast with a readable message when the
token or another setting is missing), makes what it writes private (umask 077), sets up
logging and runs the Discord client. It is
the only module under ``bot/`` that reaches the Discord layer (``cogs``).
"""

from __future__ import annotations

import os
import sys

from pydantic import ValidationError

from bot.settings import Settings, describe_error

PRIVATE_UMASK = 0o077  # every file and folder the process makes is its user's alone


def main() -> int:
    """Run the bot until it is stopped; return the process exit code.

    First of all the process takes the umask 077, so members' uploads, results, reports and
    the database (and anything a library writes) are created readable by the bot's user
    only (folders 0700, files 0600)."""
    os.umask(PRIVATE_UMASK)
    if sys.argv[1:2] in (["render"], ["check-key"], ["media-keys"]):
        from bot.cli import main as cli_main

        return cli_main(sys.argv[1:])
    if sys.argv[1:2] == ["playground"]:
        from bot.playground import main as playground_main

        return playground_main(sys.argv[2:])
    try:
        settings = Settings()  # fields come from the environment
    except ValidationError as error:
        print(describe_error(error), file=sys.stderr)
        return 2

    import logging

    import discord

    from bot.logcontext import IdsFilter, set_process
    from cogs.client import CallsheetBot

    handler = logging.StreamHandler()
    handler.addFilter(IdsFilter())  # shard, guild, session and job ids on every line
    formatter = logging.Formatter(
        "[{asctime}] [{levelname:<8}] {name}: {message}{ids}", "%Y-%m-%d %H:%M:%S", style="{"
    )
    discord.utils.setup_logging(
        handler=handler,
        formatter=formatter,
        level=logging.getLevelNamesMapping()[settings.log_level],
    )
    if settings.shard_id is not None:
        set_process(f"shard={settings.shard_id}")
    from bot.errors import CallsheetError

    if sys.argv[1:2] == ["worker"]:
        import asyncio
        import socket

        from cogs.client import run_worker

        name = settings.worker_id or socket.gethostname()  # a container's, kept on restart
        settings = settings.model_copy(update={"worker_id": name})
        set_process(f"worker={name}")
        try:
            asyncio.run(run_worker(settings))
        except CallsheetError as error:
            print(f"Callsheet cannot start: {error}", file=sys.stderr)
            return 2
        return 0
    bot = CallsheetBot(settings)
    try:
        bot.run(settings.discord_token.get_secret_value(), log_handler=None)
    except CallsheetError as error:
        print(f"Callsheet cannot start: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
