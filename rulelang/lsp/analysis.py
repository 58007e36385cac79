"""A rule file analysed line by line, each line's result reused while its text is unchanged.

A rule file holds one rule per line, so a keystroke changes one line: the analyser parses
that line alone and takes every other line's result from its cache (keyed by the line's
text). Only the name check (E105: a ``name:`` used twice) looks across lines, and it is a
dictionary pass. The diagnostics are those of ``rulelang check`` — the same codes, lines,
columns and messages — because each line goes through the same reader
(:func:`rulelang.rulefile.parse_rule_file`) and the same judge (:func:`rulelang.report.judge`).

Beyond ``check``: a line whose rule is nested too deeply for the parser gets a diagnostic
(:data:`TOO_DEEP`) instead of an exception, the words that may follow the cursor
(:func:`completions`), the edit a "did you mean" hint proposes (:func:`fix_of`), and the
canonical formatting of ``rulelang fmt`` (:meth:`Analysis.formatted`).

Nothing here knows the protocol: :mod:`rulelang.lsp.server` turns these results into LSP
messages, and the benchmark times them directly.
"""

from __future__ import annotations

import ast as _pyast
import os
import re
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import RulelangError
from ..lines import split_lines
from ..report import judge
from ..rulefile import LABEL, RuleEntry, RuleFile, format_rule_file, parse_rule_file, split_comment
from ..scenefile import SceneFile, parse_scene_file
from ..universe import ODEEN, Universe

#: The code of "this rule is nested too deeply to be read" (the parser ran out of stack).
TOO_DEEP = "E005"
#: Lines whose results are kept (the cache forgets the least recently used beyond this).
CACHE_LINES = 50_000
#: The default table of a rule file: ``rules.rl`` is judged on ``rules.table`` beside it.
DEFAULT_TABLE = "{stem}.table"

_WORD_CHARS = re.compile(r"[^\s()#]*$")
_DID_YOU_MEAN = re.compile(r"did you mean ('(?:[^'\\]|\\.)*')\?")
_SEPARATE = re.compile(r"separate words with spaces: ('(?:[^'\\]|\\.)*')$")


@dataclass(frozen=True)
class LineResult:
    """One line of a rule file read alone (its diagnostics located at line 1).

    Attributes:
        name: the ``name:`` label the line claims, or ``None``; ``name_span`` its columns
            (1-based, end exclusive).
        entry: the rule, when the line holds a good one.
        errors: the line's diagnostics (a bad rule, a label with no rule, a rule too deep).
    """

    name: str | None
    name_span: tuple[int, int] | None
    entry: RuleEntry | None
    errors: tuple[RulelangError, ...]


def read_line(raw: str, *, universe: Universe = ODEEN, dialect: bool = False) -> LineResult:
    """Read one line of a rule file as :func:`~rulelang.rulefile.parse_rule_file` reads it."""
    code, _ = split_comment(raw)
    m = LABEL.match(code)
    claims = m is not None and bool(code[m.end():].strip())
    name, span = (m.group(2), (m.start(2) + 1, m.end(2) + 1)) if claims and m else (None, None)
    try:
        rf = parse_rule_file(raw, universe=universe, dialect=dialect)
    except RecursionError:
        body = code[m.end():] if m else code
        start = len(code) - len(body.lstrip()) + 1
        err = RulelangError("rule too deeply nested to be read", code=TOO_DEEP, line=1, column=start,
                            end_column=len(code.rstrip()) + 1, source_line=raw,
                            hint="split it into simpler rules, or use fewer parentheses and 'not's")
        return LineResult(name, span, None, (err,))
    entry = rf.entries[0] if rf.entries else None
    return LineResult(name, span, entry, tuple(rf.errors))


@dataclass(frozen=True)
class Table:
    """The table a rule file is judged on: its path, its parsed scenes, and a version key."""

    path: str
    scene_file: SceneFile
    key: tuple

    @property
    def n_labelled(self) -> int:
        return sum(e.label is not None for e in self.scene_file.entries)


def table_path(rule_path: str, pattern: str | None = None) -> Path:
    """Where the table of the rule file ``rule_path`` is (``pattern`` relative to its folder)."""
    p = Path(rule_path)
    name = (pattern or DEFAULT_TABLE).replace("{stem}", p.stem)
    return p.parent / os.path.expanduser(name)


