"""The compiled checker: rules compiled to data, run by cached Numba kernels.

Compilation turns rules into a :class:`Program` of small integer arrays:

* ``objects``  — distinct object phrases, as glyph masks;
* ``sources``  — distinct counts ``(X, relation, Y)`` the rules look at;
* ``atoms``    — distinct propositions, each "source count within ``[lo, hi]``";
* ``code``     — per rule, 3-address boolean code over atom rows (copy, not, and, or).

The kernels in :mod:`rulelang._kernels` evaluate a program over any batch of scenes,
64 scenes per machine word, sharing every object, count and proposition between rules.
The result is a :class:`LabelRows`: one bit row per rule, laid out as ``numpy.packbits``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

import numpy as np

from . import _kernels as K
from .ast import And, Not, Or, Prop, Rule
from .universe import KNOWN_RELATIONS, ODEEN, Universe

_REL_CODE = {rel: i + 1 for i, rel in enumerate(KNOWN_RELATIONS)}


@dataclass(frozen=True)
class Program:
    """Rules compiled to data (see the module docstring)."""

    universe: Universe
    objects: np.ndarray  # uint64[K]      glyph mask of each object
    sources: np.ndarray  # int32[S, 3]    (object x, relation code, object y or -1)
    atoms: np.ndarray  # int32[A, 3]      (source, lo, hi)
    code: np.ndarray  # int32[I, 4]       (opcode, dest, a, b)
    starts: np.ndarray  # int32[R + 1]    rule r's code is code[starts[r]:starts[r + 1]]
    n_thresholds: int  # thresholds "count >= t" computed per source, t = 1..n
    n_temps: int  # temporary rows one rule needs at most

    @property
    def n_rules(self) -> int:
        return self.starts.size - 1


class _Compiler:
    def __init__(self, universe: Universe) -> None:
        self.u = universe
        self.objects: dict[int, int] = {}
        self.sources: dict[tuple[int, int, int], int] = {}
        self.atoms: dict[tuple[int, int, int], int] = {}
        self.code: list[tuple[int, int, int, int]] = []
        self.starts = [0]
        self.n_thr = 1
        self.n_temps = 0

    def _obj(self, o) -> int:
        mask = self.u.selection(o.color, o.shape, o.orientation)
        return self.objects.setdefault(mask, len(self.objects))

    def _atom(self, p: Prop) -> int:
        x = self._obj(p.subject)
        if p.relation is None:
            src = (x, 0, -1)
        else:
            src = (x, _REL_CODE[p.relation], self._obj(p.other))
        s = self.sources.setdefault(src, len(self.sources))
        lo, hi = p.quantity.bounds(self.u.length)
        lo, hi = min(lo, self.u.length + 1), min(hi, self.u.length)
        # Rows needed: "count >= lo" and, for an upper bound, "count >= hi + 1".
        self.n_thr = max(self.n_thr, lo, hi + 1 if hi < self.u.length else 0)
        return self.atoms.setdefault((s, lo, hi), len(self.atoms))

    def rule(self, rule: Rule) -> None:
        temps = [0]

        def emit(node: Rule, dest: int | None) -> int:
            if isinstance(node, Prop):
                ref = self._atom(node)
                if dest is None:
                    return ref
                self.code.append((K.OP_COPY, dest, ref, 0))
                return dest
            if dest is None:
                temps[0] += 1
                dest = -temps[0]
            if isinstance(node, Not):
                a = emit(node.operand, None)
                self.code.append((K.OP_NOT, dest, a, 0))
            elif isinstance(node, (And, Or)):
                a = emit(node.left, None)
                b = emit(node.right, None)
                self.code.append((K.OP_AND if isinstance(node, And) else K.OP_OR, dest, a, b))
            else:
                raise TypeError(f"not a rule: {node!r}")
            return dest

        emit(rule, K.OUT)
        self.n_temps = max(self.n_temps, temps[0])
        self.starts.append(len(self.code))

    def program(self) -> Program:
        return Program(
            universe=self.u,
            objects=np.array(list(self.objects), dtype=np.uint64),
            sources=np.array(list(self.sources), dtype=np.int32).reshape(-1, 3),
            atoms=np.array(list(self.atoms), dtype=np.int32).reshape(-1, 3),
            code=np.array(self.code, dtype=np.int32).reshape(-1, 4),
            starts=np.array(self.starts, dtype=np.int32),
            n_thresholds=min(self.n_thr, self.u.length),
            n_temps=self.n_temps,
        )


def compile_rules(rules: Iterable[Rule], universe: Universe = ODEEN) -> Program:
    """Compile rules (ASTs that passed :func:`rulelang.parser.check_rule`) to a program."""
    c = _Compiler(universe)
    for r in rules:
        c.rule(r)
    return c.program()


@dataclass(frozen=True)
class LabelRows:
    """Labels of ``n_rules`` rules on ``n_scenes`` scenes, one packed bit row per rule.

    ``words`` is ``uint64[n_rules, ceil(n_scenes / 64)]``; viewed as bytes, each row is
    exactly ``numpy.packbits`` of the rule's boolean labels (padding bits are zero).
    """

    words: np.ndarray
    n_scenes: int

    @property
    def n_rules(self) -> int:
        return self.words.shape[0]

    @property
    def packed(self) -> np.ndarray:
        """``uint8[n_rules, ceil(n_scenes / 8)]``: the rows as ``numpy.packbits`` writes them."""
        return self.words.view(np.uint8)[:, : (self.n_scenes + 7) // 8]

    def bools(self) -> np.ndarray:
        """``bool[n_rules, n_scenes]``."""
        return np.unpackbits(self.packed, axis=1, count=self.n_scenes).astype(bool)

    def true_counts(self) -> np.ndarray:
        """How many scenes satisfy each rule."""
        return K.row_popcounts(self.words)

    def sha256(self, r: int) -> str:
        """Hex SHA-256 of rule ``r``'s packed row (the golden data's checksum)."""
        return hashlib.sha256(self.packed[r].tobytes()).hexdigest()


def _n_words(n: int) -> int:
    return max(1, (n + 63) // 64)


def _as_scene_array(scenes: np.ndarray, universe: Universe) -> np.ndarray:
    scenes = np.ascontiguousarray(scenes, dtype=np.uint8)
    if scenes.ndim != 2 or scenes.shape[1] != universe.length:
        raise ValueError(
            f"scenes must be an (n, {universe.length}) array of glyph indices, got shape {scenes.shape}"
        )
    if scenes.size and scenes.max() >= universe.n_glyphs:
        raise ValueError(f"glyph index out of range (universe has {universe.n_glyphs} glyphs)")
    return scenes


@lru_cache(maxsize=8)
def _all_scene_glyph_rows(universe: Universe) -> tuple[np.ndarray, np.ndarray]:
    scenes = universe.all_scenes()
    n_words = _n_words(scenes.shape[0])
    return K.glyph_rows(scenes, universe.n_glyphs, n_words), K.valid_row(scenes.shape[0], n_words)


def run(program: Program, scenes: np.ndarray | None = None, *, parallel: bool = False) -> LabelRows:
    """Label ``scenes`` (glyph indices, ``uint8[n, length]``; ``None`` = every scene).

    Args:
        parallel: use every core (worth it for large batches such as the whole universe).
    """
    u = program.universe
    if scenes is None:
        grows, valid = _all_scene_glyph_rows(u)
        n = u.n_scenes
    else:
        scenes = _as_scene_array(scenes, u)
        n = scenes.shape[0]
        grows = K.glyph_rows(scenes, u.n_glyphs, _n_words(n))
        valid = K.valid_row(n, _n_words(n))
    n_words = valid.shape[0]
    out = np.empty((program.n_rules, n_words), dtype=np.uint64)
    if program.n_rules == 0:
        return LabelRows(out, n)
    orows = K.object_rows(grows, program.objects, u.length, u.n_glyphs)
    thr_kernel = K.threshold_rows_parallel if parallel else K.threshold_rows
    thr = thr_kernel(orows, program.sources, u.length, program.n_thresholds)
    arows = K.atom_rows(thr, program.atoms, program.n_thresholds, u.length, valid)
    run_kernel = K.run_rules_parallel if parallel else K.run_rules
    run_kernel(arows, program.code, program.starts, valid, program.n_temps, out)
    return LabelRows(out, n)


def label(rules: Rule | Sequence[Rule], scenes: np.ndarray, universe: Universe = ODEEN) -> np.ndarray:
    """Boolean labels: ``bool[n]`` for one rule, ``bool[n_rules, n]`` for a sequence."""
    single = isinstance(rules, (Prop, Not, And, Or))
    program = compile_rules([rules] if single else rules, universe)
    labels = run(program, scenes).bools()
    return labels[0] if single else labels


def semantics_matrix(rules: Sequence[Rule], universe: Universe = ODEEN, *,
                     parallel: bool = True) -> LabelRows:
    """The labels of ``rules`` on every scene of ``universe`` (the semantics matrix)."""
    return run(compile_rules(rules, universe), None, parallel=parallel)
