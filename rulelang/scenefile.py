"""Scene files: one scene per line, optionally followed by its label; comments allowed.

A scene file whose scenes all carry labels is a **table**: the observations of one
phenomenon. Bad lines become diagnostics; the good lines around them are kept.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from operator import attrgetter
from typing import NamedTuple

import numpy as np

from . import progress
from .errors import RulelangError, quoted
from .lines import entry_lines, split_lines
from .universe import ODEEN, Universe

LABELS = {"true": True, "false": False}


class SceneEntry(NamedTuple):
    """One scene of a file: its text, glyph indices, optional label and line number (a named
    tuple: tables of 100,000 scenes make many)."""

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
    universe: Universe = ODEEN

    def _repr_svg_(self) -> str:  # a notebook shows the scenes as a picture, stones for labels
        from .render import table_svg

        return table_svg([e.scene for e in self.entries], [e.label for e in self.entries], self.universe)

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
    lines = split_lines(text)
    result = SceneFile(path=path, lines=lines, universe=universe)
    seen: dict[str, tuple[bool, int]] = {}  # the first label given to each scene, and its line
    glyphs, length = frozenset(universe.glyphs), universe.length
    good: list[tuple[str, bool | None, int, int]] = []  # (scene, label, line, column)
    for line in progress.tracked(entry_lines(lines), f"reading {path}", len(lines), attrgetter("number")):
        lineno, raw, code = line.number, line.raw, line.code
        words = code.split()
        start = code.index(words[0])

        def error(message: str, ecode: str, word: int, **kw) -> None:
            col = _word_columns(code)[word]
            result.errors.append(RulelangError(message, code=ecode, path=path, line=lineno, column=col,
                                               end_column=col + len(words[word]), source_line=raw, **kw))

        scene_text = words[0]
        # A well-formed scene is checked here and converted with all the others at the end;
        # any other is handed to the universe, which says what is wrong with it.
        if len(scene_text) != length or not glyphs.issuperset(scene_text):
            try:
                universe.parse_scene(scene_text)
            except RulelangError as err:
                result.errors.append(err.located(path=path, line=lineno, source_line=raw,
                                                 column_offset=start))
                continue
        label: bool | None = None
        if len(words) >= 2:
            word = words[1]
            if word.lower() not in LABELS:
                close = difflib.get_close_matches(word.lower(), list(LABELS), n=1) if len(word) < 40 else []
                error(f"unknown label {quoted(word)}", "E203", 1,
                      expected=tuple(LABELS), hint=f"did you mean {close[0]!r}?" if close else None)
                continue
            label = LABELS[word.lower()]
        if len(words) > 2:
            error(f"unexpected {quoted(words[2])} after the label", "E203", 2,
                  hint="a line holds one scene and an optional label; start comments with '#'")
            continue
        if scene_text in seen and label is not None:
            prev, prev_line = seen[scene_text]
            if prev != label:
                error(f"scene {scene_text} is labelled {str(prev).lower()} on line {prev_line} "
                      f"and {str(label).lower()} here", "E204", 1,
                      hint="a phenomenon labels a scene one way; fix one of the two lines")
                continue
        if label is not None:  # an unlabelled line must not hide a later contradiction
            seen.setdefault(scene_text, (label, lineno))
        good.append((scene_text, label, lineno, start + 1))
    codes = _glyph_indices([g[0] for g in good], universe)
    result.entries = [SceneEntry(scene, row, label, lineno, column)
                      for (scene, label, lineno, column), row in zip(good, codes)]
    return result


def _glyph_indices(scenes: list[str], universe: Universe) -> np.ndarray:
    """``uint8[n, length]``: the glyph indices of well-formed scene strings, all at once."""
    points = np.frombuffer("".join(scenes).encode("utf-32-le"), dtype=np.uint32)
    glyph_points = np.array([ord(g) for g in universe.glyphs], dtype=np.uint32)
    order = np.argsort(glyph_points)
    index = order[np.searchsorted(glyph_points[order], points)].astype(np.uint8)
    return index.reshape(len(scenes), universe.length)


def _word_columns(code: str) -> list[int]:
    cols, i = [], 0
    for word in code.split():
        i = code.index(word, i)
        cols.append(i + 1)
        i += len(word)
    return cols
