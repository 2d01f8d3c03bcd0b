"""``python -m bot check-key``: one cheap authenticated call to the provider; prints OK or
the mapped error. Keys are never printed."""

from __future__ import annotations

from typing import TextIO

import aiohttp
from pydantic import SecretStr

from bot.cli.common import EXIT_FAILED, EXIT_OK, CliError
from bot.providers.base import ProviderError
from bot.settings import Settings
from bot.words import say

KEY_CHECK_TASK = "callsheet-key-check"


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
            from bot.providers.ark_regions import ArkRegion

            region = ArkRegion.configure(settings.ark_region, settings.ark_base_url)
            error = await _check_ark(http, region.base_url, settings.ark_api_key)
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
        return ProviderError(say("provider-unreachable"))
    except (aiohttp.ClientError, TimeoutError):
        return ProviderError(say("provider-broken-connection"))
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
