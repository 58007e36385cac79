"""Trained models, ready to use: load a checkpoint and label, propose or predict.

* :class:`LearnedInterpreter` — reads rules (dialect words) and labels scenes; it never calls
  the exact checker.
* :class:`ConjectureGenerator` — proposes rules for a table (constrained beam search).
* :class:`LabelEmpiricist` — EMP-L: labels scenes from a table, with no rule.

Codes: E704 a model trained for another universe (its name, or its scenes' cells and
glyphs, differ from the universe asked for); E702/E703 see :mod:`rulelang.interp.checkpoint`.

Where models come from (:func:`model_path`): an explicit path; else, for a training
regime, ``models/<regime>/<kind>.pt`` (where ``rulelang train`` writes); else the default
model shipped inside the package (``interp/models/<kind>.pt``, trained in regime
:data:`DEFAULT_REGIME`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from rulelang.errors import RulelangError
from rulelang.universe import ODEEN, Universe

from . import checkpoint
from .decode import Beam, beam_search
from .nets import NetConfig, build
from .scenes import SceneGlyphs
from .vocab import RuleTrie, Vocab, dialect_texts

#: Where the shipped models live, and the regime they were trained in.
SHIPPED = Path(__file__).parent / "models"
DEFAULT_REGIME = "1438x10000"
#: Where ``rulelang train`` writes models by default: ``MODELS_DIR/<regime>/<kind>.pt``.
MODELS_DIR = Path("models")

#: Pairs labelled per forward pass when labelling many scenes.
CHUNK = 16384

#: How many conjectures the generator proposes per table (the CRN's B): the one default of
#: the CRN and EMP-R solvers (option ``beams``), ``rulelang play --beams`` and the Zendo
#: student. At 300 the shipped models' CRN reaches 0.98 x the exact search (BENCHMARKS.md §5).
BEAMS = 300
#: When none of them fits the table, the CRN also falsifies the rules one word away from this
#: many of its best conjectures (:func:`critical_rationalist`; 0: the paper's CRN).
REVISE = 20


def set_threads(n: int) -> None:
    """Use ``n`` CPU threads for torch (0: leave the default).

    Only on a real change: re-sizing torch's pool once Numba's parallel kernels have run (the
    harness's measures) was measured to slow every later torch op about tenfold.
    """
    if n and n != torch.get_num_threads():
        torch.set_num_threads(n)


def model_path(kind: str, path: str | os.PathLike | None = None, regime: str | None = None,
               models_dir: str | os.PathLike | None = None) -> Path:
    """The checkpoint to load for ``kind`` (see the module's docstring)."""
    if path:
        return Path(path)
    if regime:
        p = Path(models_dir or MODELS_DIR) / regime / f"{kind}.pt"
        if p.is_file() or regime != DEFAULT_REGIME:
            if not p.is_file():
                raise RulelangError(f"no {kind} trained in regime {regime}", code="E702", path=str(p),
                                    hint=f"train one with 'rulelang train {kind} --regime {regime}'")
            return p
    return SHIPPED / f"{kind}.pt"


class _Loaded:
    kind = ""

    def __init__(self, ckpt: dict[str, Any], path: str, universe: Universe = ODEEN,
                 threads: int | None = None) -> None:
        if ckpt.get("universe", universe.name) != universe.name:
            raise RulelangError(f"a model trained for universe {ckpt.get('universe')!r}, not {universe.name!r}",
                                code="E704", path=path,
                                hint="train the learners in this universe (rulelang train), or use the exact engines")
        self.path = path
        self.universe = universe
        self.regime = ckpt.get("regime")
        self.vocab = Vocab(tuple(ckpt["vocab"]), int(ckpt["net"]["max_len"]))
        mine = Vocab.for_dialect(universe)
        if self.vocab.words != mine.words:
            raise RulelangError(f"the model's vocabulary differs from the words of universe {universe.name!r}",
                                code="E703", path=path,
                                hint="train the learners in this universe (rulelang train), or use the exact engines")
        self.config = c = NetConfig.from_dict(ckpt["net"])
        if (c.length, c.n_glyphs) != (universe.length, universe.n_glyphs):
            raise RulelangError(f"the {self.kind} was trained for scenes of {c.length} cells and {c.n_glyphs} "
                                f"glyphs; universe {universe.name!r} has {universe.length} cells and "
                                f"{universe.n_glyphs} glyphs", code="E704", path=path,
                                hint="train the learners in this universe (rulelang train), or use the exact engines")
        self.net = build(self.kind, self.config)
        try:
            self.net.load_state_dict(ckpt["model"])
        except (RuntimeError, KeyError, TypeError) as err:
            raise RulelangError(f"the weights do not fit the network it describes: {str(err).splitlines()[0]}",
                                code="E702", path=path) from None
        self.net.eval()
        self.info = {k: ckpt.get(k) for k in ("regime", "step", "best_score", "best_step", "seconds", "params")}
        self.glyphs = SceneGlyphs(universe)

    @classmethod
    def load(cls, path: str | os.PathLike, universe: Universe = ODEEN) -> Any:
        return cls(checkpoint.load(path, cls.kind), str(path), universe)

    def _scenes(self, scenes: np.ndarray | Sequence[int]) -> torch.Tensor:
        """Scene indices -> glyph ids; glyph rows (``[n, length]``) pass through."""
        a = np.asarray(scenes)
        if a.ndim >= 2 and a.shape[-1] == self.universe.length and a.dtype == np.uint8:
            return torch.from_numpy(a.astype(np.int64))
        return self.glyphs[torch.from_numpy(a.astype(np.int64))]


class LearnedInterpreter(_Loaded):
    """``P(scene satisfies rule)`` from the rule's words, learned from examples."""

    kind = "interpreter"

    def tokens(self, rules: Sequence[str]) -> torch.Tensor:
        """Word ids and roles of ``rules`` (``[R, 2, L]``); E701 for a rule the model cannot read."""
        return torch.from_numpy(self.vocab.rules(rules, self.universe))

    @torch.inference_mode()
    def logits(self, rules: Sequence[str] | torch.Tensor, scenes: np.ndarray) -> np.ndarray:
        """``float32[R, S]``: logits of every scene (indices or glyph rows) under every rule."""
        tokens = rules if isinstance(rules, torch.Tensor) else self.tokens(rules)
        glyphs = self._scenes(scenes)
        r, s = tokens.shape[0], glyphs.shape[0]
        out = torch.empty(r, s)
        per = max(1, CHUNK // max(1, s))
        for i in range(0, r, per):
            table, summary = self.net.read_rules(tokens[i:i + per])
            n = table.shape[0]
            if n * s <= CHUNK:
                rule_of = torch.arange(n).repeat_interleave(s)
                out[i:i + n] = self.net.label(table, summary, rule_of, glyphs.repeat(n, 1)).view(n, s)
            else:
                for j in range(0, s, CHUNK):
                    part = glyphs[j:j + CHUNK]
                    out[i, j:j + part.shape[0]] = self.net.label(
                        table, summary, torch.zeros(part.shape[0], dtype=torch.long), part)
        return out.numpy()

    def labels(self, rules: Sequence[str] | torch.Tensor, scenes: np.ndarray) -> np.ndarray:
        """``bool[R, S]``: the interpreter's labels."""
        return self.logits(rules, scenes) > 0

    def label_all(self, rule: str) -> np.ndarray:
        """``bool[n_scenes]``: the rule's label on every scene of the universe."""
        return self.labels([rule], self.universe.all_scenes())[0]


def falsify(interpreter: LearnedInterpreter, tokens: torch.Tensor, scenes: np.ndarray,
            labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rank conjectures (word ids ``[R, L]``) against a table, as a critical rationalist would.

    Returns ``(order, mismatches, nll)``: the conjectures' order, best first (fewest scenes
    the interpreter labels against the table, then the lowest negative log-likelihood of the
    table's labels), and each conjecture's mismatches and likelihood (unordered).
    """
    return rank(interpreter.logits(tokens, scenes), labels)


def rank(logits: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`falsify` from the interpreter's logits ``float32[R, S]`` of the table's scenes."""
    logits = torch.from_numpy(np.ascontiguousarray(logits, dtype=np.float32))
    target = torch.from_numpy(np.array(labels, dtype=bool)).expand_as(logits)
    mismatches = ((logits > 0) != target).sum(1).numpy()
    nll = torch.nn.functional.binary_cross_entropy_with_logits(
        logits, target.float(), reduction="none").sum(1).numpy()
    return np.lexsort((nll, mismatches)), mismatches, nll


def critical_rationalist(interpreter: "LearnedInterpreter", generator: "ConjectureGenerator", scenes: np.ndarray,
                         labels: np.ndarray, beams: int = BEAMS, class_of: np.ndarray | None = None,
                         revise: int = REVISE) -> tuple[np.ndarray, np.ndarray, int]:
    """The CRN's ranked conjectures for one table: ``(rules, mismatches, proposed)``.

    The generator proposes ``beams`` distinct conjectures; the interpreter falsifies them
    (:func:`falsify`). With ``revise = K``, when no conjecture fits every observation, the
    rules one word away from the K best (:func:`rulelang.interp.vocab.dialect_neighbours`:
    the grammar's neighbours, phenomena not yet proposed) are falsified too and ranked with
    them: a refuted conjecture is revised, as a scientist would, before giving up.
    ``proposed`` counts the conjectures the generator proposed.
    """
    rules = generator.propose(scenes, labels, beams, class_of).rules
    proposed = int(rules.size)
    if not proposed:
        return rules, np.zeros(0, np.int64), 0
    texts = generator.texts
    order, mismatches, nll = falsify(interpreter, interpreter.tokens([texts[int(r)] for r in rules]), scenes, labels)
    rules, mismatches, nll = rules[order], mismatches[order], nll[order]
    if revise > 0 and mismatches[0] > 0:
        from .vocab import dialect_neighbours

        starts, ids = dialect_neighbours(generator.vocab, generator.universe)
        near = np.unique(np.concatenate([ids[starts[r]:starts[r + 1]] for r in rules[:revise]]))
        if class_of is not None:  # phenomena not proposed yet, one rule each
            near = near[~np.isin(class_of[near], class_of[rules])]
            near = near[np.unique(class_of[near], return_index=True)[1]]
        else:
            near = near[~np.isin(near, rules)]
        if near.size:
            _, m2, n2 = falsify(interpreter, interpreter.tokens([texts[int(r)] for r in near]), scenes, labels)
            rules, mismatches, nll = (np.concatenate([rules, near]), np.concatenate([mismatches, m2]),
                                      np.concatenate([nll, n2]))
            order = np.lexsort((nll, mismatches))
            rules, mismatches = rules[order], mismatches[order]
    return rules, mismatches, proposed


class ConjectureGenerator(_Loaded):
    """Proposes dialect rules for a table: grammar-constrained beam search."""

    kind = "generator"

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.trie = RuleTrie.for_dialect(self.vocab, self.universe)
        self.texts = dialect_texts(self.universe)

    def propose(self, scenes: np.ndarray, labels: np.ndarray, beams: int = BEAMS,
                class_of: np.ndarray | None = None) -> Beam:
        """Up to ``beams`` conjectures (distinct classes when ``class_of`` is given), best first."""
        glyphs = self._scenes(scenes).unsqueeze(0)
        lab = torch.from_numpy(np.array(labels, dtype=bool)).unsqueeze(0)
        return beam_search(self.net, glyphs, lab, self.trie, beams, class_of)[0]


class LabelEmpiricist(_Loaded):
    """EMP-L: labels scenes straight from a table."""

    kind = "empiricist"

    @torch.inference_mode()
    def logits(self, scenes: np.ndarray, labels: np.ndarray, queries: np.ndarray) -> np.ndarray:
        glyphs = self._scenes(scenes).unsqueeze(0)
        lab = torch.from_numpy(np.array(labels, dtype=bool)).unsqueeze(0)
        q = self._scenes(queries)
        out = [self.net(glyphs, lab, q[i:i + CHUNK].unsqueeze(0))[0] for i in range(0, q.shape[0], CHUNK)]
        return torch.cat(out).numpy()
