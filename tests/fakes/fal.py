"""A loopback fake of fal's queue API for the Seedance 2.0 endpoints.

It follows fal's queue API and the published input schema of the Seedance 2.0 endpoints
(fal's model API reference, ``fal.ai/docs/model-api-reference/video-generation-api/
bytedance-seedance-2.0-reference-to-video`` and its text-/image-to-video and fast
siblings; /work/shared/PROVIDERS.md "fal") and checks every request strictly:
``Authorization: Key``, a known endpoint id, the fields each endpoint takes
(text-to-video: no media; image-to-video: ``image_url`` + optional ``end_image_url``;
reference-to-video: ≤ 9 images, ≤ 3 videos, ≤ 3 audio, ≤ 12 files, no audio-only, and
the optional ``end_user_id``), ``resolution`` 480p/720p (and 1080p on the standard
endpoints, not on fast), ``duration`` **the string enum** ``"auto"``, ``"4"`` … ``"15"``
(an integer is refused with 422, as fal's pydantic schema does), ``aspect_ratio`` "auto"
or a known ratio, ``generate_audio`` a boolean, ``seed`` an integer. Optional fields may
be left out (fal fills the defaults: 720p, "auto", "auto", audio on). It
**downloads every URL** it gets and refuses the request when one can't be fetched or isn't
the media its field claims. Status, result and cancel live under ``requests_prefix``
(owner/alias by default), so a client that builds its own URLs instead of following the
returned ones fails when a test moves them. The result video is served from a CDN-style
path that refuses an ``Authorization`` header.

Scripting (set before the call it affects):

- ``next_submit_error = (status, error_type, message)``: the next submit answers
  ``{"detail": message, "error_type": …}`` (``error_type_header_only``: the type only in
  ``x-fal-error-type``).
- ``fail_request_with = (status, error_type, message)``: requests complete, then their
  result answers that error as a ``detail`` list (fal's model-error shape).
- ``queue_positions = [2, 1, 0]``: ``IN_QUEUE`` polls with those positions, then
  ``progress_polls`` polls ``IN_PROGRESS`` (with logs), then ``COMPLETED``.
- ``rate_limit_times = n`` (with ``rate_limit_retry_after``) / ``server_error_times = n``
  (``server_error_status``): the next n queue calls fail so.
- ``delay_s``: every queue answer waits this long.
- ``foreign_urls``: return status/response/cancel URLs on another host.

Webhooks (fal's docs, "Webhooks"): a submit with ``?fal_webhook=<url>`` completes on its
own ``run_s`` after it was queued (or when a test calls :meth:`FakeFal.finish`), then fal
POSTs ``{"request_id", "gateway_request_id", "status": "OK", "payload": <the result>,
"error": null}`` — or ``"status": "ERROR"`` with ``"error": "Invalid status code: N"`` and
the error body as ``payload`` — signed like fal: ``X-Fal-Webhook-Request-Id``, ``-User-Id``,
``-Timestamp`` and ``-Signature``, the hex ED25519 signature of ``request_id \n user_id \n
timestamp \n sha256_hex(body)`` with a key the fake generates and publishes as a JWKS at
``jwks_url``. A non-2xx answer is retried 10 times (over 2 hours at fal).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.fakes._base import FakeRejection, LoopbackFake, RecordedRequest

APP = "bytedance/seedance-2.0"
MODES = ("text-to-video", "image-to-video", "reference-to-video")
KNOWN_ENDPOINTS: dict[str, str] = {
    **{f"{APP}/{mode}": mode for mode in MODES},
    **{f"{APP}/fast/{mode}": mode for mode in MODES},
}
COMMON_FIELDS = frozenset(
    {"prompt", "resolution", "duration", "aspect_ratio", "generate_audio", "seed"}
)
FIELDS = {
    "text-to-video": COMMON_FIELDS,
    "image-to-video": COMMON_FIELDS | {"image_url", "end_image_url"},
    "reference-to-video": COMMON_FIELDS | {"image_urls", "video_urls", "audio_urls", "end_user_id"},
}
RATIOS = frozenset({"auto", "16:9", "4:3", "1:1", "3:4", "9:16", "21:9"})
#: ``duration`` is a string enum in fal's schema, not an integer
DURATIONS = frozenset({"auto", *(str(n) for n in range(4, 16))})
RESOLUTIONS = frozenset({"480p", "720p", "1080p"})
FAST_RESOLUTIONS = frozenset({"480p", "720p"})
MAX_FILES = 12
MAX_PER_KIND = {"image_urls": 9, "video_urls": 3, "audio_urls": 3}
_KIND = {
    "image_urls": "image_url",
    "video_urls": "video_url",
    "audio_urls": "audio_url",
    "image_url": "image_url",
    "end_image_url": "image_url",
}


class Refused(FakeRejection):
    """Raised inside the fake to answer a fal-style error."""

    def __init__(
        self, status: int, message: str, error_type: str = "", loc: str = "", listed: bool = True
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_type = error_type
        self.loc = loc
        self.listed = listed


@dataclass
class FalRequest:
    """A queued request's server-side record."""

    id: str
    endpoint: str
    body: dict[str, Any]
    queue_positions: list[int]
    progress_polls: int
    fail_with: tuple[int, str, str] | None
    polls: int = 0
    cancelled: bool = False
    webhook: str | None = None
    finished: bool = False  # completed on its own

    @property
    def status(self) -> str:
        if self.cancelled or self.finished:
            return "COMPLETED"
        if self.polls <= len(self.queue_positions):
            return "IN_QUEUE"
        if self.polls <= len(self.queue_positions) + self.progress_polls:
            return "IN_PROGRESS"
        return "COMPLETED"


