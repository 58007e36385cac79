"""The neural learners as engines that explain one table, for ``rulelang explain --engine``.

* ``crn`` — the Critical Rationalist Network: the generator proposes ``beams`` distinct
  conjectures, the interpreter labels the table under each, the one with the fewest
  mismatches wins (ties: the interpreter's likelihood of the table); when none fits, the
  best ones are revised (:func:`rulelang.interp.model.critical_rationalist`).
* ``isearch`` — every dialect rule ranked the same way by the interpreter.

The answer carries the *learned* count of mismatches (as the interpreter reads the rule);
judging it is the exact checker's job, done by the caller. Models come from a folder
holding ``interpreter.pt`` and ``generator.pt`` (default: the shipped ones); a missing,
unreadable or foreign model is refused naming its file, and so is a table of a universe the
models were not trained for (E704, see :mod:`rulelang.interp.model`), rather than answered
wrongly.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rulelang.errors import RulelangError
from rulelang.universe import Universe

from .model import BEAMS, REVISE, SHIPPED, ConjectureGenerator, LearnedInterpreter, critical_rationalist, falsify
from .vocab import dialect_classes, dialect_texts

ENGINES = ("crn", "isearch")
#: The models each engine needs.
NEEDS = {"crn": ("interpreter", "generator"), "isearch": ("interpreter",)}


@dataclass(frozen=True)
class NeuralAnswer:
    """What a neural engine answers for one table.

    Attributes:
        engine: ``crn`` or ``isearch``.
        rule: the best conjecture's text (None: the generator proposed nothing).
        learned_mismatches: table scenes the interpreter labels against the table under it.
        considered: rules falsified (for the CRN the generator's conjectures, at most B, and
            the revisions of the best refuted ones; for isearch the whole dialect).
        proposed: of those, the generator's conjectures (isearch: the whole dialect).
        runners_up: the next conjectures, best first.
        seconds: time to answer (the models already loaded).
    """

    engine: str
    rule: str | None
    learned_mismatches: int
    considered: int
    proposed: int
    runners_up: tuple[str, ...]
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {"engine": self.engine, "rule": self.rule, "learned_mismatches": self.learned_mismatches,
                "considered": self.considered, "proposed": self.proposed, "runners_up": list(self.runners_up),
                "seconds": round(self.seconds, 6)}


def model_files(models: str | Path | None, engines: tuple[str, ...]) -> dict[str, Path]:
    """The model file of each kind the engines need: ``models/KIND.pt`` (default: shipped)."""
    root = Path(models) if models else SHIPPED
    kinds = sorted({k for e in engines for k in NEEDS[e]})
    files = {k: root / f"{k}.pt" for k in kinds}
    for kind, path in files.items():
        if not path.is_file():
            raise RulelangError(f"no {kind} model in {root}", code="E702", path=str(path),
                                hint=f"the folder must hold {' and '.join(f'{k}.pt' for k in kinds)} "
                                     "(rulelang train writes models/REGIME/KIND.pt)")
    return files


class NeuralEngines:
    """Loaded models, ready to explain tables of ``universe``."""

    def __init__(self, universe: Universe, models: str | Path | None = None,
                 engines: tuple[str, ...] = ENGINES) -> None:
        files = model_files(models, engines)
        self.universe = universe
        self.interpreter = LearnedInterpreter.load(files["interpreter"], universe)
        self.generator = ConjectureGenerator.load(files["generator"], universe) if "generator" in files else None
        self.texts = dialect_texts(universe)
        self.class_of = dialect_classes(universe)
        self._all: Any = None

    def answer(self, engine: str, scenes: np.ndarray, labels: np.ndarray, beams: int = BEAMS,
               top: int = 5, revise: int = REVISE) -> NeuralAnswer:
        """``engine``'s answer for the table (``scenes``: glyph rows ``uint8[n, length]``)."""
        start = time.perf_counter()
        if engine == "crn":
            if self.generator is None:
                raise RulelangError("the CRN needs a generator model", code="E702")
            rules, mismatches, proposed = critical_rationalist(self.interpreter, self.generator, scenes, labels,
                                                               beams, self.class_of, revise)
        elif engine == "isearch":
            if self._all is None:
                self._all = self.interpreter.tokens(list(self.texts))
            order, mismatches, _ = falsify(self.interpreter, self._all, scenes, labels)
            rules, mismatches, proposed = order, mismatches[order], int(order.size)
        else:
            raise RulelangError(f"no neural engine {engine!r}", code="E505", expected=ENGINES)
        if not rules.size:
            return NeuralAnswer(engine, None, 0, 0, 0, (), time.perf_counter() - start)
        best = [self.texts[int(r)] for r in rules[:top + 1]]
        return NeuralAnswer(engine, best[0], int(mismatches[0]), int(rules.size), proposed, tuple(best[1:]),
                            time.perf_counter() - start)

