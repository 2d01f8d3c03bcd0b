"""The threads of one video transcode (:mod:`bot.media.fixes.video`), laid out as the
ffmpeg CLI lays out its own: the caller's thread demuxes and decodes, one thread scales,
one encodes and muxes the picture, one the sound. PyAV releases the GIL inside the codecs
and swscale, so the four overlap on both cores (docs/ARCHITECTURE.md, *One-click fixes*).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import av

#: Frames handed over and not yet encoded, at most: enough that the decoder and the encoder
#: each keep working while the other is held up (the machine is shared), few enough that
#: memory stays bounded: 16 scaled 720p frames are 22 MB, plus 3 MB for each decoded
#: 1080p frame still waiting for the scaler (1.3 ms a frame, so rarely more than one).
FRAMES_IN_FLIGHT = 16

Encodable = av.VideoFrame | av.AudioFrame | Future[av.VideoFrame] | None


class Pipeline:
    """The scaling and encoding threads of one transcode into ``out``. Frames
    reach each encoder in the order handed over; the muxer interleaves the packets under
    a lock. At most :data:`FRAMES_IN_FLIGHT` frames wait, so memory stays at a few frames;
    a scaler or encoder error is raised on the caller's thread by the next :meth:`put` or
    by :meth:`finish`.
    """

    def __init__(self, out: av.container.OutputContainer) -> None:
        self.out = out
        self.lock = threading.Lock()
        self.scaler = ThreadPoolExecutor(1, thread_name_prefix="callsheet-scale")
        self.encoders = {
            kind: ThreadPoolExecutor(1, thread_name_prefix=f"callsheet-{kind}")
            for kind in ("video", "audio")
        }
        self.pending: deque[Future[None]] = deque()
        # Open every encoder and write the header here, before two threads could.
        out.start_encoding()

    def scale(self, fn: Callable[[], av.VideoFrame]) -> Future[av.VideoFrame]:
        """Run ``fn`` (a scale) on the scaling thread; hand its future to :meth:`put`."""
        return self.scaler.submit(fn)

    def put(
        self, stream: av.VideoStream | av.AudioStream, frame: Encodable, pts: int | None = None
    ) -> None:
        """Encode ``frame`` (or the scale it waits for) on ``stream`` and mux the packets;
        ``None`` flushes the encoder. ``pts`` is stamped on the frame just before, so a
        frame shown on several ticks is handed over once per tick."""
        work = self.encoders[stream.type].submit(self._encode, stream, frame, pts)
        self.pending.append(work)
        while len(self.pending) > FRAMES_IN_FLIGHT:
            self.pending.popleft().result()

    def _encode(
        self, stream: av.VideoStream | av.AudioStream, frame: Encodable, pts: int | None
    ) -> None:
        if isinstance(frame, Future):
            frame = frame.result()
        if frame is not None and pts is not None:
            frame.pts = pts
        packets = stream.encode(frame)  # type: ignore[arg-type]
        with self.lock:
            self.out.mux(packets)

    def finish(self) -> None:
        """Wait for everything handed over (raising the first error)."""
        while self.pending:
            self.pending.popleft().result()

    def close(self) -> None:
        """Stop: drop what has not started and wait for what is being worked on."""
        for pool in (self.scaler, *self.encoders.values()):
            pool.shutdown(wait=True, cancel_futures=True)
        self.pending.clear()
