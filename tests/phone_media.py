"""Phone-style media built from the real files in ``../shared/media``: short clips cut
with PyAV from the real footage, motion photos laid out as Google's and Samsung's cameras
write them (a real JPEG with a real short MP4 appended, described by the still's XMP or by
Samsung's trailer; :mod:`bot.media.motion` has the layouts), and HEIC photos written by
pillow-heif.
"""

from __future__ import annotations

import io
import struct
from fractions import Fraction
from pathlib import Path

import av
import pillow_heif
from PIL import Image

GOOGLE_XMP = """<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 5.1.0-jc003">
  <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
    <rdf:Description rdf:about=""
        xmlns:GCamera="http://ns.google.com/photos/1.0/camera/"
        xmlns:Container="http://ns.google.com/photos/1.0/container/"
        xmlns:Item="http://ns.google.com/photos/1.0/container/item/"
      GCamera:MotionPhoto="1"
      GCamera:MotionPhotoVersion="1"
      GCamera:MotionPhotoPresentationTimestampUs="{timestamp_us}">
      <Container:Directory>
        <rdf:Seq>
          <rdf:li rdf:parseType="Resource">
            <Container:Item Item:Mime="image/jpeg" Item:Semantic="Primary"
              Item:Length="0" Item:Padding="0"/>
          </rdf:li>
          <rdf:li rdf:parseType="Resource">
            <Container:Item Item:Mime="video/mp4" Item:Semantic="MotionPhoto"
              Item:Length="{length}" Item:Padding="0"/>
          </rdf:li>
        </rdf:Seq>
      </Container:Directory>
    </rdf:Description>
  </rdf:RDF>
</x:xmpmeta>"""

MICRO_VIDEO_XMP = """<x:xmpmeta xmlns:x="adobe:ns:meta/">
  <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
    <rdf:Description rdf:about="" xmlns:GCamera="http://ns.google.com/photos/1.0/camera/"
      GCamera:MicroVideo="1" GCamera:MicroVideoVersion="1"
      GCamera:MicroVideoOffset="{length}" GCamera:MicroVideoPresentationTimestampUs="0"/>
  </rdf:RDF>
</x:xmpmeta>"""


def short_clip(
    src: Path,
    out: Path,
    seconds: float,
    size: tuple[int, int] | None = None,
    rate: Fraction | None = None,
) -> Path:
    """``seconds`` of the real footage ``src`` as H.264 (yuv420p, no sound) in the
    container ``out``'s suffix names, scaled to ``size`` and its frames shown at ``rate``
    frames per second when given (default: the source's): a phone's clip."""
    with av.open(str(src)) as source, av.open(str(out), "w") as sink:
        vin = source.streams.video[0]
        rate = rate or vin.average_rate or Fraction(25)
        vout = sink.add_stream("libx264", rate=rate, options={"preset": "ultrafast"})
        vout.width, vout.height = size or (vin.codec_context.width, vin.codec_context.height)
        vout.pix_fmt = "yuv420p"
        wanted = round(seconds * rate)
        count = 0
        for frame in source.decode(vin):
            picture = frame.reformat(width=vout.width, height=vout.height, format="yuv420p")
            picture.pts, picture.time_base = count, Fraction(1) / rate
            sink.mux(vout.encode(picture))
            count += 1
            if count == wanted:
                break
        sink.mux(vout.encode(None))
    return out


def _jpeg(image_path: Path, xmp: str | None) -> bytes:
    buffer = io.BytesIO()
    with Image.open(image_path) as image:
        extra = {"xmp": xmp.encode()} if xmp is not None else {}
        image.convert("RGB").save(buffer, format="JPEG", quality=90, **extra)
    return buffer.getvalue()


def google_motion_photo(image: Path, clip: Path, out: Path, legacy: bool = False) -> Path:
    """A Google motion photo (``legacy``: the older "MicroVideo" XMP): the real ``image``
    as a JPEG whose XMP points at the real MP4 ``clip`` appended to it."""
    video = clip.read_bytes()
    template = MICRO_VIDEO_XMP if legacy else GOOGLE_XMP
    out.write_bytes(_jpeg(image, template.format(length=len(video), timestamp_us=0)) + video)
    return out


def samsung_motion_photo(image: Path, clip: Path, out: Path) -> Path:
    """A Samsung motion photo: the real ``image`` as a JPEG (no XMP), then Samsung's
    trailer: an "SEF" field named ``MotionPhoto_Data`` holding the real MP4 ``clip``, and
    the directory (``SEFH`` … ``SEFT``) pointing back at it."""
    marker = b"\x00\x00\x30\x0a"
    name = b"MotionPhoto_Data"
    field = marker + struct.pack("<I", len(name)) + name + clip.read_bytes()
    head = b"SEFH" + struct.pack("<II", 106, 1)
    entry = marker + struct.pack("<II", len(field), len(field))
    directory = head + entry
    trailer = field + directory + struct.pack("<I", len(directory)) + b"SEFT"
    out.write_bytes(_jpeg(image, None) + trailer)
    return out


def heic_photo(image: Path, out: Path, quality: int = 80) -> Path:
    """The real ``image`` saved as a HEIC photo by pillow-heif (libheif, x265)."""
    pillow_heif.register_heif_opener()
    with Image.open(image) as picture:
        picture.convert("RGB").save(out, format="HEIF", quality=quality)
    return out
