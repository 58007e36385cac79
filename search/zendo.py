"""Zendo in one dimension, both roles, driven line by line (a terminal, a file, a test).

* :class:`MasterGame` — the machine hides a rule; the player proposes scenes (the machine
  labels them) and guesses rules (the machine answers "correct" or shows a counterexample,
  the simplest scene where the guess and the hidden rule disagree).
* :class:`StudentGame` — the player (or an ``oracle``, e.g. a secret rule) hides a rule;
  the machine asks the most informative scenes (:func:`rulelang.search.active.next_scene`), guesses
  when its confidence is high enough, and takes counterexamples. When no dialect rule fits
  the answers it turns to the full-language synthesiser.

Both read commands through a :class:`Console` and never lose their state on bad input:
anything unreadable gets a short explanation and the same question again; end of input
ends the game cleanly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, TextIO

import numpy as np

from rulelang.ast import Rule
from rulelang.checker import compile_rules, label, run
from rulelang.equivalence import equivalent
from rulelang.errors import RulelangError
from rulelang.parser import parse
from rulelang.printer import format_rule
from rulelang.universe import ODEEN, Universe

from .active import next_scene
from .index import DialectIndex, dialect_index
from .table import Table
from .versionspace import explain

ANSWERS = {"true": True, "t": True, "yes": True, "y": True, "1": True, "white": True,
           "false": False, "f": False, "no": False, "n": False, "0": False, "black": False}


class Console:
    """Prompts on ``out``, answers from ``lines``; ``echo`` repeats each answer (for
    transcripts when the input is not a terminal). ``None`` means end of input."""

    def __init__(self, lines: Iterator[str], out: TextIO, *, echo: bool = False,
                 draw: Callable[[str], str] = lambda s: s) -> None:
        self.lines, self.out, self.echo, self.draw = iter(lines), out, echo, draw

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")

    def ask(self, prompt: str) -> str | None:
        self.out.write(prompt)
        self.out.flush()
        try:
            line = next(self.lines)
        except StopIteration:
            self.out.write("\n")
            return None
        line = line.rstrip("\r\n")
        if self.echo:
            self.out.write(line + "\n")
        return line.strip()


@dataclass(frozen=True)
class GameResult:
    """How a game ended.

    Attributes:
        outcome: ``"solved"`` (the right rule was found), ``"revealed"``, ``"quit"``, ``"eof"``
            or ``"gave-up"``.
        rule: the hidden rule (master) or the rule the machine settled on (student).
        scenes_asked: scenes proposed by the player (master) or asked by the machine (student).
        guesses: guesses made.
        table: every labelled scene of the game.
    """

    outcome: str
    rule: str | None
    scenes_asked: int
    guesses: int
    table: Table


def _parse_scene(text: str, universe: Universe) -> str | RulelangError:
    try:
        universe.parse_scene(text)
        return text
    except RulelangError as err:
        return err.located(path="<scene>", line=1, source_line=text)


class MasterGame:
    """The machine hides ``secret``; the player finds it."""

    HELP = ("commands:\n"
            "  SCENE          label a scene, e.g. A.vb.. ('.' empty; A V B red, a v b blue;\n"
            "                 A/a pyramid up, V/v pyramid down, B/b block)\n"
            "  guess RULE     guess the hidden rule (a bare rule works too)\n"
            "  table          the scenes labelled so far\n"
            "  reveal         give up and see the rule\n"
            "  help           this text;  quit  to stop")

    def __init__(self, secret: Rule, universe: Universe = ODEEN) -> None:
        self.secret, self.universe = secret, universe
        self.table = Table.from_pairs([], universe)
        self.asked = self.guesses = 0

    def _label(self, scene: str) -> bool:
        return bool(label(self.secret, self.universe.parse_scenes([scene]), self.universe)[0])

    def _record(self, scene: str, value: bool) -> None:
        if scene not in self.table.texts:
            self.table = self.table.with_scene(scene, value)

    def _examples(self) -> list[tuple[str, bool]]:
        """The simplest scene that follows the rule and the simplest that does not."""
        rows = run(compile_rules([self.secret], self.universe)).bools()[0]
        scenes = self.universe.all_scenes()
        order = np.argsort(self.universe.piece_counts(scenes), kind="stable")  # simplest first
        out = []
        for want in (True, False):
            hits = order[rows[order] == want]
            if hits.size:
                out.append((self.universe.format_scene(self.universe.all_scenes()[hits[0]]), want))
        return out

    def _result(self, outcome: str) -> GameResult:
        return GameResult(outcome, format_rule(self.secret), self.asked, self.guesses, self.table)

    def play(self, con: Console, color: bool = False) -> GameResult:
        con.say("I am thinking of a rule about scenes. Propose scenes and I will say whether "
                "they follow it; guess the rule when you know it. Type 'help' for commands.")
        for scene, value in self._examples():
            self._record(scene, value)
            con.say(f"  example: {con.draw(scene)}  {str(value).lower()}")
        while True:
            line = con.ask("scene or guess> ")
            if line is None:
                con.say(f"bye. The rule was: {format_rule(self.secret)}")
                return self._result("eof")
            word, _, rest = line.partition(" ")
            low = word.lower()
            if not line:
                continue
            if low in ("help", "?", "h"):
                con.say(self.HELP)
            elif low in ("quit", "exit", "q"):
                con.say(f"bye. The rule was: {format_rule(self.secret)}")
                return self._result("quit")
            elif low in ("reveal", "giveup", "give"):
                con.say(f"The rule was: {format_rule(self.secret)}")
                return self._result("revealed")
            elif low in ("table", "scenes", "history"):
                for scene, value in self.table.pairs():
                    con.say(f"  {con.draw(scene)}  {str(value).lower()}")
            elif low == "guess" or " " in line:
                if self._guess(rest if low == "guess" else line, con, color):
                    return self._result("solved")
            else:
                scene = _parse_scene(line, self.universe)
                if isinstance(scene, RulelangError):
                    con.say(scene.diagnostic.render(color))
                    con.say("(not a scene; type 'help' for commands)")
                    continue
                value = self._label(scene)
                self.asked += 1
                self._record(scene, value)
                con.say(f"  {con.draw(scene)}  {str(value).lower()}")

    def _guess(self, text: str, con: Console, color: bool) -> bool:
        try:
            rule = parse(text, universe=self.universe)
        except RulelangError as err:
            con.say(err.located(path="<guess>", source_line=text).diagnostic.render(color))
            con.say("(not a rule; type 'help' for commands)")
            return False
        self.guesses += 1
        verdict = equivalent(rule, self.secret, self.universe)
        if verdict.equivalent:
            con.say(f"correct! The rule is: {format_rule(self.secret)} "
                    f"({self.asked} scene{'s' * (self.asked != 1)}, {self.guesses} guess{'es' * (self.guesses != 1)})")
            return True
        scene = verdict.counterexample or ""
        truth = bool(verdict.labels[1]) if verdict.labels else False
        self._record(scene, truth)
        con.say(f"no. Counterexample: {con.draw(scene)} is {str(truth).lower()} under my rule "
                f"(yours says {str(not truth).lower()})")
        return False


class StudentGame:
    """The machine finds a hidden rule by asking scenes.

    Args:
        oracle: answers for the hidden rule (``scene -> label``) and judges guesses
            (``rule -> None`` when right, else a counterexample ``(scene, label)``); ``None``
            asks the player through the console.
        confidence: guess once the best candidate's posterior share reaches this.
        criterion, prior: how to choose questions (:func:`rulelang.search.active.next_scene`).
        max_questions, max_guesses: give up after this many (a safety net).
    """

    def __init__(self, index: DialectIndex | None = None, *, universe: Universe = ODEEN,
                 oracle: "Oracle | None" = None, confidence: float = 1.0,
                 criterion: str = "cover", prior: str = "uniform", max_questions: int = 200,
                 max_guesses: int = 30, synth_max_size: int = 10, synth_timeout: float = 10.0) -> None:
        self.index = index or dialect_index(universe)
        self.universe, self.oracle, self.confidence = universe, oracle, confidence
        self.criterion, self.prior = criterion, prior
        self.max_questions, self.max_guesses = max_questions, max_guesses
        self.synth = (synth_max_size, synth_timeout)
        self.table = Table.from_pairs([], universe)
        self.asked = self.guesses = 0

    def _result(self, outcome: str, rule: str | None) -> GameResult:
        return GameResult(outcome, rule, self.asked, self.guesses, self.table)

    def play(self, con: Console, color: bool = False) -> GameResult:
        con.say("Think of a rule about scenes; I will ask about scenes until I can name it. "
                "Answer true or false ('help' for more).")
        last: str | None = None
        while True:
            exp = explain(self.table, index=self.index)
            if exp.status == "none":
                self._nearest(con)
                guess, conf = self._synthesise(con)
                if guess is None:
                    con.say("I give up: no rule I can build fits your answers.")
                    return self._result("gave-up", last)
            elif exp.confidence >= self.confidence or exp.status == "identified":
                guess, conf = exp.best.rule, exp.confidence  # type: ignore[union-attr]
            else:
                if self.asked >= self.max_questions:
                    con.say(f"I give up after {self.asked} questions.")
                    return self._result("gave-up", exp.best.rule)  # type: ignore[union-attr]
                q = next_scene(exp.version_space, criterion=self.criterion, prior=self.prior)
                if q is None:  # cannot happen with distinct classes; be safe
                    guess, conf = exp.best.rule, exp.confidence  # type: ignore[union-attr]
                else:
                    answer = self._answer(q.scene, con, len(exp.version_space))
                    if answer is None:
                        return self._result("eof", last)
                    if isinstance(answer, str):
                        return self._result(answer, last)
                    self.asked += 1
                    self.table = self.table.with_scene(q.scene, answer)
                    continue
            if self.guesses >= self.max_guesses:
                con.say(f"I give up after {self.guesses} wrong guesses.")
                return self._result("gave-up", last)
            last = guess
            verdict = self._verdict(guess, conf, con)
            if verdict is None:
                con.say(f"settled on: {guess} after {self.asked} scenes")
                return self._result("solved", guess)
            if isinstance(verdict, str):
                return self._result(verdict, last)
            scene, value = verdict
            self.table = self.table.with_scene(scene, value)

    def _question(self, scene: str, con: Console, n: int) -> str:
        return f"scene {self.asked + 1}: {con.draw(scene)}  ({n:,} candidates left) true or false? "

    def _answer(self, scene: str, con: Console, n: int) -> bool | str | None:
        prompt = self._question(scene, con, n)
        if self.oracle is not None:
            value = self.oracle.label(scene)
            con.say(f"{prompt}{str(value).lower()}")
            return value
        while True:
            line = con.ask(prompt)
            if line is None:
                return None
            low = line.lower()
            if low in ANSWERS:
                return ANSWERS[low]
            if low in ("quit", "exit", "q"):
                return "quit"
            con.say("please answer true or false (yes/no, t/f, 1/0 work too); "
                    "quit stops the game" + ("" if low in ("help", "?", "") else f" — not {line!r}"))

    def _verdict(self, guess: str, conf: float, con: Console) -> tuple[str, bool] | str | None:
        self.guesses += 1
        con.say(f"I think the rule is: {guess}  (confidence {conf:.0%})")
        rule = parse(guess, universe=self.universe)
        if self.oracle is not None:
            ce = self.oracle.judge(rule)
            if ce is None:
                con.say("the master says: correct")
                return None
            con.say(f"the master says: no, {con.draw(ce[0])} is {str(ce[1]).lower()}")
            return ce
        while True:
            line = con.ask("is that your rule? (yes, or: no SCENE true|false) ")
            if line is None:
                return "eof"
            words = line.split()
            low = [w.lower() for w in words]
            if low and low[0] in ("yes", "y", "correct", "right"):
                return None
            if low and low[0] in ("quit", "exit", "q"):
                return "quit"
            if low and low[0] in ("no", "n"):
                words = words[1:]
            if len(words) == 2 and words[1].lower() in ANSWERS:
                checked = self._counterexample(words[0], ANSWERS[words[1].lower()], rule)
                if isinstance(checked, tuple):
                    return checked
                con.say(checked)
            else:
                con.say("answer yes, or show a scene where it fails with your rule's label, "
                        "e.g. 'no A.vb.. true'")

    def _counterexample(self, scene: str, value: bool, rule: Rule) -> tuple[str, bool] | str:
        parsed = _parse_scene(scene, self.universe)
        if isinstance(parsed, RulelangError):
            return parsed.diagnostic.render(False)
        mine = bool(label(rule, self.universe.parse_scenes([scene]), self.universe)[0])
        if mine == value:
            return f"my rule also says {str(value).lower()} for {scene}: that is not a counterexample"
        if scene in self.table.texts:
            return f"you told me earlier that {scene} is {str(mine).lower()}"
        return scene, value

    def _nearest(self, con: Console, limit: int = 3) -> None:
        """Say that no phenomenon fits the answers, and show the dialect rules that
        contradict the fewest of them (the version space with a tolerance)."""
        n = len(self.table)
        con.say(f"no rule of the dialect fits all {n} answers: one of them may be wrong, "
                "or your rule is outside the dialect.")
        near = next(e for e in (explain(self.table, tolerance=k, index=self.index) for k in range(1, n + 1))
                    if e.n_candidates)
        k = near.tolerance
        con.say(f"nearest dialect rules (each contradicts {k} answer{'s' * (k != 1)}):")
        for c in near.candidates(limit):
            mine = self.index.labels_of(c.class_id, self.table.scene_ids)
            wrong = [f"{t} {str(v).lower()}" for t, v, m in zip(self.table.texts, self.table.labels, mine) if v != m]
            con.say(f"  {c.rule}  (not: {', '.join(wrong)})")

    def _synthesise(self, con: Console) -> tuple[str | None, float]:
        from .synth import synthesize

        con.say("searching the full language for a rule outside the dialect ...")
        res = synthesize(self.table, max_size=self.synth[0], timeout=self.synth[1], max_solutions=8)
        if res.best is None:
            return None, 0.0
        return res.best.rule, 1.0 / len(res.solutions)


class Oracle:
    """A hidden rule that answers questions and judges guesses (an unattended master)."""

    def __init__(self, secret: Rule, universe: Universe = ODEEN) -> None:
        self.secret, self.universe = secret, universe

    def label(self, scene: str) -> bool:
        return bool(label(self.secret, self.universe.parse_scenes([scene]), self.universe)[0])

    def judge(self, rule: Rule) -> tuple[str, bool] | None:
        v = equivalent(rule, self.secret, self.universe)
        if v.equivalent:
            return None
        return v.counterexample or "", bool(v.labels[1]) if v.labels else False


def random_secret(seed: int | None, index: DialectIndex | None = None) -> Rule:
    """A random non-constant phenomenon of the dialect (its canonical rule), seeded."""
    ix = index or dialect_index()
    rng = np.random.default_rng(seed)
    ok = np.flatnonzero((ix.true_counts > 0) & (ix.true_counts < ix.n_scenes))
    return ix.rules[int(rng.choice(ok))]
