"""Synthetic tables for the conjecture generator, labelled by the learned interpreter.

A generator trained only on the regime's R rules learns to write those rules back; it
composes new ones poorly. But the grammar names every rule of the dialect, and the
interpreter (trained in the same regime) can label scenes for any of them. So the
generator can also practise on *every* dialect rule — with labels that come from the
learned interpreter, never from the exact checker: the learner gets no information the
regime does not give it.

Rules of the validation and test phenomena (and every rule equivalent to one) are left
out, so that the generator has never been shown any text of a phenomenon it is scored on.

*Contrast scenes* (:func:`contrast_scenes`) make the practice tables look like the tables a
scientist would draw: for a rule, a scene that tells it apart from a *neighbour* (a dialect
rule one word away: ``at_least`` for ``exactly``, ``red`` for ``blue``, ``and`` for ``or``),
as the learned interpreter reads both. The grammar gives the neighbours, the interpreter the
labels; the exact checker is never asked.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .model import LearnedInterpreter
from .vocab import dialect_neighbours, dialect_texts


def synthetic_samples(dataset: Any, interpreter: LearnedInterpreter, per_rule: int, seed: int,
                      class_of: np.ndarray) -> Any:
    """``per_rule`` uniformly random scenes for every dialect rule outside the validation
    and test phenomena, labelled by ``interpreter``; a :class:`rulelang.data.Samples`."""
    from rulelang.data import Samples

    texts = dialect_texts(dataset.universe)
    held_out = np.zeros(int(class_of.max()) + 1, dtype=bool)
    for split in ("validation", "test"):
        if split in dataset.splits:
            held_out[class_of[dataset.rules(split)]] = True
    rules = np.flatnonzero(~held_out[class_of]).astype(np.int64)
    rng = np.random.default_rng([seed, 7, per_rule])
    scenes = rng.integers(dataset.universe.n_scenes, size=(rules.size, per_rule)).astype(np.uint32)
    tokens = interpreter.tokens([texts[r] for r in rules])
    labels = np.empty(scenes.shape, dtype=bool)
    block = max(1, 16384 // per_rule)
    glyphs = dataset.universe.all_scenes()
    for i in range(0, rules.size, block):
        part = slice(i, i + block)
        labels[part] = _label_rows(interpreter, tokens[part], glyphs[scenes[part]])
    return Samples(rules, tuple(texts[r] for r in rules), scenes, labels)


def _label_rows(interpreter: LearnedInterpreter, tokens: Any, glyphs: np.ndarray) -> np.ndarray:
    """Each rule's own scenes: ``glyphs`` is ``[R, S, length]``."""
    import torch

    with torch.inference_mode():
        logits = interpreter.net(tokens, torch.from_numpy(glyphs.astype(np.int64)))
    return (logits > 0).numpy()


def contrast_scenes(dataset: Any, interpreter: LearnedInterpreter, rules: np.ndarray, per_rule: int,
                    seed: int, candidates: int = 24) -> tuple[np.ndarray, np.ndarray]:
    """``per_rule`` contrast scenes for each of ``rules`` (dialect indices), and their labels.

    For each rule, ``per_rule`` neighbours are drawn (with replacement; a rule without
    neighbours gets random other rules) and ``candidates`` fresh random scenes; for each
    neighbour, the first candidate on which the interpreter labels the rule and the
    neighbour apart (none: a random candidate). Labels are the interpreter's reading of the
    rule. Returns ``(uint32[n, per_rule] scenes, bool[n, per_rule] labels)``.
    """
    texts = dialect_texts(dataset.universe)
    starts, ids = dialect_neighbours(interpreter.vocab, dataset.universe)
    rng = np.random.default_rng([seed, 11, per_rule, candidates])
    n = rules.size
    counts = starts[rules + 1] - starts[rules]
    pick = starts[rules][:, None] + (rng.random((n, per_rule)) * np.maximum(counts, 1)[:, None]).astype(np.int64)
    other = rng.integers(len(texts), size=(n, per_rule))
    if ids.size:
        other = np.where(counts[:, None] > 0, ids[np.minimum(pick, ids.size - 1)], other)
    cand = rng.integers(dataset.universe.n_scenes, size=(n, candidates)).astype(np.uint32)
    glyphs = dataset.universe.all_scenes()
    tok = interpreter.tokens(list(texts))
    own = np.empty((n, candidates), dtype=bool)
    theirs = np.empty((n, per_rule, candidates), dtype=bool)
    block = max(1, 16384 // ((per_rule + 1) * candidates))
    for i in range(0, n, block):
        part = slice(i, i + block)
        m = rules[part].size
        own[part] = _label_rows(interpreter, tok[rules[part]], glyphs[cand[part]])
        shared = np.repeat(glyphs[cand[part]], per_rule, axis=0)  # each neighbour reads its rule's candidates
        theirs[part] = _label_rows(interpreter, tok[other[part].reshape(-1)], shared).reshape(m, per_rule, candidates)
    differ = own[:, None, :] != theirs
    fallback = rng.integers(candidates, size=(n, per_rule))
    first = np.where(differ.any(-1), differ.argmax(-1), fallback)
    return np.take_along_axis(cand, first, 1), np.take_along_axis(own, first, 1)
