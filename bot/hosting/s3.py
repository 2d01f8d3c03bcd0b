"""An S3-compatible asset host: upload a reference file to a bucket, hand out a presigned URL.

Providers fetch references by URL, Discord attachment URLs are signed and expire, and
fixed-up assets are new files, so an asset host publishes files the provider can read,
with an expiry matching the job. This host uploads to any service that
speaks the S3 API (AWS S3, Cloudflare R2, MinIO, Backblaze B2, Wasabi, ...) and returns a
SigV4 **presigned GET URL**, so the bucket itself can stay private.

Objects are content-addressed: the key is ``prefix + sha256[:32] + "/" + filename``, where
``sha256[:32]`` is the first 32 hex digits (128 bits) of the SHA-256 of the file's bytes.
Publishing the same bytes twice therefore uploads once (an existing object with that key
and the same size is reused) and only signs a new URL.

Objects published under their content hash are never deleted by the bot: a presigned URL
expires, the object does not. Give the bucket a lifecycle rule on them (e.g. expire after 8
days) to bound storage, but not on ``prefix + "media/"``: the media kept there by key
(:mod:`bot.hosting.s3_media`, ``ASSET_HOST=s3``) are what every process reads, removed by
the retention sweep.

Files are hashed and uploaded in bounded chunks read in worker threads, never read whole
into memory: files up to ``part_size_bytes`` go up in one ``PutObject``, larger ones as a
multipart upload of ``part_size_bytes`` parts (aborted on failure).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import mimetypes
import re
from contextlib import AsyncExitStack
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiobotocore.session import get_session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import SecretStr

log = logging.getLogger(__name__)

MAX_EXPIRES_S = 7 * 24 * 3600
"""S3's longest presigned-URL lifetime for SigV4: 604,800 s (7 days)."""

MIN_PART_SIZE_BYTES = 5 * 1024 * 1024
"""S3's smallest multipart part (every part but the last): 5 MiB."""

DEFAULT_PART_SIZE_BYTES = 8 * 1024 * 1024
"""Default single-upload threshold and multipart part size: 8 MiB."""

MAX_PARTS = 10_000
"""S3's largest number of parts in one multipart upload."""

HASH_CHARS = 32
"""Hex digits of the content SHA-256 used in the object key (128 bits)."""

_HASH_CHUNK_BYTES = 1024 * 1024
_CREDENTIAL_CODES = frozenset(
    {
        "403",
        "AccessDenied",
        "AllAccessDisabled",
        "ExpiredToken",
        "InvalidAccessKeyId",
        "InvalidToken",
        "SignatureDoesNotMatch",
        "TokenRefreshRequired",
    }
)
_MISSING_BUCKET_CODES = frozenset({"NoSuchBucket"})
_UNSAFE_KEY_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _read_range(path: Path, offset: int, length: int) -> bytes:
    with path.open("rb") as file:
        file.seek(offset)
        return file.read(length)


def _clamped(expires_in_s: int) -> int:
    """``expires_in_s`` within what S3 signs (at most :data:`MAX_EXPIRES_S`).

    Raises:
        ValueError: it is not positive.
    """
    if expires_in_s < 1:
        raise ValueError(f"expires_in_s must be positive, got {expires_in_s}")
    if expires_in_s > MAX_EXPIRES_S:
        log.debug("clamping S3 URL expiry from %d s to %d s (S3 maximum)", expires_in_s,
                  MAX_EXPIRES_S)  # fmt: skip
    return min(expires_in_s, MAX_EXPIRES_S)


def _safe_filename(name: str) -> str:
    """``name`` with runs of characters outside ``[A-Za-z0-9._-]`` replaced by ``_``.

    Keeps keys and presigned URLs free of spaces, slashes and non-ASCII characters, which
    some providers' fetchers mangle.
    """
    cleaned = _UNSAFE_KEY_CHARS.sub("_", name).strip("._") or "file"
    return cleaned[:200]


