"""Parse rule text into the AST, and translate every parse failure into our error.

The grammars live in ``grammar/`` (shipped as the package ``rulelang.grammar``); each is
loaded once per universe, lazily. Lark's exceptions never leave this module: they become
:class:`~rulelang.errors.RulelangError` with the words a user knows, and a
"did you mean" for near misses. Range and meaning checks run in a separate pass over the
AST (:func:`check_rule`).
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import lark
from lark import Lark, Token, Transformer

from .ast import And, Not, Obj, Or, Prop, Quantity, Rule, Span
from .errors import QUOTE_LIMIT, RulelangError, quoted, shorten
from .universe import ODEEN, QUANTIFIERS, Universe

VOCABULARY_MARKER = "// --- vocabulary: generated from the universe"
_WORD = re.compile(r"[^\s()#]+")
#: Words longer than this are not tried as several words run together (no rule has one).
GLUED_LIMIT = 200
_DIGITS = re.compile(r"[0-9]+")


def grammar_source(dialect: bool = False) -> str:
    """The text of a grammar file (``full.lark`` or ``odeen.lark``), as shipped."""
    name = "odeen.lark" if dialect else "full.lark"
    try:
        return resources.files("rulelang.grammar").joinpath(name).read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        # A plain checkout (not installed): the grammar sits beside the package.
        return (Path(__file__).resolve().parent.parent / "grammar" / name).read_text("utf-8")


def grammar_for(universe: Universe, dialect: bool = False) -> str:
    """The grammar with its vocabulary section generated from ``universe``."""
    source = grammar_source(dialect)
    head, marker, _ = source.partition(VOCABULARY_MARKER)
    if not marker:
        raise RuntimeError("grammar file lacks its vocabulary section")
    return f"{head}{marker}; these lines are {universe.name}'s ---\n{universe.lark_vocabulary(dialect)}\n"


@lru_cache(maxsize=None)
def _lark(universe: Universe, dialect: bool, strict: bool = False) -> Lark:
    return Lark(
        grammar_for(universe, dialect),
        parser="lalr",
        # The AST is built while parsing (LALR calls the transformer at each reduction): no
        # parse tree, no second pass, and no recursion, so a rule may nest as deeply as its
        # text (a chain of 100,000 ``and`` operators is a tree that deep).
        transformer=_ToAst(),
        maybe_placeholders=False,
        strict=strict,
        cache=not strict,
    )


#: Counts with more digits than this are refused while parsing: far beyond any scene, and
#: Python would refuse to convert a number of more than 4,300 digits anyway.
MAX_DIGITS = 9


class _Grouped(NamedTuple):
    """A parenthesised rule while parsing: the rule, and its span with the parentheses."""

    rule: Rule
    span: Span


def _start(item) -> tuple[int, int]:
    return (item.line, item.column) if isinstance(item, Token) else (item.span.line, item.span.column)


def _end(item) -> tuple[int, int]:
    if isinstance(item, Token):
        return item.end_line, item.end_column
    return item.span.end_line, item.span.end_column


def _span(children) -> Span:
    """The span from the first child's start to the last child's end."""
    return Span(*_start(children[0]), *_end(children[-1]))


def _rule(item) -> Rule:
    return item.rule if isinstance(item, _Grouped) else item


class _ToAst(Transformer):
    def quantity(self, children):
        kind = children[0]
        if kind.type == "ZERO":
            return Quantity("zero", 0, span=_span(children))
        number = children[1]
        digits = str(number).lstrip("0")
        if len(digits) > MAX_DIGITS:
            shown = digits if len(digits) <= 12 else f"{digits[:12]}..."
            raise RulelangError(
                f"count {shown} ({len(digits):,} digits) exceeds any scene", code="E101",
                line=number.line, column=number.column, end_column=number.end_column,
                hint="counts run from 0 to the number of cells of a scene")
        return Quantity(str(kind), int(number), span=_span(children))

    def obj(self, children):
        words = {tok.type: str(tok) for tok in children}
        return Obj(words.get("COLOR"), words.get("SHAPE"), words.get("ORIENTATION"), span=_span(children))

    def prop(self, children):
        if len(children) == 2:
            return Prop(children[0], children[1], span=_span(children))
        q, x, rel, y = children
        return Prop(q, x, str(rel), y, span=_span(children))

    def and_(self, children):
        return And(_rule(children[0]), _rule(children[2]), span=_span(children))

    def or_(self, children):
        return Or(_rule(children[0]), _rule(children[2]), span=_span(children))

    def not_(self, children):
        return Not(_rule(children[1]), span=_span(children))

    def group(self, children):
        return _Grouped(_rule(children[1]), _span(children))


_FIXED_WORDS = {
    "AND": "and", "OR": "or", "NOT": "not", "AT_LEAST": "at_least", "EXACTLY": "exactly",
    "AT_MOST": "at_most", "ZERO": "zero", "LPAR": "(", "RPAR": ")", "$END": "end of rule",
}


_ORDER = ("AT_LEAST", "EXACTLY", "AT_MOST", "ZERO", "NOT", "LPAR", "NUMBER", "COLOR", "SHAPE",
          "ORIENTATION", "REL", "AND", "OR", "RPAR", "$END")


def _expected_words(names, universe: Universe, dialect: bool) -> tuple[str, ...]:
    """Map Lark terminal names to the words a user would type."""
    groups = {
        "COLOR": universe.colors,
        "SHAPE": universe.shapes,
        "ORIENTATION": universe.orientations,
        "REL": universe.relations,
        "NUMBER": tuple(map(str, universe.counts)) if dialect else (f"a number 0..{universe.length}",),
    }
    words: list[str] = []
    # Lark hands over a set: list the words in a fixed, readable order instead.
    for name in sorted(names, key=lambda n: _ORDER.index(n) if n in _ORDER else len(_ORDER)):
        if name in groups:
            words.extend(groups[name])
        elif name in _FIXED_WORDS:
            words.append(_FIXED_WORDS[name])
    return tuple(dict.fromkeys(words))


def _split_glued(word: str, universe: Universe) -> list[str] | None:
    """``at_least1red`` -> ``['at_least', '1', 'red']`` when it splits into known words."""
    vocab = sorted(universe.words, key=len, reverse=True)
    out: list[str] = []
    pos = 0  # an index, not slices of the rest: a 1 MB word must not take quadratic time
    while pos < len(word):
        m = _DIGITS.match(word, pos)
        if m:
            out.append(m.group())
            pos = m.end()
            continue
        for w in vocab:
            if word.startswith(w, pos):
                out.append(w)
                pos += len(w)
                break
        else:
            return None
    return out if len(out) > 1 else None


def _lines(text: str) -> list[str]:
    """The lines of a rule as Lark counts them (only "\\n" ends a line), so positions agree."""
    return text.split("\n")


def _translate(err: lark.exceptions.UnexpectedInput, text: str, universe: Universe,
               dialect: bool) -> RulelangError:
    line = getattr(err, "line", None)
    column = getattr(err, "column", None)
    names = getattr(err, "expected", None) or getattr(err, "allowed", None) or ()
    if isinstance(err, (lark.exceptions.UnexpectedToken, lark.exceptions.UnexpectedEOF)):
        # At the error the LALR parser has already made the reductions the bad lookahead
        # allowed (after `zero red`, a `)` leaves only `or` and the end expected). Re-reading
        # the text before the bad token and asking what may follow gives the whole list.
        tok = getattr(err, "token", None)
        stop = tok.start_pos if tok is not None and tok.type != "$END" and tok.start_pos is not None else len(text)
        names = _accepted(text[:stop], universe, dialect) or names
    expected = _expected_words(names, universe, dialect)
    lines = _lines(text)
    if isinstance(err, lark.exceptions.UnexpectedToken) and err.token.type != "$END":
        tok = err.token
        word = str(tok)
        if tok.type == "NUMBER" and dialect and str(universe.counts[0]) in expected:
            message = (f"the {universe.title} dialect counts only {universe.counts_phrase()}, "
                       f"not {shorten(word, QUOTE_LIMIT)}")
        else:
            message = f"unexpected word {quoted(word)}"
        return RulelangError(
            message, code="E001", line=tok.line, column=tok.column, end_column=tok.end_column,
            expected=expected, hint=_hint(word, expected, universe),
            source_line=lines[tok.line - 1] if tok.line and tok.line <= len(lines) else None,
        )
    if isinstance(err, (lark.exceptions.UnexpectedEOF, lark.exceptions.UnexpectedToken)):
        # Lark's end token borrows the position of the last word: point just past it.
        tok = getattr(err, "token", None)
        if tok is not None and getattr(tok, "end_line", None):
            last, end = tok.end_line, tok.end_column
        else:
            last = len(lines)
            end = len(lines[-1].split("#", 1)[0].rstrip()) + 1
        return RulelangError(
            "unexpected end of rule", code="E002", line=last, column=end, end_column=end + 1,
            expected=expected, hint=None, source_line=lines[last - 1],
        )
    # UnexpectedCharacters: nothing this position allows matches here.
    pos = err.pos_in_stream
    m = _WORD.match(text, pos)
    src = lines[line - 1] if line and line <= len(lines) else None
    if m is None:
        ch = text[pos]
        return RulelangError(
            f"unexpected character {ch!r}", code="E003", line=line, column=column,
            end_column=column + 1, expected=expected, source_line=src,
        )
    word = m.group()
    glued = _split_glued(word, universe) if len(word) <= GLUED_LIMIT else None
    if glued:
        return RulelangError(
            f"{quoted(word)} is several words run together", code="E001", line=line, column=column,
            end_column=column + len(word), expected=expected,
            hint=f"separate words with spaces: {quoted(' '.join(glued))}", source_line=src,
        )
    known = word in universe.words or re.fullmatch(r"[0-9]+", word) is not None
    message = f"unexpected word {quoted(word)}" if known else f"unknown word {quoted(word)}"
    if known and word.isdigit() and dialect:
        message = (f"the {universe.title} dialect counts only {universe.counts_phrase()}, "
                   f"not {shorten(word, QUOTE_LIMIT)}")
    return RulelangError(
        message, code="E001", line=line, column=column, end_column=column + len(word),
        expected=expected, hint=_hint(word, expected, universe), source_line=src,
    )


def _accepted(prefix: str, universe: Universe, dialect: bool) -> set[str]:
    """The terminals the parser accepts after ``prefix`` (empty when the prefix is not valid)."""
    try:
        interactive = _lark(universe, dialect).parse_interactive(prefix)
        interactive.exhaust_lexer()
        return set(interactive.accepts())
    except (lark.exceptions.LarkError, RulelangError):  # RulelangError: a huge count on the way
        return set()


def expected_words(prefix: str, *, universe: Universe = ODEEN, dialect: bool = False) -> tuple[str, ...]:
    """The words that may follow ``prefix``: the list a parse error there gives as "expected".

    A count appears as the phrase ``"a number 0..N"`` (in the dialect as ``"1"``, ``"2"``),
    and the end of the rule as ``"end of rule"``. Empty when ``prefix`` itself has an error.
    """
    return _expected_words(_accepted(prefix, universe, dialect), universe, dialect)


def _hint(word: str, expected: tuple[str, ...], universe: Universe) -> str | None:
    if len(word) > QUOTE_LIMIT:  # no word of ours is that long (and difflib would take its time)
        return None
    pool = [w for w in expected if " " not in w] or sorted(universe.words)
    close = difflib.get_close_matches(word, pool, n=1, cutoff=0.6) or difflib.get_close_matches(
        word, sorted(universe.words), n=1, cutoff=0.6
    )
    return f"did you mean {close[0]!r}?" if close and close[0] != word else None


def parse(text: str, *, universe: Universe = ODEEN, dialect: bool = False,
          check: bool = True) -> Rule:
    """Parse one rule.

    Args:
        text: the rule (``#`` comments and any white space allowed).
        universe: the world whose words the rule may use.
        dialect: accept only the Odeen dialect of the paper (DESIGN §2.1).
        check: also run the semantic pass (:func:`check_rule`).

    Raises:
        RulelangError: with line/column relative to ``text``; use
            :meth:`RulelangError.located` to place it in a file.
    """
    if not any(line.split("#", 1)[0].strip() for line in _lines(text)):
        raise RulelangError("empty rule", code="E004", line=1, column=1, end_column=2,
                            source_line=_lines(text)[0],
                            expected=("at_least", "exactly", "at_most", "zero", "not", "("))
    try:
        rule = _rule(_lark(universe, dialect).parse(text))
    except lark.exceptions.UnexpectedInput as err:
        raise _translate(err, text, universe, dialect) from None
    except RulelangError as err:  # raised while building the AST: show the line it is on
        lines = _lines(text)
        raise err.located(source_line=lines[err.line - 1] if err.line else None) from None
    except lark.exceptions.LarkError as err:  # anything else Lark may raise: still ours
        raise RulelangError(f"cannot parse rule: {err}", code="E000") from None
    if dialect and universe.quantifiers != QUANTIFIERS:
        _check_dialect_quantifiers(rule, universe, text)
    if check:
        check_rule(rule, universe, source=text)
    return rule


def _check_dialect_quantifiers(rule: Rule, universe: Universe, text: str) -> None:
    from .ast import props

    for p in props(rule):
        if p.quantity.kind not in universe.quantifiers:
            span = p.quantity.span
            raise RulelangError(
                f"the {universe.title} dialect has no quantifier {p.quantity.kind!r}", code="E001",
                line=span.line if span else None, column=span.column if span else None,
                expected=universe.quantifiers,
                source_line=_lines(text)[span.line - 1] if span else None)


def check_rule(rule: Rule, universe: Universe = ODEEN, *, source: str | None = None) -> Rule:
    """The semantic pass: counts within the scene, objects that select some piece.

    Returns the rule unchanged when it is meaningful in ``universe``.

    Raises:
        RulelangError: E101 (count out of range), E102 (object selects nothing),
            E103 (a word this universe does not have).
    """
    from .ast import props

    lines = _lines(source) if source is not None else []

    def err(msg: str, code: str, span: Span | None, hint: str | None = None) -> RulelangError:
        if span is None:
            return RulelangError(msg, code=code, hint=hint)
        src = lines[span.line - 1] if 0 < span.line <= len(lines) else None
        end = span.end_column if span.end_line == span.line else (len(src) + 1 if src else None)
        return RulelangError(msg, code=code, line=span.line, column=span.column,
                             end_column=end, hint=hint, source_line=src)

    for p in props(rule):
        q = p.quantity
        if q.n > universe.length:
            raise err(f"count {q.n} exceeds the {universe.length} cells of a scene", "E101", q.span,
                      hint=f"counts run from 0 to {universe.length}")
        if p.relation is not None and p.relation not in universe.relations:
            raise err(f"universe {universe.name!r} has no relation {p.relation!r}", "E103", p.span)
        for o in (p.subject, p.other):
            if o is None:
                continue
            for w, allowed in ((o.color, universe.colors), (o.shape, universe.shapes),
                               (o.orientation, universe.orientations)):
                if w is not None and w not in allowed:
                    raise err(f"universe {universe.name!r} has no word {w!r}", "E103", o.span)
            if universe.selection(o.color, o.shape, o.orientation) == 0:
                raise err(f"no piece is a {' '.join(o.words())!r}", "E102", o.span,
                          hint=_empty_object_hint(o, universe))
    return rule


def _empty_object_hint(o: Obj, universe: Universe) -> str:
    if o.orientation is not None:
        pointing = sorted({g for g, ws in universe.pieces.items() if o.orientation in ws})
        shapes = sorted({w for g in pointing for w in universe.pieces[g] if w in universe.shapes})
        if shapes:
            return f"only {' and '.join(s for s in shapes)} pieces point"
    return "no piece of this universe has all these attributes"
