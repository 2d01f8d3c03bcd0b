"""S3 on loopback for the tests: moto's server (a real S3 implementation), a plain client
to set up and inspect buckets, and asset hosts pointed at it. Loaded as a pytest plugin by
``tests/conftest.py``; the fixtures skip where moto is not installed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from pydantic import SecretStr

if TYPE_CHECKING:  # aiobotocore takes ~0.5 s to import: only tests that use S3 pay it
    from bot.hosting.s3 import S3AssetHost


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3 implementation (moto's server) on 127.0.0.1 with a free port, shared by the
    session's tests (each makes its own bucket)."""
    moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


ACCESS_KEY = "AKIACALLSHEETTEST01"
SECRET = "callsheet-SECRET-do-not-leak-9f8e7d6c5b4a"
REGION = "us-east-1"


@pytest.fixture
async def admin(s3_endpoint: str) -> AsyncIterator[Any]:
    """A plain aiobotocore client to set up buckets and inspect what the host stored."""
    from aiobotocore.session import get_session

    async with get_session().create_client(
        "s3",
        region_name=REGION,
        endpoint_url=s3_endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET,
    ) as client:
        yield client


_bucket_counter = 0


@pytest.fixture
async def bucket(admin: Any) -> str:
    """A fresh, versioned bucket (versions count the uploads of each key)."""
    global _bucket_counter
    _bucket_counter += 1
    name = f"callsheet-test-{_bucket_counter}"
    await admin.create_bucket(Bucket=name)
    await admin.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


def make_host(endpoint: str, bucket: str, **kwargs: Any) -> S3AssetHost:
    """An S3 asset host on ``bucket`` at ``endpoint`` with the test credentials."""
    from bot.hosting.s3 import S3AssetHost

    return S3AssetHost(
        bucket,
        endpoint_url=endpoint,
        region=REGION,
        access_key_id=SecretStr(ACCESS_KEY),
        secret_access_key=SecretStr(SECRET),
        **kwargs,
    )
