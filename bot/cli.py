"""The operator command line: the same pipeline as the bot, without Discord.

``python -m bot render --ref FILE:ROLE … --prompt "…" -o out.mp4`` takes each file through
intake (probe, then every limit of the chosen provider's profile), gives it the role after
the colon, compiles the session for the provider's dialect, prints the compiled request
(entry mode and why, model, the prompt exactly as the provider receives it, the ordered
asset lists, output settings, lints) with its price, then submits it, polls it and
downloads the result. ``--dry-run`` stops after printing and writes nothing.

``python -m bot check-key [--provider NAME]`` makes one cheap authenticated call to the
provider and prints OK or the mapped error. Keys are never printed.

Settings come from the environment and ``.env`` (:class:`bot.settings.Settings`); the CLI
does not need ``DISCORD_TOKEN`` (a placeholder stands in for it).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import aiohttp
from pydantic import SecretStr, ValidationError

from bot.credits.pricing import price
from bot.errors import AssetRejected, CallsheetError, RequestInvalid
from bot.guilds.config import MODEL_LABELS, Prices
from bot.hosting.signed import AssetServer
from bot.media.intake import probe_upload
from bot.providers.base import Provider, ProviderError
from bot.providers.preview import PreviewProvider
from bot.seedance.checks import check_upload
from bot.seedance.compiler import MODE_LABELS, GenerationRequest, RequestAsset, compile_request
from bot.seedance.limits import AssetKind, Limits
from bot.seedance.lint import Lint, lint
from bot.seedance.roles import ROLES_BY_KEY, get_role, roles_for
from bot.seedance.session import Asset, Session
from bot.settings import Settings, describe_error

# Exit codes: 0 done, 1 the provider failed or the run was declined, 2 bad input/refused.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_REFUSED = 2

PLACEHOLDER_TOKEN = "cli-placeholder-token-not-used"
KEY_CHECK_TASK = "callsheet-key-check"
DEFAULT_TIMEOUT_S = 30 * 60


class CliError(Exception):
    """A refusal the CLI prints before exiting with ``code``."""

    def __init__(self, message: str, code: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class RefSpec:
    """One ``--ref FILE:ROLE`` argument."""

    path: Path
    role: str


def parse_ref(value: str) -> RefSpec:
    """``FILE:ROLE`` → :class:`RefSpec` (split at the last colon, so paths may hold colons).

    Raises:
        argparse.ArgumentTypeError: no colon, or an unknown role.
    """
    path, sep, role = value.rpartition(":")
    if not sep or not path or not role:
        raise argparse.ArgumentTypeError(f"expected FILE:ROLE, got {value!r}")
    role = role.strip().lower().replace("-", "_").replace(" ", "_")
    if role not in ROLES_BY_KEY:
        known = ", ".join(ROLES_BY_KEY)
        raise argparse.ArgumentTypeError(f"unknown role {role!r}; roles are: {known}")
    return RefSpec(Path(path).expanduser(), role)


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m bot`` command-line parser (``render`` and ``check-key``)."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Callsheet operator tools (run without arguments to start the bot).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    render = commands.add_parser("render", help="compile and run one generation without Discord")
    render.add_argument(
        "--ref",
        action="append",
        default=[],
        type=parse_ref,
        metavar="FILE:ROLE",
        help="a reference file and its role (repeatable; order gives the tag numbers)",
    )
    render.add_argument("--prompt", default="", help="the prompt, with @image1-style tags")
    render.add_argument("--provider", help="provider name (default: PROVIDER or the first keyed)")
    render.add_argument("--duration", type=int, metavar="S", help="clip length in seconds")
    render.add_argument("--ratio", default="16:9", help="aspect ratio (default 16:9)")
    render.add_argument("--resolution", choices=("480p", "720p"), help="output resolution")
    render.add_argument("--model", choices=("standard", "fast"), help="Seedance 2.0 or Fast")
    render.add_argument("--no-audio", action="store_true", help="no generated sound track")
    render.add_argument("--yes", action="store_true", help="run without asking to confirm")
    render.add_argument(
        "--dry-run", action="store_true", help="print the request and price; write nothing"
    )
    render.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="S", help="give up after S s"
    )
    render.add_argument("-o", "--output", type=Path, help="where to write the MP4")

    check = commands.add_parser("check-key", help="check the provider's API key")
    check.add_argument("--provider", help="provider name (default: PROVIDER or the first keyed)")
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
        return await check_key(args.provider, settings, out=out)
    except CliError as exc:
        print(str(exc), file=err)
        return exc.code


# -- render ---------------------------------------------------------------------------


async def render(args: argparse.Namespace, settings: Settings, *, out: TextIO, err: TextIO) -> int:
    """The ``render`` command.

    Raises:
        CliError: a refused file, an invalid session or an unconfigured provider.
    """
    if not args.dry_run and args.output is None:
        raise CliError("render: -o/--output is required (or pass --dry-run).")
    name = args.provider or settings.default_provider
    config = settings.default_guild_config()
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=300, sock_read=60)
    ) as http:
        provider, server = _provider(settings, http, name)
        limits = provider.profile.limits
        assets = intake(args.ref, limits)
        now = datetime.now(UTC)
        session = Session(
            id=0,
            guild_id=0,
            channel_id=0,
            user_id=0,
            state="open",
            prompt=args.prompt,
            duration_s=args.duration or config.default_duration_s,
            ratio=args.ratio,
            resolution=args.resolution or config.default_resolution,
            generate_audio=not args.no_audio,
            created_at=now,
            updated_at=now,
            model=args.model or config.default_model,
            assets=tuple(assets),
        )
        try:
            request = compile_request(session, provider.profile.dialect, limits)
        except RequestInvalid as exc:
            raise CliError(f"The request was refused:\n{exc}") from None
        lints = lint(session, request, limits)
        try:
            credits = price(request, config.prices)
        except CallsheetError as exc:
            raise CliError(str(exc)) from None
        print(describe_request(request, provider, lints, credits, config.prices), file=out)
        if args.dry_run:
            print("Dry run: nothing was submitted and nothing was written.", file=out)
            return EXIT_OK
        if name != "preview" and not args.yes and not _confirm(name, credits, err):
            print("Not submitted.", file=err)
            return EXIT_FAILED
        if server is not None:
            await server.start()
        try:
            staged = _stage(request, settings.data_dir) if name != "preview" else request
            return await run_request(
                provider, staged, args.output, timeout_s=args.timeout, out=out, err=err
            )
        finally:
            if server is not None:
                await server.close()


def intake(refs: Sequence[RefSpec], limits: Limits) -> list[Asset]:
    """Probe and check each reference file as the bot checks uploads, in order.

    Raises:
        CliError: a file is missing, unreadable, breaks a limit or has a role of another kind.
    """
    assets: list[Asset] = []
    ordinals: dict[str, int] = {}
    for number, ref in enumerate(refs, start=1):
        name = ref.path.name
        if not ref.path.is_file():
            raise CliError(f"{ref.path}: no such file.")
        try:
            info = probe_upload(ref.path, name)
            check_upload(info, assets, limits, name)
        except AssetRejected as exc:
            raise CliError(_plain(str(exc))) from None
        role = get_role(ref.role)
        if role.kind != info.kind:
            fits = ", ".join(r.key for r in roles_for(info.kind))
            raise CliError(
                f"{name} is {_a(info.kind)} {info.kind}, but {ref.role} is a role for "
                f"{role.kind}s. Roles for {info.kind}s: {fits}."
            )
        kind: AssetKind = info.kind
        ordinals[kind] = ordinals.get(kind, 0) + 1
        assets.append(
            Asset(
                id=number,
                session_id=0,
                kind=kind,
                ordinal=ordinals[kind],
                role=ref.role,
                path=ref.path.resolve(),
                filename=name,
                sha256=_sha256(ref.path),
                **info.asset_fields(),
            )
        )
    return assets


def describe_request(
    request: GenerationRequest,
    provider: Provider,
    lints: Sequence[Lint],
    credits: int,
    prices: Prices,
) -> str:
    """The compiled request as the operator reads it: everything the provider will get."""
    profile = provider.profile
    lines = [
        f"Provider:   {profile.name} ({profile.label}); prompt dialect: {request.dialect}",
        f"Entry mode: {MODE_LABELS[request.mode]} ({request.mode_reason})",
        f"Model:      {MODEL_LABELS.get(request.model, request.model)} ({request.model})",
        "Prompt (exactly as the provider receives it):",
        f"  {request.prompt}",
    ]
    for title, placed in (
        ("Images", request.images),
        ("Videos", request.videos),
        ("Audio", request.audios),
    ):
        if placed:
            lines.append(f"{title}:")
            lines.extend(f"  {_describe_asset(ra, request)}" for ra in placed)
    sound = "on" if request.generate_audio else "off"
    lines.append(
        f"Output:     {request.duration_s} s, {request.ratio}, {request.resolution}, "
        f"generated audio {sound}"
    )
    rate = prices.per_second.get(request.model, {}).get(request.resolution, 0.0)
    factor = (
        f" × {prices.video_reference_multiplier:g} (video references)"
        if request.has_video_references
        else ""
    )
    lines.append(
        f"Price:      {credits} credits ({request.duration_s} s × {rate:g}/s at "
        f"{request.resolution}{factor})"
    )
    if lints:
        lines.append("Lints:")
        lines.extend(f"  {item.describe()} ({item.code})" for item in lints)
    else:
        lines.append("Lints:      none")
    return "\n".join(lines)


async def run_request(
    provider: Provider,
    request: GenerationRequest,
    output: Path,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    out: TextIO,
    err: TextIO,
) -> int:
    """Submit ``request``, poll it until it ends, download the video to ``output``."""
    job_id = int(time.time() * 1000) % 1_000_000_000
    try:
        task_id = await provider.submit(request, job_id)
        print(f"Submitted: task {task_id}", file=err)
        deadline = time.monotonic() + timeout_s
        while True:
            status = await provider.poll(task_id)
            if status.state == "succeeded":
                break
            if status.state == "failed":
                error = status.error or ProviderError("The provider reported a failure.")
                print(f"Failed: {error}", file=err)
                return EXIT_FAILED
            if status.state == "lost":
                print("Failed: the provider has no record of the task.", file=err)
                return EXIT_FAILED
            if time.monotonic() > deadline:
                cancelled = await provider.cancel(task_id) if provider.profile.can_cancel else False
                what = "cancelled" if cancelled else "left running at the provider"
                print(f"Timed out after {timeout_s:g} s (task {task_id} {what}).", file=err)
                return EXIT_FAILED
            progress = f" {status.progress:.0%}" if status.progress is not None else ""
            print(f"  {status.state}{progress}", file=err)
            await asyncio.sleep(provider.profile.poll_interval_s)
        output.parent.mkdir(parents=True, exist_ok=True)
        await provider.download(task_id, output)
    except ProviderError as exc:
        print(f"Failed: {exc}", file=err)
        return EXIT_FAILED
    print(f"Wrote {output}", file=out)
    return EXIT_OK


def _provider(
    settings: Settings, http: aiohttp.ClientSession, name: str
) -> tuple[Provider, AssetServer | None]:
    if name == "preview":
        return PreviewProvider(work_dir=settings.data_dir / "work"), None
    from bot.services import build_asset_host, build_providers

    try:
        host, server = build_asset_host(settings)
        providers = build_providers(settings, http, host)
    except CallsheetError as exc:
        raise CliError(str(exc)) from None
    if name not in providers:
        known = ", ".join(providers)
        raise CliError(
            f"Provider {name!r} is not configured (set its API key); configured: {known}."
        )
    return providers[name], server


def _stage(request: GenerationRequest, data_dir: Path) -> GenerationRequest:
    """Copy the references under ``data_dir`` (the asset server only serves files there)."""
    import dataclasses

    folder = data_dir / "cli" / datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    folder.mkdir(parents=True, exist_ok=True)

    def staged(ra: RequestAsset) -> RequestAsset:
        target = folder / f"{ra.asset.kind}{ra.asset.ordinal}.{ra.asset.format}"
        shutil.copyfile(ra.asset.path, target)
        return dataclasses.replace(ra, asset=dataclasses.replace(ra.asset, path=target))

    return dataclasses.replace(
        request,
        images=tuple(staged(ra) for ra in request.images),
        videos=tuple(staged(ra) for ra in request.videos),
        audios=tuple(staged(ra) for ra in request.audios),
    )


def _describe_asset(ra: RequestAsset, request: GenerationRequest) -> str:
    asset = ra.asset
    facts = [asset.format.upper()]
    if asset.width and asset.height:
        facts.append(f"{asset.width}×{asset.height}")
    if asset.duration_s is not None:
        facts.append(f"{asset.duration_s:.1f} s")
    return (
        f"{ra.position}. {ra.ref(request.dialect)} = {asset.filename} ({asset.tag}): "
        f"{get_role(asset.role).label}, api role {ra.api_role}; {', '.join(facts)}"
    )


def _confirm(name: str, credits: int, err: TextIO) -> bool:
    if not sys.stdin.isatty():
        print(f"Submitting to {name} spends money: pass --yes to confirm.", file=err)
        return False
    print(f"Submit to {name} for {credits} credits? [y/N] ", end="", file=err, flush=True)
    return input().strip().lower() in ("y", "yes")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as src:
        while chunk := src.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _plain(message: str) -> str:
    return message.replace("**", "")


def _a(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


# -- check-key ------------------------------------------------------------------------


async def check_key(name: str | None, settings: Settings, *, out: TextIO) -> int:
    """The ``check-key`` command: one cheap authenticated call; prints OK or the error."""
    name = name or settings.default_provider
    if name == "preview":
        print("preview: the local renderer needs no key. OK", file=out)
        return EXIT_OK
    if name == "fal":
        if settings.fal_key is None:
            raise CliError("fal: FAL_KEY is not set.")
        print(
            "fal: key check not supported (the queue API has no harmless authenticated "
            "endpoint); the key is set.",
            file=out,
        )
        return EXIT_OK
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        if name == "ark":
            if settings.ark_api_key is None:
                raise CliError("ark: ARK_API_KEY is not set.")
            error = await _check_ark(http, settings.ark_base_url, settings.ark_api_key)
        elif name == "evolink":
            if settings.evolink_api_key is None:
                raise CliError("evolink: EVOLINK_API_KEY is not set.")
            error = await _check_evolink(http, settings.evolink_base_url, settings.evolink_api_key)
        else:
            raise CliError(f"Unknown provider {name!r}: preview, ark, evolink or fal.")
    if error is None:
        print(f"{name}: the key works. OK", file=out)
        return EXIT_OK
    print(f"{name}: FAILED: {error}", file=out)
    return EXIT_FAILED


async def _get(
    http: aiohttp.ClientSession, url: str, key: SecretStr, params: dict[str, str] | None = None
) -> tuple[int, str, str] | ProviderError:
    """GET with the key as a Bearer token: (status, error code, error message)."""
    from bot.providers._http import json_object, scrub

    headers = {"Authorization": f"Bearer {key.get_secret_value()}"}
    try:
        async with http.get(url, headers=headers, params=params) as response:
            status = response.status
            raw = await response.read()
    except aiohttp.ClientConnectorError:
        return ProviderError("The video provider can't be reached.")
    except (aiohttp.ClientError, TimeoutError) as exc:
        return ProviderError(f"The connection to the video provider broke ({type(exc).__name__}).")
    data = json_object(raw)
    error = data.get("error")
    error = error if isinstance(error, dict) else {}
    code = str(error.get("code") or "")
    message = scrub(str(error.get("message") or ""), key.get_secret_value())
    return status, code, message


async def _check_ark(http: aiohttp.ClientSession, base_url: str, key: SecretStr) -> str | None:
    from bot.providers.ark import TASKS_PATH, map_error

    url = f"{base_url.rstrip('/')}{TASKS_PATH}"
    result = await _get(http, url, key, {"page_num": "1", "page_size": "1"})
    if isinstance(result, ProviderError):
        return str(result)
    status, code, message = result
    if status < 400:
        return None
    return str(map_error(status, code, message))


async def _check_evolink(http: aiohttp.ClientSession, base_url: str, key: SecretStr) -> str | None:
    from bot.providers.evolink import TASKS_PATH, map_error

    # Reading a task that does not exist is harmless: 404 means the key was accepted.
    url = f"{base_url.rstrip('/')}{TASKS_PATH}/{KEY_CHECK_TASK}"
    result = await _get(http, url, key)
    if isinstance(result, ProviderError):
        return str(result)
    status, code, message = result
    if status < 400 or status == 404:
        return None
    return str(map_error(status, code, message))
