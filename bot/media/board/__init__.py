"""The asset board: one picture of a session's references and how much budget is left
(JPEG on the card, PNG in tests and the CLI).

The session card shows this image as its embed image. Discord previews embed images at
about 400 px wide on desktop (less on mobile), so the board is drawn :data:`BOARD_WIDTH` =
1200 px wide with large, high-contrast type that stays readable at a third of its size.

What is drawn, top to bottom:

- one **tile** per asset, in arrival order (``session.assets``), three per row (four once
  there are more than six): the tag (``@image1``) and, on the right, the duration, both in
  big type (on a narrow tile the duration moves to a badge on the picture); the role label
  ("first frame", :func:`bot.seedance.roles.get_role`); and small facts ("JPEG 640×427 · 110 KB").
  The picture part of the tile shows

  - images: a cover-fit thumbnail. JPEGs are decoded at a reduced scale with
    :meth:`PIL.Image.Image.draft`, so a 6000 px photo never decodes at full size; EXIF
    orientation is honoured;
  - videos: a 2×2 contact sheet of :data:`VIDEO_FRAMES` frames sampled evenly across the
    clip (at ``(i + ½) / n`` of its duration). PyAV seeks to the keyframe before each
    sample and decodes forward to it, skipping non-reference frames while far from it;
    the whole clip is never decoded unless the samples need it;
  - audio: a peak envelope of the sound, decoded by PyAV and resampled to mono at
    :data:`AUDIO_RATE_HZ` into a pydub segment, each column the peak of its slice
    against the clip's peak (so it is taller where the clip is louder), at most
    :data:`AUDIO_MAX_DECODE_S` seconds of it;
  - a file that is missing or fails to decode: a red panel with a cross and
    "can't preview" (the board never raises for one bad file).

- an asset whose face question is open (``face_flag == "warned"``) gets an amber ring
  round its tile and a "FACE?" badge on its picture (:func:`face_badge`);
- an empty session shows a placeholder: "Drop images, clips or audio here".
- three **budget bars** at the bottom, each green below 60 % full, amber below 90 %, red
  from 90 % (and when over the limit; the fill is then clamped to the whole bar):

  - Files: ``len(session.assets)`` of ``limits.max_files`` (seeds 000, 004: 12);
  - Video: total video seconds of ``limits.video.max_total_duration_s`` (seeds 000, 001,
    004: 15 s);
  - Audio: total audio seconds of ``limits.audio.max_total_duration_s`` (seeds 000, 001,
    004: 15 s).

  A limit of ``None`` (a profile without that cap) draws an empty bar labelled "no cap".

Geometry is in pixels, durations in seconds. :func:`board_layout` returns the exact boxes
:func:`render_board` draws into (tests measure them). Memory stays bounded: sources are
decoded on :data:`DECODE_THREADS` threads (at most two open at once); JPEGs are decoded
reduced (PNG cannot be, but anything above :data:`bot.media.probe.MAX_DECODE_PIXELS` is refused);
video frames are converted straight to thumbnail size; audio is decoded at 4 kHz mono.
Six assets render in about 0.4 s on 2 cores; 9 images + 3 videos + 3 audio in about
0.9 s with a peak RSS of about 165 MB (``bench/board.py``).

The package holds :mod:`.layout` (geometry, colours), :mod:`.decode` (thumbnails, video
frames, audio envelopes) and :mod:`.render` (drawing), and :mod:`.strip`, the storyboard's
shot strip (:func:`render_strip`). Pure Pillow, PyAV, pydub and numpy; no
discord import. :func:`render_board` is synchronous and CPU-bound: the bot runs it on its
render pool (:class:`bot.workers.WorkerPool`), never on the event loop.
"""

from bot.media.board.decode import (
    AUDIO_MAX_DECODE_S,
    AUDIO_RATE_HZ,
    MAX_DECODED_FRAMES,
    Picture,
    Unpreviewable,
)
from bot.media.board.layout import (
    AMBER,
    BG,
    BOARD_WIDTH,
    DIM,
    FAIL_BG,
    GREEN,
    KIND_COLORS,
    MEDIA_BG,
    RED,
    TEXT,
    TILE_BG,
    TRACK,
    VIDEO_FRAMES,
    WAVE,
    WAVE_AXIS,
    BoardLayout,
    Box,
    Color,
    TileLayout,
    bar_color,
    board_layout,
    face_badge,
    frame_boxes,
)
from bot.media.board.render import DECODE_THREADS, render_board
from bot.media.board.strip import StripShot, render_strip

__all__ = [
    "AMBER",
    "AUDIO_MAX_DECODE_S",
    "AUDIO_RATE_HZ",
    "BG",
    "BOARD_WIDTH",
    "DECODE_THREADS",
    "DIM",
    "FAIL_BG",
    "GREEN",
    "KIND_COLORS",
    "MAX_DECODED_FRAMES",
    "MEDIA_BG",
    "RED",
    "TEXT",
    "TILE_BG",
    "TRACK",
    "VIDEO_FRAMES",
    "WAVE",
    "WAVE_AXIS",
    "BoardLayout",
    "Box",
    "Color",
    "Picture",
    "StripShot",
    "TileLayout",
    "Unpreviewable",
    "bar_color",
    "board_layout",
    "face_badge",
    "frame_boxes",
    "render_board",
    "render_strip",
]
