"""Universe files: a world described in TOML, and the built-in worlds.

A universe file has three tables (``rulelang universe show odeen`` prints a complete one)::

    [universe]                # name, scene length, empty glyph, the attribute words, relations
    name = "odeen"
    length = 6
    empty = "."
    colors = ["red", "blue"]
    shapes = ["block", "pyramid"]
    orientations = ["pointing_up", "pointing_down"]
    relations = ["touching", "surrounded_by", "at_the_right_of", "at_the_left_of"]

    [pieces]                  # each glyph, and the words of its piece's attributes
    A = ["red", "pyramid", "pointing_up"]

    [dialect]                 # optional: the dialect's quantifiers and counts (default 1, 2)
    quantifiers = ["at_least", "exactly", "at_most", "zero"]
    counts = [1, 2]

The built-in worlds (``odeen``, ``odeen-8``, ``odeen-10``) are such files, shipped in the
package (``rulelang/worlds/``); ``odeen`` loads as :data:`rulelang.universe.ODEEN` itself.
Every problem is a :class:`~rulelang.errors.RulelangError` at ``path:line:col`` (E801; E802
for a name that is neither built in nor a file).
"""

from __future__ import annotations

import json
import os
import re
import tomllib
import unicodedata
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import RulelangError
from .universe import KEYWORDS, KNOWN_RELATIONS, MAX_LENGTH, ODEEN, QUANTIFIERS, Universe

#: The worlds shipped with rulelang, by name.
BUILTIN = ("odeen", "odeen-8", "odeen-10")

#: The longest universe name (it names cache files and data folders).
MAX_NAME = 64
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TOML_POS = re.compile(r"\(at line (\d+), column (\d+)\)")
_SCHEMA = {
    "universe": ("name", "length", "empty", "colors", "shapes", "orientations", "relations"),
    "dialect": ("quantifiers", "counts"),
}


def load_universe(spec: str | Universe) -> Universe:
    """The universe named ``spec`` (a built-in name) or described by the file at ``spec``.

    Raises:
        RulelangError: E802 for a name that is neither built in nor an existing file, E301
            for a path (``.toml``, or with a folder) that is no file or cannot be read, E801 for
            a bad file (at its line and column).
    """
    if isinstance(spec, Universe):
        return spec
    if spec in BUILTIN:
        return _builtin(spec)
    path = Path(spec)
    if path.is_dir():
        raise RulelangError("is a directory, not a universe file", code="E301", path=spec)
    if not path.is_file() and (path.suffix.lower() == ".toml" or "/" in spec or os.sep in spec):
        raise RulelangError("no such file", code="E301", path=spec,
                            hint=f"a universe is a built-in name ({', '.join(BUILTIN)}) or a universe file")
    if not path.is_file():
        raise RulelangError(
            f"no universe {spec!r}", code="E802",
            hint=f"give a built-in name ({', '.join(BUILTIN)}) or the path of a universe file (.toml)")
    from .io import read_text

    return parse_universe(read_text(path), str(path))


@lru_cache(maxsize=None)
def _builtin(name: str) -> Universe:
    u = parse_universe(builtin_source(name), f"<{name}>")
    return ODEEN if u == ODEEN else u  # one Odeen object: caches keyed by it stay shared


def builtin_source(name: str) -> str:
    """The text of a built-in universe file."""
    try:
        return resources.files("rulelang").joinpath("worlds", f"{name}.toml").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):  # a plain checkout
        return (Path(__file__).resolve().parent / "worlds" / f"{name}.toml").read_text("utf-8")


