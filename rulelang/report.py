"""Check a rule file against a scene file: the result records ``rulelang check`` prints.

A *finding* is something a user has to fix: a rule line that does not parse, a scene line
that does not parse, or a rule contradicted by a labelled scene (E401). Everything else —
which scenes each rule labels true, which rules explain the table — is the report around
the findings. The command line only formats these records; tests and other tools can call
:func:`check` directly.

Labelling compiles every rule of the file into one program and runs it once over all the
scenes, so checking many rules costs one pass, not one pass per rule. A small batch goes
to the reference evaluator instead, which beats the start-up time of the compiled checker
(see :data:`SMALL_BATCH`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .ast import Rule
from .errors import RulelangError, quoted
from .rulefile import RuleEntry, RuleFile, parse_rule_file
from .scenefile import SceneFile, parse_scene_file
from .universe import ODEEN, Universe

#: Code of the finding "a rule is contradicted by a labelled scene".
CONTRADICTED = "E401"

#: Up to this many labels (rules x scenes), ``engine="auto"`` uses the reference evaluator:
#: about 30 µs a label, while a fresh process needs about 0.7 s to import Numba and load the
#: cached kernels. So checking a small file stays well under a second from a cold start.
SMALL_BATCH = 10_000

#: How scenes can be labelled (see :func:`judge`).
ENGINES = ("auto", "compiled", "reference")


@dataclass(frozen=True)
class Falsifier:
    """A labelled scene a rule gets wrong: where it is, what the table says, what the rule says."""

    scene: str
    path: str
    line: int
    column: int
    expected: bool
    got: bool

    def to_json(self) -> dict:
        return {"scene": self.scene, "path": self.path, "line": self.line, "column": self.column,
                "expected": self.expected, "got": self.got}


@dataclass(frozen=True, eq=False)
class RuleResult:
    """One rule of the file, judged against the scenes.

    Attributes:
        entry: the rule as the file has it (name, line, text).
        labels: ``bool[n_scenes]``, the rule's label of every scene of the scene file
            (empty when there are no scenes).
        n_labelled: how many of those scenes carry a label.
        falsifiers: the labelled scenes whose label the rule contradicts, in file order.
    """

    entry: RuleEntry
    labels: np.ndarray
    n_labelled: int
    falsifiers: tuple[Falsifier, ...] = ()

    @property
    def n_true(self) -> int:
        """How many scenes of the file satisfy the rule."""
        return int(np.count_nonzero(self.labels))

    @property
    def explains(self) -> bool | None:
        """Whether the rule agrees with every labelled scene (``None``: nothing is labelled)."""
        return None if self.n_labelled == 0 else not self.falsifiers


@dataclass(frozen=True)
class Finding:
    """A diagnostic to fix, with its kind (``rule``, ``scene`` or ``contradiction``)."""

    kind: str
    error: RulelangError
    falsifiers: tuple[Falsifier, ...] = ()

    def to_json(self) -> dict:
        obj = {"kind": self.kind, **self.error.diagnostic.to_json()}
        if self.kind == "contradiction":
            obj["falsified_by"] = [f.to_json() for f in self.falsifiers]
        return obj


@dataclass
class CheckReport:
    """Everything ``rulelang check`` knows about a rule file and an optional scene file."""

    rule_file: RuleFile
    scene_file: SceneFile | None = None
    results: list[RuleResult] = field(default_factory=list)
    engine: str | None = None  # the engine that labelled the scenes (None: nothing to label)

    @property
    def contradicted(self) -> list[RuleResult]:
        return [r for r in self.results if r.explains is False]

    @cached_property
    def n_labelled(self) -> int:
        if self.scene_file is None:
            return 0
        return sum(e.label is not None for e in self.scene_file.entries)

    def findings(self) -> list[Finding]:
        """Every finding, the rule file's first, each file's in line order."""
        rule_findings = [Finding("rule", e) for e in self.rule_file.errors]
        rule_findings += [Finding("contradiction", _contradiction(r, self.rule_file, self.n_labelled),
                                  r.falsifiers) for r in self.contradicted]
        rule_findings.sort(key=lambda f: (f.error.line or 0, f.error.column or 0))
        scene_findings = [Finding("scene", e) for e in self.scene_file.errors] if self.scene_file else []
        return rule_findings + scene_findings


def _contradiction(result: RuleResult, rule_file: RuleFile, n_labelled: int) -> RulelangError:
    e = result.entry
    k = len(result.falsifiers)
    return RulelangError(
        f"rule {quoted(e.title, 60)} is falsified by {k} of {n_labelled} labelled scene{'s' if n_labelled != 1 else ''}",
        code=CONTRADICTED, path=rule_file.path, line=e.line, column=e.column,
        end_column=e.column + len(e.text), source_line=rule_file.lines[e.line - 1],
    )


def judge(rule_file: RuleFile, scene_file: SceneFile | None, universe: Universe = ODEEN, *,
          engine: str = "auto") -> CheckReport:
    """Label every scene under every good rule and compare with the scenes' labels.

    Args:
        engine: ``"compiled"`` labels all rules and scenes in one pass of the compiled
            checker; ``"reference"`` uses the reference evaluator; ``"auto"`` picks the
            reference for batches of at most :data:`SMALL_BATCH` labels, the compiled checker
            otherwise. Both are exact: only the time differs.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; expected one of {ENGINES}")
    report = CheckReport(rule_file, scene_file)
    entries = rule_file.entries
    if scene_file is None or not scene_file.entries or not entries:
        n = len(scene_file.entries) if scene_file is not None else 0
        report.results = [RuleResult(e, np.zeros(n, dtype=bool), 0) for e in entries]
        return report
    if engine == "auto":
        engine = "reference" if len(entries) * len(scene_file.entries) <= SMALL_BATCH else "compiled"
    report.engine = engine
    labels = _labels([e.rule for e in entries], scene_file, universe, engine)
    expected = scene_file.labels()
    labelled = expected >= 0
    scenes = scene_file.entries
    for e, got in zip(entries, labels):
        wrong = np.flatnonzero(labelled & (got != (expected == 1)))
        falsifiers = tuple(Falsifier(scenes[i].scene, scene_file.path, scenes[i].line, scenes[i].column,
                                     bool(scenes[i].label), bool(got[i])) for i in wrong)
        report.results.append(RuleResult(e, got, report.n_labelled, falsifiers))
    return report


def _labels(rules: list[Rule], scene_file: SceneFile, universe: Universe, engine: str) -> np.ndarray:
    """``bool[n_rules, n_scenes]``."""
    if engine == "compiled":
        # Imported here: the compiled checker pulls in Numba.
        from .checker import compile_rules, run

        return run(compile_rules(rules, universe), scene_file.scenes()).bools()
    from .reference import evaluate

    return np.array([[evaluate(r, s.scene, universe) for s in scene_file.entries] for r in rules],
                    dtype=bool).reshape(len(rules), len(scene_file.entries))


def check(rules_text: str, rules_path: str = "<rules>", scenes_text: str | None = None,
          scenes_path: str = "<scenes>", *, universe: Universe = ODEEN, dialect: bool = False,
          engine: str = "auto") -> CheckReport:
    """Parse a rule file and (optionally) a scene file, and judge the rules on the scenes.

    Bad lines of either file become findings; the good lines are still used. Never raises
    for the content of the files.
    """
    rule_file = parse_rule_file(rules_text, rules_path, universe=universe, dialect=dialect)
    scene_file = None
    if scenes_text is not None:
        scene_file = parse_scene_file(scenes_text, scenes_path, universe=universe)
    return judge(rule_file, scene_file, universe, engine=engine)