def load_table(path: Path, text: str | None = None, version: object = None, *,
               universe: Universe = ODEEN) -> Table | None:
    """The table at ``path`` (``text``: its content open in the editor); ``None`` when absent.

    A table that cannot be read becomes a table of one diagnostic (E301), so that a rule
    file never fails because of its table.
    """
    if text is not None:
        return Table(str(path), parse_scene_file(text, str(path), universe=universe), ("open", version))
    try:
        st = path.stat()
    except (OSError, ValueError):  # ValueError: a NUL in the path
        return None
    if not path.is_file():
        return None
    from ..io import read_text

    try:
        text = read_text(path)
    except RulelangError as err:
        sf = SceneFile(str(path), [], errors=[err], universe=universe)
        return Table(str(path), sf, ("disk", st.st_mtime_ns, st.st_size))
    return Table(str(path), parse_scene_file(text, str(path), universe=universe),
                 ("disk", st.st_mtime_ns, st.st_size))


@dataclass(frozen=True)
class Verdict:
    """A rule's verdict on the table: explains it, or is falsified (E401) by some scenes."""

    explains: bool
    n_labelled: int
    finding: object | None = None  # the report.Finding of a contradiction (line 1)


@dataclass
class Analysis:
    """The result for one document: diagnostics in ``check``'s order, rules and verdicts by line.

    Line numbers are 1-based, as in ``check``.
    """

    path: str
    lines: list[str]
    diagnostics: list[RulelangError] = field(default_factory=list)
    entries: dict[int, RuleEntry] = field(default_factory=dict)
    verdicts: dict[int, Verdict] = field(default_factory=dict)
    falsifiers: dict[int, tuple] = field(default_factory=dict)
    table: Table | None = None

    def formatted(self) -> str:
        """The document as ``rulelang fmt`` writes it."""
        rf = RuleFile(self.path, self.lines, entries=[self.entries[k] for k in sorted(self.entries)])
        return format_rule_file(rf)

    def entry_at(self, line: int) -> RuleEntry | None:
        return self.entries.get(line)


class Analyser:
    """Analyses documents of one universe and language, reusing each line's result.

    Args:
        universe: the world the rules talk about.
        dialect: accept only the Odeen dialect.
    """

    def __init__(self, universe: Universe = ODEEN, dialect: bool = False) -> None:
        self.universe = universe
        self.dialect = dialect
        self._lines: OrderedDict[str, LineResult] = OrderedDict()
        self._verdicts: OrderedDict[tuple, Verdict] = OrderedDict()
        self._places: OrderedDict[tuple, _Placed] = OrderedDict()
        self.parsed = 0  # lines read (not found in the cache), for tests and benchmarks

    def line(self, raw: str) -> LineResult:
        hit = self._lines.get(raw)
        if hit is not None:
            self._lines.move_to_end(raw)
            return hit
        result = read_line(raw, universe=self.universe, dialect=self.dialect)
        self.parsed += 1
        self._lines[raw] = result
        if len(self._lines) > CACHE_LINES:
            self._lines.popitem(last=False)
        return result

    def verdict(self, raw: str, entry: RuleEntry, table: Table) -> Verdict:
        key = (table.path, table.key, raw)
        hit = self._verdicts.get(key)
        if hit is None:
            self.judge_lines([(raw, entry)], table)
            hit = self._verdicts[key]
        self._verdicts.move_to_end(key)
        return hit

    def judge_lines(self, lines: list[tuple[str, RuleEntry]], table: Table) -> None:
        """Judge many lines' rules on ``table`` at once (one pass of the checker) into the cache."""
        todo = list({raw: e for raw, e in lines if (table.path, table.key, raw) not in self._verdicts}.items())
        if not todo:
            return
        entries = [replace(e, line=k) for k, (_, e) in enumerate(todo, start=1)]
        try:
            report = judge(RuleFile(table.path, [raw for raw, _ in todo], entries=entries),
                           table.scene_file, self.universe)
        except RecursionError:  # a rule the parser read but the evaluator cannot walk: one by one
            if len(todo) > 1:
                for one in todo:
                    self.judge_lines([one], table)
                return
            self._verdicts[(table.path, table.key, todo[0][0])] = Verdict(False, 0, None)
            return
        findings = {f.error.line: f for f in report.findings() if f.kind == "contradiction"}
        for k, ((raw, _), result) in enumerate(zip(todo, report.results), start=1):
            self._verdicts[(table.path, table.key, raw)] = Verdict(bool(result.explains), table.n_labelled,
                                                                 findings.get(k))
        while len(self._verdicts) > CACHE_LINES:
            self._verdicts.popitem(last=False)

    def analyse(self, text: str, path: str = "<input>", table: Table | None = None) -> Analysis:
        """Diagnostics, rules and verdicts of a whole document (lines split as ``check`` does)."""
        lines = split_lines(text)
        out = Analysis(path, lines, table=table)
        names: dict[str, int] = {}
        judged = table is not None and table.n_labelled > 0
        if judged:  # every rule not judged yet, in one pass (a file just opened, a table changed)
            fresh = [(raw, r.entry) for raw in lines if raw and not raw.isspace()
                     for r in (self.line(raw),) if r.entry is not None]
            self.judge_lines(fresh, table)  # type: ignore[arg-type]
        for lineno, raw in enumerate(lines, start=1):
            if not raw or raw.isspace():
                continue
            res = self.line(raw)
            if res.name is not None:
                first = names.get(res.name)
                if first is not None:
                    col, end = res.name_span  # type: ignore[misc]
                    out.diagnostics.append(RulelangError(
                        f"name {res.name!r} is already used on line {first}", code="E105", path=path,
                        line=lineno, column=col, end_column=end, source_line=raw,
                        hint="give each rule its own name"))
                    continue
                names[res.name] = lineno
            placed = self._placed(raw, res, lineno, path, table if judged else None)
            out.diagnostics.extend(placed.errors)
            if placed.entry is None:
                continue
            out.entries[lineno] = placed.entry
            if placed.verdict is not None:
                out.verdicts[lineno] = placed.verdict
                if placed.verdict.finding is not None:
                    out.falsifiers[lineno] = placed.verdict.finding.falsifiers  # type: ignore[attr-defined]
        out.diagnostics.sort(key=lambda e: (e.line or 0, e.column or 0))
        return out

    def _placed(self, raw: str, res: LineResult, lineno: int, path: str, table: Table | None) -> "_Placed":
        """A line's results placed at its line of ``path``, reused while nothing they depend on moves."""
        key = (raw, lineno, path, None if table is None else (table.path, table.key))
        hit = self._places.get(key)
        if hit is not None:
            self._places.move_to_end(key)
            return hit
        errors = [err.located(path=path, line=lineno) for err in res.errors]
        entry = verdict = None
        if res.entry is not None:
            entry = replace(res.entry, line=lineno)
            if table is not None:
                verdict = self.verdict(raw, res.entry, table)
                if verdict.finding is not None:
                    errors.append(verdict.finding.error.located(path=path, line=lineno))  # type: ignore[attr-defined]
        placed = self._places[key] = _Placed(entry, tuple(errors), verdict)
        if len(self._places) > CACHE_LINES:
            self._places.popitem(last=False)
        return placed


