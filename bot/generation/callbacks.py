"""Provider callbacks: a URL per job, its token, and the receiver that wakes the job.

docs/ARCHITECTURE.md "Jobs and callbacks". When the bot has a public URL, each submit
asks the provider to POST to ``{public}/callbacks/{provider}/{job_id}/{token}`` when the
task ends. ``token`` is the first 24 bytes of HMAC-SHA256(secret, "{provider}:{job_id}"),
base64url (192 bits, unguessable): the URL is registered in the create request, before
the provider names the task, so the token covers the job, not the task id. It is compared
with :func:`hmac.compare_digest`. Where the provider signs its callbacks (fal) the
signature is checked too (:class:`~bot.providers.base.CallbackScheme`).

**A callback only wakes its job, which then polls once.** Its body is never trusted for
the outcome or the result URL: the runner reads both from the provider's status call, as a
poll would. So a repeated, late or reordered callback changes nothing: a finished job is
not running, and a running one polls once more. Answers (the providers retry non-2xx —
Ark 3 times within seconds, EvoLink 3 times, fal 10 times over 2 hours):

- 404: unknown provider, malformed job id or wrong token (says nothing about the job);
- 401: a signing provider's signature does not verify;
- 503: the provider's signing keys can't be fetched now (it retries later; the job's
  fallback polling goes on meanwhile);
- 200: accepted — the job polls now if it is running and the body says the task ended;
  a callback for a finished or unknown job, or one saying "still running", is answered
  200 and ignored (retrying it would change nothing).

**The job may run in another process.** Providers call the public URL, a gateway's web
server; with separate workers (docs/ARCHITECTURE.md "Several workers") the job's runner is
elsewhere. A verified final callback for a job this process is not driving is relayed:
``relay(job_id)`` (:meth:`storage.claims.ClaimRepository.poke`) sends, on PostgreSQL, a
``NOTIFY`` naming the job if it is unfinished, and the runner holding it polls once, as if
called back itself. The checks above happen first, here; what is relayed is only "poll
job N", so a forged or repeated callback still changes nothing.

The handler does no provider I/O and, for a job driven here (or on SQLite), no database
I/O; a relay is one short write. It answers within milliseconds, well inside Ark's 5 s,
EvoLink's 10 s and fal's 15 s.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from bot.providers.base import CallbackScheme, ProviderError

log = logging.getLogger(__name__)

ROUTE = r"/callbacks/{provider}/{job_id:\d+}/{token}"


class CallbackUrls:
    """Builds and checks per-job callback URLs.

    Args:
        public_base_url: where providers reach the bot (``PUBLIC_BASE_URL``).
        secret: HMAC key (stable across restarts, so a running task's URL stays valid).
    """

    def __init__(self, public_base_url: str, secret: bytes) -> None:
        self.base_url = public_base_url.rstrip("/")
        self._secret = secret

    def token(self, provider: str, job_id: int) -> str:
        """The job's token: 32 base64url characters."""
        digest = hmac.new(self._secret, f"{provider}:{job_id}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()[:24]).decode()

    def url(self, provider: str, job_id: int) -> str:
        """The URL ``provider`` POSTs to when job ``job_id``'s task ends."""
        return f"{self.base_url}/callbacks/{provider}/{job_id}/{self.token(provider, job_id)}"

    def valid(self, provider: str, job_id: int, token: str) -> bool:
        """Whether ``token`` is job ``job_id``'s token at ``provider`` (constant time)."""
        return hmac.compare_digest(self.token(provider, job_id).encode(), token.encode())


class JobWaker(Protocol):
    """What the receiver needs of the job runner."""

    def wake_job(self, job_id: int) -> bool:
        """Make a running job poll now; ``False`` if the runner is not driving it."""
        ...


@dataclass
class CallbackStats:
    """Counts of callbacks by outcome since start (for logs and benches)."""

    received: int = 0
    refused: int = 0  # 404: bad provider, job id or token
    unsigned: int = 0  # 401: bad signature
    unavailable: int = 0  # 503: signing keys unreachable
    woke: int = 0  # a running job polls now
    relayed: int = 0  # a job running in another process was asked to poll now
    ignored: int = 0  # 200: not final, or the job is not running


class CallbackReceiver:
    """The aiohttp handler of provider callbacks.

    Args:
        urls: the token signer the URLs were built with.
        schemes: provider name → how it calls back (providers with ``callbacks``).
        jobs: this process's job runner.
        relay: asks whichever process drives a job to poll it now; returns whether the
            job is unfinished (the ask went out). ``None``: jobs run only here.
    """

    def __init__(
        self,
        urls: CallbackUrls,
        schemes: Mapping[str, CallbackScheme],
        jobs: JobWaker,
        relay: Callable[[int], Awaitable[bool]] | None = None,
    ) -> None:
        self.urls = urls
        self.schemes = dict(schemes)
        self.jobs = jobs
        self.relay = relay
        self.stats = CallbackStats()

    def routes(self) -> list[web.RouteDef]:
        """The route to add to the bot's web app (``POST /callbacks/…``)."""
        return [web.post(ROUTE, self.receive)]

    async def receive(self, request: web.Request) -> web.Response:
        """Check one callback and wake its job (see the module docstring for answers)."""
        self.stats.received += 1
        provider = request.match_info["provider"]
        job_id = int(request.match_info["job_id"])
        scheme = self.schemes.get(provider)
        if scheme is None or not self.urls.valid(provider, job_id, request.match_info["token"]):
            self.stats.refused += 1
            log.info(
                "callback refused: %s job %s (unknown provider or bad token)", provider, job_id
            )
            raise web.HTTPNotFound()
        body = await request.read()
        try:
            signed = await scheme.verify(request.headers, body)
        except ProviderError as exc:
            self.stats.unavailable += 1
            log.warning("callback for job %s: signature not checked: %s", job_id, exc)
            raise web.HTTPServiceUnavailable() from None
        if not signed:
            self.stats.unsigned += 1
            log.warning("callback for job %s from %s: bad signature", job_id, provider)
            raise web.HTTPUnauthorized()
        try:
            decoded = json.loads(body) if body else None
        except ValueError:
            decoded = None
        notice = scheme.notice(decoded)
        if notice.final and self.jobs.wake_job(job_id):
            self.stats.woke += 1
            log.debug("callback woke job %s (%s task %s)", job_id, provider, notice.task_id)
        elif notice.final and self.relay is not None and await self.relay(job_id):
            self.stats.relayed += 1
            log.debug("callback for job %s relayed to the process driving it", job_id)
        else:
            self.stats.ignored += 1
            log.debug("callback for job %s ignored (final=%s)", job_id, notice.final)
        return web.json_response({"ok": True})
