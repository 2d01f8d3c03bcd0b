"""S3AssetHost against a real S3 implementation (moto's server) on loopback.

Every test uploads real media files, then fetches the presigned URL over HTTP with aiohttp
exactly as a provider would.
"""

from __future__ import annotations

import logging
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from yarl import URL

pytest.importorskip("aiobotocore", reason="aiobotocore is not installed")
pytest.importorskip("moto.server", reason="moto[server] is not installed")

from bot.hosting.s3 import MAX_EXPIRES_S, MIN_PART_SIZE_BYTES
from tests.s3 import ACCESS_KEY, SECRET, make_host


async def fetch(url: str) -> bytes:
    # encoded=True: send the presigned query string byte for byte (no re-quoting).
    async with aiohttp.ClientSession() as http, http.get(URL(url, encoded=True)) as response:
        assert response.status == 200, await response.text()
        return await response.read()


def media_file(media: Path, relative: str) -> Path:
    path = media / relative
    if not path.is_file():
        pytest.skip(f"{path} is absent (see shared/media/README.md)")
    return path


async def versions(admin: Any, bucket: str) -> list[dict[str, Any]]:
    listing = await admin.list_object_versions(Bucket=bucket)
    return list(listing.get("Versions", []))


async def test_publish_video_and_fetch_presigned_url(
    s3_endpoint: str, bucket: str, admin: Any, media: Path
) -> None:
    video = media_file(media, "video/city_720p.mp4")
    async with make_host(s3_endpoint, bucket) as host:
        url = await host.publish(video, expires_in_s=3600)

    assert url.startswith(f"{s3_endpoint}/{bucket}/callsheet/")
    assert url.split("?")[0].endswith("/city_720p.mp4")
    assert "X-Amz-Signature=" in url
    assert await fetch(url) == video.read_bytes()
    head = await admin.head_object(Bucket=bucket, Key=urlsplit(url).path.split("/", 2)[2])
    assert head["ContentType"] == "video/mp4"


async def test_large_file_goes_up_as_multipart(
    s3_endpoint: str, bucket: str, admin: Any, media: Path
) -> None:
    video = media_file(media, "video/city_20s_1080p.mp4")
    assert video.stat().st_size > MIN_PART_SIZE_BYTES
    async with make_host(s3_endpoint, bucket, part_size_bytes=MIN_PART_SIZE_BYTES) as host:
        url = await host.publish(video, expires_in_s=600)

    assert await fetch(url) == video.read_bytes()
    (version,) = await versions(admin, bucket)
    # A multipart object's ETag is "<md5 of part md5s>-<number of parts>".
    assert version["ETag"].strip('"').endswith("-2")
    assert version["Size"] == video.stat().st_size


async def test_same_content_uploads_once(
    s3_endpoint: str, bucket: str, admin: Any, media: Path, tmp_path: Path
) -> None:
    image = media_file(media, "images/rocket.jpg")
    async with make_host(s3_endpoint, bucket) as host:
        first = await host.publish(image, expires_in_s=600)
        second = await host.publish(image, expires_in_s=600)
        other = await host.publish(media_file(media, "images/coffee.png"), expires_in_s=600)

    assert urlsplit(first).path == urlsplit(second).path
    stored = await versions(admin, bucket)
    # One version per key: the second publish of rocket.jpg found the object and reused it.
    assert sorted(v["Key"].rsplit("/", 1)[1] for v in stored) == ["coffee.png", "rocket.jpg"]
    assert await fetch(second) == image.read_bytes()
    assert urlsplit(other).path != urlsplit(first).path


async def test_changed_content_gets_a_new_key(
    s3_endpoint: str, bucket: str, media: Path, tmp_path: Path
) -> None:
    source = media_file(media, "images/rocket.jpg")
    copy = tmp_path / "rocket.jpg"
    shutil.copyfile(source, copy)
    async with make_host(s3_endpoint, bucket) as host:
        before = await host.publish(copy, expires_in_s=60)
        with copy.open("ab") as file:
            file.write(b"\0")
        after = await host.publish(copy, expires_in_s=60)

    assert urlsplit(before).path != urlsplit(after).path
    assert await fetch(after) == copy.read_bytes()


