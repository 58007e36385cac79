"""The compiled checker: rules compiled to data, run by cached Numba kernels.

Compilation turns rules into a :class:`Program` of small integer arrays:

* ``objects``  — distinct object phrases, as glyph masks;
* ``sources``  — distinct counts ``(X, relation, Y)`` the rules look at;
* ``atoms``    — distinct propositions, each "source count within ``[lo, hi]``";
* ``code``     — per rule, 3-address boolean code over atoms (copy, not, and, or).

The kernels in :mod:`rulelang.label_kernels` evaluate a program over any batch of scenes,
64 scenes per machine word, sharing every object and count between rules: each count source
gets its rows "count >= t" once, and a rule combines them on the fly (an atom is
"``>= lo`` and not ``>= hi + 1``"), writing nothing but its own output row.
The result is a :class:`LabelRows`: one bit row per rule, laid out as ``numpy.packbits``.
"""

from __future__ import annotations

import hashlib
from array import array
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

import numpy as np

from . import label_kernels as K
from .bits import row_popcounts
from .jit import n_threads
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
    """Turns rules into one :class:`Program`, sharing objects, sources and atoms between rules.

    Large batches (the whole dialect) build their rules from shared proposition objects, so
    propositions are memoised by identity first (one dictionary hit each), then by value; the
    common shapes (``P``, ``P and Q``, ``P or Q``) skip the general tree walk.
    """

    def __init__(self, universe: Universe) -> None:
        self.u = universe
        self.objects: dict[int, int] = {}  # glyph mask -> object index
        self.object_of: dict[tuple, int] = {}  # (color, shape, orientation) -> object index
        self.sources: dict[tuple[int, int, int], int] = {}
        self.atoms: dict[tuple[int, int, int], int] = {}
        # id(prop) -> (prop, atom); holding the prop keeps its id from being reused.
        self.atom_of: dict[int, tuple[Prop, int]] = {}
        self.code = array("i")  # flat (opcode, dest, a, b) quadruples
        self.starts = array("i", [0])
        self.n_thr = 1
        self.n_temps = 0

    def _obj(self, o) -> int:
        key = (o.color, o.shape, o.orientation)
        k = self.object_of.get(key)
        if k is None:
            mask = self.u.selection(*key)
            k = self.object_of[key] = self.objects.setdefault(mask, len(self.objects))
        return k

    def _atom(self, p: Prop) -> int:
        hit = self.atom_of.get(id(p))
        if hit is not None:
            return hit[1]
        x = self._obj(p.subject)
        if p.relation is None:
            src = (x, 0, -1)
        else:
            src = (x, _REL_CODE[p.relation], self._obj(p.other))
        s = self.sources.setdefault(src, len(self.sources))
        length = self.u.length
        lo, hi = p.quantity.bounds(length)
        lo, hi = min(lo, length + 1), min(hi, length)
        # Rows needed: "count >= lo" and, for an upper bound, "count >= hi + 1".
        self.n_thr = max(self.n_thr, lo, hi + 1 if hi < length else 0)
        a = self.atoms.setdefault((s, lo, hi), len(self.atoms))
        self.atom_of[id(p)] = (p, a)
        return a

    def add(self, rules: Iterable[Rule]) -> None:
        code, starts, atom_of, atom = self.code, self.starts, self.atom_of, self._atom
        for rule in rules:
            kind = type(rule)
            if kind is Prop:
                hit = atom_of.get(id(rule))
                code.extend((K.OP_COPY, K.OUT, hit[1] if hit else atom(rule), 0))
            elif (kind is And or kind is Or) and type(rule.left) is Prop and type(rule.right) is Prop:
                hit_a, hit_b = atom_of.get(id(rule.left)), atom_of.get(id(rule.right))
                a = hit_a[1] if hit_a else atom(rule.left)
                b = hit_b[1] if hit_b else atom(rule.right)
                code.extend((K.OP_AND if kind is And else K.OP_OR, K.OUT, a, b))
            else:
                self._tree(rule)
            starts.append(len(code) >> 2)

    def _tree(self, rule: Rule) -> None:
        """Code for a rule of any shape, walked with an explicit stack (rules may nest
        100,000 levels deep). A temporary is freed once its value is used, and the result
        of an operation reuses an operand's row, so a chain of ``and`` operators needs one."""
        free: list[int] = []  # temporaries ready for reuse (-1, -2, ...)
        temps = 0
        refs: list[int] = []  # operands computed so far: atoms (>= 0) or temporaries (< 0)
        todo: list[tuple[Rule, bool]] = [(rule, False)]
        while todo:
            node, ready = todo.pop()
            if isinstance(node, Prop):
                refs.append(self._atom(node))
                continue
            if not ready:
                todo.append((node, True))
                if isinstance(node, Not):
                    todo.append((node.operand, False))
                elif isinstance(node, (And, Or)):
                    todo += [(node.right, False), (node.left, False)]
                else:
                    raise TypeError(f"not a rule: {node!r}")
                continue
            if isinstance(node, Not):
                op, b = K.OP_NOT, 0
                a = refs.pop()
                free += [a] if a < 0 else []
            else:
                op = K.OP_AND if isinstance(node, And) else K.OP_OR
                b, a = refs.pop(), refs.pop()
                free += [r for r in (b, a) if r < 0]
            if node is rule:
                dest = K.OUT
            elif free:
                dest = free.pop()
            else:
                temps += 1
                dest = -temps
            self.code.extend((op, dest, a, b))
            refs.append(dest)
        if isinstance(rule, Prop):
            self.code.extend((K.OP_COPY, K.OUT, refs.pop(), 0))
        self.n_temps = max(self.n_temps, temps)

    def program(self) -> Program:
        return Program(
            universe=self.u,
            objects=np.array(list(self.objects), dtype=np.uint64),
            sources=np.array(list(self.sources), dtype=np.int32).reshape(-1, 3),
            atoms=np.array(list(self.atoms), dtype=np.int32).reshape(-1, 3),
            code=np.frombuffer(self.code, dtype=np.intc).astype(np.int32).reshape(-1, 4),
            starts=np.frombuffer(self.starts, dtype=np.intc).astype(np.int32),
            n_thresholds=min(self.n_thr, self.u.length),
            n_temps=self.n_temps,
        )


