"""A small rasteriser for the pictures of :mod:`rulelang.render` (:mod:`rulelang.svg` trees), and a PNG writer.

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
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .svg import Drawing, Element

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


def _coverage(lo: float, hi: float, n: int) -> np.ndarray:
    """How much of each pixel ``0..n-1`` the interval ``[lo, hi]`` covers (0..1)."""
    edges = np.arange(n + 1, dtype=np.float32)
    return np.clip(np.minimum(edges[1:], hi) - np.maximum(edges[:-1], lo), 0.0, 1.0)


#: Shapes ready to lay on the canvas, by geometry, sub-pixel position and colours: a picture
#: repeats the same pieces, cells and stones many times (and a board redraws them).
_SPRITES: dict[tuple, "_Sprite | None"] = {}
_MAX_SPRITES = 4096

Layer = tuple[np.ndarray, tuple[int, int, int]]  # a coverage mask (0..1) and its colour


def clear_cache() -> None:
    """Forget the shapes kept between pictures (to time a first picture, say)."""
    _SPRITES.clear()


@dataclass(frozen=True)
class _Sprite:
    """Layers of colour composited once: ``pixel * keep + add`` lays them all on a pixel.

    ``keep is None``: one opaque colour (``add``, shape (3, 1, 1)) over the whole box.
    """

    shape: tuple[int, int]
    keep: np.ndarray | None
    add: np.ndarray


def _composite(layers: list[Layer]) -> "_Sprite | None":
    layers = [(c, rgb) for c, rgb in layers if rgb is not None]
    if not layers:
        return None
    shape = layers[0][0].shape
    if len(layers) == 1 and bool((layers[0][0] == 1.0).all()):
        return _Sprite(shape, None, np.array(layers[0][1], dtype=np.float32)[:, None, None])
    keep = np.ones(shape, dtype=np.float32)
    add = np.zeros((3, *shape), dtype=np.float32)
    for cover, rgb in layers:  # painting in order: each layer over the ones before
        add *= 1.0 - cover
        add += np.array(rgb, dtype=np.float32)[:, None, None] * cover
        keep *= 1.0 - cover
    return _Sprite(shape, keep, add)


def _cached(key: tuple, layers) -> "_Sprite | None":
    hit = _SPRITES.get(key, False)
    if hit is False:
        if len(_SPRITES) >= _MAX_SPRITES:
            _SPRITES.clear()
        hit = _SPRITES[key] = _composite(layers())
    return hit  # type: ignore[return-value]


def _local(v: float) -> tuple[int, float]:
    """A pixel coordinate as (whole pixel, offset within it rounded for the cache)."""
    whole = int(np.floor(v))
    return whole, round(v - whole, 3)


def _samples(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Sample points (pixel units) of an ``h`` x ``w`` pixel box, SUPERSAMPLE a side."""
    s = SUPERSAMPLE
    ys = (np.arange(h * s, dtype=np.float32) + 0.5) / s
    xs = (np.arange(w * s, dtype=np.float32) + 0.5) / s
    return xs[None, :], ys[:, None]


def _downsample(mask: np.ndarray) -> np.ndarray:
    s = SUPERSAMPLE
    h, w = mask.shape[0] // s, mask.shape[1] // s
    return mask.reshape(h, s, w, s).mean(axis=(1, 3), dtype=np.float32)


def _box_cover(x0: float, y0: float, x1: float, y1: float, h: int, w: int) -> np.ndarray:
    """Coverage of the ``h`` x ``w`` pixels from the origin by a box in pixel units."""
    return _coverage(y0, y1, h)[:, None] * _coverage(x0, x1, w)[None, :]


class _Canvas:
    """Pixels as one float plane per channel; each shape is laid by its coverage of a pixel.

    Axis-aligned boxes get their exact coverage; circles and polygons are supersampled in
    their own bounding box only, so the cost follows the shapes, not the picture.
    """

    def __init__(self, width: float, height: float, scale: float) -> None:
        self.k = scale  # pixels per user unit
        self.h = max(1, round(height * scale))
        self.w = max(1, round(width * scale))
        self.px = np.full((3, self.h, self.w), 255.0, dtype=np.float32)

    def lay(self, i0: int, j0: int, sprite: "_Sprite | None") -> None:
        """Lay ``sprite`` with its top left pixel at row ``i0``, column ``j0`` (clipped)."""
        if sprite is None:
            return
        h, w = sprite.shape
        a0, b0 = max(0, -i0), max(0, -j0)
        a1, b1 = min(h, self.h - i0), min(w, self.w - j0)
        if a1 <= a0 or b1 <= b0:
            return
        region = self.px[:, i0 + a0:i0 + a1, j0 + b0:j0 + b1]
        if sprite.keep is None:
            region[...] = sprite.add
        else:
            region *= sprite.keep[a0:a1, b0:b1]
            region += sprite.add[:, a0:a1, b0:b1]

    def image(self) -> np.ndarray:
        # Every pixel is a blend of colours in 0..255, so it stays in range: adding one half and
        # truncating rounds it, with no clipping pass.
        out = np.empty((self.h, self.w, 3), dtype=np.uint8)
        for ch in range(3):
            out[:, :, ch] = self.px[ch] + 0.5
        return out


