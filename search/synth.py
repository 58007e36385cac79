"""Explain a table in the full language: bottom-up enumerative synthesis.

The dialect covers 11,618 phenomena; a table may need more (``not``, nesting, counts up to
the scene length, chains of ``and``/``or``). This synthesiser enumerates rules of the full
language by size (words of the canonical text), smallest first, Popper-style
generate -> test -> prune:

* **generate**: size ``s`` = the propositions of ``s`` words, ``not x`` for ``x`` of
  ``s - 1`` words, and ``x and y`` / ``x or y`` for sizes summing to ``s - 1``;
* **prune** by observational equivalence: a rule is kept only if its *signature* (its
  labels on the table's scenes) is new; rules that behave alike on the table are
  interchangeable inside any larger rule, so the smallest explanation is never lost;
* **test**: every combination whose signature equals the table's labels is a solution;
  the search finishes the size where the first one appears (so all solutions reported have
  the minimal size) and confirms each with the exact checker.

Rules built from pruned twins are not generated, so the solutions are all minimal but not
necessarily every minimal rule; they are grouped by their labels on *all* scenes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from rulelang.ast import And, Not, Or, Prop, Quantity, Rule, in_dialect, size
from rulelang.checker import compile_rules, run
from rulelang.enumerate import dialect_objects
from rulelang.printer import format_rule
from rulelang.stream import STREAM_SCENES, classes as stream_classes
from rulelang.universe import Universe

from . import synth_kernels as K
from .table import Table

#: Combinations per kernel call (the timeout is checked between calls).
CHUNK = 1 << 21
#: Distinct signatures kept at most (about 25 bytes each with one word of signature, plus
#: the hash table): the search stops beyond, at about 0.7 GB.
MAX_SIGNATURES = 24_000_000
#: Solutions recorded per search at most.
MAX_SOLUTIONS = 64


@dataclass(frozen=True)
class Solution:
    """A rule that labels every scene of the table correctly.

    Attributes:
        rule: canonical text; ``ast`` the rule itself.
        words: its size.
        verified: the exact checker agrees with every label of the table.
        in_dialect: whether the rule is in the paper's dialect.
        true_count: scenes of the universe it labels true.
    """

    rule: str
    ast: Rule = field(repr=False)
    words: int
    verified: bool
    in_dialect: bool
    true_count: int


@dataclass(frozen=True)
class SizeStats:
    """One size of the search: combinations tried, new signatures kept, seconds."""

    size: int
    generated: int
    kept: int
    seconds: float


@dataclass(frozen=True)
class Synthesis:
    """The result of :func:`synthesize`.

    Attributes:
        solutions: minimal-size rules fitting the table, one per distinct meaning (on all
            scenes), verified by the exact checker; empty when none was found.
        complete_size: every rule up to this size was covered (up to observational
            equivalence); 0 if not even the smallest size finished.
        stopped: ``"found"``, ``"max-size"``, ``"timeout"`` or ``"memory"``.
        sizes: per-size statistics; ``phases``: seconds per phase.
    """

    n_scenes: int
    solutions: tuple[Solution, ...]
    complete_size: int
    max_size: int
    stopped: str
    sizes: tuple[SizeStats, ...]
    phases: dict[str, float]
    seconds: float

    @property
    def best(self) -> Solution | None:
        return self.solutions[0] if self.solutions else None

    def to_json(self) -> dict:
        return {
            "solutions": [{"rule": s.rule, "words": s.words, "verified": s.verified,
                           "in_dialect": s.in_dialect, "true_count": s.true_count}
                          for s in self.solutions],
            "complete_size": self.complete_size, "max_size": self.max_size,
            "stopped": self.stopped, "seconds": self.seconds, "phases": self.phases,
            "sizes": [{"size": s.size, "generated": s.generated, "kept": s.kept,
                       "seconds": s.seconds} for s in self.sizes],
        }

    def summary_block(self, universe_scenes: int | None = None) -> str:
        """The fixed block printed at the end of a search (solution, then summary)."""
        out = ["********** SOLUTION **********"]
        if self.best is None:
            out.append("no rule found")
        else:
            b = self.best
            whole = f" · true on {b.true_count:,} of {universe_scenes:,} scenes" if universe_scenes else ""
            out.append(b.rule)
            out.append(f"{b.words} words · consistent with {self.n_scenes}/{self.n_scenes} scenes "
                       f"({'verified by the exact checker' if b.verified else 'NOT VERIFIED'})"
                       f"{' · in the dialect' if b.in_dialect else ''}{whole}")
            for other in self.solutions[1:]:
                out.append(f"also {other.words} words (differs elsewhere): {other.rule}")
        out.append("********** SUMMARY **********")
        out.append(f"search      bottom-up by size, observational equivalence on {self.n_scenes} scenes")
        out.append(f"sizes       complete up to {self.complete_size} words (max {self.max_size}) · "
                   f"stopped: {self.stopped}")
        out.append("size   generated        kept   seconds")
        for s in self.sizes:
            out.append(f"{s.size:>4} {s.generated:>11,} {s.kept:>11,} {s.seconds:>9.3f}")
        phases = " · ".join(f"{k} {v:.3f} s" for k, v in self.phases.items())
        out.append(f"time        {phases} · total {self.seconds:.3f} s")
        out.append("******************************")
        return "\n".join(out)


def quantities(universe: Universe) -> list[Quantity]:
    """Every quantity of the full language: ``at_least/exactly/at_most n`` (n = 0..length), ``zero``."""
    n = range(universe.length + 1)
    return [Quantity(k, i) for k in ("at_least", "exactly", "at_most") for i in n] + [Quantity("zero")]


@lru_cache(maxsize=4)
def _leaves(universe: Universe) -> tuple[tuple[Prop, ...], np.ndarray, object]:
    """Every proposition, sorted by (size, text), with sizes and the compiled program."""
    objs = dialect_objects(universe)
    props = [Prop(q, o) for q in quantities(universe) for o in objs]
    props += [Prop(q, x, rel, y) for q in quantities(universe) for x in objs
              for rel in universe.relations for y in objs]
    props.sort(key=lambda p: (size(p), format_rule(p)))
    sizes = np.array([size(p) for p in props], dtype=np.int64)
    return tuple(props), sizes, compile_rules(props, universe)


class _Store:
    """Growable arrays of signatures and their provenance, with the hash table over them."""

    def __init__(self, n_words: int) -> None:
        cap = 1 << 16
        self.sigs = np.zeros((cap, n_words), dtype=np.uint64)
        self.ops = np.zeros(cap, dtype=np.int8)
        self.left = np.zeros(cap, dtype=np.int32)  # ids stay below MAX_SIGNATURES < 2**31
        self.right = np.zeros(cap, dtype=np.int32)
        self.n = 0
        self.slots = np.full(1 << 17, -1, dtype=np.int32)

    def reserve(self, extra: int) -> None:
        need = self.n + extra
        if need > self.sigs.shape[0]:
            cap = max(need, 2 * self.sigs.shape[0])
            for name in ("sigs", "ops", "left", "right"):
                old = getattr(self, name)
                new = np.zeros((cap,) + old.shape[1:], dtype=old.dtype)
                new[: self.n] = old[: self.n]
                setattr(self, name, new)
        if 2 * need > self.slots.shape[0]:
            n_slots = 1 << int(np.ceil(np.log2(2 * need)))
            self.slots = K.rehash(self.sigs, self.n, n_slots)


def synthesize(table: Table, *, max_size: int = 12, timeout: float = 10.0,
               max_solutions: int = MAX_SOLUTIONS) -> Synthesis:
    """Find the smallest rules of the full language that fit ``table`` (module docstring).

    Args:
        max_size: the largest rule size (words) to try.
        timeout: seconds before the search stops (checked between chunks of work).
        max_solutions: at most this many minimal solutions are recorded.
    """
    start = time.perf_counter()
    u = table.universe
    phases = {"leaves": 0.0, "generate+prune": 0.0, "confirm": 0.0}
    props, prop_sizes, program = _leaves(u)
    leaves = run(program, table.scenes).words  # type: ignore[arg-type]
    n_words = leaves.shape[1]
    valid = run(compile_rules([Prop(Quantity("at_least", 0), dialect_objects(u)[0])], u),
                table.scenes).words[0]
    goal = np.packbits(table.labels).astype(np.uint8)
    goal = np.pad(goal, (0, n_words * 8 - goal.shape[0])).view(np.uint64)
    phases["leaves"] = time.perf_counter() - start

    store = _Store(n_words)
    levels: dict[int, tuple[int, int]] = {}
    stats: list[SizeStats] = []
    sols = np.zeros((max_solutions, 3), dtype=np.int64)
    n_sols, complete, stopped = 0, 0, "max-size"
    deadline = start + timeout
    t_gen = time.perf_counter()
    for s in range(1, max_size + 1):
        t_size, lo, generated = time.perf_counter(), store.n, 0
        jobs = []  # (op, a0, a1, b0, b1, triangular)
        first = int(np.searchsorted(prop_sizes, s)), int(np.searchsorted(prop_sizes, s, side="right"))
        if first[1] > first[0]:
            jobs.append((K.OP_LEAF, first[0], first[1], 0, 1, False))
        if s - 1 in levels:
            jobs.append((K.OP_NOT, *levels[s - 1], 0, 1, False))
        for op in (K.OP_AND, K.OP_OR):
            for i in range(1, (s - 1) // 2 + 1):
                j = s - 1 - i
                if i in levels and j in levels:
                    jobs.append((op, *levels[i], *levels[j], i == j))
        interrupted = None
        for op, a0, a1, b0, b1, tri in jobs:
            width = max(1, b1 - b0)
            step = max(1, CHUNK // width)
            for c0 in range(a0, a1, step):
                c1 = min(a1, c0 + step)
                pairs = (c1 - c0) * width
                if tri:  # pairs b > a within the block
                    pairs = sum(max(0, b1 - max(b0, a + 1)) for a in range(c0, c1))
                if time.perf_counter() > deadline:
                    interrupted = "timeout"
                    break
                if store.n + pairs > MAX_SIGNATURES:
                    interrupted = "memory"
                    break
                store.reserve(pairs)
                store.n, n_sols = K.extend(store.sigs, store.ops, store.left, store.right, store.n,
                                           store.slots, leaves, op, c0, c1, b0, b1, tri, valid,
                                           goal, sols, n_sols)
                generated += pairs
            if interrupted:
                break
        levels[s] = (lo, store.n)
        stats.append(SizeStats(s, generated, store.n - lo, time.perf_counter() - t_size))
        if interrupted:
            stopped = interrupted
            break
        complete = s
        if n_sols:
            stopped = "found"
            break
    phases["generate+prune"] = time.perf_counter() - t_gen

    t_conf = time.perf_counter()
    rules = [_build(store, props, int(op), int(a), int(b)) for op, a, b in sols[:n_sols]]
    solutions = _confirm(rules, table) if rules else ()
    phases["confirm"] = time.perf_counter() - t_conf
    return Synthesis(len(table), solutions, complete, max_size, stopped, tuple(stats), phases,
                     time.perf_counter() - start)


def _build(store: _Store, props: tuple[Prop, ...], op: int, a: int, b: int) -> Rule:
    """The rule made by combination ``(op, a, b)`` (ids of kept signatures, or a leaf)."""
    if op == K.OP_LEAF:
        return props[a]

    def node(g: int) -> Rule:
        return _build(store, props, int(store.ops[g]), int(store.left[g]), int(store.right[g]))

    if op == K.OP_NOT:
        return Not(node(a))
    return (And if op == K.OP_AND else Or)(node(a), node(b))


def _confirm(rules: list[Rule], table: Table) -> tuple[Solution, ...]:
    """Check each rule with the exact checker; keep one per meaning over all scenes."""
    u = table.universe
    on_table = run(compile_rules(rules, u), table.scenes).bools()
    if u.n_scenes > STREAM_SCENES:  # too many scenes to hold: classes by streaming, verified
        meanings = stream_classes(rules, u)
        keep, counts = {g[0] for g in meanings.groups}, meanings.true_counts
    else:
        everywhere = run(compile_rules(rules, u), None, parallel=True)
        counts = everywhere.true_counts()
        firsts: dict[bytes, int] = {}
        for r in range(len(rules)):
            firsts.setdefault(everywhere.words[r].tobytes(), r)
        keep = set(firsts.values())
    out = []
    for r, rule in enumerate(rules):
        if r not in keep:
            continue
        out.append(Solution(format_rule(rule), rule, size(rule),
                            bool((on_table[r] == table.labels).all()), in_dialect(rule), int(counts[r])))
    out.sort(key=lambda s: (not s.verified, s.words, s.rule))
    return tuple(out)
