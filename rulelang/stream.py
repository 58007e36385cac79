"""Exact work on every scene of a universe too large to hold: block jobs, merged exactly.

A **block** is a range of scene indices ``[start, stop)`` whose boundaries are multiples of
64; its scenes are generated from their indices by the kernels
(:mod:`rulelang.stream_kernels`), never listed. A job compiles its rules once
(:class:`ProgramData`, the plain arrays a worker needs), runs one kernel per block on an
:class:`~rulelang.distributed.Executor` (in-process threads, or a Dask cluster) and merges
the partial results exactly: true counts and disagreement counts add up, fingerprints add
up modulo 2**64, the simplest counterexample is a minimum. None of these merges depends on
the blocks, so the results are bit-identical for any block size and any number of workers.

**Memory** does not grow with the universe. A worker thread holds one tile of rows at a
time (:data:`~rulelang.stream_kernels.TILE` scenes, 512 bytes per row: the glyph, object,
relation and threshold rows of the compiled sources plus a band of 256 rule rows; about
1.7 MB for the Odeen dialect) and 24 bytes of partial results per rule; the executor keeps
at most two blocks per worker in flight and the caller merges each result as it arrives.
The rules are compiled :data:`RULE_BLOCK` at a time. So a job needs ``O(rules)`` memory for
the rules and their merged results, plus ``O(workers x sources)`` for the tiles, whatever
the number of scenes (measured: BENCHMARKS.md §6).

**Semantic classes** (:func:`classes`): rules are grouped by (true count, 128-bit
fingerprint), then every member of a group is compared with its group's first rule on
every scene by a second streamed pass (:func:`~rulelang.stream_kernels.pair_diff_range`);
a member that differs (a fingerprint collision) starts a group of its own, checked again.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from . import stream_kernels as SK
from .ast import Rule
from .checker import Program, compile_rules
from .distributed import Executor, InProcess, Tick
from .universe import Universe

#: The semantics matrix of a universe is built in memory up to this many bytes; past it the
#: exact paths stream.
MATRIX_BUDGET = 1 << 30
#: Rules compiled into one program (one job's shared data); more make several jobs.
RULE_BLOCK = 1 << 16
#: Blocks per worker a job is cut into by default (balances the load; any number gives the
#: same results).
BLOCKS_PER_WORKER = 8
#: The largest default block, in scenes (so that an interrupt is answered within seconds).
MAX_BLOCK = 1 << 22
#: The most scenes a job over every scene may visit: a million blocks of MAX_BLOCK (Odeen
#: with 10 cells has 2.8e8 and takes minutes on 2 cores; 2**42 would take two core-months).
MAX_JOB_SCENES = 1 << 42
#: Universes of more scenes than this stream even jobs of a few rules (equivalence): their
#: scene list alone would not be small.
STREAM_SCENES = 1 << 22


def matrix_fits(universe: Universe, n_rules: int) -> bool:
    """Whether ``n_rules`` rows over every scene of ``universe`` fit :data:`MATRIX_BUDGET`."""
    return n_rules * ((universe.n_scenes + 63) // 64) * 8 <= MATRIX_BUDGET


@dataclass(frozen=True)
class ProgramData:
    """The plain arrays of a compiled :class:`~rulelang.checker.Program`: what a worker needs
    to label scenes (pickled small; no universe object, no rule objects)."""

    objects: np.ndarray
    sources: np.ndarray
    atoms: np.ndarray
    code: np.ndarray
    starts: np.ndarray
    n_thresholds: int
    n_temps: int
    length: int
    n_glyphs: int

    @classmethod
    def of(cls, program: Program) -> "ProgramData":
        u = program.universe
        return cls(program.objects, program.sources, program.atoms, program.code, program.starts,
                   program.n_thresholds, program.n_temps, u.length, u.n_glyphs)

    def args(self) -> tuple:
        return (self.objects, self.sources, self.atoms, self.code, self.starts, self.n_thresholds,
                max(1, self.n_temps), self.length, self.n_glyphs)


_malloc_checked = False


def keep_tiles_off_mmap() -> None:
    """Once per process: let glibc serve the tiles' arrays from its heap again.

    A tile allocates ~1.5 MB of rows. glibc normally learns to keep such blocks in its heap,
    but a fixed ``MALLOC_TRIM_THRESHOLD_`` (which Dask's nanny sets for every worker) turns
    that learning off, and every tile would then be a fresh ``mmap``: page faults and zeroing
    (measured: a fifth more CPU per block on a worker), or a heap trimmed after every tile.
    Only then are the two thresholds raised (at most 64 MB kept, against the tiles' churn).
    """
    global _malloc_checked
    if _malloc_checked:
        return
    _malloc_checked = True
    if not sys.platform.startswith("linux") or not (
            os.environ.get("MALLOC_TRIM_THRESHOLD_") or os.environ.get("MALLOC_MMAP_THRESHOLD_")):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's mallopt parameter numbers
        libc.mallopt(m_mmap_threshold, 32 << 20)  # tiles from the heap, not mmap ...
        libc.mallopt(m_trim_threshold, 64 << 20)  # ... and the heap not handed back after every tile
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass


def digest_block(data: ProgramData, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
    """``(true counts, fingerprints)`` of every rule on scenes ``start .. stop - 1``."""
    keep_tiles_off_mmap()
    return SK.digest_range(*data.args(), start, stop)


def pair_diff_block(data: ProgramData, start: int, stop: int) -> np.ndarray:
    """Disagreements of rules ``2p`` and ``2p + 1`` on scenes ``start .. stop - 1``."""
    keep_tiles_off_mmap()
    return SK.pair_diff_range(*data.args(), start, stop)


def first_diff_block(data: ProgramData, start: int, stop: int) -> tuple[int, int, int]:
    """``(disagreements, pieces, scene)`` of rules 0 and 1 on scenes ``start .. stop - 1``."""
    keep_tiles_off_mmap()
    n, pieces, scene = SK.first_diff_range(*data.args(), start, stop)
    return int(n), int(pieces), int(scene)


def blocks(n_scenes: int, block: int | None = None, workers: int = 1) -> list[tuple[int, int]]:
    """The blocks ``(start, stop)`` covering ``0 .. n_scenes - 1``, each ``block`` scenes
    (rounded up to a multiple of 64; default: about :data:`BLOCKS_PER_WORKER` per worker)."""
    if block is None:
        block = min(MAX_BLOCK, max(SK.TILE, -(-n_scenes // (BLOCKS_PER_WORKER * max(1, workers)))))
        block = -(-block // SK.TILE) * SK.TILE
    if block < 1:
        raise ValueError("a block holds at least one scene")
    block = -(-block // 64) * 64
    return [(s, min(s + block, n_scenes)) for s in range(0, n_scenes, block)]


def _programs(rules: Sequence[Rule], universe: Universe, rule_block: int | None) -> list[tuple[int, ProgramData]]:
    step = rule_block or RULE_BLOCK
    return [(r0, ProgramData.of(compile_rules(rules[r0:r0 + step], universe)))
            for r0 in range(0, len(rules), step)]


def job_fits(universe: Universe) -> bool:
    """Whether a job can visit every scene of ``universe`` (at most :data:`MAX_JOB_SCENES`)."""
    return universe.n_scenes <= MAX_JOB_SCENES


def _scene_index_fits(universe: Universe) -> None:
    """E205 for a universe of more scenes than a job can visit (:data:`MAX_JOB_SCENES`; its
    rules and scenes can still be parsed and labelled, only jobs over every scene are out
    of reach)."""
    if not job_fits(universe):
        from .errors import RulelangError

        why = ("more than 64-bit scene indices can count, so no job can visit every scene"
               if universe.n_scenes >= 1 << 62 else "more than a job over every scene may visit "
               f"(2**42 = {MAX_JOB_SCENES:.3g}: months of CPU time at this engine's speed)")
        raise RulelangError(f"universe {universe.name!r} has {universe.n_scenes:.3g} scenes, {why}",
                            code="E205", hint="fewer cells or glyphs: at most 2**42 scenes")


@dataclass(frozen=True)
class Digests:
    """Per rule, over every scene: ``counts`` (``int64``, true scenes) and ``fingerprints``
    (``uint64[R, 2]``); ``seconds`` and ``blocks`` tell how the job ran."""

    counts: np.ndarray
    fingerprints: np.ndarray
    seconds: float
    blocks: int


def digests(rules: Sequence[Rule], universe: Universe, executor: Executor | None = None, *,
            block: int | None = None, rule_block: int | None = None, tick: Tick | None = None) -> Digests:
    """True counts and row fingerprints of ``rules`` over every scene, streamed."""
    _scene_index_fits(universe)
    ex = executor or InProcess()
    start = time.perf_counter()
    bl = blocks(universe.n_scenes, block, ex.workers)
    counts = np.zeros(len(rules), dtype=np.int64)
    fps = np.zeros((len(rules), 2), dtype=np.uint64)
    n_blocks = 0
    for r0, data in _programs(rules, universe, rule_block):
        r1 = r0 + data.starts.size - 1
        for c, f in ex.map(digest_block, data, bl, tick):
            counts[r0:r1] += c
            fps[r0:r1] += f  # uint64 arithmetic wraps: the sum modulo 2**64
        n_blocks += len(bl)
    return Digests(counts, fps, time.perf_counter() - start, n_blocks)


def pair_differences(pairs: Sequence[tuple[Rule, Rule]], universe: Universe,
                     executor: Executor | None = None, *, block: int | None = None,
                     rule_block: int | None = None, tick: Tick | None = None) -> np.ndarray:
    """``int64[P]``: on how many scenes the two rules of each pair disagree, streamed."""
    _scene_index_fits(universe)
    ex = executor or InProcess()
    flat = [r for pair in pairs for r in pair]
    out = np.zeros(len(pairs), dtype=np.int64)
    step = 2 * ((rule_block or RULE_BLOCK) // 2)
    bl = blocks(universe.n_scenes, block, ex.workers)
    for r0, data in _programs(flat, universe, step):
        p0 = r0 // 2
        for d in ex.map(pair_diff_block, data, bl, tick):
            out[p0:p0 + d.size] += d
    return out


def first_difference(a: Rule, b: Rule, universe: Universe, executor: Executor | None = None, *,
                     block: int | None = None, tick: Tick | None = None) -> tuple[int, int]:
    """``(disagreements, scene index)`` of two rules over every scene, streamed: how many
    scenes they disagree on, and the simplest of them (fewest pieces, then first in scene
    order; ``-1`` when they agree on all)."""
    _scene_index_fits(universe)
    ex = executor or InProcess()
    data = ProgramData.of(compile_rules([a, b], universe))
    total, best = 0, (universe.length + 1, -1)
    for n, pieces, scene in ex.map(first_diff_block, data, blocks(universe.n_scenes, block, ex.workers), tick):
        total += n
        if scene >= 0 and (pieces, scene) < best:
            best = (pieces, scene)
    return total, best[1]


def scene_of(universe: Universe, index: int) -> np.ndarray:
    """The scene with index ``index`` (glyph indices), computed, not looked up."""
    return scenes_of(universe, np.array([index], dtype=np.int64))[0]


def scenes_of(universe: Universe, ids: np.ndarray) -> np.ndarray:
    """``uint8[n, length]``: the scenes with the given indices, computed, not looked up."""
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    if ids.size and (ids.min() < 0 or ids.max() >= universe.n_scenes):
        raise ValueError(f"scene indices must lie in 0..{universe.n_scenes - 1}")
    return SK.scenes_of_ids(ids, universe.n_glyphs, universe.length)


def groups(d: Digests) -> list[list[int]]:
    """Rules with equal (true count, fingerprint), each group ascending, in order of first member."""
    keys = np.empty(d.counts.size, dtype=[("c", np.int64), ("a", np.uint64), ("b", np.uint64)])
    keys["c"], keys["a"], keys["b"] = d.counts, d.fingerprints[:, 0], d.fingerprints[:, 1]
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # groups in order of their first rule
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    members: list[list[int]] = [[] for _ in range(order.size)]
    for r, g in enumerate(rank[inverse.reshape(-1)].tolist()):
        members[g].append(r)
    return members


@dataclass(frozen=True)
class StreamedClasses:
    """Semantic classes found by streaming: the groups of equivalent rules (verified
    exactly), every rule's true count, and what the job cost."""

    groups: list[list[int]]
    true_counts: np.ndarray
    digest_seconds: float
    verify_seconds: float
    verified_pairs: int
    collisions: int


def verify(candidates: list[list[int]], rules: Sequence[Rule], universe: Universe,
           executor: Executor | None = None, *, block: int | None = None,
           rule_block: int | None = None, tick: Tick | None = None) -> tuple[list[list[int]], int, int]:
    """Split groups of (probably) equivalent rules into exactly equivalent ones.

    Every member is compared with its group's first rule on every scene; the members that
    differ form a group of their own, compared again, until every group is exact.
    Returns ``(groups, pairs compared, collisions found)``.
    """
    done = [g for g in candidates if len(g) == 1]
    pending = [g for g in candidates if len(g) > 1]
    n_pairs = collisions = 0
    while pending:
        pairs = [(g[0], m) for g in pending for m in g[1:]]
        n_pairs += len(pairs)
        diff = pair_differences([(rules[a], rules[m]) for a, m in pairs], universe, executor,
                                block=block, rule_block=rule_block, tick=tick)
        bad = {m for (_, m), d in zip(pairs, diff.tolist()) if d}
        collisions += len(bad)
        nxt = []
        for g in pending:
            same = [g[0]] + [m for m in g[1:] if m not in bad]
            rest = [m for m in g[1:] if m in bad]
            done.append(same)
            if len(rest) == 1:
                done.append(rest)
            elif rest:
                nxt.append(rest)
        pending = nxt
    done.sort(key=lambda g: g[0])
    return done, n_pairs, collisions


def classes(rules: Sequence[Rule], universe: Universe, executor: Executor | None = None, *,
            block: int | None = None, rule_block: int | None = None,
            tick: Tick | None = None) -> StreamedClasses:
    """The semantic classes of ``rules`` over every scene of ``universe``, never holding a
    row: fingerprints first, then an exact check of every group (see the module docstring)."""
    d = digests(rules, universe, executor, block=block, rule_block=rule_block, tick=tick)
    start = time.perf_counter()
    exact, n_pairs, collisions = verify(groups(d), rules, universe, executor, block=block,
                                        rule_block=rule_block, tick=tick)
    return StreamedClasses(exact, d.counts, d.seconds, time.perf_counter() - start, n_pairs, collisions)
