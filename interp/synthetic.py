"""Synthetic tables for the conjecture generator, labelled by the learned interpreter.

A generator trained only on the regime's R rules learns to write those rules back; it
composes new ones poorly. But the grammar names every rule of the dialect, and the
interpreter (trained in the same regime) can label scenes for any of them. So the
generator can also practise on *every* dialect rule — with labels that come from the
learned interpreter, never from the exact checker: the learner gets no information the
regime does not give it.

Rules of the validation and test phenomena (and every rule equivalent to one) are left
out, so that the generator has never been shown any text of a phenomenon it is scored on.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .model import LearnedInterpreter
from .vocab import dialect_texts


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
