"""A small rasteriser for the pictures of :mod:`rulelang.render`, and a PNG writer.

It draws exactly the elements the renderer makes (rectangles, circles and polygons, filled
and outlined, in groups moved by ``translate``) with numpy, with smooth (anti-aliased) edges,
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

#: Samples per pixel along each axis for curved and slanted edges (3 x 3 = 9 a pixel).
SUPERSAMPLE = 3

_TRANSLATE = re.compile(r"translate\(\s*([-0-9.eE]+)[ ,]+([-0-9.eE]+)\s*\)")


def _rgb(color: str | None) -> tuple[int, int, int] | None:
    if not color or color == "none":
        return None
    c = color.lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    return tuple(int(c[i:i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]


def _coverage(lo: float, hi: float, start: int, stop: int) -> np.ndarray:
    """How much of each pixel ``start..stop-1`` the interval ``[lo, hi]`` covers (0..1)."""
    edges = np.arange(start, stop + 1, dtype=np.float32)
    return np.clip(np.minimum(edges[1:], hi) - np.maximum(edges[:-1], lo), 0.0, 1.0)


class _Canvas:
    """Pixels as one float plane per channel; each shape is blended by its coverage of a pixel.

    Axis-aligned boxes get their exact coverage; circles and polygons are supersampled in
    their own bounding box only, so the cost follows the shapes, not the picture.
    """

    def __init__(self, width: float, height: float, scale: float) -> None:
        self.k = scale  # pixels per user unit
        self.h = max(1, round(height * scale))
        self.w = max(1, round(width * scale))
        self.px = np.full((3, self.h, self.w), 255.0, dtype=np.float32)

    def _blend(self, i0: int, j0: int, cover: np.ndarray, rgb: tuple[int, int, int]) -> None:
        region = self.px[:, i0:i0 + cover.shape[0], j0:j0 + cover.shape[1]]
        region += (np.array(rgb, dtype=np.float32)[:, None, None] - region) * cover

    def box(self, x0: float, y0: float, x1: float, y1: float, rgb: tuple[int, int, int]) -> None:
        """An axis-aligned box (user units), with partial coverage at its edges."""
        k = self.k
        x0, y0, x1, y1 = x0 * k, y0 * k, x1 * k, y1 * k
        i0, i1 = max(0, int(np.floor(y0))), min(self.h, int(np.ceil(y1)))
        j0, j1 = max(0, int(np.floor(x0))), min(self.w, int(np.ceil(x1)))
        if i1 <= i0 or j1 <= j0:
            return
        cover = _coverage(y0, y1, i0, i1)[:, None] * _coverage(x0, x1, j0, j1)[None, :]
        self._blend(i0, j0, cover, rgb)

    def samples(self, x0: float, y0: float, x1: float, y1: float):
        """Sample points (user units) over the pixels under a box: ``(i0, j0, shape), xs, ys``."""
        k, s = self.k, SUPERSAMPLE
        i0, i1 = max(0, int(np.floor(y0 * k))), min(self.h, int(np.ceil(y1 * k)))
        j0, j1 = max(0, int(np.floor(x0 * k))), min(self.w, int(np.ceil(x1 * k)))
        if i1 <= i0 or j1 <= j0:
            return None
        ys = (i0 + (np.arange((i1 - i0) * s, dtype=np.float32) + 0.5) / s) / k
        xs = (j0 + (np.arange((j1 - j0) * s, dtype=np.float32) + 0.5) / s) / k
        return (i0, j0, (i1 - i0, j1 - j0)), xs[None, :], ys[:, None]

    def paint(self, where, mask: np.ndarray, rgb: tuple[int, int, int]) -> None:
        """Blend ``rgb`` where the supersampled ``mask`` is set."""
        i0, j0, (h, w) = where
        s = SUPERSAMPLE
        cover = mask.reshape(h, s, w, s).mean(axis=(1, 3), dtype=np.float32)
        self._blend(i0, j0, cover, rgb)

    def image(self) -> np.ndarray:
        return np.ascontiguousarray(np.clip(np.rint(self.px), 0, 255).astype(np.uint8).transpose(1, 2, 0))


def _num(attrs: dict, key: str, default: float = 0.0) -> float:
    try:
        return float(attrs.get(key, default))
    except ValueError:
        return default


def _rect(c: _Canvas, a: dict, dx: float, dy: float) -> None:
    x, y = _num(a, "x") + dx, _num(a, "y") + dy
    w, h = _num(a, "width"), _num(a, "height")
    fill, stroke = _rgb(a.get("fill", "#000000")), _rgb(a.get("stroke"))
    s = _num(a, "stroke-width", 1.0) / 2 if stroke is not None else 0.0
    if fill is not None and stroke is not None and w > 2 * s and h > 2 * s:
        # Opaque: the outline's outer box, then the inside over it (two boxes, not five).
        c.box(x - s, y - s, x + w + s, y + h + s, stroke)
        c.box(x + s, y + s, x + w - s, y + h - s, fill)
        return
    if fill is not None:
        c.box(x, y, x + w, y + h, fill)
    if stroke is not None:
        for x0, y0, x1, y1 in ((x - s, y - s, x + w + s, y + s), (x - s, y + h - s, x + w + s, y + h + s),
                               (x - s, y - s, x + s, y + h + s), (x + w - s, y - s, x + w + s, y + h + s)):
            c.box(x0, y0, x1, y1, stroke)


def _circle(c: _Canvas, a: dict, dx: float, dy: float) -> None:
    cx, cy, r = _num(a, "cx") + dx, _num(a, "cy") + dy, _num(a, "r")
    s = _num(a, "stroke-width", 1.0) / 2 if a.get("stroke", "none") != "none" else 0.0
    g = c.samples(cx - r - s, cy - r - s, cx + r + s, cy + r + s)
    if g is None:
        return
    where, xs, ys = g
    d = np.hypot(xs - cx, ys - cy)
    fill, stroke = _rgb(a.get("fill", "#000000")), _rgb(a.get("stroke"))
    if stroke is not None:  # the outline's outer disc, then the inside over it
        c.paint(where, d <= r + s, stroke)
    if fill is not None:
        c.paint(where, d <= r - s, fill)


def _polygon(c: _Canvas, a: dict, dx: float, dy: float) -> None:
    """A convex polygon (every outline the renderer draws is one), filled and outlined."""
    pts = np.array([[float(v) for v in p.split(",")] for p in a.get("points", "").split()], dtype=np.float32)
    if len(pts) < 3:
        return
    pts += np.array([dx, dy], dtype=np.float32)
    fill, stroke = _rgb(a.get("fill", "#000000")), _rgb(a.get("stroke"))
    s = _num(a, "stroke-width", 1.0) / 2 if stroke is not None else 0.0
    (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
    g = c.samples(x0 - s, y0 - s, x1 + s, y1 + s)
    if g is None:
        return
    where, xs, ys = g
    centre = pts.mean(axis=0)
    # A sample's distance outside the polygon: the largest over the edges of its distance
    # beyond the edge's line (negative inside). The outline is then "distance within s".
    dist = None
    for p0, p1 in zip(pts, np.roll(pts, -1, axis=0)):
        normal = np.array([p1[1] - p0[1], p0[0] - p1[0]], dtype=np.float32)
        length = float(np.hypot(*normal))
        if length == 0:
            continue
        normal /= length
        if float(normal @ (centre - p0)) > 0:
            normal = -normal
        d = (xs - p0[0]) * normal[0] + (ys - p0[1]) * normal[1]
        dist = d if dist is None else np.maximum(dist, d)
    if dist is None:
        return
    if stroke is not None:
        c.paint(where, dist <= s, stroke)
    if fill is not None:
        c.paint(where, dist <= -s, fill)


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
