"""A small tree of SVG elements, and SVG text from it: what :mod:`rulelang.render` draws on.

:class:`Drawing` is a picture: :meth:`Drawing.svg` writes SVG text; :meth:`Drawing.png`
rasterises the same tree (:mod:`rulelang.raster`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr


@dataclass
class Element:
    """One SVG element: a tag, its attributes, children, and text (for ``text``/``title``)."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list["Element"] = field(default_factory=list)
    text: str | None = None

    def add(self, tag: str, text: str | None = None, **attrs: object) -> "Element":
        """Append a child; ``data_cell=3`` becomes ``data-cell="3"``, ``cls`` becomes ``class``."""
        child = Element(tag, {attr_name(k): fmt(v) for k, v in attrs.items() if v is not None}, text=text)
        self.children.append(child)
        return child

    def write(self, out: list[str]) -> None:
        attrs = "".join(f" {k}={quoteattr(v)}" for k, v in self.attrs.items())
        if not self.children and self.text is None:
            out.append(f"<{self.tag}{attrs}/>")
            return
        out.append(f"<{self.tag}{attrs}>")
        if self.text is not None:
            out.append(escape(self.text))
        for c in self.children:
            c.write(out)
        out.append(f"</{self.tag}>")


def attr_name(key: str) -> str:
    """A keyword argument's name as an attribute: ``data_cell`` -> ``data-cell``, ``cls`` -> ``class``."""
    return "class" if key == "cls" else key.replace("_", "-")


def fmt(v: object) -> str:
    """An attribute value as text: booleans as ``true``/``false``, floats without trailing zeros."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:.2f}".rstrip("0").rstrip(".")
    return str(v)


@dataclass
class Drawing:
    """A picture: a root ``svg`` element of ``width`` x ``height`` pixels."""

    width: float
    height: float
    root: Element

    def svg(self) -> str:
        """The picture as SVG text (a standalone document, no XML declaration)."""
        out: list[str] = []
        self.root.write(out)
        return "".join(out) + "\n"

    def png(self, scale: float = 1.0) -> bytes:
        """The picture as PNG bytes (text is not drawn; see :mod:`rulelang.raster`)."""
        from .raster import rasterize, encode_png

        return encode_png(rasterize(self, scale))

    def _repr_svg_(self) -> str:
        return self.svg()
