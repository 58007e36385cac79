"""The line reader every line-oriented file of rulelang shares: rule files, scene files,
data set rule lists.

A file is a sequence of lines; ``#`` starts a comment that runs to the end of its line; a
line with nothing but white space and comments holds no entry. :func:`entry_lines` yields
the others with their 1-based number, the text as written, the code before the comment and
the comment, so that each format parses its entries from the same records and a formatter
can give back everything a user wrote.
"""

from __future__ import annotations

import re
from typing import Iterator, NamedTuple, Sequence

#: What ends a line: ``"\r\n"``, ``"\n"`` or ``"\r"``, as in editors and the Language Server
#: Protocol. Not the other breaks ``str.splitlines`` knows (form feed, U+2028, ...): an
#: editor shows them inside a line, so a file's line numbers must not count them.
_BREAK = re.compile(r"\r\n|\r|\n")


class Line(NamedTuple):
    """One line that holds an entry (a named tuple: files of 100,000 lines make many).

    Attributes:
        number: 1-based line number.
        raw: the line as written (without its line break).
        code: the line before its comment (``raw`` when it has none).
        comment: the ``# ...`` comment as written, or ``None``.
    """

    number: int
    raw: str
    code: str
    comment: str | None

    @property
    def column(self) -> int:
        """1-based column where the code starts (after leading white space)."""
        return len(self.code) - len(self.code.lstrip()) + 1


def split_comment(line: str) -> tuple[str, str | None]:
    """``'zero red  # note'`` -> ``('zero red  ', '# note')``."""
    code, hash_, rest = line.partition("#")
    return (code, hash_ + rest) if hash_ else (line, None)


def entry_lines(lines: Sequence[str]) -> Iterator[Line]:
    """The lines of ``lines`` that hold an entry (not blank, not only a comment)."""
    for number, raw in enumerate(lines, start=1):
        code, comment = split_comment(raw) if "#" in raw else (raw, None)
        if code and not code.isspace():
            yield Line(number, raw, code, comment)


def split_lines(text: str, *, keepends: bool = False) -> list[str]:
    """The lines of ``text``, split where an editor splits them (``_BREAK``); like
    ``str.splitlines`` otherwise: a final line break starts no line, ``""`` has none."""
    if keepends:
        lines = [m.group() for m in re.finditer(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)]
        return lines
    lines = _BREAK.split(text)
    if lines[-1] == "":
        lines.pop()
    return lines


def line_endings(text: str) -> list[str]:
    """The line break ending each line of ``text`` (:func:`split_lines`), so that a rewritten
    file can keep them: ``"\r\n"``, ``"\n"``, ``"\r"``, and ``""`` for a last line without
    one."""
    ends = _BREAK.findall(text)
    return ends + [""] * (len(split_lines(text)) - len(ends))