@dataclass
class FakeFal(LoopbackFake):
    """The fake queue. ``async with FakeFal() as fal``; clients use ``fal.queue_base``."""

    auth_scheme = "Key"
    request_id_header = "x-fal-request-id"
    tmp_prefix = "fake-fal-"
    result_auth_refusal = "credentials are not accepted here"
    callback_retry_delays: ClassVar[tuple[float, ...]] = (720.0,) * 10  # 10 in 2 hours
    callback_timeout_s: ClassVar[float] = 15.0

    api_key: str = "fal-test-key-0123456789abcdef:secretpart"
    endpoints: dict[str, str] = field(default_factory=lambda: dict(KNOWN_ENDPOINTS))
    requests_prefix: str = APP
    work_dir: Path | None = None
    next_submit_error: tuple[int, str, str] | None = None
    error_type_header_only: bool = False
    fail_request_with: tuple[int, str, str] | None = None
    queue_positions: list[int] = field(default_factory=list)
    progress_polls: int = 0
    rate_limit_times: int = 0
    rate_limit_retry_after: str = "0"
    server_error_times: int = 0
    server_error_status: int = 503
    delay_s: float = 0.0
    foreign_urls: bool = False
    honour_cancel: bool = False
    user_id: str = "fake-fal-user"
    queued: dict[str, FalRequest] = field(default_factory=dict)
    queue_base: str = ""
    signing_key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    @property
    def jwks_url(self) -> str:
        """Where the fake publishes its webhook key (fal: rest.alpha.fal.ai's JWKS)."""
        return f"{self.queue_base}/.well-known/jwks.json"

    def submits(self) -> list[RecordedRequest]:
        """Recorded submit requests (including refused ones)."""
        return [r for r in self.requests if r.method == "POST"]

    def polls(self, request_id: str | None = None) -> list[RecordedRequest]:
        """Recorded status reads (``GET …/requests/{id}/status``)."""
        return [
            r
            for r in self.requests
            if r.method == "GET"
            and r.path.endswith("/status")
            and (request_id is None or f"/requests/{request_id}/" in r.path)
        ]

    def sign(self, request_id: str, timestamp: str, data: bytes, user_id: str = "") -> str:
        """fal's webhook signature (hex) over ``data``."""
        digest = hashlib.sha256(data).hexdigest()
        message = "\n".join((request_id, user_id or self.user_id, timestamp, digest))
        return self.signing_key.sign(message.encode()).hex()

    async def finish(self, task_id: str) -> None:
        """The request completes now (failed if ``fail_request_with`` was set), with its
        webhook."""
        queued = self.queued[task_id]
        if queued.finished or queued.cancelled:
            return
        queued.finished = True
        if queued.webhook:
            await self._post_callback(task_id, queued.webhook, self._webhook_body(queued))

    def _webhook_body(self, queued: FalRequest) -> dict[str, Any]:
        body: dict[str, Any] = {"request_id": queued.id, "gateway_request_id": queued.id}
        if queued.fail_with is not None:
            status, error_type, message = queued.fail_with
            detail = [{"loc": ["body", "prompt"], "msg": message, "type": error_type}]
            return body | {
                "status": "ERROR",
                "error": f"Invalid status code: {status}",
                "payload": {"detail": detail},
            }
        return body | {"status": "OK", "payload": self._result_json(queued), "error": None}

    def _callback_headers(self, task_id: str, data: bytes) -> dict[str, str]:
        timestamp = str(int(time.time()))
        return {
            "X-Fal-Webhook-Request-Id": task_id,
            "X-Fal-Webhook-User-Id": self.user_id,
            "X-Fal-Webhook-Timestamp": timestamp,
            "X-Fal-Webhook-Signature": self.sign(task_id, timestamp, data),
        }

    async def _jwks(self, request: web.Request) -> web.Response:
        raw = self.signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        x = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        key = {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": "fake", "use": "sig"}
        return web.json_response({"keys": [key]})

    # -- plumbing ------------------------------------------------------------------------

    def _routes(self, app: web.Application) -> None:
        app.router.add_get("/.well-known/jwks.json", self._jwks)
        app.router.add_get("/cdn/{request_id}.mp4", self._result)
        app.router.add_get("/{prefix:.+}/requests/{request_id}/status", self._status)
        app.router.add_put("/{prefix:.+}/requests/{request_id}/cancel", self._cancel)
        app.router.add_get("/{prefix:.+}/requests/{request_id}", self._response)
        app.router.add_post("/{endpoint:.+}", self._submit)

    def _serving_at(self, origin: str) -> None:
        self.queue_base = origin

    def _error(self, exc: Refused, headers: dict[str, str] | None = None) -> web.Response:
        detail: Any = exc.message
        if exc.listed:
            detail = [
                {
                    "loc": ["body", exc.loc] if exc.loc else ["body"],
                    "msg": exc.message,
                    "type": exc.error_type or "value_error",
                }
            ]
        body: dict[str, Any] = {"detail": detail}
        all_headers = dict(headers or {})
        if exc.error_type:
            all_headers["x-fal-error-type"] = exc.error_type
            if not self.error_type_header_only and not exc.listed:
                body["error_type"] = exc.error_type
        return web.json_response(body, status=exc.status, headers=all_headers)

    def _unauthorized(self) -> Refused:
        return Refused(401, "No user found for Key ID and Secret", listed=False)

    def _rate_limited(self) -> Refused:
        return Refused(429, "Too many concurrent requests.", "rate_limited", listed=False)

    def _server_failure(self) -> Refused:
        return Refused(self.server_error_status, "Internal error.", "internal_error", listed=False)

    def _request(self, request: web.Request) -> FalRequest:
        if request.match_info["prefix"] != self.requests_prefix:
            raise Refused(404, "Application not found.", listed=False)
        found = self.queued.get(request.match_info["request_id"])
        if found is None:
            raise Refused(404, "Request not found.", listed=False)
        return found

    # -- routes --------------------------------------------------------------------------

    async def _submit(self, request: web.Request) -> web.Response:
        return await self._api(request, await self._json_body(request), self._enqueue)

    async def _enqueue(self, request: web.Request, body: Any) -> web.Response:
        if self.next_submit_error is not None:
            status, error_type, message = self.next_submit_error
            self.next_submit_error = None
            raise Refused(status, message, error_type, listed=False)
        endpoint = request.match_info["endpoint"]
        mode = self.endpoints.get(endpoint)
        if mode is None:
            raise Refused(404, f"Application '{endpoint}' not found.", listed=False)
        await self._validate(endpoint, mode, body)
        webhook = request.query.get("fal_webhook")
        if webhook is not None and not webhook.startswith(("http://", "https://")):
            raise Refused(422, "fal_webhook must be a URL.", "url_parsing", "fal_webhook")
        request_id = secrets.token_hex(16)
        self.queued[request_id] = FalRequest(
            id=request_id,
            endpoint=endpoint,
            body=body,
            queue_positions=list(self.queue_positions),
            progress_polls=self.progress_polls,
            fail_with=self.fail_request_with,
            webhook=webhook,
        )
        if webhook:
            self._run_on_its_own(request_id)
        origin = "http://elsewhere.invalid" if self.foreign_urls else self.queue_base
        base = f"{origin}/{self.requests_prefix}/requests/{request_id}"
        return web.json_response(
            {
                "request_id": request_id,
                "response_url": base,
                "status_url": f"{base}/status",
                "cancel_url": f"{base}/cancel",
                "queue_position": self.queue_positions[0] if self.queue_positions else 0,
            }
        )

    async def _validate(self, endpoint: str, mode: str, body: Any) -> None:
        if not isinstance(body, dict):
            raise Refused(422, "Input should be a valid dictionary.", "dict_type")
        unknown = sorted(set(body) - FIELDS[mode])
        if unknown:
            raise Refused(422, f"Extra inputs are not permitted: {unknown}", "extra_forbidden")
        prompt = body.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise Refused(422, "Field required.", "missing", "prompt")
        urls: list[tuple[str, str]] = []
        if mode == "image-to-video":
            if not isinstance(body.get("image_url"), str):
                raise Refused(422, "Field required.", "missing", "image_url")
            urls.append(("image_url", body["image_url"]))
            if "end_image_url" in body:
                if not isinstance(body["end_image_url"], str):
                    raise Refused(422, "Input should be a string.", "string_type", "end_image_url")
                urls.append(("end_image_url", body["end_image_url"]))
        elif mode == "reference-to-video":
            counts: dict[str, int] = {}
            for key, most in MAX_PER_KIND.items():
                value = body.get(key, [])
                if not isinstance(value, list) or not all(isinstance(u, str) for u in value):
                    raise Refused(422, "Input should be a list of URLs.", "list_type", key)
                if len(value) > most:
                    raise Refused(422, f"At most {most} {key}.", "too_long", key)
                counts[key] = len(value)
                urls.extend((key, u) for u in value)
            if sum(counts.values()) > MAX_FILES:
                raise Refused(422, f"At most {MAX_FILES} files in all.", "too_long")
            if counts["audio_urls"] and not (counts["image_urls"] or counts["video_urls"]):
                raise Refused(
                    422,
                    "Audio cannot be the only reference: add an image or a video.",
                    "value_error",
                    "audio_urls",
                )
        for key, url in urls:
            if not url.startswith(("http://", "https://")):
                raise Refused(422, "URL must be http(s).", "url_parsing", key)
        resolution = body.get("resolution", "720p")
        allowed = FAST_RESOLUTIONS if "/fast/" in f"/{endpoint}/" else RESOLUTIONS
        if resolution not in allowed:
            raise Refused(422, f"resolution {resolution!r} is not supported.", "enum", "resolution")
        ratio = body.get("aspect_ratio", "auto")
        if ratio not in RATIOS:
            raise Refused(422, f"aspect_ratio {ratio!r} is not supported.", "enum", "aspect_ratio")
        duration = body.get("duration", "auto")
        if not isinstance(duration, str) or duration not in DURATIONS:
            raise Refused(
                422,
                f"duration {duration!r}: input should be 'auto', '4', '5', … or '15'.",
                "literal_error",
                "duration",
            )
        if "end_user_id" in body and not isinstance(body["end_user_id"], str):
            raise Refused(422, "Input should be a string.", "string_type", "end_user_id")
        if "generate_audio" in body and not isinstance(body["generate_audio"], bool):
            raise Refused(422, "Input should be a boolean.", "bool_type", "generate_audio")
        seed = body.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise Refused(422, "Input should be an integer.", "int_type", "seed")
        for key, url in urls:
            await self._fetch_reference(key, url)

    async def _fetch_reference(self, key: str, url: str) -> None:
        kind = _KIND[key]

        def failed(status: int | None) -> Refused:
            detail = "." if status is None else f" (HTTP {status})."
            message = f"Failed to download the file at {url}{detail}"
            return Refused(422, message, "file_download_error", key)

        def wrong() -> Refused:
            error_type = "image_load_error" if kind == "image_url" else "invalid_file"
            return Refused(422, f"The file at {url} is not a supported {kind}.", error_type, key)

        await self._fetch_media(kind, url, failed=failed, wrong=wrong)

    async def _status(self, request: web.Request) -> web.Response:
        async def handler(request: web.Request, body: Any) -> web.Response:
            queued = self._request(request)
            queued.polls += 1
            status = queued.status
            data: dict[str, Any] = {
                "status": status,
                "request_id": queued.id,
                "response_url": str(request.url).rsplit("/status", 1)[0],
            }
            if status == "IN_QUEUE":
                data["queue_position"] = queued.queue_positions[queued.polls - 1]
            elif status == "IN_PROGRESS":
                data["logs"] = [{"message": "Generating video…", "level": "INFO"}]
            elif queued.cancelled:
                data["error"] = "Request was cancelled by the client."
                data["error_type"] = "client_cancelled"
            return web.json_response(data)

        return await self._api(request, None, handler)

    async def _response(self, request: web.Request) -> web.Response:
        async def handler(request: web.Request, body: Any) -> web.Response:
            queued = self._request(request)
            if queued.status != "COMPLETED":
                raise Refused(400, "Request is still in progress.", listed=False)
            if queued.fail_with is not None:
                status, error_type, message = queued.fail_with
                raise Refused(status, message, error_type, "prompt")
            return web.json_response(self._result_json(queued))

        return await self._api(request, None, handler)

    def _result_json(self, queued: FalRequest) -> dict[str, Any]:
        assert self.result_video is not None
        sig = secrets.token_hex(8)
        return {
            "video": {
                "url": f"{self.queue_base}/cdn/{queued.id}.mp4?sig={sig}",
                "content_type": "video/mp4",
                "file_name": "output.mp4",
                "file_size": self.result_video.stat().st_size,
            },
            "seed": 42,
        }

    async def _cancel(self, request: web.Request) -> web.Response:
        # fal's "Cancel a request": a queued request is removed ("OK"); one in progress only
        # gets a signal the app may ignore ("CANCELLATION_REQUESTED"; honoured here when
        # ``honour_cancel``); a finished one answers "ALREADY_COMPLETED".
        async def handler(request: web.Request, body: Any) -> web.Response:
            queued = self._request(request)
            status = queued.status
            if status == "COMPLETED":
                return web.json_response({"status": "ALREADY_COMPLETED"}, status=400)
            if status == "IN_PROGRESS":
                queued.cancelled = self.honour_cancel
                return web.json_response({"status": "CANCELLATION_REQUESTED"}, status=202)
            queued.cancelled = True
            return web.json_response({"status": "OK"})

        return await self._api(request, None, handler)

    def _result_ready(self, request: web.Request) -> bool:
        queued = self.queued.get(request.match_info["request_id"])
        return queued is not None and not queued.cancelled
