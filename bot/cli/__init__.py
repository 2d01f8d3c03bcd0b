"""The operator command line: the same pipeline as the bot, without Discord.

``python -m bot render --ref FILE:ROLE … --prompt "…" -o out.mp4`` takes each file through
intake (probe, then every limit of the chosen provider's profile), gives it the role after
the colon, compiles the session for the provider's dialect, prints the compiled request
(entry mode and why, model, the prompt exactly as the provider receives it, the ordered
asset lists, output settings, lints) with its price, then submits it, polls it and
downloads the result. ``--dry-run`` stops after printing and writes nothing.

``python -m bot check-key [--provider NAME]`` makes one cheap authenticated call to the
provider and prints OK or the mapped error. Keys are never printed.

``python -m bot media-keys`` (``ASSET_HOST=s3``) keeps the files that rows from before
media keys name by path in the bucket by key, so workers elsewhere read them
(:mod:`bot.cli.media_keys`).

Settings come from the environment and ``.env`` (:class:`bot.settings.Settings`); the CLI
does not need ``DISCORD_TOKEN`` (a placeholder stands in for it).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import SecretStr, ValidationError

from bot.cli.check_key import check_key
from bot.cli.common import EXIT_FAILED, EXIT_OK, EXIT_REFUSED, CliError
from bot.cli.render import (
    DEFAULT_TIMEOUT_S,
    RefSpec,
    describe_request,
    intake,
    parse_ref,
    render,
    run_request,
)
from bot.settings import Settings, describe_error

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_REFUSED",
    "CliError",
    "RefSpec",
    "amain",
    "build_parser",
    "check_key",
    "describe_request",
    "intake",
    "load_settings",
    "main",
    "parse_ref",
    "render",
    "run_request",
]

PLACEHOLDER_TOKEN = "cli-placeholder-token-not-used"


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m bot`` command-line parser (``render``, ``check-key`` and
    ``media-keys``)."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Callsheet operator tools (run without arguments to start the bot).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    render_command = commands.add_parser(
        "render", help="compile and run one generation without Discord"
    )
    render_command.add_argument(
        "--ref",
        action="append",
        default=[],
        type=parse_ref,
        metavar="FILE:ROLE",
        help="a reference file and its role (repeatable; order gives the tag numbers)",
    )
    render_command.add_argument("--prompt", default="", help="the prompt, with @image1-style tags")
    render_command.add_argument(
        "--provider", help="provider name (default: PROVIDER or the first keyed)"
    )
    render_command.add_argument("--duration", type=int, metavar="S", help="clip length in seconds")
    render_command.add_argument("--ratio", default="16:9", help="aspect ratio (default 16:9)")
    render_command.add_argument("--resolution", choices=("480p", "720p"), help="output resolution")
    render_command.add_argument(
        "--model", choices=("standard", "fast"), help="Seedance 2.0 or Fast"
    )
    render_command.add_argument("--no-audio", action="store_true", help="no generated sound track")
    render_command.add_argument("--yes", action="store_true", help="run without asking to confirm")
    render_command.add_argument(
        "--dry-run", action="store_true", help="print the request and price; write nothing"
    )
    render_command.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="S", help="give up after S s"
    )
    render_command.add_argument("-o", "--output", type=Path, help="where to write the MP4")

    commands.add_parser(
        "media-keys",
        help="with ASSET_HOST=s3, move files that rows name by path into the bucket by key",
    )
    check_command = commands.add_parser("check-key", help="check the provider's API key")
    check_command.add_argument(
        "--provider", help="provider name (default: PROVIDER or the first keyed)"
    )
    return parser


def load_settings() -> Settings:
    """Settings from the environment and ``.env``; ``DISCORD_TOKEN`` is not required.

    Raises:
        CliError: another setting is invalid.
    """
    try:
        return Settings(discord_token=SecretStr(PLACEHOLDER_TOKEN))
    except ValidationError as error:
        raise CliError(describe_error(error)) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run one CLI command; return the process exit code."""
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    return asyncio.run(_dispatch(args))


async def amain(argv: Sequence[str]) -> int:
    """:func:`main` for callers already inside an event loop."""
    return await _dispatch(build_parser().parse_args(list(argv)))


async def _dispatch(args: argparse.Namespace) -> int:
    out, err = sys.stdout, sys.stderr
    try:
        settings = load_settings()
        if args.command == "render":
            return await render(args, settings, out=out, err=err)
        if args.command == "media-keys":  # imported here: its S3 client is slow to import
            from bot.cli.media_keys import media_keys

            return await media_keys(settings, out=out)
        return await check_key(args.provider, settings, out=out)
    except CliError as exc:
        print(str(exc), file=err)
        return exc.code
