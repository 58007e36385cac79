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


def format_rule(rule: Rule) -> str:
    """The canonical text of a rule."""
    if isinstance(rule, Prop):
        text = f"{format_quantity(rule.quantity)} {format_obj(rule.subject)}"
        if rule.relation is not None:
            text += f" {rule.relation} {format_obj(rule.other)}"  # type: ignore[arg-type]
        return text
    if isinstance(rule, Not):
        return f"not {_child(rule.operand, _PREC[Not])}"
    word = "and" if isinstance(rule, And) else "or"
    prec = _PREC[type(rule)]
    return f"{_child(rule.left, prec)} {word} {_child(rule.right, prec + 1)}"


def _child(rule: Rule, min_prec: int) -> str:
    text = format_rule(rule)
    return f"({text})" if _PREC[type(rule)] < min_prec else text
