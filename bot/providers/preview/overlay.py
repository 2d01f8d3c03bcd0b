"""Text drawn over every preview frame: the prompt as a lower-third caption, the label
badge, and the current segment's tag and role, pre-rendered once as RGBA patches.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from bot.providers.preview.spec import PreviewSpec

_FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/Library/Fonts",
    "C:/Windows/Fonts",
)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _font(size: int, bold: bool = False) -> Font:
    """A TrueType font (DejaVu if installed, else Pillow's bundled one); not cached, so
    concurrent renders in different threads never share a FreeType face."""
    names = ("DejaVuSans-Bold.ttf",) if bold else ("DejaVuSans.ttf",)
    for d in _FONT_DIRS:
        for name in (*names, "Arial Bold.ttf" if bold else "Arial.ttf"):
            path = Path(d) / name
            if path.is_file():
                try:
                    return ImageFont.truetype(str(path), size)
                except OSError:
                    continue
    return ImageFont.load_default(size)


def _wrap(text: str, font: Font, max_width: float, max_lines: int) -> list[str]:
    """Greedy word wrap; the last line ends with an ellipsis when text is cut."""
    words = " ".join(text.split()).split(" ")
    lines: list[str] = []
    current = ""
    i = 0
    while i < len(words):
        word = words[i]
        trial = f"{current} {word}" if current else word
        if font.getlength(trial) <= max_width:
            current = trial
            i += 1
            continue
        if not current:  # a single word longer than the line: hard-cut it
            cut = len(word)
            while cut > 1 and font.getlength(word[:cut]) > max_width:
                cut -= 1
            current, words[i] = word[:cut], word[cut:]
            if not words[i]:
                i += 1
        lines.append(current)
        current = ""
        if len(lines) == max_lines:
            break
    truncated = i < len(words) or (len(lines) == max_lines and bool(current))
    if current and len(lines) < max_lines:
        lines.append(current)
    if truncated and lines:
        last = lines[-1].rstrip(" ,.;:")
        while last and font.getlength(last + "…") > max_width:
            last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
        lines[-1] = (last.rstrip(" ,.;:") + "…") if last else "…"
    return lines


RGBA = tuple[int, int, int, int]


def _pill(text: str, font: Font, pad: int, fill: RGBA, text_fill: RGBA) -> Image.Image:
    """``text`` on a rounded rectangle ``pad`` px larger than its ink on every side, as an
    RGBA patch (transparent outside the rectangle)."""
    left, top, right, bottom = (round(v) for v in font.getbbox(text))
    bw, bh = right - left + 2 * pad, bottom - top + 2 * pad
    patch = Image.new("RGBA", (bw, bh), (0, 0, 0, 0))
    draw = ImageDraw.Draw(patch)
    draw.rounded_rectangle((0, 0, bw - 1, bh - 1), radius=pad, fill=fill)
    draw.text((pad - left, pad - top), text, font=font, fill=text_fill)
    return patch


@dataclass
class _Patch:
    image: Image.Image  # RGBA, pasted with its own alpha as mask
    xy: tuple[int, int]


class Overlay:
    """Pre-rendered caption, badge and per-segment tag patches (RGBA), pasted per frame."""

    def __init__(self, spec: PreviewSpec) -> None:
        self.w, self.h = spec.width, spec.height
        unit = min(self.w, self.h)
        self.static: list[_Patch] = []
        self._tags: dict[str, _Patch] = {}
        self._small = _font(max(10, round(unit * 0.032)))
        if spec.label:
            self.static.append(self._badge(spec.label, unit))
        if spec.prompt.strip():
            self.static.append(self._caption(spec.prompt, unit))

    def _badge(self, label: str, unit: int) -> _Patch:
        font = _font(max(10, round(unit * 0.04)), bold=True)
        pad = max(4, round(unit * 0.015))
        patch = _pill(label, font, pad, (214, 40, 40, 225), (255, 255, 255, 255))
        margin = max(6, round(unit * 0.03))
        return _Patch(patch, (self.w - patch.width - margin, margin))

    def _caption(self, prompt: str, unit: int) -> _Patch:
        font = _font(max(11, round(unit * 0.045)))
        margin_x = max(8, round(self.w * 0.05))
        lines = _wrap(prompt, font, self.w - 2 * margin_x, max_lines=3)
        _, top, _, bottom = font.getbbox("Ágjy|")
        line_h = round((bottom - top) * 1.3)
        pad = max(6, round(unit * 0.025))
        band_h = line_h * len(lines) + 2 * pad
        patch = Image.new("RGBA", (self.w, band_h), (0, 0, 0, 130))
        draw = ImageDraw.Draw(patch)
        for k, line in enumerate(lines):
            tw = font.getlength(line)
            x = (self.w - tw) / 2
            y = pad + k * line_h
            draw.text((x + 1, y + 1), line, font=font, fill=(0, 0, 0, 200))
            draw.text((x, y), line, font=font, fill=(255, 255, 255, 255))
        # Lower third: the band's bottom sits ~8% above the bottom edge.
        y0 = max(0, self.h - band_h - round(self.h * 0.08))
        return _Patch(patch, (0, y0))

    def tag_patch(self, tag: str, role_label: str) -> _Patch | None:
        text = " · ".join(p for p in (tag, role_label) if p)
        if not text:
            return None
        if text not in self._tags:
            font = self._small
            unit = min(self.w, self.h)
            pad = max(3, round(unit * 0.01))
            patch = _pill(text, font, pad, (0, 0, 0, 140), (240, 240, 240, 255))
            margin = max(6, round(unit * 0.03))
            self._tags[text] = _Patch(patch, (margin, margin))
        return self._tags[text]

    def apply(self, frame: Image.Image, tag: str, role_label: str) -> Image.Image:
        patches = [*self.static]
        tp = self.tag_patch(tag, role_label)
        if tp is not None:
            patches.append(tp)
        for p in patches:
            frame.paste(p.image, p.xy, p.image)
        return frame
