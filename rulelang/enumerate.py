"""Enumerate a universe's dialect (Odeen's by default), and group its rules into semantic classes.

The dialect (DESIGN §2.1) has exactly 24,794 rules: 98 simple, 5,488 relational, 9,604
``and`` and 9,604 ``or``, enumerated here in grammar order. Two rules are in one semantic
class when they label every scene alike; each class has a canonical rule (fewest words,
then alphabetical) and its classes are numbered in the order of their canonical rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Iterator, Sequence

import numpy as np

from .bits import row_hashes
from .ast import And, Obj, Or, Prop, Quantity, Rule, size
from .checker import LabelRows, semantics_matrix
from .printer import format_rule
from .universe import ODEEN, Universe

DIALECT_COUNTS = ODEEN.counts


def dialect_quantities(universe: Universe = ODEEN) -> list[Quantity]:
    """``at_least n | exactly n | at_most n`` for n in the universe's counts (1, 2 in Odeen),
    then ``zero``: the quantifiers of the universe's dialect, in grammar order."""
    qs = [Quantity(kind, n) for kind in ("at_least", "exactly", "at_most") if kind in universe.quantifiers
          for n in universe.counts]
    return qs + ([Quantity("zero", 0)] if "zero" in universe.quantifiers else [])


def dialect_objects(universe: Universe = ODEEN) -> list[Obj]:
    """``COLOR | SHAPE | COLOR SHAPE``, with ``SHAPE = block | pyramid | pyramid ORIENTATION``."""
    shapes: list[tuple[str, str | None]] = []
    for shape in universe.shapes:
        shapes.append((shape, None))
        pointing = [o for o in universe.orientations if universe.selection(None, shape, o)]
        shapes.extend((shape, o) for o in pointing)
    objs = [Obj(color=c) for c in universe.colors]
    objs += [Obj(shape=s, orientation=o) for s, o in shapes]
    objs += [Obj(color=c, shape=s, orientation=o) for c in universe.colors for s, o in shapes]
    return objs


def dialect_rules(universe: Universe = ODEEN) -> list[Rule]:
    """Every rule of the dialect, in grammar order (simple, relational, and, or)."""
    qs, objs = dialect_quantities(universe), dialect_objects(universe)
    simple = [Prop(q, o) for q in qs for o in objs]
    relational = [Prop(q, x, rel, y) for q in qs for x in objs for rel in universe.relations for y in objs]
    ands = [And(a, b) for a in simple for b in simple]
    ors = [Or(a, b) for a in simple for b in simple]
    return simple + relational + ands + ors


def rule_sort_key(rule: Rule) -> tuple[int, str]:
    """Fewest words first, then alphabetical: the order that picks canonical rules."""
    return size(rule), format_rule(rule)


@dataclass(frozen=True)
class Classes:
    """Semantic classes of a list of rules.

    Attributes:
        class_of: ``int32[n_rules]``, the class id of each rule.
        canonical: ``int64[n_classes]``, the index of each class's canonical rule.
        sizes: ``int64[n_classes]``, how many rules each class holds.
    """

    class_of: np.ndarray
    canonical: np.ndarray
    sizes: np.ndarray

    @property
    def n_classes(self) -> int:
        return self.canonical.size

    def members(self, c: int) -> np.ndarray:
        return np.flatnonzero(self.class_of == c)


def semantic_classes(rows: LabelRows, rules: Sequence[Rule]) -> Classes:
    """Group rules by their label rows (hashes, then an exact comparison within a group)."""
    words = rows.words
    hashes = row_hashes(words)
    order = np.argsort(hashes, kind="stable")
    keys = [rule_sort_key(r) for r in rules]
    groups: list[list[int]] = []
    i = 0
    n = len(order)
    while i < n:
        j = i
        while j < n and hashes[order[j]] == hashes[order[i]]:
            j += 1
        # Within one hash, split by exact equality (collisions are possible in principle).
        pending = list(order[i:j])
        while pending:
            head = pending[0]
            same = [r for r in pending if r == head or np.array_equal(words[r], words[head])]
            groups.append(same)
            pending = [r for r in pending if r not in set(same)]
        i = j
    return classes_of_groups(groups, rules, keys)


