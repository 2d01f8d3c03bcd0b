"""``python -m bot render``: one generation through the bot's pipeline, without Discord.

Each ``--ref FILE:ROLE`` goes through intake (probe, then every limit of the provider's
profile); the session is compiled for the provider's dialect, printed with its price, then
submitted, polled and downloaded (``--dry-run`` stops after printing and writes nothing).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import shutil
import sys
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import aiohttp

from bot.cli.common import EXIT_FAILED, EXIT_OK, CliError
from bot.credits.pricing import PriceBreakdown, quote_price
from bot.errors import AssetRejected, CallsheetError, RequestInvalid
from bot.guilds.config import MODEL_LABELS
from bot.hosting.signed import AssetServer
from bot.media.intake import probe_upload
from bot.providers.base import Provider, ProviderError
from bot.providers.preview import PreviewProvider
from bot.seedance.checks import check_upload
from bot.seedance.compiler import GenerationRequest, RequestAsset, compile_request
from bot.seedance.limits import AssetKind, Limits
from bot.seedance.lint import Lint, lint
from bot.seedance.roles import ROLES_BY_KEY, get_role, roles_for
from bot.seedance.session import Asset, Session, SessionState
from bot.settings import Settings
from bot.words import Words, say

DEFAULT_TIMEOUT_S = 30 * 60


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


async def render(args: argparse.Namespace, settings: Settings, *, out: TextIO, err: TextIO) -> int:
    """The ``render`` command.

    Raises:
        CliError: a refused file, an invalid session or an unconfigured provider.
    """
    if not args.dry_run and args.output is None:
        raise CliError("render: -o/--output is required (or pass --dry-run).")
    name = args.provider or settings.default_provider
    config = settings.default_guild_config()
    async with AsyncExitStack() as stack:  # closes the server, S3 client, HTTP session
        http = await stack.enter_async_context(
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300, sock_read=60))
        )
        provider, server = _provider(settings, http, name, stack)
        limits = provider.profile.limits
        assets = intake(args.ref, limits)
        now = datetime.now(UTC)
        session = Session(
            id=0,
            guild_id=0,
            channel_id=0,
            user_id=0,
            state=SessionState.OPEN,
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
            cost = quote_price(request, config.prices, provider.profile.offer(request.model))
        except CallsheetError as exc:
            raise CliError(str(exc)) from None
        print(describe_request(request, provider, lints, cost), file=out)
        if args.dry_run:
            print("Dry run: nothing was submitted and nothing was written.", file=out)
            return EXIT_OK
        if name != "preview" and not args.yes and not _confirm(name, cost.credits, err):
            print("Not submitted.", file=err)
            return EXIT_FAILED
        if server is not None:
            stack.push_async_callback(server.close)
            await server.start()
        staged = _stage(request, settings.data_dir) if name != "preview" else request
        return await run_request(
            provider, staged, args.output, timeout_s=args.timeout, out=out, err=err
        )


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
                key=str(ref.path.resolve()),
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
    cost: PriceBreakdown,
) -> str:
    """The compiled request as the operator reads it: everything the provider will get."""
    profile = provider.profile
    english = Words.english()
    mode = english.text(f"mode-{request.mode}")
    lines = [
        f"Provider:   {profile.name} ({profile.label}); prompt dialect: {request.dialect}",
        f"Entry mode: {mode} ({english.text(request.mode_reason)})",
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
    lines.append(f"Price:      {cost.credits} credits ({english.text(cost.phrase)})")
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
                error = status.error or ProviderError(say("provider-failed"))
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
    settings: Settings, http: aiohttp.ClientSession, name: str, stack: AsyncExitStack
) -> tuple[Provider, AssetServer | None]:
    """The provider called ``name`` and the asset server to start before submitting (not
    started yet); an S3 host's client is closed with ``stack``.

    Raises:
        CliError: the provider or its asset host is not configured.
    """
    if name == "preview":
        return PreviewProvider(work_dir=settings.data_dir / "work"), None
    from bot.hosting.s3 import S3AssetHost
    from bot.services import build_asset_host, build_providers

    try:
        host, server = build_asset_host(settings)
        providers = build_providers(settings, http, host)
    except CallsheetError as exc:
        raise CliError(str(exc)) from None
    if isinstance(host, S3AssetHost):
        stack.push_async_callback(host.close)  # its client opens on first use
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
        return dataclasses.replace(ra, asset=dataclasses.replace(ra.asset, key=str(target)))

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
        f"{Words.english().text(get_role(asset.role).name)}, api role {ra.api_role}; "
        f"{', '.join(facts)}"
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
