"""The abstract syntax of rules: frozen dataclasses that carry their source span.

Spans are excluded from equality, so a rule parsed from text equals the same rule built by
hand or parsed back from its printed form: ``parse(print(ast)) == ast``.

``and``/``or`` are binary and left-associative, as the grammar is: ``a and b and c`` is
``And(And(a, b), c)``, and ``a and (b and c)`` keeps its parentheses through a round trip.

A rule may be as long and as deeply nested as its text: a chain of 100,000 ``and``
operators is a tree 100,000 levels deep. So nothing here recurses on the tree: equality, hashing and the
walks below keep their own stack (Python's would overflow after about a thousand levels).
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


def _tree_eq(self: "Rule", other: object) -> bool:
    """Structural equality of two rules (spans ignored), with an explicit stack."""
    if type(other) is not type(self):
        return NotImplemented
    if type(self) is not Not and type(self.left) is Prop and type(self.right) is Prop:  # type: ignore[union-attr]
        return self.left == other.left and self.right == other.right  # type: ignore[union-attr]
    todo: list[tuple[object, object]] = [(self, other)]
    while todo:
        a, b = todo.pop()
        if a is b:
            continue
        kind = type(a)
        if kind is not type(b):
            return False
        if kind is Not:
            todo.append((a.operand, b.operand))  # type: ignore[attr-defined]
        elif kind is And or kind is Or:
            todo.append((a.right, b.right))  # type: ignore[attr-defined]
            todo.append((a.left, b.left))  # type: ignore[attr-defined]
        elif a != b:  # propositions: their own (flat) dataclass equality
            return False
    return True


def _tree_hash(self: "Rule") -> int:
    """A hash consistent with :func:`_tree_eq`, computed bottom-up with an explicit stack."""
    kind = type(self)
    if kind is not Not and type(self.left) is Prop and type(self.right) is Prop:  # type: ignore[union-attr]
        return hash((kind.__name__, hash(self.left), hash(self.right)))  # type: ignore[union-attr]
    done: list[int] = []
    todo: list[tuple[object, bool]] = [(self, False)]
    while todo:
        node, ready = todo.pop()
        kind = type(node)
        if kind is Not:
            if ready:
                done.append(hash(("not", done.pop())))
            else:
                todo += [(node, True), (node.operand, False)]  # type: ignore[attr-defined]
        elif kind is And or kind is Or:
            if ready:
                right = done.pop()
                done.append(hash((kind.__name__, done.pop(), right)))
            else:
                todo += [(node, True), (node.right, False), (node.left, False)]  # type: ignore[attr-defined]
        else:
            done.append(hash(node))
    return done[0]


@dataclass(frozen=True, eq=False)
class Not(_Pictured):
    operand: "Rule"
    span: Span | None = _NO_SPAN

    __eq__ = _tree_eq
    __hash__ = _tree_hash


@dataclass(frozen=True, eq=False)
class And(_Pictured):
    left: "Rule"
    right: "Rule"
    span: Span | None = _NO_SPAN

    __eq__ = _tree_eq
    __hash__ = _tree_hash


@dataclass(frozen=True, eq=False)
class Or(_Pictured):
    left: "Rule"
    right: "Rule"
    span: Span | None = _NO_SPAN

    __eq__ = _tree_eq
    __hash__ = _tree_hash


Rule = Union[Prop, Not, And, Or]


def props(rule: Rule) -> Iterator[Prop]:
    """Every proposition of a rule, left to right."""
    todo = [rule]
    while todo:
        node = todo.pop()
        if isinstance(node, Prop):
            yield node
        elif isinstance(node, Not):
            todo.append(node.operand)
        else:
            todo += (node.right, node.left)


def size(rule: Rule) -> int:
    """The number of words of a rule's canonical text (parentheses not counted)."""
    if type(rule) is Prop and rule.relation is None:
        return len(rule.subject.words()) + (1 if rule.quantity.kind == "zero" else 2)
    n, todo = 0, [rule]
    while todo:
        node = todo.pop()
        if isinstance(node, Prop):
            n += len(node.subject.words()) + (1 if node.quantity.kind == "zero" else 2)
            if node.relation is not None:
                n += 1 + len(node.other.words())  # type: ignore[union-attr]
        elif isinstance(node, Not):
            n += 1
            todo.append(node.operand)
        else:
            n += 1
            todo += (node.right, node.left)
    return n


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
