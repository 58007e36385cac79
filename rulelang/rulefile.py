"""Rule files (``*.rl``): one rule per line, an optional ``name:`` label, comments.

A bad line becomes a diagnostic; every other line is still parsed. Nothing a user wrote is
lost: each entry keeps its original text and trailing comment, so a formatter can rewrite
the file without dropping anything.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Sequence

from . import progress
from .ast import Rule
from .errors import RulelangError, quoted
from .lines import entry_lines, split_comment, split_lines  # noqa: F401  (split_comment: part of this API)
from .parser import parse
from .printer import format_rule
from .universe import ODEEN, Universe

_LABEL = re.compile(r"^(\s*)([A-Za-z_][\w.\-]*)\s*:(?!\S)")
#: The ``name:`` label in front of a rule (group 2 is the name); editor grammars reuse it.
LABEL = _LABEL


@dataclass(frozen=True)
class RuleEntry:
    """One rule of a file.

    Attributes:
        rule: the parsed rule.
        name: its ``name:`` label, or ``None``.
        line: 1-based line number; ``column``: 1-based column where the rule text starts.
        text: the rule as written (without label and comment).
        comment: the trailing ``# ...`` comment as written, or ``None``.
    """

    rule: Rule
    name: str | None
    line: int
    column: int
    text: str
    comment: str | None = None

    @property
    def title(self) -> str:
        """The label if there is one, else the canonical rule."""
        return self.name if self.name is not None else format_rule(self.rule)


@dataclass
class RuleFile:
    """A parsed rule file: its good entries and a diagnostic per bad line."""

    path: str
    lines: list[str]
    entries: list[RuleEntry] = field(default_factory=list)
    errors: list[RulelangError] = field(default_factory=list)


def parse_rule_file(text: str, path: str = "<input>", *, universe: Universe = ODEEN,
                    dialect: bool = False) -> RuleFile:
    """Parse every line of a rule file; never raises for bad lines (see ``errors``)."""
    lines = split_lines(text)
    result = RuleFile(path=path, lines=lines)
    names: dict[str, int] = {}
    for line in progress.tracked(entry_lines(lines), f"reading {path}", len(lines), attrgetter("number")):
        lineno, raw, code, comment = line.number, line.raw, line.code, line.comment
        name = None
        m = _LABEL.match(code)
        if m:
            name = m.group(2)
            # Blank the label out, so that columns in diagnostics stay those of the file.
            code = " " * m.end() + code[m.end():]
            if not code.strip():
                result.errors.append(RulelangError(
                    f"label {quoted(name)} has no rule", code="E004", path=path, line=lineno,
                    column=m.start(2) + 1, end_column=m.end() + 1, source_line=raw,
                ))
                continue
            if name in names:
                result.errors.append(RulelangError(
                    f"name {quoted(name)} is already used on line {names[name]}", code="E105",
                    path=path, line=lineno, column=m.start(2) + 1, end_column=m.end(2) + 1,
                    source_line=raw, hint="give each rule its own name",
                ))
                continue
            names[name] = lineno
        try:
            rule = parse(code, universe=universe, dialect=dialect)
        except RulelangError as err:
            result.errors.append(err.located(path=path, line=lineno, source_line=raw))
            continue
        start = len(code) - len(code.lstrip())
        result.entries.append(RuleEntry(rule, name, lineno, start + 1, code.strip(), comment))
    return result


def format_rule_file(rf: RuleFile, endings: Sequence[str] | None = None) -> str:
    """The file with every good rule in canonical form; everything else kept as written.

    Lines with errors, blank lines and comments are reproduced unchanged but for white space
    at the end of a line, which is dropped (blank lines become empty). ``endings`` are the
    file's line breaks (:func:`rulelang.lines.line_endings` of its text), kept line by line;
    the file then ends with its most common line break. Without them every line ends in
    ``"\n"``.
    """
    by_line = {e.line: e for e in rf.entries}
    out = []
    for lineno, raw in enumerate(rf.lines, start=1):
        e = by_line.get(lineno)
        if e is None:
            out.append(raw.rstrip())
            continue
        indent = raw[: len(raw) - len(raw.lstrip())]
        text = (f"{e.name}: " if e.name is not None else "") + format_rule(e.rule)
        if e.comment is not None:
            text += "  " + e.comment.rstrip()
        out.append(indent + text)
    if endings is None:
        return "\n".join(out) + ("\n" if out else "")
    common = Counter(b for b in endings if b in ("\n", "\r\n", "\r")).most_common(1)  # ties: the first seen
    usual = common[0][0] if common else "\n"
    ends = [endings[i] if i < len(endings) and endings[i] else usual for i in range(len(out))]
    for i in range(len(out) - 1):
        if ends[i] == "\r" and not out[i + 1] and ends[i + 1].startswith("\n"):
            ends[i] = "\r\n"  # a lone CR before a line emptied of its blanks would fuse with its LF
    return "".join(line + end for line, end in zip(out, ends))
