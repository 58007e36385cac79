"""Hypothesis strategies for rules and scenes, for property tests of your own.

This module needs :pypi:`hypothesis` (``pip install 'rulelang[dev]'`` or ``pip install
hypothesis``); nothing else in rulelang imports it, so import this module explicitly::

    from hypothesis import given
    from rulelang import strategies as rs
    from rulelang.parser import parse
    from rulelang.printer import format_rule

    @given(rs.rules())
    def test_my_printer_round_trips(rule):
        assert parse(format_rule(rule)) == rule

Two kinds of strategy, as the grammar suggests:

* :func:`rule_texts` generates rule *text* straight from the Lark grammar
  (``hypothesis.extra.lark.from_lark``): words, numbers, parentheses, white space and
  comments in any arrangement the grammar allows. Such text either parses or raises
  :class:`~rulelang.errors.RulelangError` (a count larger than the scene, an object no
  piece matches); it never breaks the parser.
* :func:`rules` builds *meaningful* ASTs: every count within the scene, every object
  selecting at least one piece, every relation one the universe has. Use it for round
  trips and for checking the compiled checker against the reference evaluator.

Every strategy takes a :class:`~rulelang.universe.Universe` (Odeen by default), so a
user-defined world gets the same generators.
"""

from __future__ import annotations

import operator
from functools import lru_cache

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from hypothesis.extra.lark import from_lark
from lark import Lark
from lark.grammar import NonTerminal, Symbol, Terminal

from .ast import And, Not, Obj, Or, Prop, Quantity, Rule
from .parser import grammar_for
from .universe import ODEEN, Universe

__all__ = [
    "deep_rules",
    "dialect_rules",
    "objects",
    "quantities",
    "rule_texts",
    "rules",
    "scene_arrays",
    "scenes",
]

# -- rule text ------------------------------------------------------------------------

# What ends a line of a rule file (:func:`rulelang.lines.split_lines`): kept out of comments,
# so that a generated rule stays one line wherever it has no "\n". The other breaks
# ``str.splitlines`` knows (form feed, U+2028, ...) stay in: they end no line.
_LINE_BREAKS = "\n\r"

#: White space the grammar ignores; the plain space first, so examples shrink to it.
_SPACE = st.sampled_from([" ", "  ", "\t", "\n", " \n ", "\r\n", "\f"])

#: A comment runs to the end of its line, so it always ends with a newline here.
_COMMENT = st.text(
    st.characters(codec="utf-8", exclude_characters=_LINE_BREAKS), max_size=12
).map(lambda body: f"#{body}\n")

#: What may separate two words: white space, sometimes a comment.
_SEPARATOR = st.one_of(_SPACE, _SPACE, _SPACE,  # three to one: comments are seasoning
                       st.builds(operator.add, st.sampled_from(["", " "]), _COMMENT))


def _word(words: tuple[str, ...] | list[str]) -> st.SearchStrategy[str]:
    # Every word carries its separator: the word terminals refuse to be glued to the next
    # word, and from_lark only sometimes puts an ignored token between two terminals.
    return st.builds(operator.add, st.sampled_from(list(words)), _SEPARATOR)


def _vocabulary(universe: Universe) -> dict[str, tuple[str, ...]]:
    """The grammar's vocabulary terminals and their words in ``universe``."""
    return {"COLOR": universe.colors, "SHAPE": universe.shapes,
            "ORIENTATION": universe.orientations, "REL": universe.relations}


@lru_cache(maxsize=None)
def _generator(universe: Universe, dialect: bool, max_depth: int) -> Lark:
    """Our grammar with its recursive rules unrolled ``max_depth`` levels deep.

    from_lark picks among a rule's alternatives uniformly, so with ``or``, ``and``, ``not``
    and parentheses all recursive the text it draws would often grow past what hypothesis
    can hold, and most draws would be thrown away. Unrolled, rule ``N`` at level ``k`` may
    only use rules of level ``k - 1``: the same language, cut at a nesting depth. Rules
    that need a vocabulary terminal without words in this universe (Odeen without
    orientations, say) are left out, since their text could never be drawn.
    """
    source = grammar_for(universe, dialect)
    # No Lark cache: from_lark needs the grammar object that a cached parser lacks.
    base = Lark(source, parser="lalr")
    start = base.options.start[0]
    _, rules, _ = base.grammar.compile([start], ())
    empty = {name for name, words in _vocabulary(universe).items() if not words}
    alternatives: dict[str, list[list[Symbol]]] = {}
    for rule in rules:
        if not any(isinstance(s, Terminal) and s.name in empty for s in rule.expansion):
            alternatives.setdefault(rule.origin.name, []).append(list(rule.expansion))

    # height[N]: the fewest levels a derivation of N needs.
    height: dict[str, int] = {}
    changed = True
    while changed:
        changed = False
        for name, alts in alternatives.items():
            for alt in alts:
                subs = [s.name for s in alt if isinstance(s, NonTerminal)]
                if all(n in height for n in subs):
                    h = 1 + max((height[n] for n in subs), default=0)
                    if h < height.get(name, h + 1):
                        height[name], changed = h, True
    if start not in height:
        raise ValueError(f"universe {universe.name!r} leaves the grammar no complete rule")

    ids = {name: i for i, name in enumerate(alternatives)}
    top = height[start] + max_depth
    lines = [f"gen_start: g{ids[start]}_{top}"]
    for level in range(1, top + 1):
        for name, alts in alternatives.items():
            usable = [alt for alt in alts if all(
                height.get(s.name, level) < level for s in alt if isinstance(s, NonTerminal))]
            if usable:
                body = " | ".join(" ".join(
                    f"g{ids[s.name]}_{level - 1}" if isinstance(s, NonTerminal) else s.name
                    for s in alt) for alt in usable)
                lines.append(f"g{ids[name]}_{level}: {body}")
    # The unrolled rules are ambiguous (a short rule fits many levels): Earley does not mind,
    # and this parser is never used to parse anything.
    return Lark(source + "\n" + "\n".join(lines) + "\n", start="gen_start",
                parser="earley", lexer="basic")