def _num(attrs: dict, key: str, default: float = 0.0) -> float:
    try:
        return float(attrs.get(key, default))
    except ValueError:
        return default


def _colours(a: dict) -> tuple[tuple[int, int, int] | None, tuple[int, int, int] | None]:
    return _rgb(a.get("fill", "#000000")), _rgb(a.get("stroke"))


def _rect(c: _Canvas, a: dict, dx: float, dy: float) -> None:
    k = c.k
    fill, stroke = _colours(a)
    s = _num(a, "stroke-width", 1.0) / 2 * k if stroke is not None else 0.0
    x0, y0 = (_num(a, "x") + dx) * k - s, (_num(a, "y") + dy) * k - s
    (j0, fx), (i0, fy) = _local(x0), _local(y0)
    w = round(_num(a, "width") * k + 2 * s, 3)
    h = round(_num(a, "height") * k + 2 * s, 3)
    if w <= 0 or h <= 0:
        return
    W, H = int(np.ceil(fx + w)), int(np.ceil(fy + h))

    def layers() -> list[Layer]:
        outer = _box_cover(fx, fy, fx + w, fy + h, H, W)
        inner = _box_cover(fx + 2 * s, fy + 2 * s, fx + w - 2 * s, fy + h - 2 * s, H, W) if s else outer
        out: list[Layer] = []
        if stroke is not None:  # the outline: the outer box less the inner one
            out.append((outer - inner if fill is None else outer, stroke))
        if fill is not None:
            out.append((inner, fill))
        return out

    c.lay(i0, j0, _cached(("rect", fx, fy, w, h, round(s, 3), fill, stroke), layers))


def _stroke(a: dict, c: _Canvas) -> float:
    """Half the outline's width, in pixels (0 without an outline)."""
    return _num(a, "stroke-width", 1.0) / 2 * c.k if _rgb(a.get("stroke")) is not None else 0.0


def _circle(c: _Canvas, a: dict, dx: float, dy: float) -> None:
    k = c.k
    r, s = _num(a, "r") * k, _stroke(a, c)
    (j0, fx), (i0, fy) = _local((_num(a, "cx") + dx) * k - r - s), _local((_num(a, "cy") + dy) * k - r - s)
    size = int(np.ceil(fx + 2 * (r + s))) + 1
    fill, stroke = _colours(a)

    def layers() -> list[Layer]:
        xs, ys = _samples(size, size)
        d = np.hypot(xs - (fx + r + s), ys - (fy + r + s))
        # The outline's outer disc, then the inside over it.
        out: list[Layer] = []
        if stroke is not None:
            out.append((_downsample(d <= r + s), stroke))
        if fill is not None:
            out.append((_downsample(d <= r - s), fill))
        return out

    c.lay(i0, j0, _cached(("circle", fx, fy, round(r, 3), round(s, 3), fill, stroke), layers))


def _polygon(c: _Canvas, a: dict, dx: float, dy: float) -> None:
    """A convex polygon (every outline the renderer draws is one), filled and outlined."""
    try:
        pts = np.array([[float(v) for v in p.split(",")] for p in a.get("points", "").split()], dtype=np.float32)
    except ValueError:
        return
    if len(pts) < 3:
        return
    s = _stroke(a, c)
    pts = (pts + np.array([dx, dy], dtype=np.float32)) * c.k
    (j0, _), (i0, _) = _local(float(pts[:, 0].min() - s)), _local(float(pts[:, 1].min() - s))
    local = np.round(pts - np.array([j0, i0], dtype=np.float32), 3)
    w = int(np.ceil(local[:, 0].max() + s)) + 1
    h = int(np.ceil(local[:, 1].max() + s)) + 1
    fill, stroke = _colours(a)

    def layers() -> list[Layer]:
        xs, ys = _samples(h, w)
        centre = local.mean(axis=0)
        # A sample's distance outside the polygon: the largest over the edges of its distance
        # beyond the edge's line (negative inside). The outline is "distance within s".
        dist = np.full((ys.shape[0], xs.shape[1]), -np.inf, dtype=np.float32)
        for p0, p1 in zip(local, np.roll(local, -1, axis=0)):
            normal = np.array([p1[1] - p0[1], p0[0] - p1[0]], dtype=np.float32)
            length = float(np.hypot(*normal))
            if length == 0:
                continue
            normal /= length
            if float(normal @ (centre - p0)) > 0:
                normal = -normal
            np.maximum(dist, (xs - p0[0]) * normal[0] + (ys - p0[1]) * normal[1], out=dist)
        out: list[Layer] = []
        if stroke is not None:
            out.append((_downsample(dist <= s) if fill is not None else _downsample(np.abs(dist) <= s), stroke))
        if fill is not None:
            out.append((_downsample(dist <= -s), fill))
        return out

    c.lay(i0, j0, _cached(("polygon", local.tobytes(), round(s, 3), fill, stroke), layers))


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
            + chunk(b"IDAT", zlib.compress(raw.tobytes(), 3))  # 3: half the time of 6, a little larger
            + chunk(b"IEND", b""))
