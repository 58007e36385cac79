"""A small rasteriser for the pictures of :mod:`rulelang.render`, and a PNG writer.

It draws exactly the elements the renderer makes (rectangles, circles and polygons, filled
and outlined, in groups moved by ``translate``) with numpy, supersampled for smooth edges,
and writes PNG with :mod:`zlib`: no system library and no extra package, so
``rulelang render -o picture.png`` works wherever rulelang installs. Text is not drawn (it
would need a font); the SVG has it.
"""

from __future__ import annotations

import re
import struct
import zlib
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .render import Drawing, Element

#: Samples per pixel along each axis (3 x 3 = 9 samples a pixel).
SUPERSAMPLE = 3

_TRANSLATE = re.compile(r"translate\(\s*([-0-9.eE]+)[ ,]+([-0-9.eE]+)\s*\)")


def _rgb(color: str | None) -> tuple[int, int, int] | None:
    if not color or color == "none":
        return None
    c = color.lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    return tuple(int(c[i:i + 2], 16) for i in (0, 2, 4))


class _Canvas:
    def __init__(self, width: float, height: float, scale: float) -> None:
        self.k = scale * SUPERSAMPLE  # samples per user unit
        self.h = max(1, round(height * scale))
        self.w = max(1, round(width * scale))
        # One plane per channel: filling a region is then a plain fill of each plane.
        self.px = np.full((3, self.h * SUPERSAMPLE, self.w * SUPERSAMPLE), 255, dtype=np.uint8)

    def _window(self, x0: float, y0: float, x1: float, y1: float):
        """Sample index bounds of a box in user units, clipped to the canvas."""
        H, W = self.px.shape[1:]
        i0, i1 = max(0, int(np.floor(y0 * self.k))), min(H, int(np.ceil(y1 * self.k)))
        j0, j1 = max(0, int(np.floor(x0 * self.k))), min(W, int(np.ceil(x1 * self.k)))
        return i0, i1, j0, j1

    def box(self, x0: float, y0: float, x1: float, y1: float, rgb: tuple[int, int, int]) -> None:
        """An axis-aligned box, snapped to the sample grid."""
        H, W = self.px.shape[1:]
        i0, i1 = max(0, round(y0 * self.k)), min(H, round(y1 * self.k))
        j0, j1 = max(0, round(x0 * self.k)), min(W, round(x1 * self.k))
        if i1 > i0 and j1 > j0:
            for ch in range(3):
                self.px[ch, i0:i1, j0:j1] = rgb[ch]

    def grid(self, x0: float, y0: float, x1: float, y1: float):
        i0, i1, j0, j1 = self._window(x0, y0, x1, y1)
        if i1 <= i0 or j1 <= j0:
            return None
        ys = (np.arange(i0, i1, dtype=np.float32) + 0.5) / self.k
        xs = (np.arange(j0, j1, dtype=np.float32) + 0.5) / self.k
        return (i0, i1, j0, j1), xs[None, :], ys[:, None]

    def paint(self, where, mask: np.ndarray, rgb: tuple[int, int, int]) -> None:
        i0, i1, j0, j1 = where
        for ch in range(3):
            self.px[ch, i0:i1, j0:j1][mask] = rgb[ch]

    def image(self) -> np.ndarray:
        s = SUPERSAMPLE
        # Strided adds, not a reduction over two axes: the same sums, many times faster.
        px = self.px.astype(np.uint16)
        rows = sum(px[:, k::s] for k in range(s))
        total = sum(rows[:, :, k::s] for k in range(s))
        return np.ascontiguousarray(((total + s * s // 2) // (s * s)).astype(np.uint8).transpose(1, 2, 0))


def _num(attrs: dict, key: str, default: float = 0.0) -> float:
    try:
        return float(attrs.get(key, default))
    except ValueError:
        return default


def _rect(c: _Canvas, a: dict, dx: float, dy: float) -> None:
    x, y = _num(a, "x") + dx, _num(a, "y") + dy
    w, h = _num(a, "width"), _num(a, "height")
    fill, stroke = _rgb(a.get("fill", "#000000")), _rgb(a.get("stroke"))
    if fill is not None:
        c.box(x, y, x + w, y + h, fill)
    if stroke is not None:
        s = _num(a, "stroke-width", 1.0) / 2
        for x0, y0, x1, y1 in ((x - s, y - s, x + w + s, y + s), (x - s, y + h - s, x + w + s, y + h + s),
                               (x - s, y - s, x + s, y + h + s), (x + w - s, y - s, x + w + s, y + h + s)):
            c.box(x0, y0, x1, y1, stroke)


def _circle(c: _Canvas, a: dict, dx: float, dy: float) -> None:
    cx, cy, r = _num(a, "cx") + dx, _num(a, "cy") + dy, _num(a, "r")
    s = _num(a, "stroke-width", 1.0) / 2 if a.get("stroke", "none") != "none" else 0.0
    g = c.grid(cx - r - s, cy - r - s, cx + r + s, cy + r + s)
    if g is None:
        return
    where, xs, ys = g
    d = np.hypot(xs - cx, ys - cy)
    fill, stroke = _rgb(a.get("fill", "#000000")), _rgb(a.get("stroke"))
    if fill is not None:
        c.paint(where, d <= r, fill)
    if stroke is not None:
        c.paint(where, np.abs(d - r) <= s, stroke)


def _polygon(c: _Canvas, a: dict, dx: float, dy: float) -> None:
    pts = np.array([[float(v) for v in p.split(",")] for p in a.get("points", "").split()], dtype=np.float32)
    if len(pts) < 3:
        return
    pts += np.array([dx, dy], dtype=np.float32)
    s = _num(a, "stroke-width", 1.0) / 2 if a.get("stroke", "none") != "none" else 0.0
    (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
    g = c.grid(x0 - s, y0 - s, x1 + s, y1 + s)
    if g is None:
        return
    where, xs, ys = g
    inside = np.zeros((ys.shape[0], xs.shape[1]), dtype=bool)
    near = np.zeros_like(inside)
    for (ax, ay), (bx, by) in zip(pts, np.roll(pts, -1, axis=0)):
        # Crossing number: the edge crosses the horizontal ray to the right of the sample.
        if ay != by:
            crosses = (ay > ys) != (by > ys)
            x_at = ax + (ys - ay) * (bx - ax) / (by - ay)
            inside ^= crosses & (xs < x_at)
        if s:
            ex, ey = bx - ax, by - ay
            t = np.clip(((xs - ax) * ex + (ys - ay) * ey) / max(ex * ex + ey * ey, 1e-12), 0, 1)
            near |= np.hypot(xs - (ax + t * ex), ys - (ay + t * ey)) <= s
    fill, stroke = _rgb(a.get("fill", "#000000")), _rgb(a.get("stroke"))
    if fill is not None:
        c.paint(where, inside, fill)
    if stroke is not None:
        c.paint(where, near, stroke)


_DRAW = {"rect": _rect, "circle": _circle, "polygon": _polygon}


def rasterize(drawing: "Drawing", scale: float = 1.0) -> np.ndarray:
    """``uint8[height, width, 3]``: the drawing's pixels (RGB), ``scale`` pixels a user unit."""
    c = _Canvas(drawing.width, drawing.height, scale)

    def walk(el: "Element", dx: float, dy: float) -> None:
        m = _TRANSLATE.search(el.attrs.get("transform", ""))
        if m:
            dx, dy = dx + float(m.group(1)), dy + float(m.group(2))
        draw = _DRAW.get(el.tag)
        if draw is not None:
            draw(c, el.attrs, dx, dy)
        for child in el.children:
            walk(child, dx, dy)

    walk(drawing.root, 0.0, 0.0)
    return c.image()


def encode_png(image: np.ndarray) -> bytes:
    """PNG bytes of an ``uint8[height, width, 3]`` RGB image (8 bits a channel)."""
    image = np.ascontiguousarray(image, dtype=np.uint8)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an (height, width, 3) image, got shape {image.shape}")
    h, w = image.shape[:2]
    raw = np.concatenate([np.zeros((h, 1), dtype=np.uint8), image.reshape(h, w * 3)], axis=1)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw.tobytes(), 6))
            + chunk(b"IEND", b""))
