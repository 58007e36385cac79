"""Grammar-constrained, batched beam search for the conjecture generator.

The decoder walks the dialect's :class:`~rulelang.interp.vocab.RuleTrie`: at every step only the
words that continue some dialect rule are allowed, so every finished hypothesis *is* a
dialect rule (its index comes from the trie's leaf; no parsing, no invalid output).

Batched: all tables and all their beams advance together, one network step per word. The
table encoding (the decoder's memory) is computed once per table and shared by its beams;
the GRU state is the only per-beam cache. Every time a live beam can end its rule, that
ending is recorded as a finished hypothesis; the live beams go on with the best
non-ending continuations. At the end, finished hypotheses are ranked by log-probability
and, given the dialect's semantic classes, de-duplicated: only the best-scored rule of
each class is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from .vocab import BOS, EOS, RuleTrie


@dataclass(frozen=True)
class Beam:
    """The conjectures of one table, best first.

    Attributes:
        rules: ``int64[n]`` dialect rule indices.
        scores: ``float32[n]`` their log-probabilities under the generator.
    """

    rules: np.ndarray
    scores: np.ndarray


_CHILDREN: dict[int, tuple[Tensor, Tensor]] = {}


def _trie_tensors(trie: RuleTrie) -> tuple[Tensor, Tensor]:
    key = id(trie)
    if key not in _CHILDREN:
        _CHILDREN[key] = (torch.from_numpy(trie.children.astype(np.int64)), torch.from_numpy(trie.rule_at))
    return _CHILDREN[key]


@torch.inference_mode()
def beam_search(model: torch.nn.Module, scenes: Tensor, labels: Tensor, trie: RuleTrie, beams: int,
                class_of: np.ndarray | None = None, keep: int | None = None) -> list[Beam]:
    """The ``keep`` (default ``beams``) best distinct conjectures for each table.

    Args:
        scenes: ``[T, k, length]`` glyph ids; labels: ``[T, k]`` booleans.
        class_of: the semantic class of each dialect rule; when given, equivalent rules are
            de-duplicated (the best-scored one stays).
    """
    keep = beams if keep is None else keep
    children, rule_at = _trie_tensors(trie)
    t_n = scenes.shape[0]
    memory, h = model.encode(scenes, labels)
    # Beam b of table t is row t * beams + b.
    table_of = torch.arange(t_n).repeat_interleave(beams)
    mem = memory[table_of]
    h = h[table_of]
    ctx = memory.mean(1)[table_of]
    nodes = torch.zeros(t_n, beams, dtype=torch.long)
    scores = torch.full((t_n, beams), float("-inf"))
    scores[:, 0] = 0.0
    prev = torch.full((t_n * beams,), BOS, dtype=torch.long)
    done_t: list[Tensor] = []
    done_r: list[Tensor] = []
    done_s: list[Tensor] = []
    n_vocab = children.shape[1]
    for _ in range(trie.depth):
        logits, h, ctx = model.step(mem, h, ctx, prev)
        logp = torch.log_softmax(logits.float(), -1).view(t_n, beams, n_vocab)
        child = children[nodes]  # [T, B, V]
        total = (scores.unsqueeze(-1) + logp).masked_fill(child < 0, float("-inf"))
        end = total[..., EOS]
        ok = torch.isfinite(end)
        if ok.any():
            ti, bi = ok.nonzero(as_tuple=True)
            done_t.append(ti)
            done_r.append(rule_at[child[ti, bi, EOS]])
            done_s.append(end[ti, bi])
        total[..., EOS] = float("-inf")
        top, idx = total.view(t_n, -1).topk(beams, dim=1)
        if not torch.isfinite(top).any():
            break
        beam, word = idx // n_vocab, idx % n_vocab
        nodes = child.view(t_n, -1).gather(1, idx).clamp(min=0)
        scores = top
        rows = (torch.arange(t_n).unsqueeze(1) * beams + beam).view(-1)
        h, ctx = h[rows], ctx[rows]
        prev = word.view(-1)
    return _collect(t_n, done_t, done_r, done_s, class_of, keep)


def _collect(t_n: int, done_t: list[Tensor], done_r: list[Tensor], done_s: list[Tensor],
             class_of: np.ndarray | None, keep: int) -> list[Beam]:
    if not done_t:
        return [Beam(np.zeros(0, np.int64), np.zeros(0, np.float32)) for _ in range(t_n)]
    t = torch.cat(done_t).numpy()
    r = torch.cat(done_r).numpy()
    s = torch.cat(done_s).numpy().astype(np.float32)
    order = np.lexsort((-s, t))  # by table, best first
    t, r, s = t[order], r[order], s[order]
    bounds = np.searchsorted(t, np.arange(t_n + 1))
    out = []
    for i in range(t_n):
        rr, ss = r[bounds[i]:bounds[i + 1]], s[bounds[i]:bounds[i + 1]]
        if class_of is not None and rr.size:
            _, first = np.unique(class_of[rr], return_index=True)
            first.sort()
            rr, ss = rr[first], ss[first]
        out.append(Beam(rr[:keep].astype(np.int64), ss[:keep]))
    return out


def greedy(model: torch.nn.Module, scenes: Tensor, labels: Tensor, trie: RuleTrie | None = None,
           batch: int = 256) -> np.ndarray:
    """The single best rule per table (a constrained beam of one); ``int64[T]``, -1 if none."""
    if trie is None:
        from .vocab import Vocab

        trie = RuleTrie.for_dialect(Vocab.for_dialect())
    out = np.full(scenes.shape[0], -1, dtype=np.int64)
    for i in range(0, scenes.shape[0], batch):
        for j, b in enumerate(beam_search(model, scenes[i:i + batch], labels[i:i + batch], trie, 1)):
            if b.rules.size:
                out[i + j] = b.rules[0]
    return out
