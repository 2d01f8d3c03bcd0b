"""The ``preview`` provider: Seedance's interface, rendered locally with no account and no
spend, and the renderer behind it.

When no provider API key is configured, the bot still produces a real, clearly labelled MP4
from a session's references so that the whole flow works. The renderer is pure and
synchronous (no discord, no asyncio); :class:`PreviewProvider` runs :func:`render_preview`
in a worker thread.

The output is an H.264 (yuv420p) + AAC (48 kHz stereo) MP4 with the ``moov`` atom at the
front (``movflags=+faststart``), of exactly ``round(duration_s * fps)`` frames at
``width`` x ``height``. Frames are generated and encoded one at a time, and reference videos
are decoded lazily, so memory stays bounded whatever the duration or resolution.

Modules: :mod:`.provider` (the provider), :mod:`.spec` (what to render, reference checks),
:mod:`.scene` (picture segments), :mod:`.overlay` (caption, badge, tags), :mod:`.audio`
(soundtrack) and :mod:`.render` (frame composition and muxing).
"""

from bot.providers.preview.audio import SAMPLE_RATE
from bot.providers.preview.provider import PreviewProvider
from bot.providers.preview.render import render_preview
from bot.providers.preview.spec import PreviewSpec, RenderError, RenderReference

__all__ = [
    "SAMPLE_RATE",
    "PreviewProvider",
    "PreviewSpec",
    "RenderError",
    "RenderReference",
    "render_preview",
]
