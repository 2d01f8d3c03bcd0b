"""A loopback fake of Replicate's predictions API for the Seedance 2.0 models.

Sources: the official client ``replicate-python`` (``replicate/prediction.py``: the
``Prediction`` fields and statuses, create / get / list / cancel; ``model.py``: the
``/v1/models/{owner}/{name}/predictions`` route; ``pagination.py``: ``{"next",
"previous", "results"}`` pages; ``exceptions.py``: RFC 7807 problem details;
``webhook.py``: the signature scheme) and the input schema published on the models' API
pages (``replicate.com/bytedance/seedance-2.0/…/api`` and ``…/seedance-2.0-fast/…/api``).

It checks every create strictly: ``Authorization: Bearer``, a known model, a body of
``input`` plus optional ``webhook``, ``webhook_events_filter`` (``start``, ``output``,
``logs``, ``completed``) and ``stream``; the input fields of the schema only, each with its
type: ``prompt`` (a non-empty string); ``image`` / ``last_frame_image`` (URL strings; the
last frame only with a first frame; neither with ``reference_images``);
``reference_images`` ≤ 9, ``reference_videos`` ≤ 3, ``reference_audios`` ≤ 3 (audio needs a
reference image or video); ``duration`` an integer from -1 to 15; ``resolution`` 480p or
720p (the stored schema page does not list its values: 1080p is not accepted here);
``aspect_ratio`` a Seedance ratio or "adaptive"; ``generate_audio`` a boolean; ``seed`` an
integer. Every optional field may be left out. A violation answers 422 ``{"title":
"Input validation failed", "detail", "status": 422, "invalid_fields": [...]}``. It
**downloads every URL** it gets and refuses one that can't be fetched or isn't its media.

A prediction is ``starting`` on poll 1, ``processing`` until poll ``polls_before_done``,
then ``succeeded`` with ``output`` the URL of a real small MP4 (refusing an
``Authorization`` header) — or ``failed`` with ``error`` (``fail_with``). ``POST
…/cancel`` cancels a ``starting`` or ``processing`` prediction (``canceled``); a
finished one is returned unchanged. ``GET /v1/predictions`` lists newest first,
``page_size`` at a time, ``next`` a cursor URL.

Webhooks: a prediction created with ``webhook`` finishes on its own ``run_s`` after
creation (or when a test calls :meth:`FakeReplicate.finish`), then the fake POSTs the
prediction signed as Replicate does: ``webhook-id``, ``webhook-timestamp`` and
``webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` with the secret
``webhook_secret`` (``whsec_<base64>``); a non-2xx answer is retried.

Scripting: ``next_create_error = (status, title, detail)``, ``fail_with`` (an error
sentence), ``polls_before_done``, ``rate_limit_times`` / ``rate_limit_retry_after``,
``server_error_times`` / ``server_error_status``, ``delay_s``, ``create_reply_gate``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from aiohttp import web

from tests.fakes._base import FakeRejection, LoopbackFake, RecordedRequest
from tests.gates import Gate

MODELS = frozenset({"bytedance/seedance-2.0", "bytedance/seedance-2.0-fast"})
BODY_FIELDS = frozenset({"input", "webhook", "webhook_events_filter", "stream"})
EVENTS = frozenset({"start", "output", "logs", "completed"})
INPUT_TYPES: dict[str, type] = {
    "prompt": str,
    "image": str,
    "last_frame_image": str,
    "reference_images": list,
    "reference_videos": list,
    "reference_audios": list,
    "duration": int,
    "resolution": str,
    "aspect_ratio": str,
    "generate_audio": bool,
    "seed": int,
}
RESOLUTIONS = frozenset({"480p", "720p"})
RATIOS = frozenset({"16:9", "4:3", "1:1", "3:4", "9:16", "21:9", "adaptive"})
MAX_REFERENCES = {"reference_images": 9, "reference_videos": 3, "reference_audios": 3}
_KIND = {
    "image": "image_url",
    "last_frame_image": "image_url",
    "reference_images": "image_url",
    "reference_videos": "video_url",
    "reference_audios": "audio_url",
}


class Problem(FakeRejection):
    """An RFC 7807 problem the fake answers with."""

    def __init__(self, status: int, title: str, detail: str, field_name: str = "") -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.field_name = field_name


def _invalid(field_name: str, detail: str) -> Problem:
    return Problem(422, "Input validation failed", f"- input.{field_name}: {detail}", field_name)


@dataclass
class Prediction:
    """A prediction's server-side record."""

    id: str
    model: str
    input: dict[str, Any]
    created_at: str
    polls_before_done: int
    fail_with: str | None
    webhook: str | None = None
    polls: int = 0
    canceled: bool = False
    finished: bool = False  # ended on its own (a webhook prediction)

    @property
    def status(self) -> str:
        if self.canceled:
            return "canceled"
        if self.finished or self.polls > self.polls_before_done:
            return "failed" if self.fail_with else "succeeded"
        return "starting" if self.polls <= 1 else "processing"