def compile_rules(rules: Iterable[Rule], universe: Universe = ODEEN) -> Program:
    """Compile rules (ASTs that passed :func:`rulelang.parser.check_rule`) to a program."""
    c = _Compiler(universe)
    c.add(rules)
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
        return row_popcounts(self.words)

    def sha256(self, r: int) -> str:
        """Hex SHA-256 of rule ``r``'s packed row (the golden data's checksum)."""
        return hashlib.sha256(self.packed[r].tobytes()).hexdigest()


def _as_scene_array(scenes: np.ndarray, universe: Universe) -> np.ndarray:
    scenes = np.asarray(scenes)
    if scenes.ndim != 2 or scenes.shape[1] != universe.length:
        raise ValueError(
            f"scenes must be an (n, {universe.length}) array of glyph indices, got shape {scenes.shape}"
        )
    if scenes.size and scenes.dtype.kind not in "iu":  # a cast would truncate 0.5 to 0
        raise ValueError(f"glyph indices must be integers, got dtype {scenes.dtype}")
    # Check before casting to uint8: 256 or -1 would wrap around to a valid glyph.
    if scenes.size and (scenes.min() < 0 or scenes.max() >= universe.n_glyphs):
        raise ValueError(f"glyph index out of range (universe has {universe.n_glyphs} glyphs)")
    return np.ascontiguousarray(scenes, dtype=np.uint8)


@lru_cache(maxsize=8)
def _all_scene_rows(universe: Universe) -> tuple[np.ndarray, np.ndarray]:
    return K.scene_rows(universe.all_scenes(), universe.n_glyphs)


def run(program: Program, scenes: np.ndarray | None = None, *, parallel: bool = False) -> LabelRows:
    """Label ``scenes`` (glyph indices, ``uint8[n, length]``; ``None`` = every scene).

    Args:
        parallel: use every core (worth it for large batches such as the whole universe).
    """
    u = program.universe
    if scenes is None:
        grows, valid = _all_scene_rows(u)
        n = u.n_scenes
    else:
        scenes = _as_scene_array(scenes, u)
        n = scenes.shape[0]
        grows, valid = K.scene_rows(scenes, u.n_glyphs)
    out = np.empty((program.n_rules, valid.shape[0]), dtype=np.uint64)
    if program.n_rules == 0:
        return LabelRows(out, n)
    chunks = n_threads() if parallel else 1
    n_sources, n_thr, n_temps = program.sources.shape[0], program.n_thresholds, program.n_temps
    orows, nrows, rows, pairs = K.prepare(grows, valid, program.objects, n_sources, program.atoms,
                                          u.length, u.n_glyphs, n_thr, chunks * n_temps)
    temps = K.FIRST + n_sources * n_thr
    if parallel:
        K.threshold_rows_parallel(orows, nrows, program.sources, u.length, n_thr, chunks, rows)
        K.rule_rows_parallel(rows, pairs, program.code, program.starts, chunks, temps, n_temps, out)
    else:
        K.threshold_rows(orows, nrows, program.sources, u.length, n_thr, 0, n_sources, rows)
        K.rule_rows(rows, pairs, program.code, program.starts, 0, program.n_rules, temps, out)
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
