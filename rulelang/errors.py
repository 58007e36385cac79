"""The one error root of rulelang, and the diagnostics it renders.

Every error a user can cause (a bad rule, a bad scene, a missing file) is a
:class:`RulelangError` with stable fields; the command line prints it as
``path:line:col: error[CODE] message`` followed by the source line and a caret.
Library code raises it; nothing else (Lark's exceptions included) reaches a user.

Codes:
    E001 unexpected word           E002 unexpected end of rule
    E003 unexpected character      E004 empty rule
    E005 rule nested too deeply (a guard of the language server; the parser has no limit)
    E101 count out of range        E102 object that selects no piece
    E103 word not in this universe E104 rule outside the dialect
    E201 scene of the wrong length E202 unknown glyph in a scene
    E203 bad label                 E204 contradictory labels for one scene
    E205 universe too large        E301 file cannot be read or written
    E401 rule falsified by a labelled scene
    E501 bad or missing data file  E502 wrong manifest format or version
    E503 no such data set, split, kind or regime
    E504 unknown solver, or one that cannot be loaded
    E505 impossible options        E506 an optional extra is not installed
    E601 table scene without a label E602 empty table
    E701 a rule the learned model cannot read
    E702 a model file that is not a readable rulelang checkpoint
    E703 a model of another format, schema, kind or vocabulary
    E801 bad universe file         E802 no such universe
    E803 the Dask scheduler cannot be reached, or a distributed job failed
    E901 request that is not JSON of the expected fields  E902 request body too large
    E903 no such game
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

#: Text a message quotes from a user's input is cut to this many characters, and a source
#: line is shown as a window this wide around its caret: a diagnostic about a 1 MB word or a
#: 14 KB rule stays a few lines long.
QUOTE_LIMIT = 40
SOURCE_WINDOW = 100
#: A message longer than this (one that quotes too much) is cut when rendered.
MESSAGE_LIMIT = 500


def quoted(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``repr(text)``, or for long text its beginning and how long it is.

    >>> quoted("pyramid")
    "'pyramid'"
    >>> quoted("x" * 1000, 5)
    "'xxxxx'... (1,000 characters)"
    """
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text):,} characters)"


def shorten(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """``text``, cut to about ``limit`` characters with a note of how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit:,} more characters)"


def _window(source: str, column: int, width: int) -> tuple[str, int, int]:
    """The part of a long ``source`` line around 1-based ``column``: the text, the caret's new
    column, and the most carets that fit."""
    if len(source) <= SOURCE_WINDOW:
        return source, column, width
    lo = max(0, min(column - 1 - SOURCE_WINDOW // 4, len(source) - SOURCE_WINDOW))
    hi = lo + SOURCE_WINDOW
    head = "..." if lo > 0 else ""
    tail = "..." if hi < len(source) else ""
    col = column - lo + len(head)
    return head + source[lo:hi] + tail, col, max(1, min(width, hi - (column - 1)))


@dataclass
class Diagnostic:
    """Where and what: the stable fields of an error (1-based line and columns)."""

    message: str
    code: str = "E000"
    path: str | None = None
    line: int | None = None
    column: int | None = None
    end_column: int | None = None
    expected: tuple[str, ...] = ()
    hint: str | None = None
    source_line: str | None = None
    severity: str = "error"

    def location(self) -> str:
        # No file and no line: an error of the command itself (an option, a missing extra).
        parts = [self.path or ("<input>" if self.line is not None else "rulelang")]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def render(self, color: bool = False) -> str:
        """``path:line:col: error[CODE] message``, the source line, a caret, the hint."""
        bold, red, cyan, reset = ("\x1b[1m", "\x1b[31m", "\x1b[36m", "\x1b[0m") if color else ("",) * 4
        head = (f"{bold}{self.location()}:{reset} {red}{self.severity}[{self.code}]{reset} "
                f"{shorten(self.message)}")
        out = [head]
        if self.source_line is not None and self.column is not None:
            src = self.source_line.rstrip("\n").expandtabs(1)
            width = max(1, (self.end_column or self.column + 1) - self.column)
            src, column, width = _window(src, self.column, width)
            gutter = f"{self.line} | " if self.line is not None else "| "
            out.append(f"{cyan}{gutter}{reset}{src}")
            out.append(" " * len(gutter) + " " * (column - 1) + f"{red}{'^' * width}{reset}")
        if self.expected:
            out.append(f"  = expected: {shorten(', '.join(self.expected))}")
        if self.hint:
            out.append(f"  = hint: {shorten(self.hint)}")
        return "\n".join(out)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_column": self.end_column,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "expected": list(self.expected),
            "hint": self.hint,
        }


class RulelangError(Exception):
    """The root of every error rulelang reports to a user.

    The fields are those of :class:`Diagnostic` (``path``, ``line``, ``column``,
    ``end_column``, ``code``, ``message``, ``expected``, ``hint``, ``source_line``);
    ``str(error)`` shows the source line with a caret under the offending text.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = "E000",
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        end_column: int | None = None,
        expected: tuple[str, ...] = (),
        hint: str | None = None,
        source_line: str | None = None,
    ) -> None:
        super().__init__(message)
        self.diagnostic = Diagnostic(
            message=message,
            code=code,
            path=path,
            line=line,
            column=column,
            end_column=end_column,
            expected=tuple(expected),
            hint=hint,
            source_line=source_line,
        )

    # Stable attribute access to the diagnostic's fields.
    message = property(lambda self: self.diagnostic.message)
    code = property(lambda self: self.diagnostic.code)
    path = property(lambda self: self.diagnostic.path)
    line = property(lambda self: self.diagnostic.line)
    column = property(lambda self: self.diagnostic.column)
    end_column = property(lambda self: self.diagnostic.end_column)
    expected = property(lambda self: self.diagnostic.expected)
    hint = property(lambda self: self.diagnostic.hint)
    source_line = property(lambda self: self.diagnostic.source_line)

    def located(self, *, path: str | None = None, line: int | None = None,
                source_line: str | None = None, column_offset: int = 0) -> "RulelangError":
        """A copy placed in a file: the path, the line, and the text of that line."""
        d = self.diagnostic
        new = RulelangError.__new__(RulelangError)
        Exception.__init__(new, d.message)
        new.diagnostic = replace(
            d,
            path=path if path is not None else d.path,
            line=line if line is not None else d.line,
            column=None if d.column is None else d.column + column_offset,
            end_column=None if d.end_column is None else d.end_column + column_offset,
            source_line=source_line if source_line is not None else d.source_line,
        )
        return new

    def __str__(self) -> str:
        return self.diagnostic.render()


class ExtraMissing(ImportError):
    """A feature whose optional dependencies are not installed (code E506).

    An :class:`ImportError`, not a :class:`RulelangError`: code that reports a user's bad
    input must not render it as a diagnostic. ``extra`` names the extra that provides the
    missing package (``neural`` for torch); the command line prints :meth:`one_line` and
    exits 2.
    """

    code = "E506"

    def __init__(self, feature: str, package: str, extra: str) -> None:
        self.message = f"{feature} need {package}, which is not installed"
        self.hint = f"pip install 'rulelang[{extra}]'"
        self.extra = extra
        super().__init__(self.message, name=package)

    def one_line(self) -> str:
        return f"{self.message}; install it with: {self.hint}"
