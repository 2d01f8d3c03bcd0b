"""Prometheus metrics (bot/metrics.py): scraped over real HTTP from the real bot's web
server after real sessions in the emulator against the Ark fake; and the log ids
(bot/logcontext.py)."""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from bot import logcontext
from bot.metrics import Metrics
from tests.fakes.ark import FakeArk
from tests.helpers import World, running_bot

pytestmark = pytest.mark.e2e

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _scrape(port: int) -> Samples:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/metrics") as response,
    ):
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = await response.text()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def _job(world: World, member: Any, prompt: str) -> None:
    ix = await world.emu.slash_command(
        member, "video", subcommand="new", options={"prompt": prompt, "duration": 4}
    )
    card = await world.card(ix)
    await world.generate(card, member)


async def test_counters_move_with_a_delivered_and_a_refused_job(
    tmp_path: Path, media: Path
) -> None:
    port = _free_port()
    async with FakeArk() as ark:
        settings = {
            "provider": "ark",
            "ark_api_key": ark.api_key,
            "ark_base_url": ark.base_url,
            "public_base_url": f"http://127.0.0.1:{port}",
            "asset_server_host": "127.0.0.1",
            "asset_server_port": port,
        }
        async with running_bot(tmp_path, media, **settings) as world:
            before = await _scrape(port)
            assert _value(before, "callsheet_jobs", state="succeeded", provider="ark") == 0
            price = world.published_price("ark", 4)
            await _job(world, world.alice, "a lantern on a pier")
            await world.reply(lambda m: "your video is ready" in m["content"])
            bob = world.emu.add_member("bob")
            ark.next_create_error = (400, "InvalidParameter", "the prompt is refused")
            await _job(world, bob, "a lighthouse")
            await world.reply(lambda m: "job #2 failed" in m["content"])
            after = await _scrape(port)

    assert _value(after, "callsheet_interactions_total", type="application_command") >= 2
    assert _value(after, "callsheet_interactions_total", type="component") >= 4
    assert _value(after, "callsheet_ack_seconds_count", ack="thinking") >= 2
    assert _value(after, "callsheet_ack_seconds_bucket", ack="thinking", le="+Inf") >= 2
    # the database's view: one delivered, one failed, nothing waiting
    assert _value(after, "callsheet_jobs", state="succeeded", provider="ark") == 1
    assert _value(after, "callsheet_jobs", state="failed", provider="ark") == 1
    assert _value(after, "callsheet_queue_depth") == 0
    assert _value(after, "callsheet_jobs_finished_total", state="succeeded", provider="ark") == 1
    assert _value(after, "callsheet_jobs_finished_total", state="failed", provider="ark") == 1
    # the provider calls: two creates (one refused), polls, one download
    submits = _value(
        after, "callsheet_provider_request_seconds_count", provider="ark", operation="submit"
    )
    assert submits == 2
    assert _value(after, "callsheet_provider_errors_total", provider="ark", operation="submit") == 1
    assert (
        _value(
            after, "callsheet_provider_request_seconds_count", provider="ark", operation="download"
        )
        == 1
    )
    assert (
        _value(after, "callsheet_provider_request_seconds_count", provider="ark", operation="poll")
        >= 1
    )
    # the money: both held, one captured, one refunded
    assert _value(after, "callsheet_credits_total", movement="held", provider="ark") == 2 * price
    assert _value(after, "callsheet_credits_total", movement="captured", provider="ark") == price
    assert _value(after, "callsheet_credits_total", movement="refunded", provider="ark") == price


async def test_metrics_alone_start_the_web_server(tmp_path: Path, media: Path) -> None:
    """METRICS=true without a public URL: the server runs for /metrics only."""
    port = _free_port()
    extra = {"metrics": True, "asset_server_host": "127.0.0.1", "asset_server_port": port}
    async with running_bot(tmp_path, media, **extra) as world:
        assert world.bot.services.asset_server is not None
        samples = await _scrape(port)
        assert ("callsheet_queue_depth", ()) in samples
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/assets/1/x/y") as response,
        ):
            assert response.status == 404  # no asset route without a public URL


def test_each_metrics_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()
    first.credits_moved("held", "ark", 10)
    assert (
        second.registry.get_sample_value(
            "callsheet_credits_total", {"movement": "held", "provider": "ark"}
        )
        is None
    )
    assert (
        REGISTRY.get_sample_value(
            "callsheet_credits_total", {"movement": "held", "provider": "ark"}
        )
        is None
    )


async def test_a_broken_job_count_leaves_the_other_metrics(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken() -> dict[tuple[str, str], int]:
        raise OSError("the database went away")

    metrics = Metrics(broken)
    metrics.job_finished("succeeded", "preview")
    response = await metrics._serve(None)  # type: ignore[arg-type]
    assert b'callsheet_jobs_finished_total{provider="preview",state="succeeded"} 1.0' in (
        response.body  # type: ignore[operator]
    )
    assert "could not read the job counts" in caplog.text


async def test_log_lines_carry_the_shard_guild_session_and_job() -> None:
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage() + getattr(record, "ids", "?"))

    handler = Keep()
    handler.addFilter(logcontext.IdsFilter())
    logger = logging.getLogger("tests.logcontext")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logcontext.set_process("shard=1")
    try:

        async def handling() -> None:
            logcontext.bind(guild=81, session=12, job=None)
            logger.info("clicked")

        async def job() -> None:
            logger.info("polled")

        await asyncio.create_task(handling())
        await asyncio.create_task(job(), name="job-40")
        await asyncio.create_task(job(), name="jobless")
    finally:
        logcontext.set_process("")
        logger.removeHandler(handler)
    assert records == [
        "clicked [shard=1 guild=81 session=12]",
        "polled [shard=1 job=40]",
        "polled [shard=1]",
    ]
