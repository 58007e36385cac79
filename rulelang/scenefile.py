"""Scene files: one scene per line, optionally followed by its label; comments allowed.

A scene file whose scenes all carry labels is a **table**: the observations of one
phenomenon. Bad lines become diagnostics; the good lines around them are kept.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import numpy as np

from .errors import RulelangError, quoted
from .lines import entry_lines
from .universe import ODEEN, Universe

LABELS = {"true": True, "false": False}


@dataclass(frozen=True)
class SceneEntry:
    """One scene of a file: its text, glyph indices, optional label and line number."""

    scene: str
    codes: np.ndarray
    label: bool | None
    line: int
    column: int = 1


@dataclass
class SceneFile:
    """A parsed scene file: good entries, and a diagnostic per bad line."""

    path: str
    lines: list[str]
    entries: list[SceneEntry] = field(default_factory=list)
    errors: list[RulelangError] = field(default_factory=list)

    @property
    def is_table(self) -> bool:
        """Every scene carries a label (and there is at least one)."""
        return bool(self.entries) and all(e.label is not None for e in self.entries)

    def scenes(self) -> np.ndarray:
        """``uint8[n, length]`` glyph indices of the entries."""
        if not self.entries:
            return np.empty((0, 0), dtype=np.uint8)
        return np.stack([e.codes for e in self.entries])

    def labels(self) -> np.ndarray:
        """``int8[n]``: 1 true, 0 false, -1 unlabelled."""
        return np.array([-1 if e.label is None else int(e.label) for e in self.entries], dtype=np.int8)


def parse_scene_file(text: str, path: str = "<input>", *, universe: Universe = ODEEN) -> SceneFile:
    """Parse every line of a scene file; never raises for bad lines (see ``errors``).

    The same scene given twice with different labels is an error (E204) on the later line;
    the earlier observation is kept.
    """
    lines = text.splitlines()
    result = SceneFile(path=path, lines=lines)
    seen: dict[str, tuple[bool, int]] = {}  # the first label given to each scene, and its line
    for line in entry_lines(lines):
        lineno, raw, code = line.number, line.raw, line.code
        start = line.column - 1
        words = code.split()
        col_of = _word_columns(code)

        def error(message: str, ecode: str, col: int, end: int, **kw) -> None:
            result.errors.append(RulelangError(message, code=ecode, path=path, line=lineno, column=col,
                                               end_column=end, source_line=raw, **kw))

        scene_text = words[0]
        try:
            codes = universe.parse_scene(scene_text)
        except RulelangError as err:
            result.errors.append(err.located(path=path, line=lineno, source_line=raw,
                                             column_offset=start))
            continue
        label: bool | None = None
        if len(words) >= 2:
            word = words[1]
            if word.lower() not in LABELS:
                close = difflib.get_close_matches(word.lower(), list(LABELS), n=1) if len(word) < 40 else []
                error(f"unknown label {quoted(word)}", "E203", col_of[1], col_of[1] + len(word),
                      expected=tuple(LABELS), hint=f"did you mean {close[0]!r}?" if close else None)
                continue
            label = LABELS[word.lower()]
        if len(words) > 2:
            error(f"unexpected {quoted(words[2])} after the label", "E203", col_of[2], col_of[2] + len(words[2]),
                  hint="a line holds one scene and an optional label; start comments with '#'")
            continue
        if scene_text in seen and label is not None:
            prev, prev_line = seen[scene_text]
            if prev != label:
                error(f"scene {scene_text} is labelled {str(prev).lower()} on line {prev_line} "
                      f"and {str(label).lower()} here", "E204", col_of[1], col_of[1] + len(words[1]),
                      hint="a phenomenon labels a scene one way; fix one of the two lines")
                continue
        if label is not None:  # an unlabelled line must not hide a later contradiction
            seen.setdefault(scene_text, (label, lineno))
        result.entries.append(SceneEntry(scene_text, codes, label, lineno, start + 1))
    return result


def _word_columns(code: str) -> list[int]:
    cols, i = [], 0
    for word in code.split():
        i = code.index(word, i)
        cols.append(i + 1)
        i += len(word)
    return cols