class S3AssetHost:
    """An :class:`bot.hosting.base.AssetHost` backed by an S3-compatible bucket.

    Use as an async context manager, or call :meth:`close` when done; the underlying
    client (an aiohttp connection pool) is created on first use.

    Args:
        bucket: the bucket to upload to. It must exist; the bot never creates buckets.
        endpoint_url: the S3 API endpoint for non-AWS services, e.g.
            ``https://<account>.r2.cloudflarestorage.com`` or ``http://127.0.0.1:9000``;
            ``None`` for AWS S3 itself.
        region: the signing region (``us-east-1``, ``eu-west-3``; ``auto`` for R2).
        access_key_id: the access key id (kept secret: never logged or put in errors).
        secret_access_key: the secret key (never logged or put in errors).
        prefix: key prefix for every uploaded object, e.g. ``callsheet/``.
        part_size_bytes: files larger than this go up as a multipart upload in parts of this
            size, in bytes (at least 5 MiB, S3's minimum; grown automatically so a file
            needs at most 10,000 parts). Also the most file bytes held in memory at once.
        path_style: address the bucket as ``endpoint/bucket/key`` instead of
            ``bucket.endpoint/key``. ``None`` (the default) means path style whenever
            ``endpoint_url`` is set, which is what MinIO and most self-hosted services need.
        connect_timeout_s / read_timeout_s: per-request socket timeouts, in seconds.
    """

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None,
        region: str,
        access_key_id: SecretStr,
        secret_access_key: SecretStr,
        prefix: str = "callsheet/",
        part_size_bytes: int = DEFAULT_PART_SIZE_BYTES,
        path_style: bool | None = None,
        connect_timeout_s: float = 10.0,
        read_timeout_s: float = 60.0,
    ) -> None:
        if not bucket:
            raise ValueError("S3 asset host needs a bucket name")
        if part_size_bytes < MIN_PART_SIZE_BYTES:
            raise ValueError(
                f"part_size_bytes must be at least {MIN_PART_SIZE_BYTES} (5 MiB, S3's minimum)"
            )
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.region = region
        self.prefix = prefix
        self.part_size_bytes = part_size_bytes
        self._access_key_id = access_key_id
        self._secret_access_key = secret_access_key
        use_path_style = endpoint_url is not None if path_style is None else path_style
        self._config = Config(
            region_name=region,
            signature_version="s3v4",
            s3={"addressing_style": "path" if use_path_style else "auto"},
            connect_timeout=connect_timeout_s,
            read_timeout=read_timeout_s,
            retries={"max_attempts": 3, "mode": "standard"},
            # Only send/check the newer CRC checksums where S3 requires them: many
            # S3-compatible services reject or mishandle them.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        self._stack: AsyncExitStack | None = None
        self._client: Any = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return (
            f"S3AssetHost(bucket={self.bucket!r}, endpoint_url={self.endpoint_url!r}, "
            f"region={self.region!r}, prefix={self.prefix!r})"
        )

    async def __aenter__(self) -> Self:
        await self._get_client()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the S3 client and its connections. Safe to call twice; a later
        :meth:`publish` opens a new client."""
        async with self._lock:
            stack, self._stack, self._client = self._stack, None, None
        if stack is not None:
            await stack.aclose()

    async def publish(self, path: Path, *, expires_in_s: int) -> str:
        """Upload ``path`` (unless already there) and return a presigned GET URL for it.

        Args:
            path: the local file to publish.
            expires_in_s: how long the URL must work, in seconds. Clamped to
                :data:`MAX_EXPIRES_S` (604,800 s = 7 days), the longest S3 allows for a
                SigV4 presigned URL; a job that needs longer must publish again.

        Returns:
            An absolute ``http(s)`` URL serving the file's bytes with a ``GET``, valid for
            ``min(expires_in_s, 604800)`` seconds from now.

        Raises:
            ValueError: ``path`` is not a readable file, ``expires_in_s`` is not positive,
                the bucket does not exist, the service refused the credentials, or the
                upload failed. The message never contains the secret key.
        """
        expires_in_s = _clamped(expires_in_s)
        if not path.is_file():
            raise ValueError(f"{path} is not a file")
        try:
            size = path.stat().st_size
            digest = await asyncio.to_thread(_sha256_file, path)
        except OSError as exc:
            raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
        key = f"{self.prefix}{digest[:HASH_CHARS]}/{_safe_filename(path.name)}"
        client = await self._get_client()
        try:
            if await self._existing_size(client, key) == size:
                log.debug("s3://%s/%s already holds %s (%d bytes)", self.bucket, key, path, size)
            else:
                await self._upload(client, path, key, size)
                log.info("uploaded %s to s3://%s/%s (%d bytes)", path, self.bucket, key, size)
            url = await self.presign(key, expires_in_s=expires_in_s)
        except ClientError as exc:
            raise self._error(exc, key) from None
        except BotoCoreError as exc:
            raise ValueError(
                self._scrub(f"S3 request for s3://{self.bucket}/{key} failed: {exc}")
            ) from None
        except OSError as exc:
            raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
        return str(url)

    async def presign(self, key: str, *, expires_in_s: int) -> str:
        """A presigned GET URL of the object at ``key`` (signed here: no request is sent,
        and nothing checks the object is there), valid for ``min(expires_in_s, 604800)``
        seconds (:data:`MAX_EXPIRES_S`).

        Raises:
            ValueError: ``expires_in_s`` is not positive.
        """
        client = await self._get_client()
        url = await client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": key},
            ExpiresIn=_clamped(expires_in_s),
        )
        return str(url)

    async def client(self) -> Any:
        """The host's S3 client (aiobotocore), opened on first use; :mod:`bot.hosting.s3_media`
        keeps media in the same bucket through it."""
        return await self._get_client()

    async def upload(self, path: Path, key: str) -> None:
        """Put the local file ``path`` at ``key`` in the bucket (one ``PutObject``, or a
        multipart upload past ``part_size_bytes``).

        Raises:
            ClientError / BotoCoreError: S3 refused it or can't be reached (see
                :meth:`describe`). OSError: ``path`` can't be read.
        """
        size = path.stat().st_size
        await self._upload(await self._get_client(), path, key, size)

    def describe(self, exc: ClientError | BotoCoreError, key: str) -> str:
        """What went wrong with a request for ``key``, for the log (no credentials)."""
        if isinstance(exc, ClientError):
            return str(self._error(exc, key))
        return self._scrub(f"S3 request for s3://{self.bucket}/{key} failed: {exc}")

    async def _get_client(self) -> Any:
        async with self._lock:
            if self._client is None:
                stack = AsyncExitStack()
                self._client = await stack.enter_async_context(
                    get_session().create_client(
                        "s3",
                        region_name=self.region,
                        endpoint_url=self.endpoint_url,
                        aws_access_key_id=self._access_key_id.get_secret_value(),
                        aws_secret_access_key=self._secret_access_key.get_secret_value(),
                        config=self._config,
                    )
                )
                self._stack = stack
            return self._client

    async def _existing_size(self, client: Any, key: str) -> int | None:
        """The size in bytes of the object at ``key``, or ``None`` when there is none."""
        try:
            head = await client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if self._code(exc) in {"404", "NoSuchKey", "NotFound"}:
                # A missing bucket also answers 404 to HEAD; the upload then says which.
                return None
            raise
        return int(head["ContentLength"])

    async def _upload(self, client: Any, path: Path, key: str, size: int) -> None:
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if size <= self.part_size_bytes:
            body = await asyncio.to_thread(_read_range, path, 0, size)
            await client.put_object(
                Bucket=self.bucket, Key=key, Body=body, ContentType=content_type
            )
            return
        part_size = max(self.part_size_bytes, math.ceil(size / MAX_PARTS))
        created = await client.create_multipart_upload(
            Bucket=self.bucket, Key=key, ContentType=content_type
        )
        upload_id = created["UploadId"]
        try:
            parts: list[dict[str, Any]] = []
            for number, offset in enumerate(range(0, size, part_size), start=1):
                chunk = await asyncio.to_thread(_read_range, path, offset, part_size)
                if not chunk:
                    raise OSError(f"{path} shrank while uploading")
                part = await client.upload_part(
                    Bucket=self.bucket,
                    Key=key,
                    UploadId=upload_id,
                    PartNumber=number,
                    Body=chunk,
                )
                parts.append({"PartNumber": number, "ETag": part["ETag"]})
            await client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            try:
                await client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            except (ClientError, BotoCoreError):
                log.warning("could not abort multipart upload of s3://%s/%s", self.bucket, key)
            raise

    @staticmethod
    def _code(exc: ClientError) -> str:
        error = exc.response.get("Error", {})
        return str(
            error.get("Code") or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "")
        )

    def _error(self, exc: ClientError, key: str) -> ValueError:
        code = self._code(exc)
        message = str(exc.response.get("Error", {}).get("Message") or "")
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        if code in _MISSING_BUCKET_CODES:
            text = f"S3 bucket {self.bucket!r} does not exist{where}"
        elif code in _CREDENTIAL_CODES:
            text = (
                f"S3{where} refused the credentials for bucket {self.bucket!r} ({code}"
                f"{': ' + message if message else ''}); check the access key id, the secret "
                "access key, the region and the bucket's permissions"
            )
        else:
            text = (
                f"S3 request for s3://{self.bucket}/{key}{where} failed: {code}"
                f"{': ' + message if message else ''}"
            )
        return ValueError(self._scrub(text))

    def _scrub(self, text: str) -> str:
        """``text`` with the credentials blanked out, whatever echoed them."""
        for secret in (self._secret_access_key, self._access_key_id):
            value = secret.get_secret_value()
            if value:
                text = text.replace(value, "**********")
        return text
