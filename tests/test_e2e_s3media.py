"""End to end, media by key (``ASSET_HOST=s3``): a gateway (``RUN_JOBS=false``) and a real
``python -m bot worker`` with DIFFERENT data directories (no shared disk, so a local path
in the database would fail) on one PostgreSQL, one emulated Discord, a real S3
implementation (moto's server) and the Ark fake, which downloads every reference. The
member's upload reaches the worker through the bucket, the worker's result reaches the
gateway the same way."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.emulator import DiscordEmulator
from tests.fakes.ark import FakeArk
from tests.helpers import running_bot
from tests.s3 import ACCESS_KEY, REGION, SECRET
from tests.test_e2e_workers import ROOT, Stack, _generate

pytestmark = pytest.mark.e2e
JSON = dict[str, Any]


@pytest.fixture
async def stack(
    tmp_path: Path, postgres_url: str, s3_endpoint: str, bucket: str
) -> AsyncIterator[Stack]:
    async with DiscordEmulator(tmp_path / "emulator") as emu, FakeArk() as ark:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "ARK_"))}
        env = {
            **keep,
            **emu.env(),
            "PYTHONPATH": str(ROOT),
            "DISCORD_TOKEN": "emulated-token",
            "DATABASE_URL": postgres_url,
            "PROVIDER": "ark",
            "ARK_API_KEY": ark.api_key,
            "ARK_BASE_URL": ark.base_url,
            "ASSET_HOST": "s3",
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": s3_endpoint,
            "S3_REGION": REGION,
            "S3_ACCESS_KEY_ID": ACCESS_KEY,
            "S3_SECRET_ACCESS_KEY": SECRET,
            "PROVIDER_CALLBACKS": "false",
            "DEFAULT_RESOLUTION": "480p",
        }
        running = Stack(emu, ark, emu.add_member("alice"), env, postgres_url, tmp_path)
        try:
            await running.start("gateway", RUN_JOBS="false", DATA_DIR=str(tmp_path / "gateway"))
            await emu.wait_identified(1, timeout=60)
            await running.start("w1", "worker", WORKER_ID="w1", DATA_DIR=str(tmp_path / "worker"))
            yield running
        finally:
            await running.stop_all()


async def test_the_worker_reads_the_upload_and_the_gateway_the_result_through_the_bucket(
    stack: Stack, media: Path, admin: Any, bucket: str, tmp_path: Path
) -> None:
    emu, alice = stack.emu, stack.alice
    gateway, worker = tmp_path / "gateway", tmp_path / "worker"
    await _generate(stack, media)  # the gateway takes the upload in, a Generate queues it
    [(key,)] = stack.rows("SELECT path FROM assets")
    assert key.startswith("sessions/") and not Path(key).is_absolute()  # a key, not a path
    upload = (gateway / key).read_bytes()
    stored = await admin.get_object(Bucket=bucket, Key=f"callsheet/media/{key}")
    async with stored["Body"] as body:
        assert await body.read() == upload
    ready = await emu.wait_for_message(lambda m: "your video is ready" in m.get("content", ""), 90)
    assert stack.rows("SELECT claimed_by, state, result_path FROM jobs") == [
        ("w1", "succeeded", "results/job-1.mp4")
    ]
    # Ark fetched the stored object itself: the worker neither downloaded nor uploaded it.
    (reference,) = stack.ark.downloads
    assert (reference.status, reference.size) == (200, len(upload))
    assert f"/{bucket}/callsheet/media/{key}?" in reference.url
    assert not (worker / key).exists()
    result = (worker / "results/job-1.mp4").read_bytes()
    (posted,) = ready["attachments"]
    assert emu.attachment_path(posted).read_bytes() == result
    assert not (gateway / "results").exists()

    # The gateway shows the result (its first frame) from the bucket.
    history = await emu.slash_command(alice, "video", subcommand="history")
    shown = emu.message((await history.wait_update(timeout=30))["id"])
    (thumb,) = shown["attachments"]
    with Image.open(emu.attachment_path(thumb)) as picture:
        assert picture.format == "JPEG"
    assert (gateway / "results/job-1.mp4").read_bytes() == result


async def test_an_upload_the_bucket_refuses_is_said_plainly_kept_nowhere_and_can_be_retried(
    tmp_path: Path, media: Path, s3_endpoint: str, admin: Any
) -> None:
    """The bucket isn't there yet (as when it can't be reached): the member reads that the
    file storage isn't answering and nothing was lost; nothing is recorded or left on disk;
    once the bucket answers, the same file is added."""
    settings = {
        "asset_host": "s3", "s3_bucket": "callsheet-later", "s3_endpoint_url": s3_endpoint,
        "s3_region": REGION, "s3_access_key_id": ACCESS_KEY, "s3_secret_access_key": SECRET,
    }  # fmt: skip
    async with running_bot(tmp_path, media, **settings) as world:
        emu, alice = world.emu, world.alice
        await world.card(await emu.slash_command(alice, "video", subcommand="new"))
        files = {"asset1": media / "images/coffee.png"}
        ix = await emu.slash_command(alice, "video", subcommand="add", attachments=files)
        refused = await ix.wait_update()
        assert "The file storage isn't answering right now" in refused["content"]
        assert "nothing was saved or lost" in refused["content"]
        services = world.bot.services
        session = await services.sessions.find_open(emu.guild_id, emu.channel_id, alice.id)
        assert session is not None and session.assets == ()
        folder = tmp_path / "data" / "sessions" / str(session.id)
        assert [p for p in folder.rglob("*") if p.is_file()] == []

        await admin.create_bucket(Bucket="callsheet-later")  # the storage is back
        again = await emu.slash_command(alice, "video", subcommand="add", attachments=files)
        await again.wait_response()
        await world.reply(lambda m: "Added **@image1**" in m["content"])
        (asset,) = (await services.sessions.get(session.id)).assets
        stored = await admin.head_object(
            Bucket="callsheet-later", Key=f"callsheet/media/{asset.key}"
        )
        assert stored["ContentLength"] == asset.size_bytes
