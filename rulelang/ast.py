"""The abstract syntax of rules: frozen dataclasses that carry their source span.

Spans are excluded from equality, so a rule parsed from text equals the same rule built by
hand or parsed back from its printed form: ``parse(print(ast)) == ast``.

``and``/``or`` are binary and left-associative, as the grammar is: ``a and b and c`` is
``And(And(a, b), c)``, and ``a and (b and c)`` keeps its parentheses through a round trip.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Union


@dataclass(frozen=True)
class Span:
    """A region of source text: 1-based line and columns, ``end_column`` exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int


_NO_SPAN = field(default=None, compare=False, repr=False)


class _Pictured:
    """A notebook shows a rule as a picture: its simplest satisfying and falsifying scenes."""

    __slots__ = ()

    def _repr_html_(self) -> str:
        from .render import rule_html

        return rule_html(self)  # type: ignore[arg-type]


QUANTIFIERS = ("at_least", "exactly", "at_most", "zero")


@dataclass(frozen=True)
class Quantity:
    """``at_least n``, ``exactly n``, ``at_most n`` or ``zero`` (n is 0 for ``zero``)."""

    kind: str
    n: int = 0
    span: Span | None = _NO_SPAN

    def bounds(self, length: int) -> tuple[int, int]:
        """The inclusive range ``[lo, hi]`` of counts this quantity accepts."""
        if self.kind == "at_least":
            return self.n, length
        if self.kind == "exactly":
            return self.n, self.n
        if self.kind == "at_most":
            return 0, self.n
        return 0, 0

    def accepts(self, count: int) -> bool:
        if self.kind == "at_least":
            return count >= self.n
        if self.kind == "exactly":
            return count == self.n
        if self.kind == "at_most":
            return count <= self.n
        return count == 0


@dataclass(frozen=True)
class Obj:
    """An object phrase: the pieces having every named attribute."""

    color: str | None = None
    shape: str | None = None
    orientation: str | None = None
    span: Span | None = _NO_SPAN

    def words(self) -> list[str]:
        return [w for w in (self.color, self.shape, self.orientation) if w is not None]


@dataclass(frozen=True)
class Prop(_Pictured):
    """``QUANTITY X`` or ``QUANTITY X REL Y``."""

    quantity: Quantity
    subject: Obj
    relation: str | None = None
    other: Obj | None = None
    span: Span | None = _NO_SPAN

    def __post_init__(self) -> None:
        if (self.relation is None) != (self.other is None):
            raise ValueError("a relation needs both its words: REL and the second object")


@dataclass(frozen=True)
class Not(_Pictured):
    operand: "Rule"
    span: Span | None = _NO_SPAN


@dataclass(frozen=True)
class And(_Pictured):
    left: "Rule"
    right: "Rule"
    span: Span | None = _NO_SPAN


@dataclass(frozen=True)
class Or(_Pictured):
    left: "Rule"
    right: "Rule"
    span: Span | None = _NO_SPAN


Rule = Union[Prop, Not, And, Or]


def props(rule: Rule) -> Iterator[Prop]:
    """Every proposition of a rule, left to right."""
    if isinstance(rule, Prop):
        yield rule
    elif isinstance(rule, Not):
        yield from props(rule.operand)
    else:
        yield from props(rule.left)
        yield from props(rule.right)


def size(rule: Rule) -> int:
    """The number of words of a rule's canonical text (parentheses not counted)."""
    if isinstance(rule, Prop):
        n = len(rule.subject.words()) + (1 if rule.quantity.kind == "zero" else 2)
        if rule.relation is not None:
            n += 1 + len(rule.other.words())  # type: ignore[union-attr]
        return n
    if isinstance(rule, Not):
        return 1 + size(rule.operand)
    return 1 + size(rule.left) + size(rule.right)


def in_dialect(rule: Rule) -> bool:
    """Whether a rule belongs to the Odeen dialect of the paper (DESIGN §2.1)."""

    def simple_ok(p: Rule) -> bool:
        return isinstance(p, Prop) and p.relation is None and quantity_ok(p.quantity)

    def quantity_ok(q: Quantity) -> bool:
        return q.kind == "zero" or q.n in (1, 2)

    if isinstance(rule, Prop):
        return quantity_ok(rule.quantity)
    if isinstance(rule, (And, Or)):
        return simple_ok(rule.left) and simple_ok(rule.right)
    return False