def classes_of_groups(groups: Sequence[Sequence[int]], rules: Sequence[Rule],
                      keys: Sequence[tuple[int, str]] | None = None) -> Classes:
    """Number groups of equivalent rules as classes: canonical rule of each, in canonical order."""
    keys = keys if keys is not None else [rule_sort_key(r) for r in rules]
    canon = [min(g, key=lambda r: keys[r]) for g in groups]
    order_classes = sorted(range(len(groups)), key=lambda c: keys[canon[c]])
    class_of = np.empty(len(rules), dtype=np.int32)
    sizes = np.empty(len(groups), dtype=np.int64)
    for new_id, c in enumerate(order_classes):
        class_of[groups[c]] = new_id
        sizes[new_id] = len(groups[c])
    canonical = np.array([canon[c] for c in order_classes], dtype=np.int64)
    return Classes(class_of, canonical, sizes)


class Dialect:
    """The whole Odeen dialect with its semantics matrix and classes, built on demand.

    ``Dialect()`` is cheap; the matrix (about 365 MB) is built the first time a property
    that needs it is read. Where the matrix would not fit in memory
    (:func:`rulelang.stream.matrix_fits`), the classes and true counts are streamed instead
    (:mod:`rulelang.stream`, on ``executor``: in-process by default, or a Dask cluster) and
    :attr:`matrix` is an error (E205).
    """

    def __init__(self, universe: Universe = ODEEN, executor=None) -> None:
        self.universe = universe
        self.executor = executor

    @cached_property
    def streamed(self) -> bool:
        """Whether the exact work streams (the matrix would not fit in memory)."""
        from .stream import matrix_fits

        return not matrix_fits(self.universe, len(self.rules))

    @cached_property
    def stream_result(self):
        """The streamed classes and counts (:class:`rulelang.stream.StreamedClasses`)."""
        from .stream import classes

        return classes(self.rules, self.universe, self.executor)

    @cached_property
    def rules(self) -> list[Rule]:
        return dialect_rules(self.universe)

    @cached_property
    def texts(self) -> list[str]:
        return [format_rule(r) for r in self.rules]

    @cached_property
    def matrix(self) -> LabelRows:
        if self.streamed:
            from .errors import RulelangError

            raise RulelangError(
                f"the semantics matrix of {self.universe.name!r} ({len(self.rules):,} rules x "
                f"{self.universe.n_scenes:,} scenes) does not fit in memory", code="E205",
                hint="this step needs every label at once; the streamed engine gives classes and counts")
        return semantics_matrix(self.rules, self.universe)

    @cached_property
    def true_counts(self) -> np.ndarray:
        return self.stream_result.true_counts if self.streamed else self.matrix.true_counts()

    @cached_property
    def classes(self) -> Classes:
        if self.streamed:
            return classes_of_groups(self.stream_result.groups, self.rules)
        return semantic_classes(self.matrix, self.rules)

    def constant(self) -> np.ndarray:
        """``int8[n_rules]``: 1 true everywhere, -1 true nowhere, 0 otherwise."""
        tc = self.true_counts
        return np.where(tc == self.universe.n_scenes, 1, np.where(tc == 0, -1, 0)).astype(np.int8)

    def rows(self) -> Iterator[dict]:
        """One record per rule: text, class id, canonical rule, true count, constant flag."""
        cls = self.classes
        const = self.constant()
        names = {1: "true", -1: "false", 0: ""}
        for i, text in enumerate(self.texts):
            c = int(cls.class_of[i])
            yield {
                "rule": text,
                "class": c,
                "canonical": self.texts[cls.canonical[c]],
                "true_count": int(self.true_counts[i]),
                "constant": names[int(const[i])],
            }