def _explicit(universe: Universe, dialect: bool, names: set[str]) -> dict[str, st.SearchStrategy[str]]:
    numbers = (
        st.sampled_from(["1", "2"])
        if dialect
        # Mostly 0..length; sometimes a leading zero (legal) or a count beyond the scene
        # (E101), so that a long rule still parses now and then.
        else st.one_of(
            st.integers(0, universe.length).map(str),
            st.integers(0, universe.length).map(str),
            st.integers(0, universe.length).map(lambda n: f"0{n}"),
            st.integers(universe.length + 1, universe.length + 3).map(str),
        )
    )
    fixed = {"AND": "and", "OR": "or", "NOT": "not", "AT_LEAST": "at_least",
             "EXACTLY": "exactly", "AT_MOST": "at_most", "ZERO": "zero"}
    explicit: dict[str, st.SearchStrategy[str]] = {
        "NUMBER": st.builds(operator.add, numbers, _SEPARATOR),
        "LPAR": st.builds(operator.add, st.just("("), st.sampled_from(["", " "])),
        "RPAR": st.builds(operator.add, st.just(")"), st.sampled_from(["", " "])),
        "COMMENT": _COMMENT,
    }
    explicit.update({name: _word([word]) for name, word in fixed.items()})
    # A vocabulary terminal without words is never drawn: the generator has no rule using it.
    explicit.update({name: _word(words) if words else st.nothing()
                     for name, words in _vocabulary(universe).items()})
    for name in names:
        if name.startswith("__IGNORE"):  # the anonymous white-space terminal
            explicit[name] = _SPACE
    missing = names - set(explicit)
    if missing:  # a new terminal in the grammar: teach this module to generate it
        raise RuntimeError(f"no text strategy for grammar terminals {sorted(missing)}")
    return {name: s for name, s in explicit.items() if name in names}


def rule_texts(universe: Universe = ODEEN, dialect: bool = False, *,
               max_depth: int = 4) -> st.SearchStrategy[str]:
    """Rule text generated from the grammar (the full language, or the Odeen dialect).

    Words are separated by white space or comments, in any arrangement the grammar
    allows; counts may exceed the scene and objects may select nothing, so the text
    either parses or raises :class:`~rulelang.errors.RulelangError` (E101, E102).

    Args:
        max_depth: how many grammar levels a rule may nest beyond the simplest rule
            (each ``or``, ``and``, ``not`` or pair of parentheses takes one or more).
    """
    grammar = _generator(universe, dialect, max_depth)
    terminals, _, ignored = grammar.grammar.compile(["gen_start"], ())
    names = {t.name for t in terminals} | set(ignored)
    body = from_lark(grammar, start="gen_start", explicit=_explicit(universe, dialect, names))
    lead = st.one_of(st.just(""), _SPACE, _COMMENT)
    return st.builds(operator.add, lead, body)


# -- abstract syntax --------------------------------------------------------------------


def quantities(universe: Universe = ODEEN, dialect: bool = False) -> st.SearchStrategy[Quantity]:
    """``zero``, or ``at_least``/``exactly``/``at_most`` n with n in 0..length (dialect: 1, 2)."""
    counts = st.sampled_from([1, 2]) if dialect else st.integers(0, universe.length)
    kinds = st.sampled_from(["at_least", "exactly", "at_most"])
    return st.one_of(st.just(Quantity("zero", 0)), st.builds(Quantity, kinds, counts))


