"""The reference evaluator: slow, obvious, and the oracle every fast path is tested against.

It reads DESIGN §2.1 literally, one scene at a time, with no cleverness: count the cells
holding an X (that stand in the relation to some other cell holding a Y) and compare.
"""

from __future__ import annotations

from .ast import And, Not, Obj, Or, Prop, Rule
from .universe import ODEEN, Universe


def _holds(obj: Obj, glyph: str, universe: Universe) -> bool:
    if glyph == universe.empty:
        return False
    words = universe.pieces[glyph]
    return all(w in words for w in obj.words())


def _related(relation: str, i: int, j: int, ys: list[bool]) -> bool:
    """Whether cell ``i`` stands in ``relation`` to cell ``j`` (which holds a Y)."""
    if relation == "touching":
        return abs(i - j) == 1
    if relation == "at_the_right_of":
        return j < i
    if relation == "at_the_left_of":
        return j > i
    raise ValueError(relation)


def counted_cells(prop: Prop, scene: str, universe: Universe = ODEEN) -> list[int]:
    """The cells (0-based, left to right) the proposition counts in ``scene``."""
    n = len(scene)
    xs = [_holds(prop.subject, scene[i], universe) for i in range(n)]
    if prop.relation is None:
        return [i for i in range(n) if xs[i]]
    ys = [_holds(prop.other, scene[j], universe) for j in range(n)]  # type: ignore[arg-type]
    cells = []
    for i in range(n):
        if not xs[i]:
            continue
        if prop.relation == "surrounded_by":
            ok = 0 < i < n - 1 and ys[i - 1] and ys[i + 1]
        else:
            ok = any(ys[j] and _related(prop.relation, i, j, ys) for j in range(n) if j != i)
        if ok:
            cells.append(i)
    return cells


def count(prop: Prop, scene: str, universe: Universe = ODEEN) -> int:
    """How many cells the proposition counts in ``scene``."""
    return len(counted_cells(prop, scene, universe))


def evaluate(rule: Rule, scene: str, universe: Universe = ODEEN) -> bool:
    """Whether ``scene`` (a glyph string) satisfies ``rule``."""
    if isinstance(rule, Prop):
        return rule.quantity.accepts(count(rule, scene, universe))
    if isinstance(rule, Not):
        return not evaluate(rule.operand, scene, universe)
    if isinstance(rule, And):
        return evaluate(rule.left, scene, universe) and evaluate(rule.right, scene, universe)
    if isinstance(rule, Or):
        return evaluate(rule.left, scene, universe) or evaluate(rule.right, scene, universe)
    raise TypeError(f"not a rule: {rule!r}")
