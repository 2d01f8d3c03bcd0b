"""``python -m bot``: run Callsheet (``python -m bot render …`` / ``check-key`` run the
operator command line instead, see :mod:`bot.cli`).

The composition root: it reads settings (failing fast with a readable message when the
token or another setting is missing), sets up logging and runs the Discord client. It is
the only module under ``bot/`` that reaches the Discord layer (``cogs``).
"""

from __future__ import annotations

import sys

from pydantic import ValidationError

from bot.settings import Settings, describe_error


def main() -> int:
    """Run the bot until it is stopped; return the process exit code."""
    if sys.argv[1:2] in (["render"], ["check-key"]):
        from bot.cli import main as cli_main

        return cli_main(sys.argv[1:])
    try:
        settings = Settings()  # fields come from the environment
    except ValidationError as error:
        print(describe_error(error), file=sys.stderr)
        return 2

    import logging

    import discord

    from cogs.client import CallsheetBot

    discord.utils.setup_logging(level=logging.getLevelNamesMapping()[settings.log_level])
    from bot.errors import CallsheetError

    bot = CallsheetBot(settings)
    try:
        bot.run(settings.discord_token.get_secret_value(), log_handler=None)
    except CallsheetError as error:
        print(f"Callsheet cannot start: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
