"""Pictures of scenes, tables and rules: SVG (and PNG through :mod:`rulelang.raster`).

A scene is drawn as a row of cells; a block is a square, a pyramid a triangle pointing up or
down, each in its colour. A labelled scene carries a Zendo stone beside it: white when the
scene satisfies the phenomenon (label ``true``), black when it does not. Given a rule, the
cells the rule *selects* are highlighted: the cells its propositions count
(:func:`selected_cells`; for ``at_least 1 red touching blue``, the red pieces that touch a
blue one).

Everything follows the universe: how each piece looks comes from its words
(:mod:`rulelang.appearance`), so other worlds draw too.

Every picture is a :class:`~rulelang.svg.Drawing`, a small tree of SVG elements; :meth:`Drawing.svg`
writes it as SVG text and :meth:`Drawing.png` rasterises the same tree. The elements carry
``class`` and ``data-*`` attributes (``piece``, ``data-cell``, ``data-glyph``,
``data-color``...), so a page (the Zendo board) can style and script them, and tests can
read them back. Start with :func:`scene_svg` and :func:`table_svg`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence, Union
from xml.sax.saxutils import escape

import numpy as np

from .appearance import NAMED_COLORS, NO_COLOR, PieceStyle, angles, outlines, palette, piece_style
from .ast import And, Not, Or, Prop, Rule, props
from .svg import Drawing, Element, fmt as _fmt
from .universe import ODEEN, Universe

__all__ = ["NAMED_COLORS", "NO_COLOR", "PieceStyle", "Drawing", "Element", "Scene", "angles", "outlines",
           "palette", "piece_style", "piece_svg", "rule_drawing", "rule_html", "scene_drawing", "scene_svg",
           "selected_cells", "table_drawing", "table_svg"]

INK = "#262626"  # outlines and text
CELL_FILL, CELL_LINE = "#ffffff", "#9a9a9a"
HIGHLIGHT_FILL, HIGHLIGHT_LINE = "#ffe9a8", "#f0a500"
CONTRADICTION_LINE = "#d0021b"
STONE_FILL = {True: "#fafafa", False: "#262626"}


def _svg_root(width: float, height: float, cls: str, universe: Universe) -> Drawing:
    root = Element("svg", {"xmlns": "http://www.w3.org/2000/svg", "width": _fmt(float(width)),
                           "height": _fmt(float(height)),
                           "viewBox": f"0 0 {_fmt(float(width))} {_fmt(float(height))}",
                           "class": cls, "data-universe": universe.name})
    root.add("rect", cls="background", x=0, y=0, width=float(width), height=float(height), fill="#ffffff")
    return Drawing(float(width), float(height), root)


def _outline_points(kind: str, cx: float, cy: float, r: float, angle: float) -> list[tuple[float, float]]:
    """Vertices of a polygonal outline of "radius" ``r`` around ``(cx, cy)``, rotated."""
    if kind == "triangle":
        # An isosceles triangle filling the box: apex up, base down (then rotated).
        base = [(0.0, -r), (r, r * 0.85), (-r, r * 0.85)]
    elif kind == "diamond":
        base = [(0.0, -r), (r * 0.8, 0.0), (0.0, r), (-r * 0.8, 0.0)]
    elif kind == "hexagon":
        base = [(r * math.cos(math.radians(60 * k + 30)), r * math.sin(math.radians(60 * k + 30)))
                for k in range(6)]
    else:
        raise ValueError(kind)
    t = math.radians(angle)
    c, s = math.cos(t), math.sin(t)
    return [(cx + x * c - y * s, cy + x * s + y * c) for x, y in base]


def _draw_piece(parent: Element, style: PieceStyle, x: float, y: float, size: float, cell: int,
                selected: bool) -> Element:
    g = parent.add("g", cls="piece selected" if selected else "piece", data_cell=cell,
                   data_glyph=style.glyph, data_color=style.color, data_shape=style.shape,
                   data_orientation=style.orientation, data_selected=selected)
    g.add("title", text=" ".join(w for w in (style.color, style.shape, style.orientation) if w))
    margin = size * 0.16
    r = size / 2 - margin
    cx, cy = x + size / 2, y + size / 2
    common = dict(fill=style.fill, stroke=INK, stroke_width=max(1.0, size / 28))
    if style.outline == "square":
        g.add("rect", x=cx - r, y=cy - r, width=2 * r, height=2 * r, **common)
    elif style.outline == "circle":
        g.add("circle", cx=cx, cy=cy, r=r, **common)
    else:
        pts = _outline_points(style.outline, cx, cy, r, style.angle)
        g.add("polygon", points=" ".join(f"{_fmt(px)},{_fmt(py)}" for px, py in pts), **common)
    return g


# -- what a rule selects ------------------------------------------------------------------


def selected_cells(rule: Rule, scene: str, universe: Universe = ODEEN) -> tuple[int, ...]:
    """The cells (0-based) that the propositions of ``rule`` count in ``scene``, ascending.

    ``zero red`` selects the red pieces (it counts them, finding none or some);
    ``at_least 1 red touching blue`` the red pieces that touch a blue one.
    """
    from .reference import counted_cells

    cells: set[int] = set()
    for p in props(rule):
        cells.update(counted_cells(p, scene, universe))
    return tuple(sorted(cells))


SceneLike = Union[str, Sequence[int], np.ndarray]
Highlight = Union[Rule, Iterable[int], None]


def _scene_text(scene: SceneLike, universe: Universe) -> str:
    if isinstance(scene, str):
        universe.parse_scene(scene)  # a clear error (E201/E202) for a bad scene
        return scene
    return universe.format_scene(np.asarray(scene))


def _cells_of(highlight: Highlight, scene: str, universe: Universe) -> frozenset[int]:
    if highlight is None:
        return frozenset()
    if isinstance(highlight, (Prop, Not, And, Or)):
        return frozenset(selected_cells(highlight, scene, universe))
    return frozenset(int(c) for c in highlight)  # type: ignore[union-attr]


# -- layout -------------------------------------------------------------------------------


def _draw_scene(parent: Element, scene: str, universe: Universe, x: float, y: float, cell: int,
                selected: frozenset[int], label: bool | None, caption: str | None,
                verdict: bool | None = None, index: int | None = None) -> Element:
    """One scene at ``(x, y)``: [stone] cells, and the caption under the cells."""
    g = parent.add("g", cls="scene", data_scene=scene, data_index=index,
                   data_label=label, data_rule=verdict, transform=f"translate({_fmt(float(x))} {_fmt(float(y))})")
    g.add("title", text=scene if label is None else f"{scene} {str(label).lower()}")
    left = 0.0
    if label is not None:
        r = cell * 0.34
        g.add("circle", cls=f"stone {'white' if label else 'black'}", data_label=label,
              cx=cell / 2, cy=cell / 2, r=r, fill=STONE_FILL[label], stroke=INK,
              stroke_width=max(1.0, cell / 26))
        left = float(cell)
    width = universe.length * cell
    if verdict is not None and label is not None and verdict != label:
        g.add("rect", cls="contradiction", x=left - 3, y=-3, width=width + 6, height=cell + 6,
              fill="none", stroke=CONTRADICTION_LINE, stroke_width=2.5, stroke_dasharray="5 3")
    # Highlighted cells last, so that their frames lie over the neighbours' lines.
    for i in sorted(range(len(scene)), key=lambda i: i in selected):
        cx = left + i * cell
        hot = i in selected
        g.add("rect", cls="cell highlight" if hot else "cell", data_cell=i, x=cx, y=0.0,
              width=float(cell), height=float(cell), fill=HIGHLIGHT_FILL if hot else CELL_FILL,
              stroke=HIGHLIGHT_LINE if hot else CELL_LINE,
              stroke_width=max(1.0, cell / 14) if hot else 1.0)
    for i, ch in enumerate(scene):
        if ch != universe.empty:
            _draw_piece(g, piece_style(ch, universe), left + i * cell, 0.0, cell, i, i in selected)
    if caption is not None:
        g.add("text", text=caption, cls="caption", x=left, y=cell + cell * 0.42,
              font_family="monospace", font_size=max(8, round(cell * 0.32)), fill=INK)
    return g


def _scene_size(universe: Universe, cell: int, labelled: bool, captioned: bool) -> tuple[float, float]:
    w = (universe.length + (1 if labelled else 0)) * cell
    h = cell + (cell * 0.55 if captioned else 0)
    return float(w), float(h)


def scene_drawing(scene: SceneLike, universe: Universe = ODEEN, *, highlight: Highlight = None,
                  label: bool | None = None, caption: str | None = None, cell: int = 40) -> Drawing:
    """The :class:`Drawing` of one scene (see :func:`scene_svg`)."""
    text = _scene_text(scene, universe)
    pad = cell * 0.15
    w, h = _scene_size(universe, cell, label is not None, caption is not None)
    d = _svg_root(w + 2 * pad, h + 2 * pad, "rulelang-scene", universe)
    _draw_scene(d.root, text, universe, pad, pad, cell, _cells_of(highlight, text, universe), label, caption)
    return d


def scene_svg(scene: SceneLike, universe: Universe = ODEEN, *, highlight: Highlight = None,
              label: bool | None = None, caption: str | None = None, cell: int = 40) -> str:
    """An SVG picture of one scene.

    Args:
        scene: a scene string (``"Ab...."``) or a row of glyph indices.
        highlight: a rule (its selected cells are highlighted) or the cell numbers to highlight.
        label: draw a Zendo stone: white for ``True``, black for ``False``.
        caption: text under the cells.
        cell: the side of a cell in pixels.

    Raises:
        RulelangError: E201/E202 for a scene string that is not a scene of ``universe``.
    """
    return scene_drawing(scene, universe, highlight=highlight, label=label, caption=caption, cell=cell).svg()


def table_drawing(scenes: Iterable[SceneLike], labels: Iterable[bool | None] | None = None,
                  universe: Universe = ODEEN, *, rule: Rule | None = None, columns: int | None = None,
                  cell: int = 40, title: str | None = None, captions: bool = True) -> Drawing:
    """The :class:`Drawing` of many scenes (see :func:`table_svg`)."""
    texts = [_scene_text(s, universe) for s in scenes]
    marks = [None] * len(texts) if labels is None else [None if v is None else bool(v) for v in labels]
    if len(marks) != len(texts):
        raise ValueError(f"{len(texts)} scenes but {len(marks)} labels")
    if columns is None:
        columns = 1 if len(texts) <= 12 else math.ceil(len(texts) / 16)
    columns = max(1, min(columns, max(1, len(texts))))
    rows = math.ceil(len(texts) / columns) if texts else 0
    labelled = any(m is not None for m in marks)
    w, h = _scene_size(universe, cell, labelled, captions)
    if rule is not None and title is None:  # before the layout: the title takes room
        from .printer import format_rule

        title = format_rule(rule)
    gap_x, gap_y, pad = cell * 0.6, cell * 0.25, cell * 0.3
    top = pad + (cell * 0.75 if title else 0)
    width = 2 * pad + columns * w + (columns - 1) * gap_x
    height = top + pad + rows * h + max(0, rows - 1) * gap_y
    d = _svg_root(width, max(height, top + pad), "rulelang-table", universe)
    if title:
        d.root.add("text", text=title, cls="title", x=pad, y=pad + cell * 0.4,
                   font_family="monospace", font_size=max(9, round(cell * 0.36)), fill=INK)
    verdicts: list[bool | None] = [None] * len(texts)
    if rule is not None:
        from .reference import evaluate

        verdicts = [evaluate(rule, t, universe) for t in texts]
    for k, (text, mark) in enumerate(zip(texts, marks)):
        col, row = divmod(k, rows)
        x = pad + col * (w + gap_x)
        y = top + row * (h + gap_y)
        selected = _cells_of(rule, text, universe)
        # With stones in the table, a scene without a label still keeps the stone column.
        sx = x + (cell if labelled and mark is None else 0)
        _draw_scene(d.root, text, universe, sx, y, cell, selected, mark, text if captions else None,
                    verdicts[k], k)
    return d


def table_svg(scenes: Iterable[SceneLike], labels: Iterable[bool | None] | None = None,
              universe: Universe = ODEEN, *, rule: Rule | None = None, columns: int | None = None,
              cell: int = 40, title: str | None = None, captions: bool = True) -> str:
    """An SVG picture of many scenes, each with its Zendo stone when it has a label.

    Args:
        scenes: scene strings or rows of glyph indices.
        labels: one label per scene (``None`` for an unlabelled one), or ``None``.
        rule: highlight the cells the rule selects in each scene, and frame in red the
            labelled scenes whose label the rule contradicts; the rule is the title.
        columns: scenes are laid out top to bottom in this many columns (default: 1 up to
            12 scenes, else one column per 16 scenes).
        title: text above the scenes.
        captions: write each scene's string under it.
    """
    return table_drawing(scenes, labels, universe, rule=rule, columns=columns, cell=cell, title=title,
                         captions=captions).svg()


def piece_svg(glyph: str, universe: Universe = ODEEN, *, cell: int = 40) -> str:
    """An SVG picture of one piece on its own (for a palette of pieces)."""
    d = _svg_root(cell, cell, "rulelang-piece", universe)
    _draw_piece(d.root, piece_style(glyph, universe), 0.0, 0.0, cell, 0, False)
    return d.svg()


# -- rules --------------------------------------------------------------------------------


def rule_drawing(rule: Rule, universe: Universe = ODEEN, *, cell: int = 32) -> Drawing:
    """A rule's picture: its canonical text and its simplest satisfying and falsifying scenes.

    Each scene carries its stone (white: satisfies, black: falsifies) and the cells the rule
    selects are highlighted. Needs every scene of ``universe`` (E205 when it has too many).
    """
    from .equivalence import examples

    ex = examples(rule, universe)
    scenes = [s for s in (ex.satisfying, ex.falsifying) if s is not None]
    labels = [s == ex.satisfying for s in scenes]
    d = table_drawing(scenes, labels, universe, rule=rule, columns=len(scenes), cell=cell)
    d.root.attrs["class"] = "rulelang-rule"
    return d


def rule_html(rule: Rule, universe: Universe = ODEEN) -> str:
    """HTML for a notebook: the picture of :func:`rule_drawing` and the rule's true count."""
    from .equivalence import examples
    from .errors import RulelangError
    from .printer import format_rule

    try:
        ex = examples(rule, universe)
        picture = rule_drawing(rule, universe).svg()
    except (RulelangError, RecursionError, KeyError):  # too many scenes, too deep, other words
        try:
            return f"<code>{escape(format_rule(rule))}</code>"
        except RecursionError:
            return "<code>(a rule too deeply nested to print)</code>"
    const = {True: "; true everywhere", False: "; true nowhere", None: ""}[ex.constant]
    return (f"<div class=\"rulelang-rule\">{picture}"
            f"<div>true on {ex.n_true:,} of {ex.n_scenes:,} scenes{const}</div></div>")


@dataclass(frozen=True)
class Scene:
    """One scene of a universe, as a notebook shows it (a picture).

    Attributes:
        text: the scene string; ``label``: its Zendo stone, if any; ``highlight``: a rule
            or cells to highlight.
    """

    text: str
    universe: Universe = ODEEN
    label: bool | None = None
    highlight: Rule | tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        self.universe.parse_scene(self.text)

    def svg(self, *, cell: int = 40) -> str:
        return scene_svg(self.text, self.universe, highlight=self.highlight, label=self.label, cell=cell)

    def _repr_svg_(self) -> str:
        return self.svg()