def parse_universe(text: str, path: str = "<universe>") -> Universe:
    """Parse a universe file's text (see the module docstring).

    Raises:
        RulelangError: E801 at the line and column of the first problem.
    """
    lines = text.split("\n")

    def fail(message: str, where: tuple[int, int] | None = None, hint: str | None = None,
             width: int = 1) -> RulelangError:
        line, col = where if where else (None, None)
        src = lines[line - 1] if line and line <= len(lines) else None
        return RulelangError(message, code="E801", path=path, line=line, column=col,
                             end_column=col + max(1, width) if col else None, hint=hint, source_line=src)

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        m = _TOML_POS.search(str(err))
        msg = _TOML_POS.sub("", str(err)).strip()
        where = (int(m.group(1)), int(m.group(2))) if m else None
        key = re.match(r"\s*(\S+?)\s*=", lines[where[0] - 1]) if where and where[0] <= len(lines) else None
        if "overwrite" in msg and key:  # a glyph or a setting given twice
            raise fail(f"{key.group(1)} is given twice", (where[0], key.start(1) + 1),
                       width=len(key.group(1)), hint="each glyph and each setting appears once") from None
        raise fail(f"not a valid TOML file: {msg}", where) from None
    loc = _Locator(lines)
    for table in data:
        if table not in ("universe", "pieces", "dialect") and not isinstance(data[table], dict):
            raise fail(f"{table} = ... stands outside any table", loc.anywhere(table), width=len(table),
                       hint="write it under its table: [universe] (name, length, empty, colors, ...), "
                            "[pieces] or [dialect]")
        if table not in ("universe", "pieces", "dialect"):
            raise fail(f"unknown table [{table}]", loc.table(table), width=len(table) + 2,
                       hint="a universe file has the tables [universe], [pieces] and [dialect]")
        if not isinstance(data[table], dict):  # `dialect = 5`, or an array of tables `[[dialect]]`
            raise fail(f"{table} must be a table, [{table}]", loc.anywhere(table), width=len(table),
                       hint=f"write [{table}] on a line of its own, then its keys")
    head = data.get("universe")
    if not isinstance(head, dict):
        raise fail("missing table [universe]", hint="start with [universe], then name = ..., length = ...")
    for table, keys in _SCHEMA.items():
        for key in data.get(table, {}):
            if key not in keys:
                raise fail(f"unknown key {key!r} in [{table}]", loc.key(table, key), width=len(key),
                           hint=f"the keys of [{table}] are {', '.join(keys)}")

    def get(table: str, key: str, kind: type, default: Any = None) -> Any:
        section = data.get(table, {})
        if key not in section:
            if default is not None:
                return default
            raise fail(f"[{table}] lacks {key!r}", loc.table(table))
        value = section[key]
        if isinstance(kind, tuple):  # (list, element type)
            ok = isinstance(value, list) and all(isinstance(v, kind[1]) and not isinstance(v, bool)
                                                 for v in value)
            what = "a list of " + ("numbers" if kind[1] is int else "words")
        else:
            ok = isinstance(value, kind) and not isinstance(value, bool)
            what = {int: "a number", str: "a string"}[kind]
        if not ok:
            raise fail(f"{key} must be {what}", loc.key(table, key), width=len(key))
        return tuple(value) if isinstance(kind, tuple) else value

    words, ints = (list, str), (list, int)
    name = get("universe", "name", str)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name) or len(name) > MAX_NAME:
        raise fail(f"bad universe name {name[:MAX_NAME]!r}" + ("..." if len(name) > MAX_NAME else ""),
                   loc.key("universe", "name"), width=4,
                   hint=f"at most {MAX_NAME} letters, digits, '-', '_' and '.', e.g. 'odeen-8'")
    length = get("universe", "length", int)
    if not 1 <= length <= MAX_LENGTH:
        raise fail(f"a scene has 1 to {MAX_LENGTH} cells, not {length}", loc.value("universe", "length"),
                   width=len(str(length)))
    empty = get("universe", "empty", str)
    colors = get("universe", "colors", words)
    shapes = get("universe", "shapes", words)
    orientations = get("universe", "orientations", words, ())
    relations = get("universe", "relations", words, KNOWN_RELATIONS)
    quantifiers = get("dialect", "quantifiers", words, QUANTIFIERS)
    counts = get("dialect", "counts", ints, tuple(n for n in (1, 2) if n <= length))  # default: 1 and 2

    seen: dict[str, str] = {}
    for key, group in (("colors", colors), ("shapes", shapes), ("orientations", orientations)):
        for w in group:
            where = loc.word("universe", key, w)
            if not _WORD.fullmatch(w):
                raise fail(f"bad attribute word {w!r}", where, width=len(w),
                           hint="a word is letters, digits and '_', not starting with a digit")
            if w in KEYWORDS or w in KNOWN_RELATIONS:
                raise fail(f"attribute word {w!r} is a word of the rule language itself", where,
                           width=len(w), hint="choose another word")
            if w in seen:
                again = loc.word("universe", key, w, after=where) if seen[w] == key else where
                raise fail(f"attribute word {w!r} appears twice" + (f" (in {seen[w]} and {key})" if seen[w] != key
                                                                    else f" in {key}"), again, width=len(w))
            seen[w] = key
    if not colors and not shapes:
        raise fail("a world needs a colour or a shape: no object phrase could select a piece",
                   loc.key("universe", "colors"), width=6, hint="an object phrase is COLOR | [COLOR] SHAPE "
                                                                "[ORIENTATION]")
    for r in relations:
        if r not in KNOWN_RELATIONS:
            raise fail(f"unknown relation {r!r}", loc.word("universe", "relations", r), width=len(r),
                       hint=f"the relations are {', '.join(KNOWN_RELATIONS)}")
    _once(fail, loc, "universe", "relations", relations, "a relation")
    for q in quantifiers:
        if q not in QUANTIFIERS:
            raise fail(f"unknown quantifier {q!r}", loc.word("dialect", "quantifiers", q), width=len(q),
                       hint=f"the quantifiers are {', '.join(QUANTIFIERS)}")
    _once(fail, loc, "dialect", "quantifiers", quantifiers, "a quantifier")
    if not quantifiers:
        raise fail("the dialect needs a quantifier: without one it has no rule", loc.key("dialect", "quantifiers"),
                   width=11, hint=f"the quantifiers are {', '.join(QUANTIFIERS)}")
    if not counts:
        raise fail("the dialect needs a count (the n of at_least n, exactly n, at_most n)",
                   loc.key("dialect", "counts"), width=6, hint="e.g. counts = [1, 2]")
    for n in counts:
        if not 1 <= n <= length:
            raise fail(f"a dialect count runs from 1 to the {length} cells, not {n}",
                       loc.word("dialect", "counts", str(n)), width=len(str(n)))
    _once(fail, loc, "dialect", "counts", [str(n) for n in counts], "a dialect count")
    if not _glyph_ok(empty):
        raise fail(f"the empty glyph must be one visible character, not {empty!r}",
                   loc.value("universe", "empty"), width=len(empty) + 2)

    pieces_in = data.get("pieces")
    if not isinstance(pieces_in, dict) or not pieces_in:
        raise fail("missing table [pieces] (at least one piece)", loc.table("pieces"),
                   hint='one line per glyph, e.g. A = ["red", "pyramid", "pointing_up"]')
    pieces: dict[str, tuple[str, ...]] = {}
    for glyph, attrs in pieces_in.items():
        where = loc.key("pieces", glyph)
        if not _glyph_ok(glyph):
            raise fail(f"a glyph is one visible character, not {glyph!r}", where, width=len(glyph))
        if glyph == empty:
            raise fail(f"glyph {glyph!r} is already the empty glyph", where)
        if not (isinstance(attrs, list) and attrs and all(isinstance(a, str) for a in attrs)):
            raise fail(f"piece {glyph!r} must be a list of attribute words", where)
        for a in attrs:
            if a not in seen:
                raise fail(f"piece {glyph!r} has the word {a!r}, which is no colour, shape or orientation",
                           loc.word("pieces", glyph, a), width=len(a),
                           hint="list it under colors, shapes or orientations in [universe]")
        kinds = [seen[a] for a in attrs]
        if len(set(kinds)) != len(kinds):
            raise fail(f"piece {glyph!r} has two words of one attribute", where)
        if "colors" not in kinds and "shapes" not in kinds:
            raise fail(f"piece {glyph!r} has neither a colour nor a shape", where,
                       hint="no rule could tell it from an empty cell: an object phrase is COLOR | "
                            "[COLOR] SHAPE [ORIENTATION]")
        pieces[glyph] = tuple(attrs)
    signatures: dict[frozenset, str] = {}
    for glyph, attrs in pieces.items():
        key = frozenset(attrs)
        if key in signatures:
            raise fail(f"pieces {signatures[key]!r} and {glyph!r} have the same attributes",
                       loc.key("pieces", glyph), hint="no rule could tell them apart")
        signatures[key] = glyph
    if len(pieces) > 63:
        raise fail(f"at most 63 pieces, not {len(pieces)}", loc.table("pieces"))
    try:
        return Universe(name=name, length=length, empty=empty, pieces=pieces, colors=colors, shapes=shapes,
                        orientations=orientations, relations=relations, quantifiers=quantifiers,
                        counts=counts)
    except ValueError as err:  # anything the checks above missed: still at the file
        raise fail(str(err), loc.table("universe")) from None