async def test_unsafe_filename_is_sanitised(
    s3_endpoint: str, bucket: str, media: Path, tmp_path: Path
) -> None:
    source = media_file(media, "images/rocket.jpg")
    odd = tmp_path / "my rocket (1) ✓.jpg"
    shutil.copyfile(source, odd)
    async with make_host(s3_endpoint, bucket, prefix="refs/") as host:
        url = await host.publish(odd, expires_in_s=60)

    assert urlsplit(url).path.endswith("/my_rocket_1_.jpg")
    assert f"/{bucket}/refs/" in url
    assert await fetch(url) == source.read_bytes()


async def test_expiry_is_requested_value_and_clamped_to_seven_days(
    s3_endpoint: str, bucket: str, media: Path
) -> None:
    # moto does not enforce presigned-URL expiry, so check what the URL asks S3 to enforce.
    image = media_file(media, "images/rocket.jpg")
    async with make_host(s3_endpoint, bucket) as host:
        short = await host.publish(image, expires_in_s=1)
        week = await host.publish(image, expires_in_s=MAX_EXPIRES_S)
        long = await host.publish(image, expires_in_s=30 * 24 * 3600)
        with pytest.raises(ValueError, match="positive"):
            await host.publish(image, expires_in_s=0)

    def query(url: str) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}

    assert query(short)["X-Amz-Expires"] == "1"
    assert query(week)["X-Amz-Expires"] == "604800"
    assert query(long)["X-Amz-Expires"] == "604800"
    assert MAX_EXPIRES_S == 604800
    signed_at = datetime.strptime(query(short)["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - signed_at) < timedelta(minutes=5)
    assert query(short)["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"


async def test_missing_bucket_is_a_clear_value_error(
    s3_endpoint: str, media: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    image = media_file(media, "images/rocket.jpg")
    async with make_host(s3_endpoint, "no-such-callsheet-bucket") as host:
        with pytest.raises(ValueError, match="bucket 'no-such-callsheet-bucket' does not exist"):
            await host.publish(image, expires_in_s=60)
        with pytest.raises(ValueError) as excinfo:
            await host.publish(media_file(media, "video/city_720p.mp4"), expires_in_s=60)
    assert SECRET not in str(excinfo.value)
    assert excinfo.value.__cause__ is None
    assert SECRET not in caplog.text


async def test_refused_credentials_are_a_clear_value_error(
    s3_endpoint: str,
    bucket: str,
    media: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import moto.settings

    caplog.set_level(logging.DEBUG)
    # Make the in-process moto server authenticate requests: the key is unknown to its IAM.
    monkeypatch.setattr(moto.settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
    image = media_file(media, "images/rocket.jpg")
    async with make_host(s3_endpoint, bucket) as host:
        with pytest.raises(ValueError, match="refused the credentials") as excinfo:
            await host.publish(image, expires_in_s=60)
    text = str(excinfo.value)
    assert SECRET not in text
    assert ACCESS_KEY not in text
    assert SECRET not in caplog.text


async def test_secret_never_logged(
    s3_endpoint: str, bucket: str, media: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    host = make_host(s3_endpoint, bucket)
    try:
        url = await host.publish(media_file(media, "images/rocket.jpg"), expires_in_s=60)
        await host.publish(media_file(media, "images/rocket.jpg"), expires_in_s=60)
    finally:
        await host.close()
        await host.close()  # idempotent
    assert any(r.name == "bot.hosting.s3" for r in caplog.records)
    assert any(r.name.startswith("botocore") for r in caplog.records)  # DEBUG was captured
    assert SECRET not in caplog.text
    assert all(SECRET not in r.getMessage() for r in caplog.records)
    assert SECRET not in url
    assert SECRET not in repr(host)


async def test_not_a_file_is_a_value_error(s3_endpoint: str, bucket: str, tmp_path: Path) -> None:
    async with make_host(s3_endpoint, bucket) as host:
        with pytest.raises(ValueError, match="is not a file"):
            await host.publish(tmp_path / "missing.mp4", expires_in_s=60)
        with pytest.raises(ValueError, match="is not a file"):
            await host.publish(tmp_path, expires_in_s=60)


def test_part_size_below_s3_minimum_is_refused() -> None:
    with pytest.raises(ValueError, match="5 MiB"):
        make_host("http://127.0.0.1:9", "b", part_size_bytes=1024)
