"""How the pieces of a universe look: a fill colour, an outline and a rotation for each glyph.

Everything follows the universe's words: a piece's colour comes from its colour word, its
outline from its shape word and its rotation from its orientation word, so other worlds
draw too. Known words get familiar looks (``red``, ``blue``, ``green``...; ``block``,
``pyramid``, ``ball``...; ``pointing_up``, ``pointing_down``...), other words the next free
colour, outline or angle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .universe import ODEEN, Universe

#: Colours for colour words a person expects to see as such.
NAMED_COLORS: Mapping[str, str] = {
    "red": "#d62728", "blue": "#1f77b4", "green": "#2ca02c", "yellow": "#f2c80f",
    "orange": "#ff7f0e", "purple": "#9467bd", "pink": "#e377c2", "brown": "#8c564b",
    "grey": "#7f7f7f", "gray": "#7f7f7f", "black": "#262626", "white": "#f4f4f4",
    "cyan": "#17becf", "magenta": "#c71fc7",
}
#: Colours given, in order, to colour words that :data:`NAMED_COLORS` does not know.
SPARE_COLORS = ("#17becf", "#bcbd22", "#8c564b", "#e377c2", "#9467bd", "#ff7f0e", "#2ca02c", "#7f7f7f")
#: The colour of a piece that has no colour word.
NO_COLOR = "#9e9e9e"

#: Outline kinds, and the shape words that get each one.
OUTLINES = ("square", "triangle", "circle", "diamond", "hexagon")
NAMED_SHAPES: Mapping[str, str] = {
    "block": "square", "square": "square", "cube": "square", "box": "square",
    "pyramid": "triangle", "triangle": "triangle", "cone": "triangle", "wedge": "triangle",
    "ball": "circle", "sphere": "circle", "circle": "circle", "disc": "circle", "disk": "circle",
    "diamond": "diamond", "gem": "diamond", "hexagon": "hexagon",
}
#: Rotation (degrees, clockwise from pointing up) for orientation words.
NAMED_ORIENTATIONS: Mapping[str, float] = {
    "pointing_up": 0.0, "pointing_right": 90.0, "pointing_down": 180.0, "pointing_left": 270.0,
    "up": 0.0, "right": 90.0, "down": 180.0, "left": 270.0,
}


def palette(universe: Universe = ODEEN) -> dict[str, str]:
    """Colour word -> fill colour (``#rrggbb``) for every colour of ``universe``."""
    out = {w: NAMED_COLORS[w] for w in universe.colors if w in NAMED_COLORS}
    spare = [c for c in SPARE_COLORS if c not in out.values()]
    for i, word in enumerate(w for w in universe.colors if w not in out):
        out[word] = spare[i % len(spare)] if spare else NO_COLOR
    return out


def outlines(universe: Universe = ODEEN) -> dict[str, str]:
    """Shape word -> outline kind (one of :data:`OUTLINES`) for every shape of ``universe``."""
    out = {w: NAMED_SHAPES[w] for w in universe.shapes if w in NAMED_SHAPES}
    free = [k for k in OUTLINES if k not in out.values()] or list(OUTLINES)
    for i, word in enumerate(w for w in universe.shapes if w not in out):
        out[word] = free[i % len(free)]
    return out


def angles(universe: Universe = ODEEN) -> dict[str, float]:
    """Orientation word -> rotation in degrees (clockwise from pointing up)."""
    out = {w: NAMED_ORIENTATIONS[w] for w in universe.orientations if w in NAMED_ORIENTATIONS}
    rest = [w for w in universe.orientations if w not in out]
    for i, word in enumerate(rest):
        out[word] = 360.0 * (i + 1) / (len(rest) + 1) if out else 360.0 * i / len(rest)
    return out


@dataclass(frozen=True)
class PieceStyle:
    """How one glyph is drawn: its words, fill colour, outline kind and rotation."""

    glyph: str
    color: str | None
    shape: str | None
    orientation: str | None
    fill: str
    outline: str
    angle: float


def piece_style(glyph: str, universe: Universe = ODEEN) -> PieceStyle:
    """The look of ``glyph`` (a piece of ``universe``)."""
    words = universe.pieces[glyph]
    color = next((w for w in words if w in universe.colors), None)
    shape = next((w for w in words if w in universe.shapes), None)
    orientation = next((w for w in words if w in universe.orientations), None)
    fill = palette(universe).get(color, NO_COLOR) if color else NO_COLOR
    outline = outlines(universe).get(shape, "circle") if shape else "circle"
    angle = angles(universe).get(orientation, 0.0) if orientation else 0.0
    return PieceStyle(glyph, color, shape, orientation, fill, outline, angle)