def _once(fail: Any, loc: "_Locator", table: str, key: str, items: Any, what: str) -> None:
    """E801 at the second occurrence of an item of a list that must not repeat one."""
    seen: set = set()
    for item in items:
        if item in seen:
            first = loc.word(table, key, item)
            raise fail(f"{what} appears twice: {item}", loc.word(table, key, item, after=first),
                       width=len(str(item)))
        seen.add(item)


def _glyph_ok(g: str) -> bool:
    # one character that shows on its own: no space, control, format or combining mark
    return (len(g) == 1 and g.isprintable() and not g.isspace() and g not in "#\"'"
            and not unicodedata.category(g).startswith("M"))


def to_toml(u: Universe) -> str:
    """The universe as a universe file (``parse_universe(to_toml(u)) == u``)."""

    def q(text: str) -> str:  # a TOML basic string: JSON's escapes are TOML's
        return json.dumps(text, ensure_ascii=False)

    def arr(items) -> str:
        return "[" + ", ".join(q(w) if isinstance(w, str) else str(w) for w in items) + "]"

    lines = ["[universe]", f"name = {q(u.name)}", f"length = {u.length}", f"empty = {q(u.empty)}",
             f"colors = {arr(u.colors)}", f"shapes = {arr(u.shapes)}",
             f"orientations = {arr(u.orientations)}", f"relations = {arr(u.relations)}", "", "[pieces]"]
    lines += [f"{q(g)} = {arr(ws)}" for g, ws in u.pieces.items()]
    lines += ["", "[dialect]", f"quantifiers = {arr(u.quantifiers)}", f"counts = {arr(u.counts)}"]
    return "\n".join(lines) + "\n"