@dataclass(frozen=True)
class _Placed:
    entry: RuleEntry | None
    errors: tuple[RulelangError, ...]
    verdict: Verdict | None


# -- completion and fixes -------------------------------------------------------------------


def completions(raw: str, column: int, *, universe: Universe = ODEEN,
                dialect: bool = False) -> tuple[int, list[str]]:
    """The words that may stand at ``column`` (0-based) of the line ``raw``.

    Returns the column where the word under the cursor starts (the completion replaces
    ``raw[start:column]``) and the words, in the order a parse error there would list them.
    A count is offered as each number it may be; nothing is offered in a comment or a label.
    """
    from ..parser import expected_words

    column = max(0, min(column, len(raw)))
    code, comment = split_comment(raw)
    if comment is not None and column > len(code):
        return column, []
    m = LABEL.match(code)
    begin = m.end() if m else 0
    if column < begin:
        return column, []
    start = column - len(_WORD_CHARS.search(code[:column]).group())  # type: ignore[union-attr]
    prefix = " " * begin + code[begin:start]
    words: list[str] = []
    for w in expected_words(prefix, universe=universe, dialect=dialect):
        if w == "end of rule":
            continue
        if w.startswith("a number "):
            words.extend(str(n) for n in range(universe.length + 1))
        else:
            words.append(w)
    return start, words


def fix_of(err: RulelangError) -> str | None:
    """The replacement text a diagnostic's hint proposes for its range, if it proposes one.

    ``did you mean 'pyramid'?`` proposes ``pyramid``; ``separate words with spaces:
    'at_least 1 red'`` proposes ``at_least 1 red``. A hint cut short (a huge word) proposes
    nothing.
    """
    hint = err.hint or ""
    m = _DID_YOU_MEAN.search(hint) or _SEPARATE.search(hint)
    if m is None or err.line is None or err.column is None or err.end_column is None:
        return None
    try:
        value = _pyast.literal_eval(m.group(1))
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None
