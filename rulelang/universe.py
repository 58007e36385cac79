"""A universe: the world rules talk about, described as data.

The Odeen world (a row of 6 cells; red/blue blocks and pyramids, pyramids pointing up or
down) is one :class:`Universe`; a user can describe another one (other scene lengths, other
pieces, a subset of the relations) and get the same parser, checker, search and learners.

A scene is a string of ``length`` glyphs, one per cell. Internally a scene is a row of
small integers: the index of each cell's glyph in :attr:`Universe.glyphs`, which lists the
empty glyph first and then the pieces in byte order, so that the integer order of scenes is
the byte order of their strings (the order the golden data uses).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Mapping, Sequence

import numpy as np

from .errors import RulelangError

#: The relations the checker knows how to evaluate. A universe may use any subset.
KNOWN_RELATIONS: tuple[str, ...] = (
    "touching",
    "surrounded_by",
    "at_the_right_of",
    "at_the_left_of",
)

#: Universes whose scene space is larger than this cannot be enumerated exhaustively
#: (equivalence, counterexamples and the semantics matrix need every scene).
MAX_ENUMERABLE_SCENES = 50_000_000

#: The quantifiers of the language, in grammar order; a universe's dialect uses a subset.
QUANTIFIERS: tuple[str, ...] = ("at_least", "exactly", "at_most", "zero")

#: Words of the language itself, which no attribute word may be.
KEYWORDS: frozenset[str] = frozenset(QUANTIFIERS + ("and", "or", "not"))

#: The longest scene: cell sets are 64-bit masks in the kernels.
MAX_LENGTH = 63


@dataclass(frozen=True)
class Universe:
    """A world of scenes.

    Attributes:
        name: a short identifier (``"odeen"``).
        length: cells per scene (at most 63: cell sets are 64-bit masks in the kernels).
        empty: the glyph of an empty cell.
        pieces: glyph -> the words that describe the piece, one per attribute it has
            (``"A": ("red", "pyramid", "pointing_up")``).
        colors, shapes, orientations: the attribute words, in grammar order; an object
            phrase is ``COLOR | [COLOR] SHAPE [ORIENTATION]``.
        relations: the relation words this universe allows (a subset of
            :data:`KNOWN_RELATIONS`).
        quantifiers: the quantifiers of the universe's dialect (a subset of
            :data:`QUANTIFIERS`); the full language has them all.
        counts: the numbers ``n`` the dialect's ``at_least n | exactly n | at_most n`` take.
    """

    name: str
    length: int
    empty: str
    pieces: Mapping[str, tuple[str, ...]]
    colors: tuple[str, ...]
    shapes: tuple[str, ...]
    orientations: tuple[str, ...]
    relations: tuple[str, ...] = KNOWN_RELATIONS
    quantifiers: tuple[str, ...] = QUANTIFIERS
    counts: tuple[int, ...] = (1, 2)

    def __post_init__(self) -> None:
        if not 1 <= self.length <= MAX_LENGTH:
            raise ValueError(f"scene length must be 1..{MAX_LENGTH}, got {self.length}")
        if len(self.empty) != 1 or any(len(g) != 1 for g in self.pieces):
            raise ValueError("glyphs must be single characters")
        if self.empty in self.pieces:
            raise ValueError(f"the empty glyph {self.empty!r} cannot also be a piece")
        if len(self.pieces) + 1 > 64:
            raise ValueError("at most 63 piece glyphs (object selections are 64-bit masks)")
        unknown = set(self.relations) - set(KNOWN_RELATIONS)
        if unknown:
            raise ValueError(f"unknown relations {sorted(unknown)}; known: {KNOWN_RELATIONS}")
        vocab = self.colors + self.shapes + self.orientations
        if len(set(vocab)) != len(vocab):
            raise ValueError("attribute words must be distinct")
        for glyph, words in self.pieces.items():
            bad = set(words) - set(vocab)
            if bad:
                raise ValueError(f"piece {glyph!r} uses unknown attribute words {sorted(bad)}")
        taken = sorted(set(vocab) & (KEYWORDS | set(KNOWN_RELATIONS)))
        if taken:
            raise ValueError(f"attribute words {taken} are words of the language itself")
        unknown = set(self.quantifiers) - set(QUANTIFIERS)
        if unknown:
            raise ValueError(f"unknown quantifiers {sorted(unknown)}; known: {QUANTIFIERS}")
        if any(n < 1 for n in self.counts) or len(set(self.counts)) != len(self.counts):
            raise ValueError(f"dialect counts must be distinct positive numbers, got {list(self.counts)}")

    def __hash__(self) -> int:  # the mappings are not hashable
        return hash(self.identity)

    @property
    def identity(self) -> tuple:
        """Every field, in a canonical form: two universes with the same identity are the
        same world, dialect included (what caches and data sets are keyed by)."""
        return (self.name, self.length, self.empty, tuple(sorted(self.pieces.items())), self.colors,
                self.shapes, self.orientations, self.relations, self.quantifiers, self.counts)

    @property
    def digest(self) -> str:
        """A short, stable hash of :attr:`identity` (hex)."""
        import hashlib

        return hashlib.sha256(repr(self.identity).encode()).hexdigest()[:16]

    # -- glyphs ---------------------------------------------------------------------

    @cached_property
    def glyphs(self) -> str:
        """All glyphs, the empty one first, then the pieces in byte order."""
        return self.empty + "".join(sorted(self.pieces))

    @cached_property
    def _glyph_index(self) -> dict[str, int]:
        return {g: i for i, g in enumerate(self.glyphs)}

    @cached_property
    def _lut(self) -> np.ndarray:
        """Byte -> glyph index (255 for bytes that are not glyphs)."""
        lut = np.full(256, 255, dtype=np.uint8)
        for i, g in enumerate(self.glyphs):
            if ord(g) < 256:
                lut[ord(g)] = i
        return lut

    @property
    def n_glyphs(self) -> int:
        return len(self.glyphs)

    @property
    def n_scenes(self) -> int:
        """How many distinct scenes exist (``n_glyphs ** length``)."""
        return self.n_glyphs**self.length

    @cached_property
    def words(self) -> frozenset[str]:
        """Every word the rules of this universe may use."""
        return frozenset(
            self.colors
            + self.shapes
            + self.orientations
            + self.relations
            + ("at_least", "exactly", "at_most", "zero", "and", "or", "not")
        )

    def selection(self, color: str | None, shape: str | None, orientation: str | None) -> int:
        """The glyph mask (bit g = glyph index g) of the pieces having all named attributes."""
        wanted = {w for w in (color, shape, orientation) if w is not None}
        mask = 0
        for glyph, words in self.pieces.items():
            if wanted <= set(words):
                mask |= 1 << self._glyph_index[glyph]
        return mask

    @cached_property
    def piece_mask(self) -> int:
        """Glyph mask of every piece (everything but the empty glyph)."""
        return ((1 << self.n_glyphs) - 1) & ~1

    # -- scenes ---------------------------------------------------------------------

    def parse_scene(self, text: str) -> np.ndarray:
        """Parse one scene string into a row of glyph indices (``uint8``).

        Raises:
            RulelangError: wrong length (E201) or an unknown glyph (E202), with the column.
        """
        if len(text) != self.length:
            raise RulelangError(
                f"a scene has {self.length} cells, this one has {len(text)}",
                code="E201",
                column=1,
                end_column=max(2, len(text) + 1),
                hint=f"write one glyph per cell, e.g. {self.example_scene!r}",
            )
        for col, ch in enumerate(text, start=1):
            if ch not in self._glyph_index:
                raise RulelangError(
                    f"unknown glyph {ch!r}",
                    code="E202",
                    column=col,
                    end_column=col + 1,
                    expected=tuple(self.glyphs),
                    hint=self.glyph_legend(),
                )
        return np.fromiter((self._glyph_index[c] for c in text), dtype=np.uint8, count=self.length)

    def parse_scenes(self, texts: Sequence[str]) -> np.ndarray:
        """Parse many scene strings into an ``(n, length)`` ``uint8`` array."""
        out = np.empty((len(texts), self.length), dtype=np.uint8)
        for i, t in enumerate(texts):
            out[i] = self.parse_scene(t)
        return out

    def format_scene(self, codes: np.ndarray | Sequence[int]) -> str:
        """The string of a scene given as glyph indices."""
        return "".join(self.glyphs[int(c)] for c in codes)

    def scene_index(self, codes: np.ndarray) -> np.ndarray | int:
        """Index of scene(s) in the enumeration order (base-``n_glyphs`` numbers)."""
        codes = np.asarray(codes)
        weights = self.n_glyphs ** np.arange(self.length - 1, -1, -1, dtype=np.int64)
        idx = codes.astype(np.int64) @ weights
        return int(idx) if codes.ndim == 1 else idx

    def all_scenes(self) -> np.ndarray:
        """Every scene, in enumeration order, as an ``(n_scenes, length)`` ``uint8`` array.

        Raises:
            RulelangError: when the universe is too large to enumerate (E205).
        """
        if self.n_scenes > MAX_ENUMERABLE_SCENES:
            raise RulelangError(
                f"universe {self.name!r} has {self.n_scenes:,} scenes; at most "
                f"{MAX_ENUMERABLE_SCENES:,} can be enumerated",
                code="E205",
            )
        return self._all_scenes

    @cached_property
    def _all_scenes(self) -> np.ndarray:
        scenes = _enumerate_scenes(self.n_glyphs, self.length)
        scenes.setflags(write=False)  # shared by every caller
        return scenes

    def piece_counts(self, scenes: np.ndarray) -> np.ndarray:
        """Number of pieces (non-empty cells) in each scene."""
        return (np.asarray(scenes) != 0).sum(axis=1).astype(np.uint8)

    @property
    def example_scene(self) -> str:
        pieces = sorted(self.pieces)
        return "".join(pieces[i % len(pieces)] if i % 2 == 0 else self.empty for i in range(self.length))

    def glyph_legend(self) -> str:
        """A one-line legend: ``'.' empty, 'A' red pyramid pointing_up, ...``."""
        parts = [f"{self.empty!r} empty"] + [
            f"{g!r} {' '.join(self.pieces[g])}" for g in sorted(self.pieces)
        ]
        return ", ".join(parts)

    def lark_vocabulary(self, dialect: bool = False) -> str:
        """The vocabulary terminals of the grammar, for this universe's words (and, for the
        dialect's grammar, its ``NUMBER``: only the counts the dialect takes)."""

        def terminal(name: str, words: Sequence[str]) -> str:
            # Longest first, so that a word never stops at a prefix of a longer one.
            alts = "|".join(sorted(words, key=lambda w: (-len(w), w)))
            if not words:  # a terminal that can never match: the phrase is unavailable
                alts = "(?!)_"  # not "(?!)": Lark refuses a terminal of zero width
            return f"{name}.2: /(?:{alts})(?![^\\s()#])/"

        numbers = "|".join(sorted(map(str, self.counts), key=lambda w: (-len(w), w)))
        return "\n".join(
            [
                terminal("COLOR", self.colors),
                terminal("SHAPE", self.shapes),
                terminal("ORIENTATION", self.orientations),
                terminal("REL", self.relations),
            ]
            + ([f"NUMBER: /(?:{numbers})(?![^\\s()#])/"] if dialect else [])
        )

    @property
    def title(self) -> str:
        """The universe's name as a sentence writes it (``Odeen``, ``Odeen-8``)."""
        return self.name[:1].upper() + self.name[1:]

    def counts_phrase(self) -> str:
        """``1 or 2``: the dialect's counts as words."""
        words = [str(n) for n in self.counts]
        return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _enumerate_scenes(n_glyphs: int, length: int) -> np.ndarray:
    # Mixed-radix counting with the first cell most significant.
    idx = np.arange(n_glyphs**length, dtype=np.int64)
    out = np.empty((idx.size, length), dtype=np.uint8)
    for cell in range(length - 1, -1, -1):
        out[:, cell] = idx % n_glyphs
        idx //= n_glyphs
    return out


ODEEN = Universe(
    name="odeen",
    length=6,
    empty=".",
    pieces={
        "A": ("red", "pyramid", "pointing_up"),
        "V": ("red", "pyramid", "pointing_down"),
        "B": ("red", "block"),
        "a": ("blue", "pyramid", "pointing_up"),
        "v": ("blue", "pyramid", "pointing_down"),
        "b": ("blue", "block"),
    },
    colors=("red", "blue"),
    shapes=("block", "pyramid"),
    orientations=("pointing_up", "pointing_down"),
)
"""The Odeen world of the paper: 6 cells, 7 glyphs, 117,649 scenes."""
