"""Replicate: Seedance 2.0 through Replicate's predictions API.

Sources: Replicate's HTTP API as its official client calls it (``replicate-python``:
``replicate/prediction.py``, ``model.py``, ``pagination.py``, ``exceptions.py``,
``webhook.py``) and the input schema of the models ``bytedance/seedance-2.0`` and
``bytedance/seedance-2.0-fast`` (replicate.com, the models' "API" pages):

- ``POST /v1/models/{owner}/{name}/predictions`` with ``{"input": …, "webhook",
  "webhook_events_filter"}`` creates a prediction (no ``Prefer: wait`` header: the call
  answers at once with ``status: "starting"``, and the video is polled for);
- ``GET /v1/predictions/{id}``: ``starting → processing → succeeded | failed |
  canceled``; ``output`` is the video's URI, ``error`` a sentence;
- ``POST /v1/predictions/{id}/cancel``; ``GET /v1/predictions`` lists predictions,
  newest first, a page at a time (``next`` is the next page's URL);
- errors are RFC 7807 problem details (``{"title", "detail", "status"}``); 422 means the
  input failed validation.

Input (the schema): ``prompt``; ``image`` (first frame) and ``last_frame_image`` — not with
``reference_images``; ``reference_images`` ≤ 9, ``reference_videos`` ≤ 3 (≤ 15 s in all),
``reference_audios`` ≤ 3 (≤ 15 s, needs an image or video); ``duration`` an integer
(-1 = the model picks, up to 15); ``resolution``; ``aspect_ratio`` (or "adaptive");
``generate_audio``; ``seed``. The prompt names references ``[Image1]``, ``[Video1]``,
``[Audio1]``, so the profile speaks the ``brackets`` dialect.

Webhooks (optional): a create with a callback URL asks for the ``completed`` event only;
Replicate signs each POST (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``:
base64 HMAC-SHA256 of ``id.timestamp.body`` with the account's ``whsec_…`` secret),
checked by :class:`~bot.providers.replicate_webhook.ReplicateWebhooks` when the secret is
set.

Called with aiohttp directly. The token goes only to ``base_url`` as a Bearer token and is
never logged or echoed. Output files are fetched without credentials; Replicate deletes an
API prediction's files after an hour, so a result is downloaded at once (a gone URL is
reported as expired and refunded).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from pydantic import SecretStr

from bot.hosting.base import AssetHost
from bot.providers._http import (
    DEFAULT_HTTP,
    ApiError,
    HttpOptions,
    HttpProvider,
    is_transient_status,
    json_value,
    looks_like_face_refusal,
    parse_retry_after,
)
from bot.providers.base import (
    QUEUED_ONLY,
    CallbackScheme,
    ProviderProfile,
    TaskState,
    TaskStatus,
    job_seed,
)
from bot.providers.catalogue import REPLICATE_CATALOGUE, ModelSetting
from bot.providers.messages import (
    CANCELLED_MESSAGE,
    FACE_MESSAGE,
    IMAGE_TO_VIDEO_MESSAGE,
    KEY_MESSAGE,
    NO_TASK_ID_MESSAGE,
    NO_VIDEO_MESSAGE,
    POLICY_MESSAGE,
    RATE_LIMIT_MESSAGE,
    not_generated_message,
    rejected_message,
    trouble_message,
    unexpected_status_message,
)
from bot.providers.replicate_webhook import ReplicateWebhooks
from bot.seedance.compiler import GenerationRequest
from bot.words import say

log = logging.getLogger(__name__)

REPLICATE_BASE_URL = "https://api.replicate.com"
PREDICTIONS_PATH = "/v1/predictions"
DEFAULT_ASSET_EXPIRY_S = 86_400
# Reconciling an unconfirmed create: clock slack and how much of the list is read.
LIST_CLOCK_SLACK_S = 300
LIST_MAX_PAGES = 5
_STATES: dict[str, TaskState] = {
    "starting": "queued",
    "processing": "running",
    "succeeded": "succeeded",
}
_POLICY_WORDS = ("sensitive", "flagged", "nsfw", "safety", "policy")


class ReplicateApiError(ApiError):
    """A Replicate refusal or failure (``code`` is the problem's title, or "")."""


def map_error(
    status: int | None,
    title: str,
    detail: str,
    *,
    model: str = "",
    retry_after: float | None = None,
) -> ReplicateApiError:
    """The member-facing error for a Replicate problem (HTTP ``status``) or a failed
    prediction's ``error`` (``status`` ``None``). Every failure is refunded."""
    detail = detail.strip()
    said = detail or title or "no reason given"
    lowered = said.lower()
    if any(word in lowered for word in _POLICY_WORDS) or looks_like_face_refusal(said):
        text = FACE_MESSAGE if looks_like_face_refusal(said) else POLICY_MESSAGE
        return ReplicateApiError(text, status=status, code=title)
    if status == 401:
        return ReplicateApiError(KEY_MESSAGE, status=status, code=title)
    if status in (402, 403):
        return ReplicateApiError(say("provider-quota-replicate"), status=status, code=title)
    if status == 404:
        return ReplicateApiError(say("provider-model-missing", model=model), status=status)
    if status == 429:
        return ReplicateApiError(
            RATE_LIMIT_MESSAGE, status=status, code=title, retryable=True, retry_after=retry_after
        )
    if status is not None and is_transient_status(status):
        return ReplicateApiError(
            trouble_message(status), status=status, code=title, retryable=True,
            retry_after=retry_after,
        )  # fmt: skip
    if status in (400, 422):
        return ReplicateApiError(rejected_message(said), status=status, code=title)
    if status is None:
        return ReplicateApiError(not_generated_message(said), code=title)
    return ReplicateApiError(unexpected_status_message(status, title), status=status, code=title)


class ReplicateProvider(HttpProvider):
    """Seedance 2.0 on Replicate.

    Args:
        api_key: the Replicate API token; sent only to ``base_url`` as a Bearer token.
        session / asset_host: as for :class:`~bot.providers.ark.ArkProvider`.
        options: timeouts, retries, reference expiry and the download cap
            (:class:`~bot.providers._http.HttpOptions`).
        base_url: API root (``https://api.replicate.com``).
        extra_models: the operator's models (newer versions) by model key; ``id`` is the
            model's ``owner/name``.
        webhook_secret: see :class:`~bot.providers.replicate_webhook.ReplicateWebhooks`.
    """

    _log_name = "replicate"
    _default_asset_expiry_s = DEFAULT_ASSET_EXPIRY_S
    _log = log
    _error = ReplicateApiError

    def __init__(
        self,
        api_key: SecretStr,
        *,
        session: aiohttp.ClientSession,
        asset_host: AssetHost,
        base_url: str = REPLICATE_BASE_URL,
        extra_models: Mapping[str, ModelSetting] | None = None,
        webhook_secret: SecretStr | None = None,
        options: HttpOptions = DEFAULT_HTTP,
        poll_interval_s: float = 5.0,
    ) -> None:
        super().__init__(
            api_key,
            session=session,
            asset_host=asset_host,
            options=options,
        )
        self.base_url = base_url.rstrip("/")
        self.profile = ProviderProfile(
            name="replicate",
            label="Seedance 2.0 (Replicate)",
            dialect="brackets",
            catalogue=REPLICATE_CATALOGUE.extended(extra_models or {}),
            cancels=QUEUED_ONLY,
            poll_interval_s=poll_interval_s,
        )
        self.callbacks: CallbackScheme | None = ReplicateWebhooks(webhook_secret)
        self._results: dict[str, str] = {}  # prediction id → output URL, until downloaded

    # -- Provider protocol -------------------------------------------------------------

    async def submit(
        self,
        request: GenerationRequest,
        job_id: int,
        callback_url: str | None = None,
        *,
        expires_in_s: float | None = None,
    ) -> str:
        """Publish the references, create the prediction (with ``webhook`` when given)
        and return its id. The job's own seed is sent, so :meth:`find_tasks` can tell this
        job's prediction apart.

        Raises:
            ProviderError: a reference could not be published or Replicate refused.
        """
        model = self.profile.catalogue.model_id(request.model)
        body: dict[str, Any] = {"input": await self.build_input(request, job_id)}
        if callback_url:
            body["webhook"] = callback_url
            body["webhook_events_filter"] = ["completed"]
        path = f"/v1/models/{model}/predictions"
        data = await self._with_retries(
            "create prediction", lambda: self._call("POST", path, json=body, model=model)
        )
        task_id = data.get("id")
        if not isinstance(task_id, str) or not task_id:
            raise ReplicateApiError(NO_TASK_ID_MESSAGE)
        log.info("replicate job %s: prediction %s created (%s)", job_id, task_id, model)
        return task_id

    async def poll(self, task_id: str) -> TaskStatus:
        """``starting`` → queued, ``processing`` → running, then the outcome.

        Raises:
            ProviderError: the status could not be read after the retries.
        """
        data = await self._get_known(
            "get prediction",
            lambda: self._call("GET", f"{PREDICTIONS_PATH}/{task_id}"),
            gone_message=say("provider-task-gone"),
            polling=True,
        )
        status = str(data.get("status", ""))
        state = _STATES.get(status)
        if state == "succeeded":
            url = _output_url(data.get("output"))
            if url is None:
                return TaskStatus(
                    "failed", error=ReplicateApiError(say("provider-no-video-returned"))
                )
            self._results[task_id] = url
            seed = (data.get("input") or {}).get("seed")
            return TaskStatus("succeeded", progress=1.0, seed=seed if _is_int(seed) else None)
        if state is not None:
            return TaskStatus(state)
        if status == "canceled":
            return TaskStatus("failed", error=ReplicateApiError(CANCELLED_MESSAGE))
        if status == "failed":
            detail = self._scrub(str(data.get("error") or ""))
            log.info("replicate prediction %s failed", task_id)
            return TaskStatus("failed", error=map_error(None, "", detail))
        log.warning("replicate prediction %s: unknown status %r", task_id, status)
        return TaskStatus("running")

    async def find_tasks(
        self, request: GenerationRequest, job_id: int, since: datetime
    ) -> list[str]:
        """This job's predictions created since ``since``, oldest first, from
        ``GET /v1/predictions`` (newest first; ``next`` pages, at most 5): the model, the
        prompt and the job's seed in their ``input`` say which are the job's.

        Raises:
            ProviderError: the list could not be read.
        """
        model = self.profile.catalogue.model_id(request.model)
        seed = job_seed(job_id, request)
        earliest = since.timestamp() - LIST_CLOCK_SLACK_S
        found: list[str] = []
        url: str | None = f"{self.base_url}{PREDICTIONS_PATH}"
        for _ in range(LIST_MAX_PAGES):
            if url is None or not self._own(url):
                break
            data = await self._list_page(url)
            results = [p for p in data.get("results") or [] if isinstance(p, dict)]
            stamps: list[float] = []
            for prediction in results:
                created = _timestamp(prediction.get("created_at"))
                if created is not None:
                    stamps.append(created)
                given = prediction.get("input")
                given = given if isinstance(given, dict) else {}
                if (
                    created is not None
                    and created >= earliest
                    and prediction.get("model") == model
                    and given.get("seed") == seed
                    and given.get("prompt") == request.prompt
                    and isinstance(prediction.get("id"), str)
                ):
                    found.append(prediction["id"])
            if stamps and min(stamps) < earliest:
                break
            following = data.get("next")
            url = following if isinstance(following, str) and following else None
        found.reverse()
        return found

    async def download(self, task_id: str, out_path: Path) -> None:
        """Stream the output video to ``out_path`` (via ``.part``), without credentials.

        Raises:
            ProviderError: the prediction has no video or it could not be fetched.
        """
        url = self._results.pop(task_id, None)
        if url is None:
            status = await self.poll(task_id)
            url = self._results.pop(task_id, None)
            if status.state != "succeeded" or url is None:
                raise ReplicateApiError(NO_VIDEO_MESSAGE)
        await self._download_video(url, out_path)
        log.info("replicate prediction %s: video saved to %s", task_id, out_path)

    async def download_last_frame(self, task_id: str, out_path: Path) -> bool:
        """``False``: Replicate returns no last frame (its API has no such output); the caller
        decodes it from the video (:func:`bot.media.film.last_frame`)."""
        return False

    async def cancel(self, task_id: str) -> bool:
        """Cancel a prediction still ``starting``; ``True`` once Replicate reports it
        ``canceled``. One already ``processing`` is left to finish: whether Replicate
        bills the part of a Seedance run before a cancel is not documented, so a cancel
        then could not be confirmed as free."""
        path = f"{PREDICTIONS_PATH}/{task_id}"
        try:
            current = await self._with_retries("get prediction", lambda: self._call("GET", path))
            if current.get("status") != "starting":
                return False
            data = await self._with_retries(
                "cancel prediction", lambda: self._call("POST", f"{path}/cancel")
            )
        except ReplicateApiError as exc:
            log.warning("replicate cancel of %s failed: %s", task_id, exc.status or exc.code)
            return False
        return data.get("status") == "canceled"

    # -- Helpers -----------------------------------------------------------------------

    async def build_input(self, request: GenerationRequest, job_id: int) -> dict[str, Any]:
        """The prediction's ``input`` in the models' schema: first/last frame as
        ``image`` / ``last_frame_image``, references as ``reference_*`` arrays in request
        order (array index = ``[Image N]`` in the prompt)."""
        given: dict[str, Any] = {"prompt": request.prompt}
        if request.mode == "image_to_video":
            if not 1 <= len(request.images) <= 2 or request.videos or request.audios:
                raise ReplicateApiError(IMAGE_TO_VIDEO_MESSAGE)
            given["image"] = await self._publish(request.images[0])
            if len(request.images) == 2:
                given["last_frame_image"] = await self._publish(request.images[1])
        elif request.mode == "reference_to_video":
            for key, assets in (
                ("reference_images", request.images),
                ("reference_videos", request.videos),
                ("reference_audios", request.audios),
            ):
                if assets:
                    given[key] = [await self._publish(placed) for placed in assets]
        given.update(
            {
                "duration": request.duration_s,
                "resolution": request.resolution,
                "aspect_ratio": request.ratio,
                "generate_audio": request.generate_audio,
                "seed": job_seed(job_id, request),
            }
        )
        return given

    def _own(self, url: str) -> bool:
        """Whether ``url`` is on the API's origin (the token may go there)."""
        mine, theirs = urlsplit(self.base_url), urlsplit(url)
        return (mine.scheme, mine.netloc) == (theirs.scheme, theirs.netloc)

    async def _list_page(self, url: str) -> dict[str, Any]:
        path = urlsplit(url).path
        query = urlsplit(url).query
        return await self._with_retries(
            "list predictions", lambda: self._call("GET", f"{path}?{query}" if query else path)
        )

    async def _call(
        self, method: str, path: str, *, json: dict[str, Any] | None = None, model: str = ""
    ) -> dict[str, Any]:
        """One API call; returns the JSON object or raises a mapped error."""
        status, headers, raw = await self._send(method, f"{self.base_url}{path}", path, json=json)
        data = json_value(raw)
        data = data if isinstance(data, dict) else {}
        if status >= 400:
            title = str(data.get("title") or "")
            detail = self._scrub(str(data.get("detail") or ""))
            log.info("replicate %s %s: HTTP %s %s", method, path, status, title or "(no title)")
            raise map_error(
                status, title, detail, model=model,
                retry_after=parse_retry_after(headers.get("Retry-After")),
            )  # fmt: skip
        return data


def _output_url(output: Any) -> str | None:
    """The video URI of a prediction's ``output`` (the schema: a URI string; a list of
    them is read too)."""
    if isinstance(output, list) and output:
        output = output[0]
    return output if isinstance(output, str) and output else None


def _timestamp(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
