"""The implication structure of the dialect's phenomena, as a networkx graph.

Phenomenon A **implies** B when every scene true under A is true under B (A's true scenes
are a subset of B's). Over distinct phenomena this is a partial order; its transitive
reduction (the Hasse diagram) keeps an edge A -> B only when no phenomenon lies strictly
between. :func:`implication_graph` builds that diagram, for the whole dialect or for a set
of classes (a version space), in three steps:

1. signatures: each class's labels on a random sample of scenes; a superset's signature
   contains the subset's, so comparing signatures (plus true counts) finds every candidate
   pair, and a few false ones;
2. exact order: classes from the largest down; a candidate above an already verified
   superset is implied (transitivity), any other candidate is compared on every scene, and
   if it passes it is a cover;
3. the DiGraph: nodes are class ids with their canonical rule, edges the covers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

import numpy as np

from . import graph_kernels as K
from .index import DialectIndex, dialect_index

if TYPE_CHECKING:  # networkx is imported when a graph is built, not with the package
    import networkx as nx

#: Scenes sampled for the signatures (more: fewer false candidates, longer signatures).
SIGNATURE_SCENES = 4096


@dataclass(frozen=True)
class GraphStats:
    """How the graph was built: sizes and per-phase seconds."""

    nodes: int
    edges: int
    implications: int
    candidates: int
    seconds: dict[str, float] = field(default_factory=dict)


def implication_order(ids: Iterable[int] | None = None, index: DialectIndex | None = None,
                      *, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, GraphStats]:
    """The inclusion order of classes ``ids`` (default: all) and its covers.

    Returns ``(ids, up, cover, stats)``: ``up[i]`` / ``cover[i]`` are bit sets over positions
    in ``ids`` of the strict supersets / the covers of class ``ids[i]``.
    """
    ix = index or dialect_index()
    ids = np.arange(ix.n_classes, dtype=np.int64) if ids is None else \
        np.unique(np.asarray(list(ids), dtype=np.int64))
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    rng = np.random.default_rng(seed)
    pool = ix.distinct_scenes
    sample = np.sort(rng.choice(pool, min(SIGNATURE_SCENES, pool.shape[0]), replace=False))
    flags = np.unpackbits(ix.index[sample].view(np.uint8), axis=1, bitorder="little")[:, ids]
    sigs = np.packbits(np.ascontiguousarray(flags.T), axis=1, bitorder="little")
    pad = (-sigs.shape[1]) % 8
    sigs = np.ascontiguousarray(np.pad(sigs, ((0, 0), (0, pad)))).view(np.uint64)
    counts = ix.true_counts[ids]
    seconds["signatures"] = time.perf_counter() - t
    t = time.perf_counter()
    cand = K.candidate_supersets(sigs, counts)
    seconds["candidates"] = time.perf_counter() - t
    t = time.perf_counter()
    up, cover = K.hasse(ix.class_rows, ids, counts, cand)
    seconds["order"] = time.perf_counter() - t
    pop = lambda m: int(np.bitwise_count(m).sum())  # noqa: E731 - a one-line helper
    stats = GraphStats(int(ids.shape[0]), pop(cover), pop(up), pop(cand), seconds)
    return ids, up, cover, stats


def _pairs(bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    flags = np.unpackbits(bits.view(np.uint8), axis=1, bitorder="little")[:, : bits.shape[0]]
    return np.nonzero(flags)


def implication_graph(ids: Iterable[int] | None = None, index: DialectIndex | None = None,
                      *, seed: int = 0) -> tuple["nx.DiGraph", GraphStats]:
    """The Hasse diagram of the implication order over classes ``ids`` (default: all).

    Nodes are class ids with attributes ``rule`` (canonical text), ``words``, ``members``
    and ``true_count``; an edge ``a -> b`` says that ``a`` implies ``b`` and nothing in the
    set lies strictly between.
    """
    import networkx as nx

    ix = index or dialect_index()
    ids, _, cover, stats = implication_order(ids, ix, seed=seed)
    t = time.perf_counter()
    g = nx.DiGraph(name="implication", prior="2^-words")
    for c in ids.tolist():
        g.add_node(c, rule=ix.texts[c], words=int(ix.words[c]), members=int(ix.members[c]),
                   true_count=int(ix.true_counts[c]))
    src, dst = _pairs(cover)
    g.add_edges_from(zip(ids[src].tolist(), ids[dst].tolist()))
    stats.seconds["graph"] = time.perf_counter() - t
    return g, stats


def to_graphml(g: "nx.DiGraph") -> str:
    """GraphML text (readable by networkx.read_graphml, Gephi, yEd, ...)."""
    import networkx as nx

    return "\n".join(nx.generate_graphml(g)) + "\n"


def to_dot(g: "nx.DiGraph") -> str:
    """Graphviz DOT text; arrows point from a phenomenon to what it implies."""

    def quote(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["digraph implication {", "  rankdir=BT;", "  node [shape=box, fontsize=10];"]
    for n, data in g.nodes(data=True):
        lines.append(f"  {n} [label={quote(str(data.get('rule', n)))}];")
    for a, b in g.edges():
        lines.append(f"  {a} -> {b};")
    lines.append("}")
    return "\n".join(lines) + "\n"