def _objects(universe: Universe) -> list[Obj]:
    """Every object phrase of the grammar that selects at least one piece, simplest first."""
    colors: list[str | None] = [None, *universe.colors]
    shapes: list[str | None] = [None, *universe.shapes]
    orientations: list[str | None] = [None, *universe.orientations]
    found = []
    for shape in shapes:
        for orientation in orientations:
            if shape is None and orientation is not None:
                continue  # an orientation needs its shape: `COLOR | COLOR? SHAPE ORIENTATION?`
            for color in colors:
                if color is shape is None:
                    continue
                if universe.selection(color, shape, orientation):
                    found.append(Obj(color, shape, orientation))
    if not found:
        raise ValueError(f"universe {universe.name!r} has no object phrase that selects a piece")
    return sorted(found, key=lambda o: len(o.words()))


def objects(universe: Universe = ODEEN) -> st.SearchStrategy[Obj]:
    """Object phrases (``red``, ``pyramid pointing_up``, ...) that select at least one piece.

    The dialect and the full language share the object grammar, so this serves both.
    """
    return st.sampled_from(_objects(universe))


def _props(universe: Universe, dialect: bool, relational: bool | None = None) -> st.SearchStrategy[Prop]:
    q, o = quantities(universe, dialect), objects(universe)
    simple = st.builds(Prop, q, o)
    if relational is False or not universe.relations:
        return simple
    rel = st.builds(Prop, q, o, st.sampled_from(list(universe.relations)), o)
    return rel if relational else st.one_of(simple, rel)


def rules(universe: Universe = ODEEN, dialect: bool = False, max_depth: int = 3) -> st.SearchStrategy[Rule]:
    """Meaningful rule ASTs: each one parses back from its printed text and can be checked.

    Args:
        universe: the world whose words, counts and relations the rules use.
        dialect: only rules of the Odeen dialect (see :func:`dialect_rules`).
        max_depth: how deeply ``not``/``and``/``or`` may nest in the full language
            (0 = single propositions); the dialect never nests, so it ignores this.
    """
    if dialect:
        simple = _props(universe, True, relational=False)
        return st.one_of(
            simple,
            _props(universe, True, relational=True) if universe.relations else st.nothing(),
            st.builds(And, simple, simple),
            st.builds(Or, simple, simple),
        )
    if max_depth < 0:
        raise ValueError("max_depth must be >= 0")
    level: st.SearchStrategy[Rule] = _props(universe, False)
    props = level
    for _ in range(max_depth):
        # One strategy per level, shared by its children: linear in the depth.
        level = st.one_of(props, st.builds(Not, level), st.builds(And, level, level),
                          st.builds(Or, level, level))
    return level


#: How :func:`deep_rules` grows a rule by one level: the rule so far is ``r``, a new
#: proposition ``p``.
_GROW = {
    "r and p": lambda r, p: And(r, p), "p and r": lambda r, p: And(p, r),
    "r or p": lambda r, p: Or(r, p), "p or r": lambda r, p: Or(p, r),
    "not r": lambda r, p: Not(r),
}


def deep_rules(universe: Universe = ODEEN, *, min_depth: int = 0,
               max_depth: int = 2000) -> st.SearchStrategy[Rule]:
    """Long, deeply nested rules: chains of ``and``/``or`` growing to the left or the right
    (so that the printed text needs a pair of parentheses per level) and towers of ``not``.

    A rule of depth ``d`` is built level by level (no recursion), so ``d`` may well exceed
    Python's recursion limit: use it to test that nothing walks a rule recursively.
    """

    @st.composite
    def build(draw) -> Rule:
        props = _props(universe, False)
        depth = draw(st.integers(min_depth, max_depth))
        # One shape for long runs of levels, so that a rule is a real chain, not a bush.
        steps = draw(st.lists(st.tuples(st.sampled_from(sorted(_GROW)), st.integers(1, max(1, depth))),
                              min_size=1, max_size=4))
        pool = draw(st.lists(props, min_size=1, max_size=8))
        rule = pool[0]
        level = 0
        while level < depth:
            for shape, run in steps:
                for _ in range(min(run, depth - level)):
                    rule = _GROW[shape](rule, pool[level % len(pool)])
                    level += 1
        return rule

    return build()


def dialect_rules(universe: Universe = ODEEN) -> st.SearchStrategy[Rule]:
    """Rules of the Odeen dialect of the paper (DESIGN §2.1): ``rules(dialect=True)``."""
    return rules(universe, dialect=True)


# -- scenes -----------------------------------------------------------------------------


def scenes(universe: Universe = ODEEN) -> st.SearchStrategy[str]:
    """Scene strings (``"A.b..v"``); they shrink towards the empty scene."""
    return st.lists(st.sampled_from(universe.glyphs), min_size=universe.length,
                    max_size=universe.length).map("".join)


def scene_arrays(universe: Universe = ODEEN, max_size: int = 100) -> st.SearchStrategy[np.ndarray]:
    """Batches of scenes as ``uint8[n, length]`` glyph indices, ``0 <= n <= max_size``."""
    return st.integers(0, max_size).flatmap(
        lambda n: hnp.arrays(np.uint8, (n, universe.length),
                             elements=st.integers(0, universe.n_glyphs - 1))
    )