@dataclass
class FakeReplicate(LoopbackFake):
    """The fake API. ``async with FakeReplicate() as replicate``; clients use ``base_url``."""

    tmp_prefix = "fake-replicate-"
    result_auth_refusal = "credentials are not accepted here"
    callback_retry_delays: ClassVar[tuple[float, ...]] = (1.0, 2.0, 4.0)
    callback_timeout_s: ClassVar[float] = 10.0

    api_key: str = "r8_test-token-0123456789abcdef"
    work_dir: Path | None = None
    next_create_error: tuple[int, str, str] | None = None
    fail_with: str | None = None
    polls_before_done: int = 0
    rate_limit_times: int = 0
    rate_limit_retry_after: str = "0"
    server_error_times: int = 0
    server_error_status: int = 503
    delay_s: float = 0.0
    page_size: int = 100
    create_reply_gate: Gate | None = None
    webhook_secret: str = field(
        default_factory=lambda: "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    )
    predictions: dict[str, Prediction] = field(default_factory=dict)
    base_url: str = ""

    def creates(self) -> list[RecordedRequest]:
        """Recorded create requests (including refused ones)."""
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("/predictions")]

    def polls(self, task_id: str | None = None) -> list[RecordedRequest]:
        """Recorded reads of one prediction (``GET /v1/predictions/{id}``)."""
        prefix = f"/v1/predictions/{task_id}" if task_id else "/v1/predictions/"
        return [
            r
            for r in self.requests
            if r.method == "GET" and r.path.startswith(prefix) and r.path != "/v1/predictions/"
        ]

    def sign(self, webhook_id: str, timestamp: str, data: bytes) -> str:
        """Replicate's ``webhook-signature`` over ``data``."""
        secret = base64.b64decode(self.webhook_secret.split("_", 1)[1])
        digest = hmac.new(secret, f"{webhook_id}.{timestamp}.".encode() + data, hashlib.sha256)
        return "v1," + base64.b64encode(digest.digest()).decode()

    async def finish(self, task_id: str) -> None:
        """The prediction ends now (failed if ``fail_with`` was set), with its webhook."""
        prediction = self.predictions[task_id]
        if prediction.finished or prediction.canceled:
            return
        prediction.finished = True
        if prediction.webhook:
            await self._post_callback(task_id, prediction.webhook, self._json(prediction))

    def _callback_headers(self, task_id: str, data: bytes) -> dict[str, str]:
        webhook_id = "msg_" + secrets.token_hex(8)
        stamp = str(int(time.time()))
        return {
            "webhook-id": webhook_id,
            "webhook-timestamp": stamp,
            "webhook-signature": self.sign(webhook_id, stamp, data),
        }

    # -- plumbing ------------------------------------------------------------------------

    def _routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/models/{owner}/{name}/predictions", self._create)
        app.router.add_get("/v1/predictions", self._list)
        app.router.add_get("/v1/predictions/{task_id}", self._get)
        app.router.add_post("/v1/predictions/{task_id}/cancel", self._cancel)
        app.router.add_get("/delivery/{task_id}.mp4", self._result)

    def _serving_at(self, origin: str) -> None:
        self.base_url = origin

    def _error(self, exc: Problem, headers: dict[str, str] | None = None) -> web.Response:
        body: dict[str, Any] = {"title": exc.title, "detail": exc.detail, "status": exc.status}
        if exc.field_name:
            body["invalid_fields"] = [
                {"type": "invalid", "field": f"input.{exc.field_name}", "description": exc.detail}
            ]
        return web.json_response(
            body, status=exc.status, headers=headers, content_type="application/problem+json"
        )

    def _unauthorized(self) -> Problem:
        return Problem(401, "Unauthenticated", "You did not pass a valid authentication token")

    def _rate_limited(self) -> Problem:
        return Problem(429, "Request was throttled", "Request was throttled.")

    def _server_failure(self) -> Problem:
        return Problem(self.server_error_status, "Service unavailable", "Try again later.")

    def _result_ready(self, request: web.Request) -> bool:
        found = self.predictions.get(request.match_info["task_id"])
        return found is not None and found.status == "succeeded"

    def _prediction(self, request: web.Request) -> Prediction:
        found = self.predictions.get(request.match_info["task_id"])
        if found is None:
            raise Problem(404, "Not found", "The requested resource could not be found.")
        return found

    def _json(self, prediction: Prediction) -> dict[str, Any]:
        status = prediction.status
        urls = f"{self.base_url}/v1/predictions/{prediction.id}"
        output = None
        if status == "succeeded":
            output = f"{self.base_url}/delivery/{prediction.id}.mp4?sig={secrets.token_hex(8)}"
        return {
            "id": prediction.id,
            "model": prediction.model,
            "version": "hidden",
            "input": prediction.input,
            "logs": "",
            "output": output,
            "error": prediction.fail_with if status == "failed" else None,
            "status": status,
            "created_at": prediction.created_at,
            "data_removed": False,
            "urls": {"get": urls, "cancel": f"{urls}/cancel", "web": "https://replicate.com/p/x"},
        }

    # -- routes --------------------------------------------------------------------------

    async def _create(self, request: web.Request) -> web.Response:
        return await self._api(request, await self._json_body(request), self._create_prediction)

    async def _create_prediction(self, request: web.Request, body: Any) -> web.Response:
        if self.next_create_error is not None:
            status, title, detail = self.next_create_error
            self.next_create_error = None
            raise Problem(status, title, detail)
        model = f"{request.match_info['owner']}/{request.match_info['name']}"
        if model not in MODELS:
            raise Problem(404, "Not found", f"Model {model} not found.")
        await self._validate(body)
        prediction = Prediction(
            id=secrets.token_hex(13),
            model=model,
            input=body["input"],
            created_at=datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            polls_before_done=self.polls_before_done,
            fail_with=self.fail_with,
            webhook=body.get("webhook"),
        )
        self.predictions[prediction.id] = prediction
        if prediction.webhook:
            self._run_on_its_own(prediction.id)
        if self.create_reply_gate is not None and not await self.create_reply_gate.hold(request):
            return web.Response(status=499, text="client went away")  # the prediction stays
        return web.json_response(self._json(prediction), status=201)

    async def _validate(self, body: Any) -> None:
        if not isinstance(body, dict) or not isinstance(body.get("input"), dict):
            raise Problem(422, "Input validation failed", "- input: input is required")
        unknown = sorted(set(body) - BODY_FIELDS)
        if unknown:
            raise Problem(422, "Invalid request", f"Unknown fields: {unknown}")
        webhook = body.get("webhook")
        if webhook is not None and not (
            isinstance(webhook, str) and webhook.startswith(("http://", "https://"))
        ):
            raise Problem(422, "Invalid request", "webhook must be a URL")
        events = body.get("webhook_events_filter")
        if events is not None and not (isinstance(events, list) and set(events) <= EVENTS):
            raise Problem(422, "Invalid request", f"webhook_events_filter {events!r}")
        given: dict[str, Any] = body["input"]
        for name, value in given.items():
            kind = INPUT_TYPES.get(name)
            if kind is None:
                raise _invalid(name, "Additional property is not allowed")
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise _invalid(name, f"Invalid type. Expected: {kind.__name__}")
        if not isinstance(given.get("prompt"), str) or not given["prompt"].strip():
            raise _invalid("prompt", "prompt is required")
        if "last_frame_image" in given and "image" not in given:
            raise _invalid("last_frame_image", "Only works if a first frame image is provided")
        if given.get("reference_images") and ("image" in given or "last_frame_image" in given):
            raise _invalid("reference_images", "Cannot be combined with first/last frame images")
        urls: list[tuple[str, str]] = []
        for key in ("image", "last_frame_image"):
            if key in given:
                urls.append((key, given[key]))
        for key, most in MAX_REFERENCES.items():
            items = given.get(key, [])
            if not all(isinstance(u, str) for u in items):
                raise _invalid(key, "Invalid type. Expected: array of URIs")
            if len(items) > most:
                raise _invalid(key, f"Array must have at most {most} items")
            urls.extend((key, u) for u in items)
        if given.get("reference_audios") and not (
            given.get("reference_images") or given.get("reference_videos")
        ):
            raise _invalid("reference_audios", "Requires at least one reference image or video")
        duration = given.get("duration", 5)
        if not -1 <= duration <= 15:
            raise _invalid("duration", "Must be between -1 and 15")
        if given.get("resolution", "720p") not in RESOLUTIONS:
            raise _invalid("resolution", f"{given['resolution']!r} is not one of the choices")
        if given.get("aspect_ratio", "16:9") not in RATIOS:
            raise _invalid("aspect_ratio", f"{given['aspect_ratio']!r} is not one of the choices")
        for key, url in urls:
            if not url.startswith(("http://", "https://")):
                raise _invalid(key, "Must be a URI")
            await self._fetch_reference(key, url)

    async def _fetch_reference(self, key: str, url: str) -> None:
        def failed(status: int | None) -> Problem:
            return _invalid(key, f"Could not download {url}" + ("" if status is None else
                                                                  f" (HTTP {status})"))  # fmt: skip

        def wrong() -> Problem:
            return _invalid(key, f"The file at {url} is not a supported {_KIND[key]}")

        await self._fetch_media(_KIND[key], url, failed=failed, wrong=wrong)

    async def _get(self, request: web.Request) -> web.Response:
        async def handler(request: web.Request, body: Any) -> web.Response:
            prediction = self._prediction(request)
            prediction.polls += 1
            return web.json_response(self._json(prediction))

        return await self._api(request, None, handler)

    async def _cancel(self, request: web.Request) -> web.Response:
        async def handler(request: web.Request, body: Any) -> web.Response:
            prediction = self._prediction(request)
            if prediction.status in ("starting", "processing"):
                prediction.canceled = True
            return web.json_response(self._json(prediction))

        return await self._api(request, None, handler)

    async def _list(self, request: web.Request) -> web.Response:
        async def handler(request: web.Request, body: Any) -> web.Response:
            newest_first = list(reversed(self.predictions.values()))
            start = int(request.query.get("cursor", "0"))
            page = newest_first[start : start + self.page_size]
            following = start + self.page_size
            more = following < len(newest_first)
            data = {
                "previous": None,
                "next": f"{self.base_url}/v1/predictions?cursor={following}" if more else None,
                "results": [self._json(p) for p in page],
            }
            return web.Response(text=json.dumps(data), content_type="application/json")

        return await self._api(request, None, handler)
