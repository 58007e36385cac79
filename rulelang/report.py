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

#: A contradiction (:class:`Finding`) lists at most this many falsifying scenes; it says how
#: many there are in all. Listing every one would cost rules x scenes records on a big table.
FALSIFIER_LIMIT = 20


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


class Labels:
    """Every rule's label of every scene of a file, and where they contradict the scenes' own
    labels, as packed bit rows (``numpy.packbits`` rows viewed as ``uint64`` words).

    Judging 1,000 rules on 100,000 scenes is then a few bit operations per word; a rule's
    booleans and its falsifying scenes are unpacked only when someone asks for them.
    """

    def __init__(self, rows: np.ndarray, scene_file: SceneFile) -> None:
        n = len(scene_file.entries)
        expected = scene_file.labels()
        self.rows, self.n_scenes, self.scene_file = rows, n, scene_file
        truth, labelled = _pack(np.stack([expected == 1, expected >= 0]), rows.shape[1])
        self.wrong = (rows ^ truth) & labelled
        self.n_true = _popcounts(rows)
        self.n_wrong = _popcounts(self.wrong)

    def labels(self, r: int) -> np.ndarray:
        """``bool[n_scenes]``: rule ``r``'s labels."""
        return np.unpackbits(self.rows[r].view(np.uint8), count=self.n_scenes).astype(bool)

    def wrong_scenes(self, r: int, limit: int | None = None) -> np.ndarray:
        """The positions (ascending) of the first ``limit`` labelled scenes rule ``r`` gets wrong."""
        words = np.flatnonzero(self.wrong[r])
        if limit is not None:
            words = words[:limit]  # each nonzero word holds at least one
        bits = np.unpackbits(self.wrong[r][words].view(np.uint8)).reshape(-1, 64).astype(bool)
        return (words[:, None] * 64 + np.arange(64))[bits][:limit]

    def falsifiers(self, r: int, limit: int | None = None) -> tuple[Falsifier, ...]:
        sf = self.scene_file
        scenes = sf.entries
        return tuple(Falsifier(scenes[i].scene, sf.path, scenes[i].line, scenes[i].column,
                               bool(scenes[i].label), not scenes[i].label)
                     for i in self.wrong_scenes(r, limit).tolist())


def _pack(bools: np.ndarray, n_words: int) -> np.ndarray:
    """``bool[k, n]`` as ``uint64[k, n_words]`` packed rows (padding bits clear).

    Plain numpy, as is :func:`_popcounts`: :mod:`rulelang.bits` would import Numba, which a
    small batch judged by the reference evaluator never needs (see :data:`SMALL_BATCH`).
    """
    out = np.zeros((bools.shape[0], n_words * 8), dtype=np.uint8)
    packed = np.packbits(bools, axis=1)
    out[:, : packed.shape[1]] = packed
    return out.view(np.uint64)


def _popcounts(rows: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):  # numpy >= 2
        return np.bitwise_count(rows).sum(axis=1, dtype=np.int64)
    return np.unpackbits(rows.view(np.uint8), axis=1).sum(axis=1, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class RuleResult:
    """One rule of the file, judged against the scenes.

    Attributes:
        entry: the rule as the file has it (name, line, text).
        n_labelled: how many scenes of the scene file carry a label.
        n_true: how many scenes of the file satisfy the rule.
        n_falsified: how many labelled scenes the rule contradicts.
        batch: the labels of the whole batch (``None`` when nothing was labelled), and the
            rule's ``row`` in it.
    """

    entry: RuleEntry
    n_labelled: int = 0
    n_true: int = 0
    n_falsified: int = 0
    batch: Labels | None = field(default=None, repr=False)
    row: int = 0

    @cached_property
    def labels(self) -> np.ndarray:
        """``bool[n_scenes]``, the rule's label of every scene of the scene file (empty when
        there are no scenes)."""
        return np.zeros(0, dtype=bool) if self.batch is None else self.batch.labels(self.row)

    @cached_property
    def falsifiers(self) -> tuple[Falsifier, ...]:
        """The labelled scenes whose label the rule contradicts, in file order (all of them:
        :meth:`first_falsifiers` is cheaper when only a few are shown)."""
        return self.first_falsifiers(None)

    def first_falsifiers(self, limit: int | None) -> tuple[Falsifier, ...]:
        """The first ``limit`` falsifying scenes, in file order."""
        return () if self.batch is None or not self.n_falsified else self.batch.falsifiers(self.row, limit)

    @property
    def explains(self) -> bool | None:
        """Whether the rule agrees with every labelled scene (``None``: nothing is labelled)."""
        return None if self.n_labelled == 0 else self.n_falsified == 0


@dataclass(frozen=True)
class Finding:
    """A diagnostic to fix, with its kind (``rule``, ``scene`` or ``contradiction``).

    A contradiction carries its first few falsifying scenes (:meth:`CheckReport.findings`)
    and, in ``n_falsifiers``, how many there are.
    """

    kind: str
    error: RulelangError
    falsifiers: tuple[Falsifier, ...] = ()
    n_falsifiers: int = 0

    def to_json(self) -> dict:
        obj = {"kind": self.kind, **self.error.diagnostic.to_json()}
        if self.kind == "contradiction":
            obj["falsified_by"] = [f.to_json() for f in self.falsifiers]
            obj["falsified_count"] = self.n_falsifiers
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

    def findings(self, falsifiers: int = FALSIFIER_LIMIT) -> list[Finding]:
        """Every finding, the rule file's first, each file's in line order; a contradiction
        lists its first ``falsifiers`` falsifying scenes."""
        rule_findings = [Finding("rule", e) for e in self.rule_file.errors]
        rule_findings += [Finding("contradiction", _contradiction(r, self.rule_file, self.n_labelled),
                                  r.first_falsifiers(falsifiers), r.n_falsified)
                          for r in self.contradicted]
        rule_findings.sort(key=lambda f: (f.error.line or 0, f.error.column or 0))
        scene_findings = [Finding("scene", e) for e in self.scene_file.errors] if self.scene_file else []
        return rule_findings + scene_findings


def _contradiction(result: RuleResult, rule_file: RuleFile, n_labelled: int) -> RulelangError:
    e = result.entry
    k = result.n_falsified
    return RulelangError(
        f"rule {quoted(e.title, 60)} is falsified by {k:,} of {n_labelled:,} labelled "
        f"scene{'s' if n_labelled != 1 else ''}",
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
        report.results = [RuleResult(e) for e in entries]
        return report
    if engine == "auto":
        engine = "reference" if len(entries) * len(scene_file.entries) <= SMALL_BATCH else "compiled"
    report.engine = engine
    batch = Labels(_label_rows([e.rule for e in entries], scene_file, universe, engine), scene_file)
    n_labelled = report.n_labelled
    report.results = [RuleResult(e, n_labelled, int(t), int(w), batch, r)
                      for r, (e, t, w) in enumerate(zip(entries, batch.n_true, batch.n_wrong))]
    return report


def _label_rows(rules: list[Rule], scene_file: SceneFile, universe: Universe, engine: str) -> np.ndarray:
    """``uint64[n_rules, words]``: the packed label rows of the rules on the file's scenes."""
    if engine == "compiled":
        # Imported here: the compiled checker pulls in Numba.
        from .checker import compile_rules, run

        return run(compile_rules(rules, universe), scene_file.scenes()).words
    from .reference import evaluate

    labels = np.array([[evaluate(r, s.scene, universe) for s in scene_file.entries] for r in rules],
                      dtype=bool).reshape(len(rules), len(scene_file.entries))
    return _pack(labels, max(1, (labels.shape[1] + 63) // 64))


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
