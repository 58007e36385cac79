"""Zendo in one dimension, both roles: the rules of the game, and one loop that plays them.

The game logic lives in two state objects that any front end advances — the terminal loop
here (:func:`play_master`, :func:`play_student`), or a web board:

* :class:`MasterGame` — the machine hides a rule; the player proposes scenes
  (:meth:`~MasterGame.label`) and guesses rules (:meth:`~MasterGame.guess`: "correct", or
  the simplest scene where the guess and the hidden rule disagree).
* :class:`StudentGame` — the machine is the student. A **student** is any player behind one
  small interface, :class:`Student`: given the answers so far it makes a move — ask a scene
  (:class:`Ask`), guess a rule (:class:`Guess`) or give up (:class:`GiveUp`). The exact
  student is :class:`SearchStudent` (version spaces and active questions); the neural one is
  :class:`rulelang.interp.zendo.NeuralStudent`. The game enforces the rules for both: it
  records answers, judges counterexamples, and stops at the limits.

A game's whole state is its table of answers and a few counters, so a front end can store
it and rebuild the game. The loops never lose their state on bad input: anything
unreadable gets a short explanation and the same question again; end of input ends the
game cleanly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Protocol, TextIO, Union

import numpy as np

from rulelang.ast import Rule
from rulelang.checker import label
from rulelang.equivalence import equivalent, examples
from rulelang.errors import RulelangError
from rulelang.parser import parse
from rulelang.printer import format_rule
from rulelang.universe import ODEEN, Universe

from .index import DialectIndex, dialect_index
from .active import ask
from .table import Table
from .versionspace import explain

ANSWERS = {"true": True, "t": True, "yes": True, "y": True, "1": True, "white": True,
           "false": False, "f": False, "no": False, "n": False, "0": False, "black": False}
QUIT = ("quit", "exit", "q")


class Console:
    """Prompts on ``out``, answers from ``lines``; ``echo`` repeats each answer (for
    transcripts when the input is not a terminal); ``draw`` draws a scene (colours are the
    command line's business); ``verbose`` shows more. ``None`` means end of input."""

    def __init__(self, lines: Iterator[str], out: TextIO, *, echo: bool = False,
                 draw: Callable[[str], str] = lambda s: s, verbose: bool = False) -> None:
        self.lines, self.out, self.echo, self.draw = iter(lines), out, echo, draw
        self.verbose = verbose

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


def parse_scene(text: str, universe: Universe) -> str | RulelangError:
    """The scene, or the diagnostic saying why it is not one."""
    try:
        universe.parse_scene(text)
        return text
    except RulelangError as err:
        return err.located(path="<scene>", line=1, source_line=text)


# -- the machine as master -----------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """The master's answer to a guess: correct, or a counterexample with the hidden rule's label."""

    correct: bool
    counterexample: str | None = None
    truth: bool | None = None  # the hidden rule's label of the counterexample (the guess says not)


class MasterGame:
    """The machine hides ``secret``; the player finds it."""

    @property
    def HELP(self) -> str:
        """The commands, with a scene and the glyphs of this game's universe."""
        u = self.universe
        return ("commands:\n"
                f"  SCENE          label a scene, e.g. {u.example_scene}\n"
                f"                 ({u.glyph_legend()})\n"
                "  guess RULE     guess the hidden rule (a bare rule works too)\n"
                "  table          the scenes labelled so far\n"
                "  reveal         give up and see the rule\n"
                "  help           this text;  quit  to stop")

    def __init__(self, secret: Rule, universe: Universe = ODEEN) -> None:
        self.secret, self.universe = secret, universe
        self.table = Table.from_pairs([], universe)
        self.asked = self.guesses = 0
        self.outcome: str | None = None

    @property
    def rule(self) -> str:
        return format_rule(self.secret)

    def _record(self, scene: str, value: bool) -> None:
        if scene not in self.table.texts:
            self.table = self.table.with_scene(scene, value)

    def examples(self) -> list[tuple[str, bool]]:
        """The simplest scene that follows the rule and the simplest that does not (recorded)."""
        ex = examples(self.secret, self.universe)
        out = [(s, want) for s, want in ((ex.satisfying, True), (ex.falsifying, False)) if s is not None]
        for scene, value in out:
            self._record(scene, value)
        return out

    def label(self, scene: str) -> bool:
        """The hidden rule's label of ``scene`` (recorded in the table).

        Raises:
            RulelangError: E201/E202 for a scene that is not one of this universe's.
        """
        codes = self.universe.parse_scenes([scene])
        value = bool(label(self.secret, codes, self.universe)[0])
        self.asked += 1
        self._record(scene, value)
        return value

    def guess(self, text: str) -> Verdict:
        """Judge a guessed rule: correct, or the simplest counterexample (recorded).

        Raises:
            RulelangError: for text that is not a rule (the guess is not counted).
        """
        rule = parse(text, universe=self.universe)
        self.guesses += 1
        verdict = equivalent(rule, self.secret, self.universe)
        if verdict.equivalent:
            self.outcome = "solved"
            return Verdict(True)
        scene = verdict.counterexample or ""
        truth = bool(verdict.labels[1]) if verdict.labels else False
        self._record(scene, truth)
        return Verdict(False, scene, truth)

    def stop(self, outcome: str) -> None:
        """End the game: ``"revealed"``, ``"quit"`` or ``"eof"``."""
        self.outcome = outcome

    def result(self) -> GameResult:
        return GameResult(self.outcome or "quit", self.rule, self.asked, self.guesses, self.table)

    def state(self) -> dict:
        """The whole game as plain, JSON-ready data; :meth:`restore` rebuilds it."""
        return {"secret": self.rule, "table": [[s, v] for s, v in self.table.pairs()],
                "asked": self.asked, "guesses": self.guesses, "outcome": self.outcome}

    @classmethod
    def restore(cls, state: dict, universe: Universe = ODEEN) -> "MasterGame":
        """The game whose :meth:`state` was ``state``.

        Raises:
            RulelangError: for a state whose rule or scenes are not of ``universe``.
        """
        game = cls(parse(state["secret"], universe=universe), universe)
        game.table = Table.from_pairs(((s, bool(v)) for s, v in state["table"]), universe)
        game.asked, game.guesses = int(state["asked"]), int(state["guesses"])
        game.outcome = state["outcome"]
        return game

    def play(self, con: Console, color: bool = False) -> GameResult:
        return play_master(self, con, color)


def play_master(game: MasterGame, con: Console, color: bool = False) -> GameResult:
    """The master's side of the game in a terminal (or any line-by-line console)."""
    con.say("I am thinking of a rule about scenes. Propose scenes and I will say whether "
            "they follow it; guess the rule when you know it. Type 'help' for commands.")
    for scene, value in game.examples():
        con.say(f"  example: {con.draw(scene)}  {str(value).lower()}")
    while game.outcome is None:
        line = con.ask("scene or guess> ")
        if line is None:
            con.say(f"bye. The rule was: {game.rule}")
            game.stop("eof")
            break
        word, _, rest = line.partition(" ")
        low = word.lower()
        if not line:
            continue
        if low in ("help", "?", "h"):
            con.say(game.HELP)
        elif low in QUIT:
            con.say(f"bye. The rule was: {game.rule}")
            game.stop("quit")
        elif low in ("reveal", "giveup", "give"):
            con.say(f"The rule was: {game.rule}")
            game.stop("revealed")
        elif low in ("table", "scenes", "history"):
            for scene, value in game.table.pairs():
                con.say(f"  {con.draw(scene)}  {str(value).lower()}")
        elif low == "guess" or " " in line:
            text = rest if low == "guess" else line
            try:
                verdict = game.guess(text)
            except RulelangError as err:
                con.say(err.located(path="<guess>", source_line=text).diagnostic.render(color))
                con.say("(not a rule; type 'help' for commands)")
                continue
            if verdict.correct:
                con.say(f"correct! The rule is: {game.rule} ({game.asked} scene{'s' * (game.asked != 1)}, "
                        f"{game.guesses} guess{'es' * (game.guesses != 1)})")
            else:
                con.say(f"no. Counterexample: {con.draw(verdict.counterexample or '')} is "
                        f"{str(verdict.truth).lower()} under my rule (yours says {str(not verdict.truth).lower()})")
        else:
            scene = parse_scene(line, game.universe)
            if isinstance(scene, RulelangError):
                con.say(scene.diagnostic.render(color))
                con.say("(not a scene; type 'help' for commands)")
                continue
            con.say(f"  {con.draw(scene)}  {str(game.label(scene)).lower()}")
    return game.result()


# -- the machine as student ------------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    """The student asks for the label of ``scene``.

    ``remaining``: how many phenomena are still possible (``None``: this student does not
    count them); ``leading``: the leading candidates, best first; ``note``: what to say first.
    """

    scene: str
    remaining: int | None = None
    leading: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Guess:
    """The student names a rule: ``rule`` is the simplest rule of its phenomenon, ``conjecture``
    the student's own text when it differs (shown with ``-v``)."""

    rule: str
    confidence: float
    conjecture: str | None = None
    note: str = ""


@dataclass(frozen=True)
class GiveUp:
    """The student stops: why, and its best rule so far (if any)."""

    reason: str
    best: str | None = None
    note: str = ""


Move = Union[Ask, Guess, GiveUp]
MOVES = {"ask": Ask, "guess": Guess, "give-up": GiveUp}


def move_data(move: Move) -> dict:
    """A move as plain, JSON-ready data: its fields and its ``kind`` (``ask``, ``guess``,
    ``give-up``); :func:`move_from_data` reads it back."""
    kind = next(k for k, cls in MOVES.items() if isinstance(move, cls))
    data = {"kind": kind, **{f: getattr(move, f) for f in move.__dataclass_fields__}}
    if isinstance(move, Ask):
        data["leading"] = list(move.leading)
    return data


def move_from_data(data: dict) -> Move:
    """The move that :func:`move_data` wrote."""
    fields = {k: v for k, v in data.items() if k != "kind"}
    if data["kind"] == "ask":
        fields["leading"] = tuple(fields.get("leading", ()))
    return MOVES[data["kind"]](**fields)


class Student(Protocol):
    """A Zendo student: from the answers so far, its next move.

    ``may_ask`` is false once the game's question limit is reached: the student must then
    guess or give up. ``intro`` is what it says when a game starts.
    """

    intro: str

    def move(self, table: Table, *, may_ask: bool = True) -> Move: ...


class Oracle:
    """A hidden rule that answers questions and judges guesses (an unattended master)."""

    def __init__(self, secret: Rule, universe: Universe = ODEEN) -> None:
        self.secret, self.universe = secret, universe

    def label(self, scene: str) -> bool:
        return bool(label(self.secret, self.universe.parse_scenes([scene]), self.universe)[0])

    def judge(self, rule: Rule) -> tuple[str, bool] | None:
        """``None`` when ``rule`` is the hidden one, else a counterexample and its true label."""
        v = equivalent(rule, self.secret, self.universe)
        if v.equivalent:
            return None
        return v.counterexample or "", bool(v.labels[1]) if v.labels else False


class StudentGame:
    """One game with the machine as student: the rules of the game, for any :class:`Student`.

    Advance it with :meth:`move` (the student's move in the current state), then
    :meth:`answer` an :class:`Ask`, or :meth:`accept` / :meth:`reject` a :class:`Guess`.
    ``oracle`` (a hidden rule) lets a loop answer for the player.
    """

    def __init__(self, student: Student, universe: Universe = ODEEN, *, oracle: Oracle | None = None,
                 max_questions: int = 200, max_guesses: int = 30) -> None:
        self.student, self.universe, self.oracle = student, universe, oracle
        self.max_questions, self.max_guesses = max_questions, max_guesses
        self.table = Table.from_pairs([], universe)
        self.asked = self.guesses = 0
        self.last: str | None = None  # the latest rule guessed
        self.outcome: str | None = None
        self._pending: Move | None = None

    def move(self) -> Move:
        """The student's move now (the same move until it is answered)."""
        if self._pending is None:
            may_ask = self.asked < self.max_questions
            m = self.student.move(self.table, may_ask=may_ask)
            if isinstance(m, Ask) and not may_ask:
                m = GiveUp(f"I give up after {self.asked} questions.", self.last)
            elif isinstance(m, Guess) and self.guesses >= self.max_guesses:
                m = GiveUp(f"I give up after {self.guesses} wrong guesses.", self.last)
            if isinstance(m, Guess):
                self.guesses += 1
                self.last = m.rule
            elif isinstance(m, GiveUp):
                self.outcome = "gave-up"
            self._pending = m
        return self._pending

    def answer(self, value: bool) -> None:
        """The player's label of the scene the student asked about."""
        m = self._pending
        if not isinstance(m, Ask):
            raise RulelangError("the student has not asked about a scene", code="E505")
        self.table = self.table.with_scene(m.scene, bool(value))
        self.asked += 1
        self._pending = None

    def accept(self) -> None:
        """The student's guess is the hidden rule."""
        if not isinstance(self._pending, Guess):
            raise RulelangError("the student has not guessed", code="E505")
        self.outcome = "solved"

    def reject(self, scene: str, value: bool) -> str | None:
        """The guess is wrong: ``scene`` has label ``value`` under the hidden rule.

        Returns ``None`` when the counterexample is taken, else why it is refused (a bad
        scene, a scene the guess labels as ``value`` too, or one that contradicts an
        earlier answer); the game then waits for another verdict.
        """
        m = self._pending
        if not isinstance(m, Guess):
            raise RulelangError("the student has not guessed", code="E505")
        parsed = parse_scene(scene, self.universe)
        if isinstance(parsed, RulelangError):
            return parsed.diagnostic.render(False)
        rule = parse(m.rule, universe=self.universe)
        mine = bool(label(rule, self.universe.parse_scenes([scene]), self.universe)[0])
        if mine == value:
            return f"my rule also says {str(value).lower()} for {scene}: that is not a counterexample"
        earlier = dict(self.table.pairs()).get(scene)
        if earlier is not None and earlier != value:
            return f"you told me earlier that {scene} is {str(earlier).lower()}"
        # (A scene answered before is a fair counterexample too: a student that does not
        # check its guesses exactly, like the neural one, may contradict an answer.)
        if earlier is None:
            self.table = self.table.with_scene(scene, value)
        self._pending = None
        return None

    def stop(self, outcome: str) -> None:
        """End the game: ``"quit"`` or ``"eof"``."""
        self.outcome = outcome

    def result(self) -> GameResult:
        rule = self.last if self.outcome != "gave-up" or not isinstance(self._pending, GiveUp) \
            else (self._pending.best or self.last)
        return GameResult(self.outcome or "quit", rule, self.asked, self.guesses, self.table)

    def state(self) -> dict:
        """The whole game as plain, JSON-ready data, the move awaiting an answer included (so
        a guess is not counted twice); :meth:`restore` rebuilds it with a student."""
        return {"table": [[s, v] for s, v in self.table.pairs()], "asked": self.asked,
                "guesses": self.guesses, "last": self.last, "outcome": self.outcome,
                "max_questions": self.max_questions, "max_guesses": self.max_guesses,
                "pending": None if self._pending is None else move_data(self._pending)}

    @classmethod
    def restore(cls, student: Student, state: dict, universe: Universe = ODEEN, *,
                oracle: Oracle | None = None) -> "StudentGame":
        """The game whose :meth:`state` was ``state``, played by ``student`` (students are
        deterministic given the table, a neural one given its seed too).

        Raises:
            RulelangError: for a state whose scenes are not of ``universe``.
        """
        game = cls(student, universe, oracle=oracle, max_questions=int(state["max_questions"]),
                   max_guesses=int(state["max_guesses"]))
        game.table = Table.from_pairs(((s, bool(v)) for s, v in state["table"]), universe)
        game.asked, game.guesses = int(state["asked"]), int(state["guesses"])
        game.last, game.outcome = state["last"], state["outcome"]
        game._pending = None if state["pending"] is None else move_from_data(state["pending"])
        return game

    def play(self, con: Console, color: bool = False) -> GameResult:
        return play_student(self, con, color)


STUDENT_HELP = ("answer true or false (also: yes/no, t/f, y/n, 1/0, white/black); "
                "quit stops the game")


def play_student(game: StudentGame, con: Console, color: bool = False) -> GameResult:
    """The student's game in a terminal: the player (or the game's oracle) answers."""
    con.say(game.student.intro)
    while game.outcome is None:
        m = game.move()
        if m.note:
            con.say(m.note)
        if isinstance(m, GiveUp):
            con.say(m.reason)
        elif isinstance(m, Ask):
            left = f"  ({m.remaining:,} candidates left)" if m.remaining is not None else ""
            prompt = f"scene {game.asked + 1}: {con.draw(m.scene)}{left} true or false? "
            value = _label_from(game, con, prompt, m.scene)
            if value is not None:
                game.answer(value)
        else:
            _judge(game, m, con)
    if game.outcome == "solved":
        con.say(f"settled on: {game.last} after {game.asked} scenes")
    elif game.outcome == "eof":
        con.say("game abandoned (end of input)")
    return game.result()


def _label_from(game: StudentGame, con: Console, prompt: str, scene: str) -> bool | None:
    if game.oracle is not None:
        value = game.oracle.label(scene)
        con.say(f"{prompt}{str(value).lower()}")
        return value
    while True:
        line = con.ask(prompt)
        if line is None:
            game.stop("eof")
            return None
        low = line.lower()
        if low in ANSWERS:
            return ANSWERS[low]
        if low in QUIT:
            game.stop("quit")
            return None
        con.say("please " + STUDENT_HELP + ("" if low in ("help", "?", "h", "") else f" — not {line!r}"))


def _judge(game: StudentGame, m: Guess, con: Console) -> None:
    raw = f"; conjectured as: {m.conjecture}" if con.verbose and m.conjecture else ""
    con.say(f"I think the rule is: {m.rule}  (confidence {m.confidence:.0%}{raw})")
    if game.oracle is not None:
        ce = game.oracle.judge(parse(m.rule, universe=game.universe))
        if ce is None:
            con.say("the master says: correct")
            game.accept()
        else:
            con.say(f"the master says: no, {con.draw(ce[0])} is {str(ce[1]).lower()}")
            refused = game.reject(*ce)
            if refused is not None:  # a truthful master's counterexample is never refused
                con.say(refused)
                game.stop("gave-up")
        return
    while game.outcome is None:
        line = con.ask("is that your rule? (yes, or: no SCENE true|false) ")
        if line is None:
            game.stop("eof")
            return
        words = line.split()
        low = [w.lower() for w in words]
        if low and low[0] in ("yes", "y", "correct", "right"):
            game.accept()
            return
        if low and low[0] in QUIT:
            game.stop("quit")
            return
        if low and low[0] in ("no", "n"):
            words = words[1:]
        if len(words) == 2 and words[1].lower() in ANSWERS:
            refused = game.reject(words[0], ANSWERS[words[1].lower()])
            if refused is None:
                return
            con.say(refused)
        else:
            con.say("answer yes, or show a scene where it fails with your rule's label, "
                    f"e.g. 'no {game.universe.example_scene} true'")


# -- the exact student -------------------------------------------------------------------------


class SearchStudent:
    """The exact student: the version space of the answers, and the most useful question.

    It asks the scenes :func:`rulelang.search.active.next_scene` picks until one phenomenon
    is left (or, with ``confidence`` below 1, until the best one's posterior reaches it),
    then guesses that phenomenon's simplest rule. When no dialect rule fits the answers it
    searches the full language.

    Args:
        confidence: guess once the best candidate's posterior share reaches this.
        criterion, prior: how to choose questions (:func:`rulelang.search.active.next_scene`).
        synth_max_size, synth_timeout: the full-language search's limits.
    """

    intro = ("Think of a rule about scenes; I will ask about scenes until I can name it. "
             "Answer true or false ('help' for more).")

    def __init__(self, index: DialectIndex | None = None, *, universe: Universe = ODEEN,
                 confidence: float = 1.0, criterion: str = "cover", prior: str = "uniform",
                 synth_max_size: int = 10, synth_timeout: float = 10.0) -> None:
        self.index = index or dialect_index(universe)
        self.confidence, self.criterion, self.prior = confidence, criterion, prior
        self.synth = (synth_max_size, synth_timeout)

    def move(self, table: Table, *, may_ask: bool = True) -> Move:
        exp = explain(table, index=self.index)
        if exp.status == "none":
            return self._synthesise(table)
        best = exp.best
        assert best is not None
        if exp.confidence >= self.confidence or exp.status == "identified" or not may_ask:
            return Guess(best.rule, exp.confidence)
        q = ask(exp.version_space, criterion=self.criterion, prior=self.prior)
        if q is None:  # cannot happen with distinct classes; be safe
            return Guess(best.rule, exp.confidence)
        return Ask(q.scene, exp.n_candidates, tuple(c.rule for c in exp.candidates(3)))

    def _nearest(self, table: Table, limit: int = 3) -> str:
        """Says that no phenomenon fits the answers, and which dialect rules contradict the
        fewest of them (the version space with a tolerance)."""
        n = len(table)
        near = next(e for e in (explain(table, tolerance=k, index=self.index) for k in range(1, n + 1))
                    if e.n_candidates)
        k = near.tolerance
        lines = [f"no rule of the dialect fits all {n} answers: one of them may be wrong, "
                 "or your rule is outside the dialect.",
                 f"nearest dialect rules (each contradicts {k} answer{'s' * (k != 1)}):"]
        for c in near.candidates(limit):
            mine = self.index.labels_of(c.class_id, table.scene_ids)
            wrong = [f"{t} {str(v).lower()}" for t, v, m in zip(table.texts, table.labels, mine) if v != m]
            lines.append(f"  {c.rule}  (not: {', '.join(wrong)})")
        return "\n".join(lines)

    def _synthesise(self, table: Table) -> Move:
        from .synth import synthesize

        note = self._nearest(table) + "\nsearching the full language for a rule outside the dialect ..."
        res = synthesize(table, max_size=self.synth[0], timeout=self.synth[1], max_solutions=8)
        if res.best is None:
            return GiveUp("I give up: no rule I can build fits your answers.", note=note)
        return Guess(res.best.rule, 1.0 / len(res.solutions), note=note)


def random_secret(seed: int | None, index: DialectIndex | None = None) -> Rule:
    """A random non-constant phenomenon of the dialect (its canonical rule), seeded."""
    ix = index or dialect_index()
    rng = np.random.default_rng(seed)
    ok = np.flatnonzero((ix.true_counts > 0) & (ix.true_counts < ix.n_scenes))
    return ix.rules[int(rng.choice(ok))]
