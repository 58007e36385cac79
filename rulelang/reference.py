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
    """Whether ``scene`` (a glyph string) satisfies ``rule``.

    The walk keeps its own stack, so a rule of any depth is evaluated; ``and`` and ``or``
    look at their right operand only when the left one leaves the answer open.
    """
    values: list[bool] = []
    # (rule, None): evaluate it; (combine, right): combine with the value on top of ``values``.
    todo: list[tuple[object, Rule | None]] = [(rule, None)]
    while todo:
        node, right = todo.pop()
        if node is Not:
            values.append(not values.pop())
        elif node is And:
            if values[-1]:  # "true and X" is X
                values.pop()
                todo.append((right, None))
        elif node is Or:
            if not values[-1]:  # "false or X" is X
                values.pop()
                todo.append((right, None))
        elif isinstance(node, Prop):
            values.append(node.quantity.accepts(count(node, scene, universe)))
        elif isinstance(node, Not):
            todo += [(Not, None), (node.operand, None)]
        elif isinstance(node, (And, Or)):
            todo += [(type(node), node.right), (node.left, None)]
        else:
            raise TypeError(f"not a rule: {node!r}")
    return values.pop()
