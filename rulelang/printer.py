"""The canonical printer: the parser's inverse.

Single spaces between words, and parentheses only where the tree needs them
(``not`` binds tighter than ``and``, which binds tighter than ``or``; both are
left-associative, so a right operand of the same operator keeps its parentheses).
"""

from __future__ import annotations

from .ast import And, Not, Obj, Or, Prop, Quantity, Rule

_PREC = {Or: 1, And: 2, Not: 3, Prop: 4}


def format_quantity(q: Quantity) -> str:
    return "zero" if q.kind == "zero" else f"{q.kind} {q.n}"


def format_obj(o: Obj) -> str:
    return " ".join(o.words())


def format_prop(p: Prop) -> str:
    text = f"{format_quantity(p.quantity)} {format_obj(p.subject)}"
    if p.relation is not None:
        text += f" {p.relation} {format_obj(p.other)}"  # type: ignore[arg-type]
    return text


def format_rule(rule: Rule) -> str:
    """The canonical text of a rule (of any depth: the walk keeps its own stack)."""
    kind = type(rule)
    if kind is Prop:
        return format_prop(rule)  # type: ignore[arg-type]
    if (kind is And or kind is Or) and type(rule.left) is Prop and type(rule.right) is Prop:  # type: ignore[union-attr]
        # The dialect's shape, spared the general walk.
        return f"{format_prop(rule.left)} {'and' if kind is And else 'or'} {format_prop(rule.right)}"  # type: ignore[union-attr,arg-type]
    parts: list[str] = []
    # Items to print, last first: a rule with the precedence its place needs, or plain text.
    todo: list[tuple[Rule | str, int]] = [(rule, 0)]
    while todo:
        node, min_prec = todo.pop()
        if isinstance(node, str):
            parts.append(node)
            continue
        kind = type(node)
        if kind is Prop:
            parts.append(format_prop(node))  # type: ignore[arg-type]
            continue
        prec = _PREC[kind]
        if prec < min_prec:
            parts.append("(")
            todo.append((")", 0))
        if kind is Not:
            parts.append("not ")
            todo.append((node.operand, prec))  # type: ignore[union-attr]
        else:
            word = " and " if kind is And else " or "
            # Both are left-associative: a right operand of the same operator keeps its parentheses.
            todo += [(node.right, prec + 1), (word, 0), (node.left, prec)]  # type: ignore[union-attr]
    return "".join(parts)