class _Locator:
    """Finds where a table, key or word stands in the file (``tomllib`` keeps no positions)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def _section(self, table: str) -> tuple[int, int] | None:
        start = None
        for i, line in enumerate(self.lines):
            m = re.match(r"\s*\[\s*([^\]]+?)\s*\]", line)
            if m:
                if start is not None:
                    return start, i
                if m.group(1).strip("\"'") == table:  # [pieces] or ["pieces"]
                    start = i
        return (start, len(self.lines)) if start is not None else None

    def anywhere(self, name: str) -> tuple[int, int] | None:
        """The first line where ``name`` stands as a key or in a table header."""
        pat = re.compile(rf"^\s*(?:\[\[?\s*)?[\"']?({re.escape(name)})[\"']?\s*(?:=|\])")
        for i, line in enumerate(self.lines, start=1):
            m = pat.match(line)
            if m:
                return i, m.start(1) + 1
        return None

    def table(self, table: str) -> tuple[int, int] | None:
        sec = self._section(table)
        return (sec[0] + 1, self.lines[sec[0]].index("[") + 1) if sec else None

    def key(self, table: str, key: str) -> tuple[int, int] | None:
        sec = self._section(table)
        if sec is None:
            return None
        pat = re.compile(rf"\s*(\"{re.escape(key)}\"|'{re.escape(key)}'|{re.escape(key)})\s*=")
        for i in range(sec[0] + 1, sec[1]):
            m = pat.match(self.lines[i])
            if m:
                return i + 1, m.start(1) + 1
        return self.table(table)

    def value(self, table: str, key: str) -> tuple[int, int] | None:
        where = self.key(table, key)
        if where is None:
            return None
        line = self.lines[where[0] - 1]
        eq = line.find("=", where[1] - 1)
        if eq < 0:
            return where
        col = eq + 1
        while col < len(line) and line[col] == " ":
            col += 1
        return where[0], col + 1

    def word(self, table: str, key: str, word: str,
             after: tuple[int, int] | None = None) -> tuple[int, int] | None:
        """Where ``word`` (a string in either quotes, or a bare number) stands in the list of
        ``key``; with ``after`` (a place this returned), its next place after that one."""
        where = self.key(table, key)
        if where is None:
            return None
        number = word.isdigit()
        pat = re.compile(rf"(?<![\w.]){word}(?![\w.])" if number
                         else rf"\"{re.escape(word)}\"|'{re.escape(word)}'")
        # A list may run over several lines: look from the key on, to the closing bracket.
        for i in range(where[0] - 1, len(self.lines)):
            if after is not None and i + 1 < after[0]:
                continue
            line = self.lines[i]
            start = line.find("=", where[1] - 1) + 1 if i == where[0] - 1 else 0
            if after is not None and i + 1 == after[0]:
                start = max(start, after[1])
            m = pat.search(line, start)
            if m:
                return i + 1, m.start() + 1 + (not number)
            if "]" in line[start:].split("#")[0]:
                break
        return where
